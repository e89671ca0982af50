#!/bin/sh
# The proxy's peak memory (VmHWM) under concurrent blob pushes: C
# clients at once each PUT a gzip'd tar layer of MIB MiB (random, so it
# does not compress) through a fresh proxy; every upload is scanned,
# live or read back once a scanner is free. Reported for each C, with
# the baseline of the same proxy idle.
#   sh tests/bench/upload_rss_bench.sh [MIB] [C...]   (default 64; 1 10 50)
# MAX_UPLOADS=N sets scanner.max_uploads (default: the proxy's own).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
. "$top_srcdir/tests/lib/common.sh"
need docker-registry curl
MIB=${1:-64}
[ $# -gt 0 ] && shift
LEVELS=${*:-1 10 50}

mkdir -p "$T/l"
head -c $((MIB << 20)) /dev/urandom > "$T/l/blob.bin"
tar -C "$T/l" -cf - . | gzip -1 > "$T/layer.tgz"
rm -rf "$T/l"
DG=sha256:$(sha256sum "$T/layer.tgz" | cut -d' ' -f1)
start_registry reg
# hwm PID -> peak RSS in MiB
hwm() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
put() { # put N: one monolithic upload to repository rN
	loc=$(curl -s -D - -o /dev/null -X POST "http://$P/v2/rss/r$1/blobs/uploads/" | tr -d '\r' |
	    sed -n 's/^[Ll]ocation: //p')
	case "$loc" in http*) ;; *) loc="http://$P$loc";; esac
	case "$loc" in *\?*) sep='&';; *) sep='?';; esac
	# -T streams the file (--data-binary would read it all into memory).
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
	    -T "$T/layer.tgz" "$loc${sep}digest=$DG"
}
echo "# layer: $MIB MiB of random data, gzip'd; scanner.max_uploads ${MAX_UPLOADS:-default: the cores, $(nproc) here}"
for c in $LEVELS; do
	PX_STATE=$T/state-$c PX_LOG_LEVEL=warn start_proxy "px$c" "$REG_URL" "policy:
  severity: none
${MAX_UPLOADS:+scanner:
  max_uploads: $MAX_UPLOADS}"
	P="127.0.0.1:$PX_PORT"
	idle=$(hwm "$PX_PID")
	t0=$(date +%s.%N)
	i=0
	pids=""
	while [ $i -lt "$c" ]; do put "$i" & pids="$pids $!"; i=$((i + 1)); done
	for j in $pids; do wait "$j"; done
	t1=$(date +%s.%N)
	# Each upload is scanned; a deferred one after a read-back.
	n=$(wait_metric "$P" portcullis_layers_scanned_total "$c" 6000)
	t2=$(date +%s.%N)
	def=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_uploads_deferred_total //p')
	echo "concurrent uploads $c: peak RSS $(hwm "$PX_PID") MiB (idle $idle MiB); $n of $c scanned, $def read back later; pushes took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, scans done $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s after"
	stop_proxy "px$c" >/dev/null
done
