#!/bin/sh
# The pull gate end to end, with the real registry and real clients: an
# image carrying real lodash 4.17.20 is pushed through the proxy,
# scanned into the store (portcullis scan -w, as a CI pipeline would),
# and its pull is then refused with OCI DENIED naming the advisory;
# allowlisting the CVE lets it through; policy for unscanned images.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm
tap_plan 13

S="$T/state"
"$PORTCULLIS" db import -s "$S" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 || bail "db import"
mkdir -p "$T/app/app/node_modules" "$T/plain"
npm_module "$T/app/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/app"
dig=$MKIMAGE_DIGEST
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/clean" v1 "$T/plain"

start_registry reg
# All proxies below share one state directory: the store outlives them.
PXS="$T/px-state"
PX_STATE=$PXS
start_proxy px "$REG_URL" "policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

check "push through the proxy (pushes are not gated)" \
    $SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/team/app:v1"
check "unscanned image pulls (unknown_images: allow is the default)" \
    $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/out0:v1"

cp -r "$S/db" "$PXS/" 2>/dev/null
check "scan records the verdict under the manifest digest" \
    "$PORTCULLIS" scan -s "$PXS" -w -f json "oci:$T/img:v1"

if $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/out1:v1" >"$T/deny.out" 2>&1; then
	not_ok "pull of the vulnerable image is refused"
else
	ok "pull of the vulnerable image is refused"
fi
grep -q 'denied' "$T/deny.out" && grep -q 'GHSA-35jh-r3h4-6jhm in lodash 4.17.20 (fixed in 4.17.21)' "$T/deny.out" &&
    ok "skopeo shows the reason: the advisory, package and fix" ||
    { not_ok "skopeo shows the reason: the advisory, package and fix"; sed 's/^/# /' "$T/deny.out" | tail -3; }
body=$(curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/app/manifests/v1")
case "$body" in *'"code":"DENIED"'*"team/app@$dig blocked by policy"*' 403') ok "GET manifest: 403 DENIED with the digest";;
*) not_ok "GET manifest: 403 DENIED with the digest"; echo "# $body" | head -c 300; echo;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/app/manifests/$dig")
expect_eq "HEAD by digest: 403" 403 "$code"
expect_eq "the registry itself still serves it (the gate is the proxy)" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$REG_URL/v2/team/app/manifests/v1")"
grep -q '"decision":"deny","reason":"team/app@sha256:[0-9a-f]* blocked by policy' "$T/px-access.log" &&
    ok "access log records the denial and why" ||
    not_ok "access log records the denial and why"
stop_proxy px

# Policy change: allowlist the CVE (until a date in the future).
start_proxy px2 "$REG_URL" "policy:
  severity: high
  allowlist:
    - id: CVE-2021-23337
      expires: 2099-12-31
      reason: template() is not used"
check "allowlisted: the same image pulls, verdict kept across the restart" \
    $SK copy --src-tls-verify=false "docker://127.0.0.1:$PX_PORT/team/app:v1" "oci:$T/out2:v1"

# Unscanned images under unknown_images: block.
$SK copy --dest-tls-verify=false "oci:$T/clean:v1" "docker://127.0.0.1:$REG_PORT/team/clean:v1" >/dev/null 2>&1
start_proxy px3 "$REG_URL" "policy:
  unknown_images: block"
body=$(curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/team/clean/manifests/v1")
case "$body" in *'has not been scanned'*' 403') ok "unknown_images: block refuses an unscanned image";;
*) not_ok "unknown_images: block refuses an unscanned image"; echo "# $body" | head -c 300; echo;; esac
expect_eq "pushes still pass under block" 0 \
    "$($SK copy --dest-tls-verify=false "oci:$T/clean:v1" "docker://127.0.0.1:$PX_PORT/team/clean2:v1" >/dev/null 2>&1; echo $?)"
