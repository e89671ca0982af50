#!/bin/sh
# Results an older scanner made are rescanned. A layer record is put
# back as a build from before scanner versions and without the npm
# cataloger would have written it (no "scanner", no lodash); under
# `unknown_images: scan` the proxy decides the next pull from it (no
# worse than before the upgrade), rescans the image in the background
# with its own account, reports the flipped verdict (log, /metrics,
# webhook) and then refuses it for lodash's advisory. Real registry,
# real skopeo, real lodash 4.17.20.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm python3
[ -x "$STOREEDIT" ] || bail "tests/tools/storeedit is not built (make check builds it)"
tap_plan 14
# This build's scanner version, as the layer records carry it.
V=$(sed -n 's/^#define LAYER_SCANNER_VERSION[[:space:]]*//p' "$top_srcdir/scan/layer/layer.h")

osv_state
npm_module "$T/app/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/app"
layer=$(sed -n 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' \
    "$T/img/blobs/sha256/${MKIMAGE_DIGEST#sha256:}")
[ -n "$layer" ] || bail "no layer digest in the manifest"
start_registry reg
POLICY="policy:
  severity: high
  unknown_images: scan"
start_proxy px "$REG_URL" "$POLICY"
P="127.0.0.1:$PX_PORT"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://$P/team/app:v1" >/dev/null 2>&1 || bail "push failed"
wait_metric "$P" portcullis_layers_scanned_total 2 >/dev/null
stop_proxy px
rec=$("$STOREEDIT" "$PXS" get layers "$layer")
case "$rec" in *"\"scanner\":$V"*'"lodash"'*) ok "a layer record names the scanner version that made it";;
*) not_ok "a layer record names the scanner version that made it"; echo "# $rec" | cut -c1-300;; esac
printf '%s' "$rec" | python3 -c '
import json, sys
r = json.load(sys.stdin)
del r["scanner"]
r["pkgs"] = [p for p in r["pkgs"] if p[1] != "lodash"]
print(json.dumps(r))' | "$STOREEDIT" "$PXS" put layers "$layer" || bail "cannot rewrite the layer record"

start_hooksrv
start_proxy px2 "$REG_URL" "webhooks:
  - http://127.0.0.1:$HP/portcullis
$POLICY"
P="127.0.0.1:$PX_PORT"
pull() { curl -s -o "$T/pull.out" -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/app/manifests/v1"; }
curl -s "http://$P/portcullis/v1/status/team/app/v1" > "$T/status0.json"
grep -q '"dev.portcullis.scanner-version": "0"' "$T/status0.json" &&
    ok "its annotations name the older scanner" ||
    { not_ok "its annotations name the older scanner"; head -c 600 "$T/status0.json" | sed 's/^/# /'; }
expect_eq "meanwhile a pull is decided from the older results" 200 "$(pull)"
n=$(wait_metric "$P" portcullis_layers_scanned_total 1)
expect_eq "the proxy rescanned the image's layer in the background" 1 "$n"
grep -q "team/app@sha256:.* was scanned by scanner version 0, this is $V: rescanning it" "$T/px2.log" &&
    ok "its log says why it rescans" || not_ok "its log says why it rescans"
grep -q "verdict for sha256:.* (team/app) changed after a rescan: allow -> deny" "$T/px2.log" &&
    ok "and that the verdict flipped" || not_ok "and that the verdict flipped"
expect_eq "/metrics counts the flip" 1 \
    "$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_verdicts_changed_total //p')"
wait_hook "$T/hooks.jsonl"
grep -q '"event":"verdict-changed".*"repository":"team/app","before":"allow","after":"deny".*"cause":"rescan"' "$T/hooks.jsonl" 2>/dev/null &&
    ok "the webhook is told, naming the rescan as the cause" ||
    { not_ok "the webhook is told, naming the rescan as the cause"; sed 's/^/# /' "$T/hooks.jsonl" 2>/dev/null; }
curl -s "http://$P/portcullis/v1/status/team/app/v1" > "$T/status.json"
grep -q 'GHSA-35jh-r3h4-6jhm' "$T/status.json" &&
    ok "the report now has lodash's advisory" || not_ok "the report now has lodash's advisory"
grep -q "\"dev.portcullis.scanner-version\": \"$V\"" "$T/status.json" &&
    ok "made by this scanner, its annotations say" ||
    { not_ok "made by this scanner, its annotations say"; head -c 600 "$T/status.json" | sed 's/^/# /'; }
expect_eq "and the next pull is refused at once (no stale cached decision)" 403 "$(pull)"
grep -q 'GHSA-35jh-r3h4-6jhm' "$T/pull.out" && ok "naming the advisory" ||
    { not_ok "naming the advisory"; sed 's/^/# /' "$T/pull.out" | head -5; }
stop_proxy px2
