#!/bin/sh
# Judged manifest GETs, in one run: keep-alive GETs of a judged image's
# manifest through the scanning proxy (a cached decision each), through
# nginx as a plain proxy (logging nothing, and a second one writing an
# access log line per request as portcullis does) and straight to the
# registry, alternating, with
# 4 and with 64 clients; and what each proxy's CPU costs per GET (its
# event-loop thread, nginx's worker), which on two cores shared with the
# registry is what decides the ratio. PERF=1 also records a profile of
# the whole machine during one proxy run (perf report in $PERF_OUT).
#   sh tests/bench/get_bench.sh [ROUNDS] [GETS]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl ab nginx
ROUNDS=${1:-5}
GETS=${2:-4000}
CORPUS=$top_srcdir/../shared/corpus/alpine

start_registry reg
PX_LOG_LEVEL=warn start_proxy px "$REG_URL" "policy:
  severity: none"
start_nginx "$REG_PORT"
NG_WORKER=$(pgrep -P "$(cat "$T/nginx/nginx.pid")" | head -n 1)
# A second nginx that logs each request, as portcullis does (its
# access log): the like-for-like baseline next to the strict one.
NG1_PORT=$NG_PORT
NGX_EXTRA="access_log $T/nginx-access.log;" start_nginx "$REG_PORT"
NGL_PORT=$NG_PORT
NGL_WORKER=$(pgrep -P "$(cat "$T/nginx/nginx.pid")" | head -n 1)
NG_PORT=$NG1_PORT

# A real image: Alpine 3.20's minirootfs as its one layer.
mkdir -p "$T/root"
tar -xzf "$CORPUS/alpine-minirootfs-3.20.3-x86_64.tar.gz" -C "$T/root" 2>/dev/null
mkimage "$T/img" v1 "$T/root"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$PX_PORT/proxied/r0:v1" >/dev/null 2>&1 ||
    bail "push through the proxy failed"
H='Accept: application/vnd.oci.image.manifest.v1+json'
U=/v2/proxied/r0/manifests/v1
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://127.0.0.1:$PX_PORT$U")
[ "$code" = 200 ] || bail "first pull through the proxy: $code"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat"; }
best() { sort -g | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# lat PORT C PID FILE_MS FILE_CPU: mean ms per GET (ab's across all
# clients), and PID's thread CPU in us per GET.
lat() {
	c0=0
	[ -z "$3" ] || c0=$(cpu_ticks "$3")
	ms=$(ab -q -k -n "$GETS" -c "$2" -H "$H" "http://127.0.0.1:$1$U" 2>&1 |
	    sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' | head -n 1)
	echo "$ms" >> "$4"
	[ -z "$3" ] || echo $(($(cpu_ticks "$3") - c0)) |
	    awk -v h="$(getconf CLK_TCK)" -v n="$GETS" '{ printf "%.1f\n", $1 / h * 1e6 / n }' >> "$5"
}
pmetric() { curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n "s/^$1 //p"; }
hits0=$(pmetric 'portcullis_gate_decide_timed_total{cached="true"}')
cpu0=$(pmetric 'portcullis_gate_decide_cpu_seconds_total{cached="true"}')
for c in 4 64; do
	: > "$T/p$c"; : > "$T/n$c"; : > "$T/d$c"; : > "$T/pc$c"; : > "$T/nc$c"; : > "$T/pr$c"
	: > "$T/l$c"; : > "$T/lc$c"; : > "$T/plr$c"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		lat "$PX_PORT" $c "$PX_PID" "$T/p$c" "$T/pc$c"
		lat "$NG_PORT" $c "$NG_WORKER" "$T/n$c" "$T/nc$c"
		lat "$NGL_PORT" $c "$NGL_WORKER" "$T/l$c" "$T/lc$c"
		lat "$REG_PORT" $c "" "$T/d$c" /dev/null
		paste "$T/p$c" "$T/n$c" | tail -n 1 | awk '{ print $1 / $2 }' >> "$T/pr$c"
		paste "$T/p$c" "$T/l$c" | tail -n 1 | awk '{ print $1 / $2 }' >> "$T/plr$c"
		r=$((r + 1))
	done
done
hits1=$(pmetric 'portcullis_gate_decide_timed_total{cached="true"}')
cpu1=$(pmetric 'portcullis_gate_decide_cpu_seconds_total{cached="true"}')
if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
	# The whole machine by process, then the proxy alone by object and
	# symbol (a second run, recording only its pid).
	PERF_OUT=${PERF_OUT:-$T/perf.txt}
	perf record -q -a -o "$T/perf.data" -- \
	    ab -q -k -n "$GETS" -c 4 -H "$H" "http://127.0.0.1:$PX_PORT$U" >/dev/null 2>&1
	perf record -q -p "$PX_PID" -o "$T/perf-px.data" -- \
	    ab -q -k -n "$GETS" -c 4 -H "$H" "http://127.0.0.1:$PX_PORT$U" >/dev/null 2>&1
	{ perf report -i "$T/perf.data" --sort comm 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 8
	  echo "# portcullis by object"
	  perf report -i "$T/perf-px.data" --sort dso 2>/dev/null |
	    grep -v '^#' | grep -v '^$' | head -n 10
	  echo "# portcullis by symbol"
	  perf report -i "$T/perf-px.data" --sort dso,sym 2>/dev/null |
	    grep -v '^#' | grep -v '^$' | head -n 60; } > "$PERF_OUT"
	echo "# profile of one proxy run (4 clients): $PERF_OUT"
fi
echo "# $ROUNDS rounds of $GETS keep-alive GETs each side, alternating; Alpine 3.20.3 image, judged"
for c in 4 64; do
	echo "# $c clients, ms per GET: portcullis $(tr '\n' ' ' < "$T/p$c")| nginx $(tr '\n' ' ' < "$T/n$c")| direct $(tr '\n' ' ' < "$T/d$c")"
	echo "judged manifest GET, $c clients: portcullis/nginx $(median < "$T/pr$c" | xargs printf %.3f)x (median of same-round ratios), best $(best < "$T/p$c") ms vs $(best < "$T/n$c") ms, direct $(best < "$T/d$c") ms; CPU per GET: portcullis $(median < "$T/pc$c") us, nginx $(median < "$T/nc$c") us (medians)"
	echo "judged manifest GET, $c clients: portcullis/nginx logging each request $(median < "$T/plr$c" | xargs printf %.3f)x (median of same-round ratios), best $(best < "$T/l$c") ms; its CPU per GET $(median < "$T/lc$c") us"
done
echo "cached decision CPU: $(awk -v c0="$cpu0" -v c1="$cpu1" -v h0="$hits0" -v h1="$hits1" 'BEGIN { if (h1 > h0) printf "%.1f", (c1 - c0) * 1e6 / (h1 - h0); else printf "?" }') us each over $((hits1 - hits0)) cache hits timed (one in 16) (target < 20)"
