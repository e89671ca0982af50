#!/bin/sh
# A shutdown does not wait for the registry. The proxy's own reads from
# it (pulling a never-seen image to scan it, reading back the bytes a
# lagging upload scan missed) run on threads the shutdown joins; with
# the registry serving blobs at 64 KiB/s (nginx's limit_rate in front
# of it) each would take minutes, and with the registry stalled (its
# front stopped) until a timeout. SIGTERM must end the proxy promptly
# and cleanly, recording nothing half-read.
#
# The layer: 160 MiB of zeros and 8 MiB of noise (about 8 MiB gzip'd,
# two minutes at that rate).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl nginx
tap_plan 10

mkdir -p "$T/big/a"
head -c 167772160 /dev/zero > "$T/big/a/zeros.bin"
head -c 8388608 /dev/urandom > "$T/big/a/noise.bin"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/big"
rm -rf "$T/big"
SK="skopeo --insecure-policy"
metric() { curl -sf "http://127.0.0.1:$PX_PORT/metrics" | sed -n "s/^$1 //p"; }
# stop_timed NAME: stop_proxy; SECS: how many whole seconds it took.
stop_timed() {
	t0=$(date +%s.%N)
	stop_proxy "$1"
	SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a }')
}

start_registry reg
# Blob reads crawl; everything else goes at full speed.
NGX_EXTRA=$(ngx_slow_blobs 64k)
start_nginx "$REG_PORT"
SLOW="http://127.0.0.1:$NG_PORT"

# 1. unknown_images: scan. The image went straight to the registry; a
# pull through the proxy makes it pull the image itself, slowly.
$SK copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/team/direct:v1" >"$T/push.log" 2>&1 ||
    bail "direct push failed"
start_proxy px "$SLOW" "policy:
  unknown_images: scan"
curl -s -o /dev/null --max-time 300 \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/team/direct/manifests/v1" &
held=$!
i=0
while [ "$(metric portcullis_scans_running)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "the proxy is pulling the image to scan it" 1 "$(metric portcullis_scans_running)"
sleep 1
stop_timed px
check "SIGTERM during that pull: gone in ${SECS} s, not when the pull ends" \
    [ "$SECS" -lt 5 ]
check "nothing recorded from the half-pulled image" \
    sh -c "! grep -q 'pulled and scanned' '$T/px.log'"
wait "$held"

# 2. An upload scan that fell behind (64 KiB of memory) reads the rest
# back through the same slow path once the registry has the blob.
start_proxy px2 "$SLOW" "scanner:
  upload_buffer: 64k"
if $SK copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$PX_PORT/team/pushed:v1" >"$T/push2.log" 2>&1; then
	ok "push through the proxy"
else
	not_ok "push through the proxy"; sed 's/^/# /' "$T/push2.log"
fi
expect_eq "the scan fell behind and is reading back" 1 \
    "$(metric portcullis_upload_readbacks_total)"
expect_eq "only the config recorded so far" 1 \
    "$(metric portcullis_layers_scanned_total)"
# And now the registry stops answering altogether: no byte arrives
# that could tell the read it is no longer wanted.
ngw=$(pgrep -P "$(cat "$T/nginx/nginx.pid")" | head -n 1)
kill -STOP "$ngw"
sleep 1
stop_timed px2
kill -CONT "$ngw"
check "SIGTERM during a stalled read-back: gone in ${SECS} s" [ "$SECS" -lt 5 ]
check "the log says the read-back was cancelled" \
    grep -q 'readback.*cancelled' "$T/px2.log"
