#!/bin/sh
# Exceptions, VEX and break-glass through the proxy, on real images and
# real data: Alpine 3.20.3 (CVE-2024-9143 in libcrypto3 and libssl3)
# and 3.12.12 (CVE-2022-37434 in zlib) from ../shared/corpus, judged
# against Alpine's secdb, pushed with skopeo, pulled with skopeo and
# curl. Each kind of scope is shown letting by exactly what it names:
# a repository-scoped exception (team/* yes, other/* no), a package
# with a version range (libcrypto3 cleared, libssl3 still named), an
# OpenVEX not_affected for the image's digest (that image only) and for
# one package (that package only), an exception that runs out (the
# monitor flips the image), a secret and a misconfiguration excepted in
# one repository glob (not at another path), and an operator's
# break-glass grant for one
# digest (granted, used, audited, revoked). Every allow an exception or
# a grant made is named in the access log.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3 openssl
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
tap_plan 37

mkdir -p "$T/px-state"
"$PORTCULLIS" db import -s "$T/px-state" "$CORPUS/alpine/secdb" >/dev/null 2>"$T/import.log" ||
    bail "secdb import failed: $(tail -n 2 "$T/import.log")"
start_registry reg
MON="monitor:
  interval: 1"
PX_STATE=$T/px-state start_proxy px "$REG_URL" "$MON
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'
SK="skopeo --insecure-policy"
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
# px_policy POLICY: the same proxy, this policy, reloaded; waits for the sweep.
px_policy() {
	printf 'listen: 127.0.0.1:%s\nupstream:\n  url: %s\nlog:\n  level: info\n  access: %s\nstate_dir: %s\n%s\npolicy:\n  severity: high\n%s\n' \
	    "$PX_PORT" "$REG_URL" "$T/px-access.log" "$T/px-state" "$MON" "$1" > "$T/px.yml"
	n=$(grep -c 'monitor: policy reloaded' "$T/px.log")
	kill -HUP "$PX_PID"
	i=0
	while [ $i -lt 100 ] && [ "$(grep -c 'monitor: policy reloaded' "$T/px.log")" -le "$n" ]; do
		sleep 0.1; i=$((i + 1))
	done
}
# code REPO: the HTTP status of a manifest GET through the proxy.
code() { curl -s -o "$T/body" -w '%{http_code}' -H "$H" "http://$P/v2/$1/manifests/v1"; }
# logged REPO: the access log's last decision and reason for its manifest.
logged() {
	grep "\"/v2/$1/manifests/v1\"" "$T/px-access.log" | tail -n 1 | python3 -c 'import json,sys
d = json.loads(sys.stdin.read())
print(d.get("decision"), d.get("reason", ""))'
}

for v in 3.20.3 3.12.12; do
	mkimage_tgz "$T/img-$v" v1 "$CORPUS/alpine/alpine-minirootfs-$v-x86_64.tar.gz" diff
done
for r in team/app other/app; do
	$SK copy --dest-tls-verify=false "oci:$T/img-3.20.3:v1" "docker://$P/$r:v1" >/dev/null 2>&1 ||
	    bail "push of 3.20.3 to $r failed"
done
$SK copy --dest-tls-verify=false "oci:$T/img-3.12.12:v1" "docker://$P/team/zlib:v1" >/dev/null 2>&1 ||
    bail "push of 3.12.12 failed"
D=$(curl -s -D - -o /dev/null -H "$H" "$REG_URL/v2/team/app/manifests/v1" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip')
DZ=$(curl -s -D - -o /dev/null -H "$H" "$REG_URL/v2/team/zlib/manifests/v1" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip')
[ -n "$D" ] && [ -n "$DZ" ] || bail "no digests from the registry"
expect_eq "no exception: 3.20.3 refused in both repositories" "403 403" "$(code team/app) $(code other/app)"

# 1. An advisory in a repository glob, owned, with a reason.
px_policy "  exceptions:
    - id: CVE-2024-9143
      repository: team/*
      owner: sec@example.com
      reason: OpenSSL is not used for TLS in this image
      created: 2026-12-01
      expires: 2099-12-31"
expect_eq "exception for team/*: team/app pulls, other/app does not" "200 403" \
    "$(code team/app) $(code other/app)"
case "$(logged team/app)" in "allow allowed by policy with exceptions: CVE-2024-9143 in libcrypto3 (exception 1 by sec@example.com until 2099-12-31); CVE-2024-9143 in libssl3 (exception 1 by sec@example.com until 2099-12-31)")
	ok "the access log names the exception that let it by";;
*) not_ok "the access log names the exception that let it by"; echo "# $(logged team/app)";; esac
curl -sf "http://$P/portcullis/v1/status/team/app/v1" > "$T/st.json"
expect_eq "the status names it, and marks each finding with owner and reason" \
    "allow|2|sec@example.com|OpenSSL is not used for TLS in this image|2026-12-01" \
    "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); a = d["annotations"]
ex = [v["exception"] for v in d["report"]["vulnerabilities"] if "exception" in v]
print(a["dev.portcullis.policy.result"], len(ex), ex[0]["owner"], ex[0]["reason"], ex[0]["created"], sep="|")' "$T/st.json" 2>&1)"
check "skopeo pulls team/app" $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/pulled:a"
refused "skopeo cannot pull other/app" "$T/o1" "CVE-2024-9143" "and is told the CVE" \
    $SK copy --src-tls-verify=false "docker://$P/other/app:v1" "oci:$T/pulled:b"
[ "$(metric portcullis_decisions_excepted_total)" -ge 1 ] 2>/dev/null &&
    ok "portcullis_decisions_excepted_total counts it" ||
    not_ok "portcullis_decisions_excepted_total counts it ($(metric portcullis_decisions_excepted_total))"

# 2. A package with a version range: the other package keeps the image out.
px_policy "  exceptions:
    - package: libcrypto3
      versions: \">= 3.3.0, < 3.3.2-r1\"
      owner: sec@example.com
      reason: libcrypto3 is rebuilt next sprint"
expect_eq "libcrypto3 excepted, libssl3 is not: still refused" 403 "$(code team/app)"
grep -q 'CVE-2024-9143 in libssl3' "$T/body" && ! grep -q 'in libcrypto3' "$T/body" &&
    ok "the message names libssl3 only" || { not_ok "the message names libssl3 only"; cut -c1-300 "$T/body" | sed 's/^/# /'; }
px_policy "  exceptions:
    - package: libcrypto3
      versions: \"< 3.3.2-r0\"
      owner: sec@example.com
      reason: older builds only"
grep -q 'in libcrypto3' "$T/body" 2>/dev/null; code team/app >/dev/null
grep -q 'CVE-2024-9143 in libcrypto3' "$T/body" &&
    ok "a range 3.3.2-r0 is not below (apk order) covers nothing" ||
    { not_ok "a range 3.3.2-r0 is not below (apk order) covers nothing"; cut -c1-300 "$T/body" | sed 's/^/# /'; }

# 3. OpenVEX: not_affected for this image's digest, then for one package.
ENC=$(echo "$D" | sed 's/:/%3A/')
cat > "$T/image.vex.json" <<EOF2
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/app-1",
 "author": "Example Security", "timestamp": "2026-12-01T09:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2024-9143"},
   "products": [{"@id": "pkg:oci/app@$ENC",
     "subcomponents": [{"@id": "pkg:apk/alpine/libcrypto3"}, {"@id": "pkg:apk/alpine/libssl3"}]}],
   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
EOF2
px_policy "  vex: [$T/image.vex.json]"
expect_eq "VEX for the image's digest: both repositories holding it pull, zlib still refused" \
    "200 200 403" "$(code team/app) $(code other/app) $(code team/zlib)"
curl -sf "http://$P/portcullis/v1/status/team/app/v1" > "$T/st.json"
expect_eq "the report carries the statement's justification" \
    "vulnerable_code_not_in_execute_path vulnerable_code_not_in_execute_path" \
    "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(*[v["vex"]["justification"] for v in d["report"]["vulnerabilities"] if v.get("vex", {}).get("suppressed")])' "$T/st.json" 2>&1)"
case "$(logged other/app)" in *"VEX not_affected: vulnerable_code_not_in_execute_path, $T/image.vex.json#0"*)
	ok "the access log names the statement";;
*) not_ok "the access log names the statement"; echo "# $(logged other/app)";; esac
cat > "$T/pkg.vex.json" <<'EOF2'
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/ssl-1",
 "author": "Example Security", "timestamp": "2026-12-01T09:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2024-9143"},
   "products": [{"@id": "pkg:apk/alpine/libssl3@3.3.2-r0"}],
   "status": "not_affected", "justification": "inline_mitigations_already_exist"}]}
EOF2
px_policy "  vex: [$T/pkg.vex.json]"
expect_eq "VEX for one purl (libssl3): still refused" 403 "$(code team/app)"
grep -q 'CVE-2024-9143 in libcrypto3' "$T/body" && ! grep -q 'in libssl3' "$T/body" &&
    ok "only that package is cleared: the message names libcrypto3 alone" ||
    { not_ok "only that package is cleared: the message names libcrypto3 alone"; cut -c1-300 "$T/body" | sed 's/^/# /'; }
echo '{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2026-12-01T09:00:00Z", "statements": [{"vulnerability": {"name": "CVE-2024-9143"}, "products": [{"@id": "pkg:apk/alpine/libssl3"}], "status": "not_affected"}]}' > "$T/bad.vex.json"
px_policy "  vex: [$T/bad.vex.json]"
grep -q 'bad.vex.json: statement 0: a not_affected statement without justification' "$T/px.log" &&
    ok "a statement the spec forbids is refused at reload, and said why" ||
    not_ok "a statement the spec forbids is refused at reload, and said why"
expect_eq "and the running policy (the libssl3 VEX) stays" 403 "$(code team/app)"

# 4. An exception that runs out: the monitor flips the image, no pull needed.
until=$(date -u -d "@$(($(date +%s) + 3))" +%Y-%m-%dT%H:%M:%SZ)
px_policy "  exceptions:
    - id: CVE-2024-9143
      digest: $D
      owner: sec@example.com
      reason: until the rebuild lands
      expires: $until"
expect_eq "a digest-scoped exception until $until: that image pulls" "200 200" \
    "$(code team/app) $(code other/app)"
i=0
while [ $i -lt 100 ] && ! grep -q 'monitor: allowlist expiry: .* verdicts changed' "$T/px.log"; do
	sleep 0.1; i=$((i + 1))
done
grep -q 'monitor: allowlist expiry: [0-9]* images re-evaluated, [1-9][0-9]* verdicts changed' "$T/px.log" &&
    ok "its expiry is reported by the monitor with the flips" ||
    { not_ok "its expiry is reported by the monitor with the flips"; grep monitor "$T/px.log" | tail -n 3 | sed 's/^/# /'; }
expect_eq "and the image is refused again" 403 "$(code team/app)"
expect_eq "the expired exception is counted as such" 1 \
    "$(metric 'portcullis_policy_exceptions{state="expired"}')"

# 5. Rule exceptions: a secret at one path and a misconfiguration, in
# team/* only. The image: a private key made here, run as root.
mkdir -p "$T/keyroot/etc/ssl/private"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/keyroot/etc/ssl/private/test.key" 2>/dev/null || bail "openssl"
MKIMAGE_CONFIG='"User":"root"' mkimage "$T/img-key" v1 "$T/keyroot"
for r in team/key other/key; do
	$SK copy --dest-tls-verify=false "oci:$T/img-key:v1" "docker://$P/$r:v1" >/dev/null 2>&1 ||
	    bail "push of the key image to $r failed"
done
px_policy "  misconfig: [root-user]"
expect_eq "a private key and root: refused in both repositories" "403 403" "$(code team/key) $(code other/key)"
px_policy "  misconfig: [root-user]
  exceptions:
    - id: private-key
      path: \"etc/ssl/private/*\"
      repository: team/*
      owner: sec@example.com
      reason: a test key, never used for TLS
    - id: root-user
      repository: team/*
      owner: sec@example.com
      reason: the entrypoint drops privileges"
expect_eq "both excepted for team/*: team/key pulls, other/key does not" "200 403" \
    "$(code team/key) $(code other/key)"
grep -q 'private-key in etc/ssl/private/test.key' "$T/body" && grep -q 'root-user' "$T/body" &&
    ok "other/key is told the secret and the misconfiguration" ||
    { not_ok "other/key is told the secret and the misconfiguration"; cut -c1-300 "$T/body" | sed 's/^/# /'; }
px_policy "  misconfig: [root-user]
  exceptions:
    - id: private-key
      path: \"etc/ssl/other/*\"
      owner: sec@example.com
      reason: another path"
expect_eq "a secret exception for another path lets nothing by" 403 "$(code team/key)"

# 6. Break-glass for one digest in one repository.
px_policy ""
expect_eq "3.12.12 is refused" 403 "$(code team/zlib)"
check "breakglass grant" "$PORTCULLIS" breakglass grant -c "$T/px.yml" -r "incident 4711: roll back" \
    -t 1h -b oncall@example.com "team/zlib@$DZ"
check "skopeo pulls the refused image under the grant" \
    $SK copy --src-tls-verify=false "docker://$P/team/zlib:v1" "oci:$T/pulled:z"
case "$(logged team/zlib)" in "allow team/zlib@$DZ allowed by break-glass granted by oncall@example.com until "*": incident 4711: roll back (the policy refused it: "*"CVE-2022-37434 in zlib"*)
	ok "the access log says who granted it, why, and what the policy said";;
*) not_ok "the access log says who granted it, why, and what the policy said"; echo "# $(logged team/zlib)" | cut -c1-400;; esac
"$PORTCULLIS" breakglass grant -s "$T/px-state" -r "x" -t 8d "team/zlib@$DZ" > "$T/bg8d" 2>&1 &&
    not_ok "a grant longer than 7 days is refused" || ok "a grant longer than 7 days is refused"
expect_eq "the grant is for its digest only: 3.20.3 still refused" 403 "$(code team/app)"
[ "$(metric portcullis_breakglass_allowed_total)" -ge 1 ] 2>/dev/null &&
    ok "portcullis_breakglass_allowed_total counts it" || not_ok "portcullis_breakglass_allowed_total counts it"
check "breakglass revoke" "$PORTCULLIS" breakglass revoke -c "$T/px.yml" -b lead@example.com "$DZ"
expect_eq "revoked: refused again" 403 "$(code team/zlib)"
"$PORTCULLIS" breakglass list -c "$T/px.yml" > "$T/bg.list"
expect_eq "the list keeps the record: revoked, by whom, granted by whom" \
    "revoked lead@example.com oncall@example.com" \
    "$(python3 -c 'import json,sys
d = json.loads(open(sys.argv[1]).readline())
print(d["state"], d["revoked_by"], d["by"])' "$T/bg.list" 2>&1)"
stop_proxy px
