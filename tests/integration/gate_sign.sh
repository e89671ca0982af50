#!/bin/sh
# require_signature: pulls need a cosign signature by the configured key.
# Signatures are stored the way `cosign sign --key` stores them (an OCI
# artifact tagged sha256-<hex>.sig whose layer is the simple-signing
# payload, the base64 ECDSA P-256 signature in its annotation), made
# here with openssl and pushed to the real registry with curl.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl openssl base64 sha256sum
tap_plan 12

openssl ecparam -genkey -name prime256v1 -noout -out "$T/key.pem" 2>/dev/null
openssl ec -in "$T/key.pem" -pubout -out "$T/cosign.pub" 2>/dev/null
openssl ecparam -genkey -name prime256v1 -noout -out "$T/other.pem" 2>/dev/null
mkdir -p "$T/plain"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/plain"
IMG=$MKIMAGE_DIGEST
MKIMAGE_CONFIG='"User":"other"' mkimage "$T/img2" v1 "$T/plain"
IMG2=$MKIMAGE_DIGEST

start_registry reg
R="127.0.0.1:$REG_PORT"
# blob REPO FILE: monolithic upload straight to the registry; prints digest.
blob() { blob_upload "$R" "$1" "$2"; }
# sign REPO DIGEST KEY [NAMED_DIGEST]: cosign's signature artifact for
# DIGEST, signing a payload that names NAMED_DIGEST (default DIGEST).
sign() {
	printf '{"critical":{"identity":{"docker-reference":"%s/%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
	    "$R" "$1" "${4:-$2}" > "$T/payload.json"
	sig=$(openssl dgst -sha256 -sign "$3" "$T/payload.json" | base64 -w0)
	pd=$(blob "$1" "$T/payload.json")
	psz=$(stat -c %s "$T/payload.json")
	printf '{"architecture":"","config":{},"created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["%s"]}}' \
	    "$pd" > "$T/sigcfg.json"
	cd_=$(blob "$1" "$T/sigcfg.json")
	csz=$(stat -c %s "$T/sigcfg.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%s,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}]}' \
	    "$csz" "$cd_" "$psz" "$pd" "$sig" > "$T/sigman.json"
	curl -s -o "$T/sigput.out" -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
	    --data-binary "@$T/sigman.json" \
	    "http://$R/v2/$1/manifests/sha256-${2#sha256:}.sig" || bail "signature push failed"; grep -q errors "$T/sigput.out" && { cat "$T/sigput.out"; bail "signature push refused"; }; true
}

start_proxy px "$REG_URL" "policy:
  severity: high
  unknown_images: scan
  signature_key: $T/cosign.pub
  require_signature: true
  repositories:
    - match: \"sandbox/*\"
      require_signature: false"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"
for r in signed unsigned wrongkey elsewhere sandbox/app; do
	$SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/$r:v1" >"$T/push.log" 2>&1 ||
	    bail "push to $r failed"
done
sign signed "$IMG" "$T/key.pem"
# Never seen by the proxy, and signed: scanned first, then checked.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img2:v1" \
    "docker://$R/fresh:v1" >"$T/push.log" 2>&1 || bail "direct push failed"
sign fresh "$IMG2" "$T/key.pem"
sign wrongkey "$IMG" "$T/other.pem"
sign elsewhere "$IMG" "$T/key.pem" "$IMG2"

check "an image signed with the configured key pulls" \
    $SK copy --src-tls-verify=false "docker://$P/signed:v1" "oci:$T/o1:v1"
check "... again, from the recorded check" \
    $SK copy --src-tls-verify=false "docker://$P/signed:v1" "oci:$T/o2:v1"
expect_eq "the signature was fetched and checked once" 1 \
    "$(grep -c 'scan: signed@.* cosign signature checked' "$T/px.log")"
check "a never-seen signed image: pulled and scanned, then its signature checked, then it pulls" \
    $SK copy --src-tls-verify=false "docker://$P/fresh:v1" "oci:$T/o5:v1"
grep -q 'scan: fresh@.* pulled and scanned' "$T/px.log" &&
    grep -q 'scan: fresh@.* cosign signature checked' "$T/px.log" &&
    ok "both steps logged, one pull held through them" ||
    not_ok "both steps logged, one pull held through them"
pull() {
	curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    "http://$P/v2/$1/manifests/v1"
}
body=$(pull unsigned)
case "$body" in *'"code":"DENIED"'*'is not signed as the policy for unsigned requires: no cosign signature'*' 403') ok "unsigned: DENIED, no signature";;
*) not_ok "unsigned: DENIED, no signature"; echo "# $body" | cut -c1-300;; esac
body=$(pull wrongkey)
case "$body" in *'"code":"DENIED"'*'does not verify with signature_key'*' 403') ok "signed with another key: DENIED";;
*) not_ok "signed with another key: DENIED"; echo "# $body" | cut -c1-300;; esac
body=$(pull elsewhere)
case "$body" in *'"code":"DENIED"'*"the signed payload names $IMG2, not this image"*' 403') ok "a signature of another image: DENIED";;
*) not_ok "a signature of another image: DENIED"; echo "# $body" | cut -c1-300;; esac
check "a repository whose override does not require signatures pulls unsigned" \
    $SK copy --src-tls-verify=false "docker://$P/sandbox/app:v1" "oci:$T/o3:v1"
if $SK copy --src-tls-verify=false "docker://$P/unsigned:v1" "oci:$T/o4:v1" >"$T/deny.out" 2>&1; then
	not_ok "skopeo shows the refusal"
else
	grep -q 'no cosign signature' "$T/deny.out" && ok "skopeo shows the refusal" ||
	    { not_ok "skopeo shows the refusal"; tail -n 2 "$T/deny.out" | sed 's/^/# /'; }
fi
stop_proxy px
printf 'policy:\n  require_signature: true\n' > "$T/nokey.yml"
"$PORTCULLIS" check-config -c "$T/nokey.yml" >/dev/null 2>"$T/nokey.err"
expect_eq "require_signature without signature_key is a config error" 1 \
    "$(grep -c 'require_signature needs policy.signature_key' "$T/nokey.err")"
