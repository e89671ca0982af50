#!/bin/sh
# Push through the scanning proxy vs straight to the registry, in one
# run: skopeo pushes an image whose layer is a gzip'd tar of a real tree
# (default /usr/share) to a fresh repository each round, alternating
# direct, nginx-proxied (a plain streaming proxy: the floor for any
# proxy on this machine) and scanning-proxy pushes, in an order that
# turns each round; the proxy scans
# every layer as it streams through. A second proxy enforces the push
# gate (policy.enforce: [push, pull]): its manifest PUT waits for the
# layer's scan and is judged before the registry sees it; its cost is
# set against how long the first proxy's scan trails its push. Then
# times cache-hit manifest GETs (a judged image) through the proxy,
# through nginx as a plain proxy and direct, alternating.
#   sh tests/bench/push_bench.sh [DIR] [ROUNDS]
# PORTCULLIS_B=/other/build/portcullis pushes through a second build too,
# in the same rounds, and reports this build against it; PXB_EXTRA is
# more of its configuration (e.g. the same build with other settings).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl ab nginx
SRC=${1:-/usr/share}
ROUNDS=${2:-5}

bench_tree "$SRC"
TREE_MIB=$(($(stat -c %s "$T/tree.tar") >> 20))
GZ_MIB=$(($(stat -c %s "$T/tree.tar.gz") >> 20))
start_registry reg
# /usr/share carries sample keys in its docs, and test archives built
# to be odd (Go's testdata): judge, but let it pull and push.
PX_POLICY="policy:
  severity: none
  secrets: false
  incomplete_scan: allow"
SIDES="d n p g"
PX_STATE=$T/pxg-state PX_LOG_LEVEL=warn start_proxy pxg "$REG_URL" "$PX_POLICY
  enforce: [push, pull]"
PXG_PORT=$PX_PORT
PXG_PID=$PX_PID
if [ -n "${PORTCULLIS_B:-}" ]; then
	# dash keeps assignments made before a function call: set, then restore.
	PORTCULLIS_A=$PORTCULLIS
	PORTCULLIS=$PORTCULLIS_B
	PX_LOG_LEVEL=warn start_proxy pxb "$REG_URL" "$PX_POLICY
${PXB_EXTRA:-}"
	PORTCULLIS=$PORTCULLIS_A
	PXB_PORT=$PX_PORT
	PXB_PID=$PX_PID
	SIDES="d n p b"
fi
PX_LOG_LEVEL=warn start_proxy px "$REG_URL" "$PX_POLICY"
start_nginx "$REG_PORT"
best() { sort -g | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
timeit() { s=$(date +%s.%N); "$@" >>"$T/timeit.log" 2>&1 || echo "# failed: $*" >&2; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
# wait until the proxy (on port $2, default this build's) has recorded n
# layers (the scan may trail the push)
scanned_wait() {
	w=0
	while [ $w -lt 600 ]; do
		n=$(curl -sf "http://127.0.0.1:${2:-$PX_PORT}/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.1
		w=$((w + 1))
	done
}
# cpu_ticks TID: user+system clock ticks of one thread so far. For the
# proxy, its event-loop thread (the pid): what relaying costs during the
# push, apart from the scan that catches up afterwards.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat"; }
# push_one d|n|p ROUND: time one push direct, through nginx or through
# portcullis, with the relay's CPU for the last two.
push_one() {
	sync	# each push starts with none of the last one's writes pending
	case $1 in
	d)	timeit skopeo --insecure-policy copy --dest-tls-verify=false \
		    "oci:$T/img$2:v1" "docker://127.0.0.1:$REG_PORT/direct/r$2:v1" >> "$T/d" ;;
	n)	c0=$(cpu_ticks "$NG_WORKER")
		timeit skopeo --insecure-policy copy --dest-tls-verify=false \
		    "oci:$T/imgn$2:v1" "docker://127.0.0.1:$NG_PORT/nginx/r$2:v1" >> "$T/n"
		echo $(($(cpu_ticks "$NG_WORKER") - c0)) >> "$T/cn" ;;
	p)	c0=$(cpu_ticks "$PX_PID")
		timeit skopeo --insecure-policy copy --dest-tls-verify=false \
		    "oci:$T/imgp$2:v1" "docker://127.0.0.1:$PX_PORT/proxied/r$2:v1" >> "$T/p"
		echo $(($(cpu_ticks "$PX_PID") - c0)) >> "$T/cp"
		# The scan finishes before anything else is timed; how long
		# it trailed the push is what the push gate must wait for.
		s=$(date +%s.%N)
		scanned_wait $((2 * ($2 + 1)))
		awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { print e - s }' >> "$T/lag" ;;
	g)	timeit skopeo --insecure-policy copy --dest-tls-verify=false \
		    "oci:$T/imgg$2:v1" "docker://127.0.0.1:$PXG_PORT/gated/r$2:v1" >> "$T/g"
		scanned_wait $((2 * ($2 + 1))) "$PXG_PORT" ;;
	b)	c0=$(cpu_ticks "$PXB_PID")
		timeit skopeo --insecure-policy copy --dest-tls-verify=false \
		    "oci:$T/imgb$2:v1" "docker://127.0.0.1:$PXB_PORT/proxiedb/r$2:v1" >> "$T/b"
		echo $(($(cpu_ticks "$PXB_PID") - c0)) >> "$T/cb"
		scanned_wait $((2 * ($2 + 1))) "$PXB_PORT" ;;
	esac
}
NG_WORKER=$(pgrep -P "$(cat "$T/nginx/nginx.pid")" | head -n 1)
: > "$T/d"; : > "$T/p"; : > "$T/n"; : > "$T/cn"; : > "$T/cp"; : > "$T/b"; : > "$T/cb"
: > "$T/g"; : > "$T/lag"
i=0
while [ $i -lt "$ROUNDS" ]; do
	bench_image "$T/img$i" v1 "round $i $$"
	bench_image "$T/imgn$i" v1 "round $i $$ nginx"
	bench_image "$T/imgp$i" v1 "round $i $$ proxied"
	bench_image "$T/imgg$i" v1 "round $i $$ gated"
	[ -z "${PXB_PORT:-}" ] || bench_image "$T/imgb$i" v1 "round $i $$ proxied b"
	# The order turns each round: a push right after another may meet
	# the registry still writing the last one back, and no side should
	# always be the one that does.
	set -- $SIDES
	k=0
	while [ $k -lt $((i % $#)) ]; do first=$1; shift; set -- "$@" "$first"; k=$((k + 1)); done
	for k in "$@"; do push_one "$k" "$i"; done
	rm -rf "$T/img$i" "$T/imgn$i" "$T/imgp$i" "$T/imgb$i" "$T/imgg$i"
	i=$((i + 1))
done
td=$(best < "$T/d"); tp=$(best < "$T/p")
md=$(median < "$T/d"); mp=$(median < "$T/p")
tn=$(best < "$T/n"); mn=$(median < "$T/n")
scanned=$(curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')
readbacks=$(curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n 's/^portcullis_upload_readbacks_total //p')
# First pull judges the image; then time cache hits.
H='Accept: application/vnd.oci.image.manifest.v1+json'
curl -s -o /dev/null -H "$H" "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1"
curl -s -o /dev/null -w "# one judged GET through the proxy: %{time_total}s\n" -H "$H" "http://127.0.0.1:$PX_PORT/v2/proxied/r0/manifests/v1"
lat() { # lat PORT [C] -> mean ms over 4000 keep-alive GETs, C clients (4)
	ab -q -k -n 4000 -c "${2:-4}" -H "$H" "http://127.0.0.1:$1/v2/proxied/r0/manifests/v1" 2>&1 |
	    sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' | head -n 1
}
pmetric() { curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n "s/^$1 //p"; }
hits0=$(pmetric 'portcullis_gate_decide_timed_total{cached="true"}')
cpu0=$(pmetric 'portcullis_gate_decide_cpu_seconds_total{cached="true"}')
: > "$T/lp"; : > "$T/ln"; : > "$T/ld"; : > "$T/lp64"; : > "$T/ln64"
# Five rounds, the order of the two proxies turning each round (the
# first measured right after the pushes met the registry still busy).
for r in 1 2 3 4 5; do
	if [ $((r % 2)) -eq 1 ]; then
		lat "$PX_PORT" >> "$T/lp"; lat "$NG_PORT" >> "$T/ln"
		lat "$PX_PORT" 64 >> "$T/lp64"; lat "$NG_PORT" 64 >> "$T/ln64"
	else
		lat "$NG_PORT" >> "$T/ln"; lat "$PX_PORT" >> "$T/lp"
		lat "$NG_PORT" 64 >> "$T/ln64"; lat "$PX_PORT" 64 >> "$T/lp64"
	fi
	lat "$REG_PORT" >> "$T/ld"
done
lp=$(best < "$T/lp"); ln=$(best < "$T/ln"); ld=$(best < "$T/ld")
lp64=$(best < "$T/lp64"); ln64=$(best < "$T/ln64")
hits1=$(pmetric 'portcullis_gate_decide_timed_total{cached="true"}')
cpu1=$(pmetric 'portcullis_gate_decide_cpu_seconds_total{cached="true"}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# paired A B: the median over rounds of A's time / B's time in the same
# round (pushes a few seconds apart), less exposed to the machine's drift.
paired() { paste "$1" "$2" | awk '{ print $1 / $2 }' | median; }
hz=$(getconf CLK_TCK)
echo "# layer: $SRC (${TREE_MIB} MiB tar, ${GZ_MIB} MiB gzip'd), $ROUNDS rounds each"
echo "# push direct best ${td}s median ${md}s; through the scanning proxy best ${tp}s median ${mp}s ($scanned layers scanned, $readbacks caught up from the registry)"
echo "# push through nginx best ${tn}s median ${mn}s"
echo "# per round (s): direct $(tr '\n' ' ' < "$T/d")| nginx $(tr '\n' ' ' < "$T/n")| portcullis $(tr '\n' ' ' < "$T/p")"
echo "push time nginx/direct: $(ratio "$tn" "$td")x best, $(ratio "$mn" "$md")x median (the floor for any proxy here)"
echo "push time proxy/direct: $(ratio "$tp" "$td")x best, $(ratio "$mp" "$md")x median (target <= 1.10)"
echo "push time per round: nginx/direct $(paired "$T/n" "$T/d" | xargs printf %.3f)x, proxy/direct $(paired "$T/p" "$T/d" | xargs printf %.3f)x, proxy/nginx $(paired "$T/p" "$T/n" | xargs printf %.3f)x (medians of same-round ratios)"
refused=$(curl -sf "http://127.0.0.1:$PXG_PORT/metrics" | grep -c '^portcullis_pushes_refused_total{.*} [1-9]')
echo "# push gate [push, pull]: per round (s) $(tr '\n' ' ' < "$T/g")| the [pull] proxy's scan trailed its push by (s) $(tr '\n' ' ' < "$T/lag")($refused refusal reasons counted)"
echo "push time per round: gate [push, pull]/[pull] $(paired "$T/g" "$T/p" | xargs printf %.3f)x, gate/direct $(paired "$T/g" "$T/d" | xargs printf %.3f)x (medians of same-round ratios); the gate's extra $(paste "$T/g" "$T/p" | awk '{ print $1 - $2 }' | median | xargs printf %.2f) s vs the [pull] scan's trail $(median < "$T/lag" | xargs printf %.2f) s (medians)"
echo "relay CPU per push: portcullis event loop $(median < "$T/cp" | awk -v h="$hz" '{ printf "%.2f", $1 / h }') s, nginx worker $(median < "$T/cn" | awk -v h="$hz" '{ printf "%.2f", $1 / h }') s (medians)"
echo "judged manifest GET latency portcullis/nginx: $(paired "$T/lp" "$T/ln" | xargs printf %.3f)x same-round median, $(ratio "$lp" "$ln")x best (${lp} ms vs ${ln} ms, 5 x 4000 GETs, 4 keep-alive clients; direct ${ld} ms); with 64 clients $(paired "$T/lp64" "$T/ln64" | xargs printf %.3f)x same-round median, $(ratio "$lp64" "$ln64")x best (${lp64} ms vs ${ln64} ms)"
echo "cached decision CPU: $(awk -v c0="$cpu0" -v c1="$cpu1" -v h0="$hits0" -v h1="$hits1" 'BEGIN { if (h1 > h0) printf "%.1f", (c1 - c0) * 1e6 / (h1 - h0); else printf "?" }') us each over $((hits1 - hits0)) cache hits timed (one in 16) (the decide hook's thread CPU, /metrics; target < 20)"
if [ -n "${PXB_PORT:-}" ]; then
	echo "# portcullis_b is $PORTCULLIS_B: per round (s) $(tr '\n' ' ' < "$T/b")"
	echo "push time per round: this build/portcullis_b $(paired "$T/p" "$T/b" | xargs printf %.3f)x, portcullis_b/direct $(paired "$T/b" "$T/d" | xargs printf %.3f)x (medians of same-round ratios)"
	echo "relay CPU per push: portcullis_b event loop $(median < "$T/cb" | awk -v h="$hz" '{ printf "%.2f", $1 / h }') s"
fi
