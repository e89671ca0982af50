#!/bin/sh
# Push through the scanning proxy vs straight to the registry, in one
# run: skopeo pushes an image whose layer is a gzip'd tar of a real tree
# (default /usr/share) to a fresh repository each round; the proxy scans
# every layer as it streams through. Also times a cache-hit manifest GET
# (a judged image) through the proxy vs nginx-free direct access.
#   sh tests/bench/push_bench.sh [DIR] [ROUNDS]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl ab nginx
SRC=${1:-/usr/share}
ROUNDS=${2:-3}

mkdir -p "$T/l"
tar -C "$(dirname "$SRC")" -cf - "$(basename "$SRC")" 2>/dev/null | tar -C "$T/l" -xf -
start_registry reg
# /usr/share carries sample keys in its docs: judge, but let it pull.
PX_LOG_LEVEL=warn start_proxy px "$REG_URL" "policy:
  severity: none
  secrets: false"
start_nginx "$REG_PORT"
best() { sort -g | head -n 1; }
timeit() { s=$(date +%s.%N); "$@" >>"$T/timeit.log" 2>&1 || echo "# failed: $*" >&2; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
# wait until the proxy has recorded n layers (the scan may trail the push)
scanned_wait() {
	w=0
	while [ $w -lt 600 ]; do
		n=$(curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.1
		w=$((w + 1))
	done
}
: > "$T/d"; : > "$T/p"
i=0
while [ $i -lt "$ROUNDS" ]; do
	# A new layer each round: skopeo remembers blobs it pushed and would
	# mount them instead of uploading.
	echo "round $i $$" > "$T/l/round"
	MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img$i" v1 "$T/l"
	timeit skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img$i:v1" \
	    "docker://127.0.0.1:$REG_PORT/direct/r$i:v1" >> "$T/d"
	echo "round $i $$ proxied" > "$T/l/round"
	MKIMAGE_CONFIG='"User":"app"' mkimage "$T/imgp$i" v1 "$T/l"
	timeit skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/imgp$i:v1" \
	    "docker://127.0.0.1:$PX_PORT/proxied/r$i:v1" >> "$T/p"
	# Let the scan finish before the next direct push is timed.
	scanned_wait $((2 * (i + 1)))
	rm -rf "$T/img$i" "$T/imgp$i"
	i=$((i + 1))
done
td=$(best < "$T/d"); tp=$(best < "$T/p")
scanned=$(curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')
# First pull judges the image; then time cache hits.
curl -s -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1"
curl -s -o /dev/null -w "# one judged GET through the proxy: %{time_total}s\n" -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1"
ab -q -k -n 4000 -c 4 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1" > "$T/abp" 2>&1
ab -q -k -n 4000 -c 4 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$REG_PORT/v2/proxied/r0/manifests/v1" > "$T/abd" 2>&1
ab -q -k -n 4000 -c 4 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$NG_PORT/v2/proxied/r0/manifests/v1" > "$T/abn" 2>&1
lp=$(sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' "$T/abp" | head -n 1)
ld=$(sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' "$T/abd" | head -n 1)
ln=$(sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' "$T/abn" | head -n 1)
echo "# layer: $SRC ($(du -sh "$T/l" | cut -f1) uncompressed), best of $ROUNDS"
echo "# push direct ${td}s, through the scanning proxy ${tp}s ($scanned layers scanned)"
echo "push time proxy/direct: $(awk -v a="$tp" -v b="$td" 'BEGIN{printf "%.3f", a/b}')x (target <= 1.10)"
echo "judged manifest GET latency portcullis/nginx: $(awk -v a="$lp" -v b="$ln" 'BEGIN{printf "%.3f", a/b}')x (${lp} ms vs ${ln} ms, 4 keep-alive clients; direct ${ld} ms)"
