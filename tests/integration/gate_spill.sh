#!/bin/sh
# With scanner.catch_up: disk, the disk that upload scans running behind
# may hold is bounded for all uploads together (scanner.spill_max). Here 1 MiB, for a push whose
# first layer is 24 MiB of noise: the upload pauses for its scan instead
# of spilling past the budget, nothing is lost, the layer behind it
# (real lodash 4.17.20) is still scanned and the pull refused for it.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm
tap_plan 7

osv_state
mkdir -p "$T/app/app/node_modules" "$T/noise"
npm_module "$T/app/app" lodash 4.17.20
head -c 25165824 /dev/urandom > "$T/noise/blob.bin"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/noise" "$T/app"
start_registry reg
start_proxy px "$REG_URL" "scanner:
  catch_up: disk
  spill_max: 1M
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
# Watch the spill gauge while the push runs.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://$P/team/app:v1" >"$T/push.log" 2>&1 &
SKP=$!
peak=0
while kill -0 "$SKP" 2>/dev/null; do
	v=$(metric portcullis_spill_bytes)
	[ "${v:-0}" -gt "$peak" ] && peak=$v
	sleep 0.05
done
if wait "$SKP"; then ok "the push goes through"; else not_ok "the push goes through"; sed 's/^/# /' "$T/push.log"; fi
ok_if() { if [ "$1" = 1 ]; then ok "$2"; else not_ok "$2"; fi; }
ok_if "$([ "$peak" -le $((1048576 + 262144)) ] && echo 1)" \
    "spill files stayed within the budget (peak $peak bytes)"
w=$(metric portcullis_upload_scan_waits_total)
ok_if "$([ "${w:-0}" -gt 0 ] && echo 1)" "the upload paused for its scan instead ($w times)"
n=$(wait_metric "$P" portcullis_layers_scanned_total 3)
expect_eq "both layers and the config scanned" 3 "$n"
body=$(curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/app/manifests/v1")
case "$body" in *'"code":"DENIED"'*'GHSA-35jh-r3h4-6jhm'*' 403') ok "the pull is refused for lodash's advisory";;
*) not_ok "the pull is refused for lodash's advisory"; echo "# $body" | cut -c1-300;; esac
expect_eq "the spill budget is whole again" 0 "$(metric portcullis_spill_bytes)"
stop_proxy px
