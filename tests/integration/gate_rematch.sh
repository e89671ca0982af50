#!/bin/sh
# New advisory data re-evaluates known images without rescanning them:
# an image pushed (and scanned) while the store had no advisories pulls;
# after the real GHSA records are imported into the running proxy's
# store, the same image is refused, the change is logged, and the
# configured webhook is told that the verdict flipped.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm
tap_plan 7

PXS="$T/state"
PX_STATE=$PXS
npm_module "$T/app/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/app"
start_hooksrv
start_registry reg
start_proxy px "$REG_URL" "webhooks:
  - http://127.0.0.1:$HP/portcullis
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

check "push through the proxy (scanned, no advisories known yet)" \
    $SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/team/app:v1"
# The scanner threads record layer and config after the registry's 201.
n=$(wait_metric "$P" portcullis_layers_scanned_total 2)
check "pull passes: nothing known against lodash 4.17.20 yet" \
    $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/o1:v1"

check "import the real advisories into the running proxy's store" \
    "$PORTCULLIS" db import -s "$PXS" "$top_srcdir/tests/data/osv"
if $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/o2:v1" >"$T/deny.out" 2>&1; then
	not_ok "the same image is now refused"
else
	grep -q 'GHSA-35jh-r3h4-6jhm in lodash 4.17.20' "$T/deny.out" &&
	    ok "the same image is now refused" || { not_ok "the same image is now refused"; tail -n 2 "$T/deny.out" | sed 's/^/# /'; }
fi
n=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_images_rematched_total //p')
[ "${n:-0}" -ge 1 ] && grep -q 're-evaluated sha256:.*high 0 -> 1' "$T/px.log" &&
    ok "re-matched without rescanning, and the change logged" ||
    { not_ok "re-matched without rescanning, and the change logged"; grep re-eval "$T/px.log" | sed 's/^/# /'; }
wait_hook "$T/hooks.jsonl"
grep -q '"event":"verdict-changed".*"repository":"team/app","before":"allow","after":"deny","reasons":"blocked by policy' "$T/hooks.jsonl" 2>/dev/null &&
    ok "the webhook was told: team/app went from allow to deny, and why" ||
    { not_ok "the webhook was told: team/app went from allow to deny, and why"; cat "$T/hooks.jsonl" 2>/dev/null | sed 's/^/# /'; }
stop_proxy px
