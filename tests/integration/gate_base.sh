#!/bin/sh
# Allowed base images: with allowed_bases set, an image pushed through
# the proxy must declare (label org.opencontainers.image.base.name) a
# base matching one of the globs, or be built on one: its first layers
# are exactly the layers of an image recorded in a matching repository.
# Otherwise its pull is refused.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl
[ -x "$STOREEDIT" ] || bail "tests/tools/storeedit is not built (make check builds it)"
tap_plan 13

PX_STATE="$T/state"
mkdir -p "$T/plain"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app","Labels":{"org.opencontainers.image.base.name":"docker.io/library/debian:bookworm"}' \
    mkimage "$T/good" v1 "$T/plain"
MKIMAGE_CONFIG='"User":"app","Labels":{"org.opencontainers.image.base.name":"docker.io/library/alpine:3.19"}' \
    mkimage "$T/other" v1 "$T/plain"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/none" v1 "$T/plain"
# A base image (one layer) and images built on it or not (two layers).
mkdir -p "$T/app" "$T/other-os"
echo "the application" > "$T/app/app.txt"
echo "another distribution" > "$T/other-os/os.txt"
MKIMAGE_CONFIG='"User":"root"' mkimage "$T/base" v1 "$T/plain"
base_dg=$MKIMAGE_DIGEST
base_layer=$(sed -n 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' \
    "$T/base/blobs/sha256/${base_dg#sha256:}")
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/built" v1 "$T/plain" "$T/app"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/notbuilt" v1 "$T/other-os" "$T/app"
MKIMAGE_CONFIG='"User":"app2"' mkimage "$T/built2" v1 "$T/plain" "$T/app"
start_registry reg
start_proxy px "$REG_URL" "policy:
  allowed_bases:
    - docker.io/library/debian:*
    - base/*"
P="127.0.0.1:$PX_PORT"
for i in good other none built notbuilt; do
	skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/$i:v1" \
	    "docker://$P/team/$i:v1" >/dev/null 2>&1 || bail "push $i failed"
done
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/base:v1" \
    "docker://$P/base/debian:12" >/dev/null 2>&1 || bail "push base failed"
wait_metric "$P" portcullis_layers_scanned_total 9 >/dev/null
pull() { curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/$1/manifests/v1"; }
case "$(pull good)" in *' 200') ok "debian-based image pulls";; *) not_ok "debian-based image pulls";; esac
r=$(pull other)
case "$r" in *'base image docker.io/library/alpine:3.19 is not an allowed base'*' 403') ok "alpine-based image refused, naming its base";;
*) not_ok "alpine-based image refused, naming its base"; echo "# $r" | head -c 300; echo;; esac
r=$(pull none)
case "$r" in *'(not declared)'*' 403') ok "image that declares no base refused";;
*) not_ok "image that declares no base refused"; echo "# $r" | head -c 300; echo;; esac
case "$(pull built)" in *' 200') ok "an image built on base/debian (by its layers) pulls";;
*) not_ok "an image built on base/debian (by its layers) pulls";; esac
# The base lies in another repository, which the caller was not asked
# about: the report does not name it (the decision used it all the same).
st=$(curl -s "http://$P/portcullis/v1/status/team/built/v1" | tr -d ' \n')
case "$st" in *'"dev.portcullis.policy.result":"allow"'*)
	case "$st" in *base/debian*) not_ok "its report names no other repository, not even its base";;
	*) ok "its report names no other repository, not even its base";; esac;;
*) not_ok "its report names no other repository, not even its base"; echo "# $st" | cut -c1-300;; esac
r=$(pull notbuilt)
case "$r" in *'(not declared)'*' 403') ok "the same top layer on another base is refused";;
*) not_ok "the same top layer on another base is refused"; echo "# $r" | head -c 300; echo;; esac
# No advisory data is imported here: decisions are cached all the same.
hits() { curl -sf "http://$P/metrics" | sed -n 's/^portcullis_gate_cache_hits_total //p'; }
h0=$(hits)
r=$(pull other)
case "$r" in *'is not an allowed base'*' 403') ok "a second pull is refused the same way";;
*) not_ok "a second pull is refused the same way"; echo "# $r" | head -c 300; echo;; esac
expect_eq "and decided from the cache" $((h0 + 1)) "$(hits)"
expect_eq "the registry itself still has them all" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REG_URL/v2/team/none/manifests/v1")"
stop_proxy px

# A store from before images were filed under their first layer: the
# base's entry and the marker gone. The next start files every recorded
# image once, so an image built on the base later is still told.
"$STOREEDIT" "$PX_STATE" del images "base:$base_layer@$base_dg" || bail "cannot drop the index entry"
"$STOREEDIT" "$PX_STATE" meta base_index 0 || bail "cannot reset the index marker"
start_proxy px2 "$REG_URL" "policy:
  allowed_bases:
    - base/*"
P="127.0.0.1:$PX_PORT"
grep -q 'record: [0-9]* recorded images indexed by their first layer' "$T/px2.log" &&
    ok "an older store is indexed once at start" ||
    { not_ok "an older store is indexed once at start"; sed 's/^/# /' "$T/px2.log" | tail -5; }
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/built2:v1" \
    "docker://$P/team/built2:v1" >/dev/null 2>&1 || bail "push built2 failed"
case "$(pull built2)" in *' 200') ok "an image built on a base recorded before the index pulls";;
*) not_ok "an image built on a base recorded before the index pulls";; esac
stop_proxy px2
