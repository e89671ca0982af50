#!/bin/sh
# Where a push's CPU goes, direct and through the scanning proxy, on
# this machine: skopeo pushes an image whose layer is a gzip'd tar of a
# real tree (default /usr/share) to a fresh repository, once straight
# to the registry and once through the proxy (which scans the layer as
# it streams through), each under `perf record -a` (all CPUs, 499 Hz).
# Reports each side's wall time and its samples by process, and for the
# proxy's own the top symbols: what bounds the proxy's push against the
# direct one on two cores.
#   sh tests/bench/push_profile.sh [DIR]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl perf
SRC=${1:-/usr/share}

bench_tree "$SRC"
start_registry reg
PX_LOG_LEVEL=warn start_proxy px "$REG_URL" "policy:
  severity: none
  secrets: false
  incomplete_scan: allow"
# side NAME HOSTPORT: one profiled push of a layer new to the registry.
side() {
	bench_image "$T/img-$1" v1 "$1"
	s=$(date +%s.%N)
	perf record -a -F 499 -g -o "$T/$1.data" -- skopeo --insecure-policy copy \
	    --dest-tls-verify=false "oci:$T/img-$1:v1" "docker://$2/prof/$1:v1" \
	    >"$T/$1.log" 2>&1 || { tail -n 3 "$T/$1.log"; bail "push $1 failed"; }
	e=$(date +%s.%N)
	echo "## $1: $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", b - a }') s wall (perf running)"
	# Samples by process (comm): CPU seconds (499 a second per CPU).
	perf report -i "$T/$1.data" --no-children --sort comm -n -g none \
	    --stdio 2>/dev/null | awk '/^ *[0-9.]+%/ && $2 >= 5 {
		printf "#   %-16s %6.2f CPU s (%s of the samples)\n",
		    $3 == "swapper" ? "idle" : $3, $2 / 499, $1 }'
}
side direct "127.0.0.1:$REG_PORT"
side proxy "127.0.0.1:$PX_PORT"
echo "## the proxy's own samples, by library (share of all samples)"
perf report -i "$T/proxy.data" --no-children --comm portcullis --sort dso -g none \
    --stdio 2>/dev/null | awk '/^ *[0-9.]+%/ && $1 + 0 >= 0.1 { printf "#   %-8s %s\n", $1, $2 }'
scanned=$(curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')
echo "## layers the proxy had scanned when its push ended: ${scanned:-?} (a scan that falls behind reads the rest back after the push)"
