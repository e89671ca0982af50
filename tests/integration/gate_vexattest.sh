#!/bin/sh
# OpenVEX an image carries itself: in-toto statements in DSSE envelopes,
# as `cosign attest --type openvex --key` makes them (made here with
# openssl, tests/lib/attest.py), attached as OCI 1.1 referrers pushed
# through the proxy, or under cosign's sha256-<hex>.att tag pushed
# straight to the registry. Only a statement signed by a key in
# policy.vex_keys, about this very image, in its own repository, lets
# findings by: an unknown key, a tampered payload, a statement about
# another image, an unsigned document and a dropped key let nothing by.
# Real data: Alpine 3.20.3 (CVE-2024-9143 in libcrypto3 and libssl3)
# judged against Alpine's secdb, from ../shared/corpus.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3 openssl sha256sum
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
tap_plan 24

for k in vex other next; do
	openssl ecparam -genkey -name prime256v1 -noout -out "$T/$k.pem" 2>/dev/null
	openssl ec -in "$T/$k.pem" -pubout -out "$T/$k.pub" 2>/dev/null
done
mkdir -p "$T/px-state"
"$PORTCULLIS" db import -s "$T/px-state" "$CORPUS/alpine/secdb" >/dev/null 2>"$T/import.log" ||
    bail "secdb import failed: $(tail -n 2 "$T/import.log")"
start_registry reg
R="127.0.0.1:$REG_PORT"
POLICY="policy:
  severity: high
  unknown_images: scan
  vex_keys: [$T/vex.pub, $T/next.pub]
  vex_recheck: 2"
PX_STATE=$T/px-state start_proxy px "$REG_URL" "$POLICY"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'
SK="skopeo --insecure-policy"

mkimage_tgz "$T/img" v1 "$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz" diff
D=$MKIMAGE_DIGEST
mkimage_tgz "$T/img2" v1 "$CORPUS/alpine/alpine-minirootfs-3.12.12-x86_64.tar.gz" diff
D2=$MKIMAGE_DIGEST
# The same layer under another config: an image the proxy never saw.
MKIMAGE_CONFIG='"User":"app"' mkimage_tgz "$T/img3" v1 "$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz" diff
D3=$MKIMAGE_DIGEST
REPOS="team/app other/app pkg/app untrusted/app tamper/app replay/app unsigned/app"
for r in $REPOS; do
	$SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/$r:v1" >"$T/push.log" 2>&1 ||
	    bail "push to $r failed: $(tail -n 1 "$T/push.log")"
done
# Never seen by the proxy: pushed straight to the registry.
$SK copy --dest-tls-verify=false "oci:$T/img3:v1" "docker://$R/direct/app:v1" >"$T/push.log" 2>&1 ||
    bail "direct push failed"

# code REPO: the HTTP status of a manifest GET through the proxy.
code() { curl -s -o "$T/body" -w '%{http_code}' -H "$H" "http://$P/v2/$1/manifests/v1"; }
expect_eq "no attestation: 3.20.3 refused (CVE-2024-9143)" "403" "$(code team/app)"
grep -q 'CVE-2024-9143' "$T/body" && grep -q 'looking for signed VEX attestations' "$T/px.log" &&
    ok "the refusal names the CVE, after a look for attestations" ||
    { not_ok "the refusal names the CVE, after a look for attestations"; cut -c1-300 "$T/body" | sed 's/^/# /'; }

# attach HOST REPO ENVELOPE [att]: the envelope as the image's referrer
# (a manifest whose subject is $SUBJ), or cosign's .att tag; prints the
# manifest's digest.
SUBJ=$D
attach() {
	ed=$(blob_upload "$1" "$2" "$3"); esz=$(stat -c %s "$3")
	printf '{}' > "$T/empty.json"
	cd_=$(blob_upload "$1" "$2" "$T/empty.json")
	if [ "${4:-}" = att ]; then
		ref="sha256-${SUBJ#sha256:}.att"
		printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"%s"},"layers":[{"mediaType":"application/vnd.dsse.envelope.v1+json","size":%s,"digest":"%s","annotations":{"predicateType":"https://openvex.dev/ns"}}]}' \
		    "$cd_" "$esz" "$ed" > "$T/man.json"
	else
		printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"%s","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"%s"},"layers":[{"mediaType":"%s","size":%s,"digest":"%s"}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s}}' \
		    "${5:-application/vnd.in-toto+json}" "$cd_" "${6:-application/vnd.dsse.envelope.v1+json}" \
		    "$esz" "$ed" "$SUBJ" "$(stat -c %s "$T/img/blobs/sha256/${SUBJ#sha256:}")" > "$T/man.json"
		ref="sha256:$(sha256sum "$T/man.json" | cut -d' ' -f1)"
	fi
	st=$(curl -s -o "$T/put.out" -w '%{http_code}' -X PUT \
	    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
	    --data-binary "@$T/man.json" "http://$1/v2/$2/manifests/$ref")
	[ "$st" = 201 ] || bail "attestation push to $2: HTTP $st $(cat "$T/put.out")"
	sha256sum "$T/man.json" | sed 's/^\([0-9a-f]*\).*/sha256:\1/'
}
# The referrers index is written off the loop: wait until it lists $2.
listed() {
	i=0
	while [ $i -lt 50 ]; do
		curl -s "http://$P/v2/$1/referrers/$D" | grep -q "$2" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
cat > "$T/image.vex.json" <<EOF
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/app-att-1",
 "author": "Example Security", "timestamp": "2026-12-01T09:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2024-9143"},
   "products": [{"@id": "pkg:oci/app@$(echo "$D" | sed 's/:/%3A/')"}],
   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
EOF
cat > "$T/pkg.vex.json" <<'EOF'
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/ssl-att-1",
 "author": "Example Security", "timestamp": "2026-12-01T09:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2024-9143"},
   "products": [{"@id": "pkg:apk/alpine/libssl3"}],
   "status": "not_affected", "justification": "inline_mitigations_already_exist"}]}
EOF
mk() { python3 "$top_srcdir/tests/lib/attest.py" "$@" || bail "attest.py failed"; }
mk "$T/vex.pem" "$D" "$T/image.vex.json" > "$T/good.env"

# 1. Signed by a trusted key, about this image, in its repository.
A=$(attach "$P" team/app "$T/good.env")
listed team/app "$A" || bail "the attestation is not listed among team/app's referrers"
expect_eq "a signed VEX attestation: team/app pulls; the same image in other/app does not" \
    "200 403" "$(code team/app) $(code other/app)"
grep -q "scan: team/app@$D VEX attestations checked: 1 read, 0 set aside" "$T/px.log" &&
    ok "the check is logged with what it read" ||
    { not_ok "the check is logged with what it read"; grep 'VEX attest' "$T/px.log" | tail -n 3 | sed 's/^/# /'; }
check "skopeo pulls team/app whole (its blobs too)" \
    $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/pulled:a"
grep "\"/v2/team/app/manifests/v1\"" "$T/px-access.log" | tail -n 1 > "$T/al"
grep -q "VEX not_affected: vulnerable_code_not_in_execute_path, attestation $A" "$T/al" &&
    ok "the access log names the attestation that let it by" ||
    { not_ok "the access log names the attestation that let it by"; cut -c1-400 "$T/al" | sed 's/^/# /'; }
curl -sf "http://$P/portcullis/v1/status/team/app/v1" > "$T/st.json"
expect_eq "the report marks both findings with the statement, and lists the attestation as trusted" \
    "allow|2|attestation $A#0|$T/vex.pub|True" \
    "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); r = d["report"]
v = [x["vex"] for x in r["vulnerabilities"] if x.get("vex", {}).get("suppressed")]
a = r["vex_attestations"]["documents"][0]
print(d["annotations"]["dev.portcullis.policy.result"], len(v), v[0]["statement"], a["signer"], a["trusted"], sep="|")' "$T/st.json" 2>&1)"

# 2. One package's statement: the other keeps the image out.
mk "$T/vex.pem" "$D" "$T/pkg.vex.json" > "$T/pkg.env"
A2=$(attach "$P" pkg/app "$T/pkg.env")
listed pkg/app "$A2" || true
expect_eq "a signed statement for libssl3 only: still refused" 403 "$(code pkg/app)"
grep -q 'CVE-2024-9143 in libcrypto3' "$T/body" && ! grep -q 'in libssl3' "$T/body" &&
    ok "... naming libcrypto3 alone" ||
    { not_ok "... naming libcrypto3 alone"; cut -c1-300 "$T/body" | sed 's/^/# /'; }

# 3. What must let nothing by.
mk "$T/other.pem" "$D" "$T/image.vex.json" > "$T/untrusted.env"
sed 's/not_affected/affected/' "$T/image.vex.json" > "$T/affected.vex.json"
mk "$T/vex.pem" "$D" "$T/affected.vex.json" --tamper > "$T/tamper.env"
mk "$T/vex.pem" "$D2" "$T/image.vex.json" > "$T/replay.env"
U=$(attach "$P" untrusted/app "$T/untrusted.env"); listed untrusted/app "$U" || true
TA=$(attach "$P" tamper/app "$T/tamper.env"); listed tamper/app "$TA" || true
RP=$(attach "$P" replay/app "$T/replay.env"); listed replay/app "$RP" || true
UN=$(attach "$P" unsigned/app "$T/image.vex.json" "" application/vnd.openvex+json application/vnd.openvex+json)
listed unsigned/app "$UN" || true
expect_eq "unknown key, tampered payload, another image's statement, unsigned document: all refused" \
    "403 403 403 403" "$(code untrusted/app) $(code tamper/app) $(code replay/app) $(code unsigned/app)"
why() {
	curl -sf "http://$P/portcullis/v1/status/$1/v1" | python3 -c 'import json,sys
r = json.load(sys.stdin)["report"].get("vex_attestations", {})
print(len(r.get("documents", [])), *[i["why"] for i in r.get("ignored", [])], sep="|")'
}
expect_eq "an unknown key: set aside, said why" "0|not signed by any of policy.vex_keys" "$(why untrusted/app)"
expect_eq "a payload changed after signing: set aside" "0|not signed by any of policy.vex_keys" "$(why tamper/app)"
expect_eq "a statement signed for another image: set aside" "0|its subject is another image" "$(why replay/app)"
expect_eq "an OpenVEX document attached unsigned: set aside" \
    "0|an OpenVEX document without a signature (only signed attestations are read)" "$(why unsigned/app)"

# 4. cosign's .att tag, pushed straight to the registry, on an image the
# proxy never saw: pulled and scanned, then its attestations read.
sed 's#"pkg:oci/app@[^"]*"#"pkg:apk/alpine/libcrypto3"}, {"@id": "pkg:apk/alpine/libssl3"#' \
    "$T/image.vex.json" > "$T/pkgs.vex.json"
mk "$T/vex.pem" "$D3" "$T/pkgs.vex.json" > "$T/direct.env"
SUBJ=$D3
attach "$R" direct/app "$T/direct.env" att >/dev/null
SUBJ=$D
expect_eq "a never-seen image with a signed .att: scanned, checked, pulls" 200 "$(code direct/app)"
grep -q "scan: direct/app@$D3 pulled and scanned" "$T/px.log" &&
    grep -q "scan: direct/app@$D3 VEX attestations checked: 1 read" "$T/px.log" &&
    ok "both steps logged, one pull held through them" ||
    not_ok "both steps logged, one pull held through them"

# 5. A later attestation, pushed through the proxy, is read at once.
mk "$T/vex.pem" "$D" "$T/image.vex.json" > "$T/good2.env"
A3=$(attach "$P" other/app "$T/good2.env"); listed other/app "$A3" || true
expect_eq "other/app, refused a moment ago, pulls once its own attestation is pushed" 200 "$(code other/app)"

# 6. Withdrawn: the attestation deleted through the proxy counts no more.
st=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$P/v2/other/app/manifests/$A3")
i=0
while [ $i -lt 50 ] && curl -s "http://$P/v2/other/app/referrers/$D" | grep -q "$A3"; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "its attestation deleted (202), other/app is refused again" "202 403" "$st $(code other/app)"

# 7. Withdrawn straight at the registry, past the proxy: seen once
# vex_recheck (2 s here) has passed, cached decision or not.
ATT=$(curl -s -D - -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$REG_URL/v2/direct/app/manifests/sha256-${D3#sha256:}.att" | tr -d '\r' |
    sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
before=$(code direct/app)
st=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$REG_URL/v2/direct/app/manifests/$ATT")
sleep 2.5
expect_eq "its .att deleted at the registry (202): direct/app pulled, then refused" \
    "200 202 403" "$before $st $(code direct/app)"

metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
[ "$(metric portcullis_vex_attestation_checks_total)" -ge 9 ] 2>/dev/null &&
    [ "$(metric 'portcullis_vex_attestations_total{outcome="read"}')" -ge 4 ] &&
    [ "$(metric 'portcullis_vex_attestations_total{outcome="set-aside"}')" -ge 4 ] &&
    ok "/metrics counts the looks, and the attestations read and set aside" ||
    not_ok "/metrics counts the looks, and the attestations read and set aside ($(curl -sf "http://$P/metrics" | grep vex_att | tr '\n' ' '))"

# 8. The operator drops the key: what it signed vouches for nothing.
# The recorded look stays trusted (vex_recheck 3600): what it read is
# weighed with the keys now in force, not looked for again.
sed -i "s#vex_keys: \[$T/vex.pub, #vex_keys: [#; s#vex_recheck: 2#vex_recheck: 3600#" "$T/px.yml"
grep -q "vex_keys: \[$T/next.pub\]" "$T/px.yml" && grep -q "vex_recheck: 3600" "$T/px.yml" ||
    bail "could not edit $T/px.yml"
n=$(grep -c 'monitor: policy reloaded' "$T/px.log")
kill -HUP "$PX_PID"
i=0
while [ $i -lt 100 ] && [ "$(grep -c 'monitor: policy reloaded' "$T/px.log")" -le "$n" ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "after a reload without that key: team/app refused again" 403 "$(code team/app)"
curl -sf "http://$P/portcullis/v1/status/team/app/v1" > "$T/st2.json"
expect_eq "... and its report shows the attestation as no longer trusted" "False" \
    "$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["report"]["vex_attestations"]["documents"][0]["trusted"])' "$T/st2.json" 2>&1)"

stop_proxy px
echo "policy:
  vex_keys: [$T/image.vex.json]" > "$T/badkey.yml"
"$PORTCULLIS" check-config -c "$T/badkey.yml" >/dev/null 2>"$T/badkey.err"
expect_eq "a vex_keys entry that is no public key is a config error" 1 \
    "$(grep -c 'vex_keys: .*image.vex.json is not a PEM public key' "$T/badkey.err")"
