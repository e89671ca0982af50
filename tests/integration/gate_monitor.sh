#!/bin/sh
# Continuous monitoring: after new advisory data lands in the running
# proxy's store, every image already judged is re-evaluated at once, with
# no pull to trigger it: the vulnerable one flips to deny (logged, and the
# webhook told), the clean one stays as it was, nothing is rescanned.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm
tap_plan 9

PXS="$T/state"
PX_STATE=$PXS
mkimage_app_pair
start_hooksrv
start_registry reg
start_proxy px "$REG_URL" "webhooks:
  - http://127.0.0.1:$HP/portcullis
monitor:
  interval: 1
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

for t in app clean; do
	$SK copy --dest-tls-verify=false "oci:$T/img-$t:v1" "docker://$P/team/$t:v1" \
	    >"$T/push.log" 2>&1 || bail "push of $t failed"
done
n=$(wait_metric "$P" portcullis_layers_scanned_total 4)
for t in app clean; do
	$SK copy --src-tls-verify=false "docker://$P/team/$t:v1" "oci:$T/o-$t:v1" \
	    >"$T/pull.log" 2>&1 || bail "first pull of $t failed"
done
ok "both images pushed and judged (no advisories known yet)"
scanned=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')

check "import the real advisories into the running proxy's store" \
    "$PORTCULLIS" db import -s "$PXS" "$top_srcdir/tests/data/osv"
i=0
while [ $i -lt 100 ] && ! grep -q 'monitor: advisory data .*images re-evaluated' "$T/px.log"; do
	sleep 0.1
	i=$((i + 1))
done
grep -q 'monitor: advisory data .*: 2 images re-evaluated, 1 verdicts changed' "$T/px.log" &&
    ok "without any pull: both images re-evaluated, one changed" ||
    { not_ok "without any pull: both images re-evaluated, one changed"; grep monitor "$T/px.log" | sed 's/^/# /'; }
wait_hook "$T/hooks.jsonl"
grep -q '"event":"verdict-changed".*"repository":"team/app","before":"allow","after":"deny"' "$T/hooks.jsonl" 2>/dev/null &&
    ok "the webhook was told team/app flipped to deny" ||
    { not_ok "the webhook was told team/app flipped to deny"; sed 's/^/# /' "$T/hooks.jsonl" 2>/dev/null; }
expect_eq "and only about team/app" 1 "$(grep -c verdict-changed "$T/hooks.jsonl")"
# Its id is what any instance seeing the same flip on the same data
# computes: sha256 of event, digest, repository, before, after, cause
# and data version, one per line.
want=$(python3 -c 'import json,sys,hashlib
e = json.loads(open(sys.argv[1]).readline())
f = ["verdict-changed", e["digest"], "team/app", "allow", "deny", "advisory-data", e["data_version"]]
print(hashlib.sha256("".join(x + "\n" for x in f).encode()).hexdigest(), e["id"])' "$T/hooks.jsonl" 2>&1)
check "the event's id is the sha256 of what defines it ($want)" \
    [ "${want%% *}" = "${want##* }" ]
expect_eq "metrics count one changed verdict" 1 \
    "$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_verdicts_changed_total //p')"
expect_eq "no layer was rescanned" "$scanned" \
    "$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_layers_scanned_total //p')"
stop_proxy px
