#!/bin/sh
# A registry's worth of judged images, in one run: a real Alpine 3.20.3
# image (the corpus minirootfs) is pushed through the proxy and judged
# against Alpine's secdb, then its record is copied N times (default
# 100,000) under new digests and repositories (tests/tools/storeedit
# clone), as if the registry held that many. Reports the store's size,
# the proxy's start-up time and memory with them, then imports new
# advisory data into the running proxy's store and reports how long the
# monitor takes to re-evaluate every image, its longest loop turn (what
# a request waiting behind it can lose), peak memory, and a judged
# manifest GET's latency during the sweep against the same GET with the
# proxy idle, measured in the same run. Then the search API on the same
# store: the index built at start-up for the copies, and a CVE query
# (every image has it), a package query, a repository glob and a CVE no
# image has, a page of 50 each as an operator, against that idle GET.
#   sh tests/bench/store_bench.sh [IMAGES]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
: "${STOREEDIT:=$top_srcdir/build/plain/tests/tools/storeedit}"
[ -x "$STOREEDIT" ] || STOREEDIT=$top_srcdir/tests/tools/storeedit
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl htpasswd
N=${1:-100000}
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || bail "../shared/corpus not found"

PXS=$T/state
mkdir -p "$PXS"
"$PORTCULLIS" db import -s "$PXS" "$CORPUS/alpine/secdb" >/dev/null 2>&1 || bail "secdb import"
start_registry reg
htpasswd -cbB "$T/admin.htpasswd" ops opspw 2>/dev/null || bail "htpasswd"
CONF="monitor:
  interval: 1
admin:
  htpasswd: $T/admin.htpasswd
policy:
  severity: critical"
PX_STATE=$PXS PX_LOG_LEVEL=info start_proxy px "$REG_URL" "$CONF"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'

d=$T/img
mkimage_tgz "$d" v1 "$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz" diff
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$d:v1" \
    "docker://$P/alpine/base:v1" >/dev/null 2>&1 || bail "push failed"
dg=$(curl -sf -I -H "$H" "http://$P/v2/alpine/base/manifests/v1" | tr -d '\r' |
    sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
[ -n "$dg" ] || bail "the image was not judged"
stop_proxy px

s0=$(date +%s.%N)
"$STOREEDIT" "$PXS" clone images "$dg" "$N" || bail "clone failed"
s1=$(date +%s.%N)
dbsize=$(du -sk "$PXS/db" | cut -f1)

s2=$(date +%s.%N)
PX_STATE=$PXS PX_LOG_LEVEL=info start_proxy px "$REG_URL" "$CONF"
s3=$(date +%s.%N)
P="127.0.0.1:$PX_PORT"
rss_start=$(awk '/VmRSS/ { print $2 }' "/proc/$PX_PID/status")

# lat COUNT FILE: COUNT judged manifest GETs, one connection each, their
# times (seconds) appended to FILE.
lat() {
	j=0
	while [ "$j" -lt "$1" ]; do
		curl -s -o /dev/null -w '%{time_total}\n' -H "$H" \
		    "http://$P/v2/alpine/base/manifests/v1" >> "$2"
		j=$((j + 1))
	done
}
: > "$T/idle"
lat 200 "$T/idle"

: > "$T/sweep"
"$PORTCULLIS" db import -s "$PXS" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 || bail "the data change"
w=0
until grep -q 'monitor: advisory data changed to' "$T/px.log"; do
	sleep 0.05; w=$((w + 1)); [ $w -lt 600 ] || bail "no sweep began"
done
while ! grep -q 'monitor: the sweep of' "$T/px.log"; do
	lat 20 "$T/sweep"
	w=$((w + 1)); [ $w -lt 100000 ] || bail "the sweep did not end"
done
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$PX_PID/status")
# The store is mapped: its pages read count in RSS as file pages.
anon=$(awk '/RssAnon/ { print $2 }' "/proc/$PX_PID/status")
file=$(awk '/RssFile/ { print $2 }' "/proc/$PX_PID/status")
m() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
sweep=$(m portcullis_monitor_sweep_seconds)
turn=$(m portcullis_monitor_turn_seconds_max)
imgs=$(m portcullis_monitor_sweep_images)

pct() { sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; printf "%.2f", v[i] * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "# $N copies of a judged Alpine 3.20.3 image (one real layer, 14 packages)"
echo "store: $(awk -v k="$dbsize" 'BEGIN { printf "%.0f", k / 1024 }') MiB LMDB for $((N + 1)) images; written in $(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f", b - a }') s"
echo "start-up with them: $(awk -v a="$s2" -v b="$s3" 'BEGIN { printf "%.2f", b - a }') s to ready, RSS $((rss_start / 1024)) MiB"
echo "monitor sweep after a data change: $imgs images in $sweep s (target < 60), longest loop turn $(awk -v t="$turn" 'BEGIN { printf "%.1f", t * 1000 }') ms (target <= 10); peak RSS $((hwm / 1024)) MiB, at its end $((anon / 1024)) MiB anonymous + $((file / 1024)) MiB of mapped store and binaries"
echo "judged manifest GET during the sweep: median $(pct "$T/sweep" 0.5) ms, p99 $(pct "$T/sweep" 0.99) ms over $(wc -l < "$T/sweep") GETs"
echo "the same GET with the proxy idle: median $(pct "$T/idle" 0.5) ms, p99 $(pct "$T/idle" 0.99) ms"
echo "GET during sweep/idle: median $(ratio "$(pct "$T/sweep" 0.5)" "$(pct "$T/idle" 0.5)")x, p99 $(ratio "$(pct "$T/sweep" 0.99)" "$(pct "$T/idle" 0.99)")x"
# The search API on the same store, once the sweep is over.
sq() {
	: > "$T/sq"
	j=0
	while [ "$j" -lt 30 ]; do
		curl -s -u ops:opspw -o "$T/sq.json" -w '%{time_total}\n' \
		    "http://$P/portcullis/v1/search?$1" >> "$T/sq"
		j=$((j + 1))
	done
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$T/sq.json" 2>/dev/null)
	echo "search $1: median $(pct "$T/sq" 0.5) ms, p99 $(pct "$T/sq" 0.99) ms ($n results on the page; $(ratio "$(pct "$T/sq" 0.5)" "$(pct "$T/idle" 0.5)")x the idle GET)"
}
echo "search index: $(grep -o 'search: [0-9]* judged images indexed' "$T/px.log" | head -n 1) at start-up"
sq "advisory=CVE-2024-9143&limit=50"
sq "advisory=CVE-1999-0001&limit=50"
sq "package=libcrypto3&versions=%3C3.3.2-r1&limit=50"
sq "repository=bench/img9999*&limit=50"
stop_proxy px
