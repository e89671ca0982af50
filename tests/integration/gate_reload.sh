#!/bin/sh
# A policy change without a restart: the operator edits the policy and
# sends SIGHUP. Every judged image is decided again under the new policy
# (no pull needed, nothing rescanned), flips are logged, counted and
# sent to the webhooks with cause "policy", and the next pull is decided
# under it at once (no cached decision outlives the old policy). A file
# that does not load keeps the running policy. An allowlist entry that
# runs out is reported the same way, cause "allowlist-expired".
#
# team/app holds real lodash 4.17.20 (GHSA-35jh-r3h4-6jhm, HIGH).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm
tap_plan 24

osv_state
mkimage_app_pair
start_hooksrv
start_registry reg
# Every configuration here: webhooks told, the monitor looking each second.
WATCH="webhooks:
  - http://127.0.0.1:$HP/portcullis
monitor:
  interval: 1"
# px_yml POLICY_YAML: the proxy's configuration with this policy block.
px_yml() {
	cat > "$T/px.yml" <<-YML
	listen: 127.0.0.1:$PX_PORT
	upstream:
	  url: $REG_URL
	log:
	  level: info
	  access: $T/px-access.log
	state_dir: $PX_STATE
	$WATCH
	$1
	YML
}
start_proxy px "$REG_URL" "$WATCH
policy:
  severity: critical"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
pull() { $SK inspect --tls-verify=false "docker://$P/team/$1:v1" 2>&1; }
ALLOWLISTED="policy:
  severity: high
  allowlist:
    - id: CVE-2021-23337
      expires: 2099-12-31
      reason: template() is not used"
# reload_wait N: until the Nth sweep after a reload is logged.
reload_wait() {
	i=0
	while [ $i -lt 100 ] && [ "$(grep -c 'monitor: policy reloaded: .* verdicts changed' "$T/px.log")" -lt "$1" ]; do
		sleep 0.1; i=$((i + 1))
	done
}

for t in app clean; do
	$SK copy --dest-tls-verify=false "oci:$T/img-$t:v1" "docker://$P/team/$t:v1" \
	    >"$T/push.log" 2>&1 || bail "push of $t failed"
done
wait_metric "$P" portcullis_layers_scanned_total 4 >/dev/null
out=$(pull app)
case "$out" in *denied*) not_ok "severity: critical lets the HIGH lodash advisory through"; echo "# $out" | cut -c1-300;;
*) ok "severity: critical lets the HIGH lodash advisory through";; esac
pull clean >/dev/null 2>&1
scanned=$(metric portcullis_layers_scanned_total)

# 1. Stricter: severity high. team/app flips to deny, by itself.
px_yml "policy:
  severity: high"
kill -HUP "$PX_PID"
reload_wait 1
grep -q 'monitor: policy reloaded: 2 images re-evaluated, 1 verdicts changed' "$T/px.log" &&
    ok "SIGHUP: both judged images decided again, one changed" ||
    { not_ok "SIGHUP: both judged images decided again, one changed"; grep -E 'reload|monitor' "$T/px.log" | sed 's/^/# /'; }
wait_hook "$T/hooks.jsonl" 1
grep -q '"event":"verdict-changed".*"repository":"team/app","before":"allow","after":"deny".*"cause":"policy"' \
    "$T/hooks.jsonl" 2>/dev/null &&
    ok "the webhook was told team/app flipped to deny, cause policy" ||
    { not_ok "the webhook was told team/app flipped to deny, cause policy"; sed 's/^/# /' "$T/hooks.jsonl" 2>/dev/null; }
expect_eq "and only about team/app" 1 "$(grep -c verdict-changed "$T/hooks.jsonl")"
expect_eq "metrics count one changed verdict" 1 "$(metric portcullis_verdicts_changed_total)"
out=$(pull app)
case "$out" in *denied*GHSA-35jh-r3h4-6jhm*) ok "the next pull is refused at once (no cached allow)";;
*) not_ok "the next pull is refused at once (no cached allow)"; echo "# $out" | cut -c1-300;; esac

# 2. A file that does not load: the running policy stays.
px_yml "policy:
  severity: extreme"
kill -HUP "$PX_PID"
i=0
while [ $i -lt 50 ] && ! grep -q 'reload: .*the running policy stays' "$T/px.log"; do
	sleep 0.1; i=$((i + 1))
done
check "a broken file is refused and logged" grep -q 'reload: .*severity.*the running policy stays' "$T/px.log"
out=$(pull app)
case "$out" in *denied*) ok "the running policy still refuses team/app";;
*) not_ok "the running policy still refuses team/app"; echo "# $out" | cut -c1-300;; esac
check "proxy still running" proxy_alive

# 3. Allowlist the CVE: team/app flips back to allow.
px_yml "$ALLOWLISTED"
kill -HUP "$PX_PID"
reload_wait 2
wait_hook "$T/hooks.jsonl" 2
grep -q '"repository":"team/app","before":"deny","after":"allow".*"cause":"policy"' "$T/hooks.jsonl" &&
    ok "allowlisted: the webhook was told team/app flipped back to allow" ||
    { not_ok "allowlisted: the webhook was told team/app flipped back to allow"; sed 's/^/# /' "$T/hooks.jsonl"; }
out=$(pull app)
case "$out" in *denied*) not_ok "and it pulls"; echo "# $out" | cut -c1-300;;
*) ok "and it pulls";; esac
expect_eq "no layer was rescanned" "$scanned" "$(metric portcullis_layers_scanned_total)"

# 4. Two reloads back to back (the second may land before the first
# one's sweep ran): each step's flip is reported, in order.
px_yml "policy:
  severity: high"
n=$(grep -c 'reload: policy and webhooks read' "$T/px.log")
kill -HUP "$PX_PID"
i=0
while [ $i -lt 50 ] && [ "$(grep -c 'reload: policy and webhooks read' "$T/px.log")" -le "$n" ]; do
	sleep 0.05; i=$((i + 1))
done
px_yml "$ALLOWLISTED"
kill -HUP "$PX_PID"
wait_hook "$T/hooks.jsonl" 4
expect_eq "back-to-back reloads: deny, then allow again, both reported" \
    "deny allow" "$(sed -n 's/.*"repository":"team\/app".*"after":"\([a-z]*\)".*/\1/p' "$T/hooks.jsonl" |
    tail -n +3 | tr '\n' ' ' | sed 's/ $//')"

# 5. An allowlist entry that runs out: allowed until then (a reload that
# changes no decision reports nothing), refused after, and the flip is
# reported with no reload and no pull.
until=$(date -u -d "@$(($(date +%s) + 3))" +%Y-%m-%dT%H:%M:%SZ)
px_yml "policy:
  severity: high
  allowlist:
    - id: CVE-2021-23337
      expires: $until
      reason: until the fix is rolled out"
kill -HUP "$PX_PID"
reload_wait 5
out=$(pull app)
case "$out" in *denied*) not_ok "allowlisted until $until: pulls"; echo "# $out" | cut -c1-300;;
*) ok "allowlisted until $until: pulls";; esac
expect_eq "that reload flipped nothing" 4 "$(grep -c verdict-changed "$T/hooks.jsonl")"
wait_hook "$T/hooks.jsonl" 5
tail -n 1 "$T/hooks.jsonl" | grep -q '"repository":"team/app","before":"allow","after":"deny".*"cause":"allowlist-expired"' &&
    ok "once it ran out the webhook was told, cause allowlist-expired" ||
    { not_ok "once it ran out the webhook was told, cause allowlist-expired"; sed 's/^/# /' "$T/hooks.jsonl"; }
out=$(pull app)
case "$out" in *denied*GHSA-35jh-r3h4-6jhm*) ok "and the pull is refused (no cached allow)";;
*) not_ok "and the pull is refused (no cached allow)"; echo "# $out" | cut -c1-300;; esac
stop_proxy px

# 6. A restart with a changed policy is swept like a reload (the last
# run's configuration is kept in state_dir); one with the same is not.
check "the configuration served with is kept in state_dir" \
    cmp "$T/px.yml" "$PX_STATE/last-config.yaml"
start_proxy px "$REG_URL" "$WATCH
policy:
  severity: critical"
wait_hook "$T/hooks.jsonl" 6
tail -n 1 "$T/hooks.jsonl" | grep -q '"repository":"team/app","before":"deny","after":"allow".*"cause":"policy"' &&
    ok "restarted with severity critical: the flip to allow is reported" ||
    { not_ok "restarted with severity critical: the flip to allow is reported"; sed 's/^/# /' "$T/hooks.jsonl"; }
stop_proxy px
start_proxy px "$REG_URL" "$WATCH
policy:
  severity: critical"
pull app >/dev/null 2>&1
sleep 2
check "restarted with the same configuration: no sweep" \
    sh -c "! grep -q 'changed since the last run' '$T/px.log'"
expect_eq "and nothing reported" 6 "$(grep -c verdict-changed "$T/hooks.jsonl")"
stop_proxy px
