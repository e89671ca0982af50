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
need docker-registry skopeo curl ab
SRC=${1:-/usr/share}
ROUNDS=${2:-3}

mkdir -p "$T/l"
tar -C "$(dirname "$SRC")" -cf - "$(basename "$SRC")" 2>/dev/null | tar -C "$T/l" -xf -
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/l"
start_registry reg
PX_LOG_LEVEL=warn start_proxy px "$REG_URL"
best() { sort -g | head -n 1; }
timeit() { s=$(date +%s.%N); "$@" >>"$T/timeit.log" 2>&1 || echo "# failed: $*" >&2; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
: > "$T/d"; : > "$T/p"
i=0
while [ $i -lt "$ROUNDS" ]; do
	timeit skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
	    "docker://127.0.0.1:$REG_PORT/direct/r$i:v1" >> "$T/d"
	timeit skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
	    "docker://127.0.0.1:$PX_PORT/proxied/r$i:v1" >> "$T/p"
	i=$((i + 1))
done
td=$(best < "$T/d"); tp=$(best < "$T/p")
scanned=$(curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')
# First pull judges the image; then time cache hits.
curl -s -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1"
ab -q -k -n 4000 -c 4 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1" > "$T/abp" 2>&1
ab -q -k -n 4000 -c 4 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$REG_PORT/v2/proxied/r0/manifests/v1" > "$T/abd" 2>&1
lp=$(sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' "$T/abp" | head -n 1)
ld=$(sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' "$T/abd" | head -n 1)
echo "# layer: $SRC ($(du -sh "$T/img/blobs" | cut -f1) compressed image), best of $ROUNDS"
echo "# push direct ${td}s, through the scanning proxy ${tp}s ($scanned layers scanned)"
echo "push time proxy/direct: $(awk -v a="$tp" -v b="$td" 'BEGIN{printf "%.3f", a/b}')x (target <= 1.10)"
echo "judged manifest GET latency proxy/direct: $(awk -v a="$lp" -v b="$ld" 'BEGIN{printf "%.3f", a/b}')x (${lp} ms vs ${ld} ms, 4 keep-alive clients)"
