#!/bin/sh
# portcullis scan docker://...: images pulled from a real registry, the
# way skopeo pulls them. Token auth (a Bearer challenge answered with
# Basic credentials at the realm), a second registry over verified TLS,
# tags and digests, a two-platform index (linux/amd64 chosen), and the
# result equal to scanning the same image from its OCI layout.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo openssl npm
tap_plan 10

S="$T/state"
"$PORTCULLIS" db import -s "$S" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 ||
    bail "db import failed"
scan() { "$PORTCULLIS" scan -s "$S" "$@" 2>>"$T/scan.log"; }
pkgs() { tr -d ' \n' | grep -o '"type":"[a-z]*","name":"[^"]*","version":"[^"]*"' | sort; }

# The image: this machine's dpkg database plus real lodash 4.17.20.
mkdir -p "$T/os/var/lib/dpkg" "$T/os/etc" "$T/app/app"
cp /var/lib/dpkg/status "$T/os/var/lib/dpkg/status"
cp /etc/os-release "$T/os/etc/os-release"
npm_module "$T/app/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"1000"' mkimage "$T/img" amd "$T/os" "$T/app"
amd=$MKIMAGE_DIGEST; amdsz=$(stat -c %s "$T/img/blobs/sha256/${amd#sha256:}")
MKIMAGE_CONFIG='"User":"1000"' mkimage "$T/img" arm "$T/os"
arm=$MKIMAGE_DIGEST
# The arm64 image is listed first: the scanner must still pick amd64.
mkimage_index "$T/img" "$arm" arm64 "$amd" amd64
ih=${MKIMAGE_INDEX#sha256:}; isz=$MKIMAGE_INDEX_SIZE
cp "$T/img/index.json" "$T/img/index.single"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"multi"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"amd"}}]}' \
    "$ih" "$isz" "$amd" "$amdsz" > "$T/img/index.json"
want=$(scan -f json oci:"$T/img":amd | pkgs)
[ "$(echo "$want" | wc -l)" -gt 50 ] || bail "the reference scan found too little"

# Registry 1: plain HTTP, token auth.
start_tokensrv
REG_EXTRA=$(token_auth_yaml "$REALM")
start_registry reg
R=127.0.0.1:$REG_PORT
skopeo --insecure-policy copy --all --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$T/img:multi" "docker://$R/team/app:v1" >"$T/push.log" 2>&1 ||
    { sed 's/^/# /' "$T/push.log"; bail "skopeo push failed"; }

out=$(PORTCULLIS_REGISTRY_AUTH=alice:s3cret scan -P -f json "docker://$R/team/app:v1")
expect_eq "docker:// with token auth lists what the OCI layout scan lists" \
    "$want" "$(echo "$out" | pkgs)"
echo "$out" | tr -d ' \n' | grep -q '"id":"GHSA-35jh-r3h4-6jhm"' &&
    ok "the amd64 platform (listed second) was scanned: lodash matched" ||
    not_ok "the amd64 platform (listed second) was scanned: lodash matched"
expect_eq "by digest too" "$want" \
    "$(scan -P -u alice:s3cret -f json "docker://$R/team/app@$amd" | pkgs)"
scan -P -F high -f table -u alice:s3cret "docker://$R/team/app:v1" >/dev/null
expect_eq "exit status by policy: -F high fails on the HIGH advisory" 1 $?

scan -P -f json "docker://$R/team/app:v1" >/dev/null
rc=$?
expect_eq "without credentials: exit 2" 2 "$rc"
grep -q 'HTTP 401\|token service' "$T/scan.log" &&
    ok "the error names the refused authentication" ||
    not_ok "the error names the refused authentication"
scan -P -u alice:s3cret -f json "docker://$R/team/app:nope" >/dev/null
expect_eq "an unknown tag: exit 2" 2 $?
scan -P -u alice:s3cret -f json "docker://$R/team/../app:v1" >/dev/null
rc=$?
[ $rc -eq 2 ] && grep -q 'not a valid repository and reference' "$T/scan.log" &&
    ok "a repository name the spec does not allow is never requested" ||
    not_ok "a repository name the spec does not allow is never requested"

# Registry 2: TLS with a private CA, anonymous.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=portcullis-test-ca \
    -keyout "$T/ca.key" -out "$T/ca.crt" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=registry -keyout "$T/reg.key" \
    -out "$T/reg.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$T/reg.ext"
openssl x509 -req -in "$T/reg.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
    -CAcreateserial -days 2 -extfile "$T/reg.ext" -out "$T/reg.crt" >/dev/null 2>&1
REG_EXTRA=""
REG_SCHEME=https
REG_EXTRA_HTTP="  tls:
    certificate: $T/reg.crt
    key: $T/reg.key"
start_registry reg2
R2=127.0.0.1:$REG_PORT
mkdir -p "$T/certs" && cp "$T/ca.crt" "$T/certs/ca.crt"
skopeo --insecure-policy copy --dest-cert-dir "$T/certs" "oci:$T/img:amd" \
    "docker://$R2/team/app:v1" >"$T/push2.log" 2>&1 || bail "skopeo TLS push failed"
expect_eq "https with the registry's CA verified" "$want" \
    "$(scan -C "$T/ca.crt" -f json "docker://$R2/team/app:v1" | pkgs)"
scan -f json "docker://$R2/team/app:v1" >/dev/null
expect_eq "https without that CA: refused (exit 2)" 2 $?
