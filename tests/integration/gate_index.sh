#!/bin/sh
# Multi-arch images: an OCI image index pushed through the proxy (skopeo
# copy --all) is judged by its platform images. With a clean amd64 image
# and an arm64 image carrying real lodash 4.17.20, pulling the index is
# refused; the clean platform image alone pulls.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm
tap_plan 5

osv_state
npm_module "$T/app/app" lodash 4.17.20
mkdir -p "$T/plain"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" amd "$T/plain"
amd=$MKIMAGE_DIGEST
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" arm "$T/app"
arm=$MKIMAGE_DIGEST
mkimage_index "$T/img" "$amd" amd64 "$arm" arm64
ih=${MKIMAGE_INDEX#sha256:}; isz=$MKIMAGE_INDEX_SIZE
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}' \
    "$ih" "$isz" > "$T/img/index.json"

start_registry reg
start_proxy px "$REG_URL" "policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
check "skopeo pushes the two-platform index through the proxy" \
    skopeo --insecure-policy copy --all --dest-tls-verify=false "oci:$T/img:multi" "docker://$P/team/multi:v1"
n=$(wait_metric "$P" portcullis_layers_scanned_total 4)
body=$(curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$P/v2/team/multi/manifests/v1")
case "$body" in *'"code":"DENIED"'*'GHSA-35jh-r3h4-6jhm in lodash 4.17.20'*' 403') ok "the index is refused for its arm64 image";;
*) not_ok "the index is refused for its arm64 image"; echo "# $body" | head -c 300; echo;; esac
expect_eq "the arm64 image by digest is refused" 403 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$P/v2/team/multi/manifests/$arm")"
expect_eq "the amd64 image by digest pulls" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$P/v2/team/multi/manifests/$amd")"
stop_proxy px
