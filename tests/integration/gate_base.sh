#!/bin/sh
# Allowed base images: with allowed_bases set, an image pushed through
# the proxy must declare (label org.opencontainers.image.base.name) a
# base matching one of the globs, or its pull is refused.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl
tap_plan 5

PX_STATE="$T/state"
mkdir -p "$T/plain"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app","Labels":{"org.opencontainers.image.base.name":"docker.io/library/debian:bookworm"}' \
    mkimage "$T/good" v1 "$T/plain"
MKIMAGE_CONFIG='"User":"app","Labels":{"org.opencontainers.image.base.name":"docker.io/library/alpine:3.19"}' \
    mkimage "$T/other" v1 "$T/plain"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/none" v1 "$T/plain"
start_registry reg
start_proxy px "$REG_URL" "policy:
  allowed_bases:
    - docker.io/library/debian:*"
P="127.0.0.1:$PX_PORT"
for i in good other none; do
	skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/$i:v1" \
	    "docker://$P/team/$i:v1" >/dev/null 2>&1 || bail "push $i failed"
done
wait_metric "$P" portcullis_layers_scanned_total 4 >/dev/null
pull() { curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/$1/manifests/v1"; }
case "$(pull good)" in *' 200') ok "debian-based image pulls";; *) not_ok "debian-based image pulls";; esac
r=$(pull other)
case "$r" in *'base image docker.io/library/alpine:3.19 is not an allowed base'*' 403') ok "alpine-based image refused, naming its base";;
*) not_ok "alpine-based image refused, naming its base"; echo "# $r" | head -c 300; echo;; esac
r=$(pull none)
case "$r" in *'(not declared)'*' 403') ok "image that declares no base refused";;
*) not_ok "image that declares no base refused"; echo "# $r" | head -c 300; echo;; esac
expect_eq "the registry itself still has them all" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REG_URL/v2/team/none/manifests/v1")"
stop_proxy px
