#!/bin/sh
# Relay benchmark: the same registry reached directly, through nginx as a
# plain streaming reverse proxy, through HAProxy with splice (when
# installed: Debian's haproxy), and through portcullis, in one run.
# Prints absolute numbers and ratios against nginx, HAProxy and direct.
#
#   sh tests/bench/relay_bench.sh [BLOB_MIB] [ROUNDS]
#
# Needs a built ./portcullis (or $PORTCULLIS), docker-registry, nginx,
# curl and ab (apache2-utils). Loopback only; bounded in time and count.
# PORTCULLIS_B=/other/build/portcullis adds a second build as a fourth
# target in the same rounds and reports it against the first (to show a
# change costs nothing, before and after in one run).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
need docker-registry nginx curl ab skopeo
. "$top_srcdir/tests/lib/mkimage.sh"

MIB=${1:-256}
ROUNDS=${2:-5}

start_registry reg
TARGETS="direct nginx portcullis"
if [ -n "${PORTCULLIS_B:-}" ]; then
	# dash keeps assignments made before a function call: set, then restore.
	PORTCULLIS_A=$PORTCULLIS
	PORTCULLIS=$PORTCULLIS_B
	PX_LOG_LEVEL=warn start_proxy pxb "$REG_URL"
	PORTCULLIS=$PORTCULLIS_A
	PXB_PORT=$PX_PORT
	TARGETS="$TARGETS portcullis_b"
fi
PX_LOG_LEVEL=warn start_proxy px "$REG_URL"
start_nginx "$REG_PORT"
if command -v haproxy >/dev/null 2>&1; then
	start_haproxy "$REG_PORT"
	TARGETS="direct nginx haproxy portcullis${PXB_PORT:+ portcullis_b}"
else
	echo "# haproxy not installed: no HAProxy baseline"
fi

# A real image for the manifest-latency measurement.
mkdir -p "$T/l1"
cp -rL /etc/ssl/certs "$T/l1/" 2>/dev/null
mkimage "$T/img" v1 "$T/l1"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/bench/img:v1" >/dev/null 2>&1 || bail "seeding failed"

echo "# blob ${MIB} MiB, ${ROUNDS} rounds each, best round reported"
head -c $((MIB * 1024 * 1024)) /dev/urandom > "$T/blob"
D="sha256:$(sha256sum "$T/blob" | cut -d' ' -f1)"

push() { # push BASEURL REPO -> seconds for a monolithic PUT
	loc=$(curl -sf -X POST -D - -o /dev/null "$1/v2/$2/blobs/uploads/" | tr -d '\r' |
	    sed -n 's/^[Ll]ocation: //p')
	case "$loc" in http*) ;; *) loc="$1$loc";; esac
	curl -sf -o /dev/null -w '%{time_total}\n' -X PUT -H 'Content-Type: application/octet-stream' \
	    --data-binary @"$T/blob" "$loc&digest=$D"
}
pull() { # pull BASEURL REPO -> bytes/s
	curl -sf -o /dev/null -w '%{speed_download}\n' "$1/v2/$2/blobs/$D"
}
best_max() { sort -g | tail -n 1; }
# scans_wait BASEURL: until the proxy there has no upload scan running.
scans_wait() {
	w=0
	while [ $w -lt 600 ]; do
		[ "$(curl -sf "$1/metrics" | sed -n 's/^portcullis_uploads_scanning //p')" = 0 ] && return 0
		sleep 0.1
		w=$((w + 1))
	done
}
best_min() { sort -g | head -n 1; }

declare_target() { eval "URL_$1=$2"; }
declare_target direct "http://127.0.0.1:$REG_PORT"
declare_target nginx "http://127.0.0.1:$NG_PORT"
[ -z "${HA_PORT:-}" ] || declare_target haproxy "http://127.0.0.1:$HA_PORT"
declare_target portcullis "http://127.0.0.1:$PX_PORT"
[ -z "${PXB_PORT:-}" ] || declare_target portcullis_b "http://127.0.0.1:$PXB_PORT"

# Rounds alternate the targets, so the machine's drift hits each alike,
# and the order turns each round: the last in a round was seen to pull
# ~15 % faster, whichever build it was.
for t in $TARGETS; do : > "$T/push.$t"; : > "$T/pull.$t"; done
i=0
while [ $i -lt "$ROUNDS" ]; do
	set -- $TARGETS
	k=0
	while [ $k -lt $((i % $#)) ]; do first=$1; shift; set -- "$@" "$first"; k=$((k + 1)); done
	for t in "$@"; do
		eval "u=\$URL_$t"
		push "$u" "bench/$t$i" >> "$T/push.$t"
		# A proxy reads every pushed blob to its end (this one is no
		# archive: read whole, as one file), maybe back from the
		# registry: that finishes before the pull is timed.
		case $t in portcullis*) scans_wait "$u";; esac
		pull "$u" "bench/${t}0" >> "$T/pull.$t"
	done
	i=$((i + 1))
done
for t in $TARGETS; do
	eval "u=\$URL_$t"
	eval "PUSH_$t=$(best_min < "$T/push.$t")"
	eval "PULL_$t=$(best_max < "$T/pull.$t")"
	# Manifest GET by tag, keep-alive, 4 concurrent clients.
	ab -q -k -n 4000 -c 4 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    "$u/v2/bench/img/manifests/v1" > "$T/ab.$t" 2>&1
	eval "LAT_$t=$(sed -n 's/^Time per request: *\([0-9.]*\) \[ms\] (mean)$/\1/p' "$T/ab.$t" | head -n 1)"
done
SPLICED=$(curl -sf "$URL_portcullis/metrics" | sed -n 's/^portcullis_bytes_spliced_total //p')

# Memory flat with blob size: peak RSS of portcullis pulling 16 MiB vs the big blob.
head -c 16777216 /dev/urandom > "$T/small"
DS="sha256:$(sha256sum "$T/small" | cut -d' ' -f1)"
loc=$(curl -sf -X POST -D - -o /dev/null "$URL_direct/v2/bench/small/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$T/small" "$loc&digest=$DS"
peak_during() { # peak_during URL -> peak VmRSS kB of the proxy while curl runs
	curl -sf -o /dev/null --limit-rate 64M "$1" &
	peak_rss "$PX_PID" $!
}
RSS_small=$(peak_during "$URL_portcullis/v2/bench/small/blobs/$DS")
RSS_big=$(peak_during "$URL_portcullis/v2/bench/${t}0/blobs/$D")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
mibs() { awk -v a="$1" 'BEGIN { printf "%.0f", a / 1048576 }'; }
tput() { awk -v s="$1" -v m="$MIB" 'BEGIN { printf "%.0f", m / s }'; }

echo "# target        pull MiB/s   push MiB/s   manifest GET mean ms (c=4)"
for t in $TARGETS; do
	eval "printf '# %-12s %11s %12s %12s\n' $t \$(mibs \$PULL_$t) \$(tput \$PUSH_$t) \$LAT_$t"
done
echo "pull throughput portcullis/nginx:  $(ratio "$PULL_portcullis" "$PULL_nginx")x (target >= 0.95)"
echo "pull throughput portcullis/direct: $(ratio "$PULL_portcullis" "$PULL_direct")x"
if [ -n "${HA_PORT:-}" ]; then
	echo "pull throughput portcullis/haproxy: $(ratio "$PULL_portcullis" "$PULL_haproxy")x (target >= 0.95)"
	echo "push time portcullis/haproxy:       $(ratio "$PUSH_portcullis" "$PUSH_haproxy")x"
	echo "manifest latency portcullis/haproxy: $(ratio "$LAT_portcullis" "$LAT_haproxy")x (lower is better)"
fi
echo "push throughput portcullis/nginx:  $(ratio "$PUSH_nginx" "$PUSH_portcullis")x (target >= 0.95)"
echo "push time portcullis/direct:       $(ratio "$PUSH_portcullis" "$PUSH_direct")x"
echo "manifest latency portcullis/nginx: $(ratio "$LAT_portcullis" "$LAT_nginx")x (lower is better)"
if [ -n "${PXB_PORT:-}" ]; then
	echo "# portcullis_b is $PORTCULLIS_B; ratios are portcullis (this build) against it"
	echo "pull throughput portcullis/portcullis_b: $(ratio "$PULL_portcullis" "$PULL_portcullis_b")x"
	echo "push time portcullis/portcullis_b:       $(ratio "$PUSH_portcullis" "$PUSH_portcullis_b")x"
	echo "manifest latency portcullis/portcullis_b: $(ratio "$LAT_portcullis" "$LAT_portcullis_b")x"
	echo "pull throughput portcullis_b/nginx: $(ratio "$PULL_portcullis_b" "$PULL_nginx")x, push time portcullis_b/direct: $(ratio "$PUSH_portcullis_b" "$PUSH_direct")x, manifest latency portcullis_b/nginx: $(ratio "$LAT_portcullis_b" "$LAT_nginx")x"
fi
echo "# portcullis moved $(mibs "${SPLICED:-0}") MiB in-kernel (splice) of $((2 * ROUNDS * MIB)) MiB relayed"
echo "peak RSS pulling ${MIB} MiB vs 16 MiB: ${RSS_big} kB vs ${RSS_small} kB = $(ratio "$RSS_big" "$RSS_small")x (flat = ~1.0)"
