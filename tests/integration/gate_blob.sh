#!/bin/sh
# The blob gate: knowing a layer's digest (the status report lists them)
# is not a way around a refused pull. A blob GET is refused when the
# blob itself carries what the policy blocks (a token), or when every
# recorded image using it in that repository is refused (its config);
# a blob an allowed image uses passes even if a refused one shares it;
# a blob no judged image uses follows unknown_images; a HEAD only says
# the blob exists. The registry keeps every byte.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3
tap_plan 15

mkdir -p "$T/base/etc" "$T/tok/root" "$T/ok/srv"
echo "shared base layer" > "$T/base/etc/motd"
printf 'GITHUB_TOKEN=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\n' > "$T/tok/root/.env"
echo fine > "$T/ok/srv/readme"
MKIMAGE_CONFIG='"User":"app","Labels":{"i":"bad"}' mkimage "$T/bad" v1 "$T/base" "$T/tok"
MKIMAGE_CONFIG='"User":"app","Labels":{"i":"good"}' mkimage "$T/good" v1 "$T/base" "$T/ok"
layers() { python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/blobs/sha256/'+json.load(open(sys.argv[1]+'/index.json'))['manifests'][0]['digest'][7:])); print(m['config']['digest'], ' '.join(l['digest'] for l in m['layers']))" "$1"; }
set -- $(layers "$T/bad")
BADCFG=$1 BASE=$2 TOKL=$3
set -- $(layers "$T/good")
OKL=$3
python3 -c "import json,sys; print(json.load(open(sys.argv[1]+'/index.json'))['manifests'][0]['digest'])" "$T/bad" > "$T/bad.digest"

start_registry reg
start_proxy px "$REG_URL" "policy:
  repositories:
    - match: \"strict/*\"
      unknown_images: block"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

$SK copy --dest-tls-verify=false "oci:$T/bad:v1" "docker://$P/team/app:bad" >/dev/null 2>&1 || bail "push bad"
# Judged once, as a client pulls it.
expect_eq "the image with a token is refused" 403 \
    "$(code -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$P/v2/team/app/manifests/bad")"
expect_eq "its token layer, fetched by digest, is refused too" 403 "$(code "http://$P/v2/team/app/blobs/$TOKL")"
grep -q '"code":"DENIED".*a secret: github-token in root/.env' "$T/body" &&
    ok "naming the secret it carries" || { not_ok "naming the secret it carries"; head -c 300 "$T/body" | sed 's/^/# /'; echo; }
expect_eq "its config, used only by refused images, is refused" 403 "$(code "http://$P/v2/team/app/blobs/$BADCFG")"
expect_eq "a range of the token layer is refused as well" 403 \
    "$(code -H 'Range: bytes=0-99' "http://$P/v2/team/app/blobs/$TOKL")"
expect_eq "a HEAD only tells it exists" 200 "$(code -I "http://$P/v2/team/app/blobs/$TOKL")"
# A blob no judged image uses follows unknown_images: block refuses it.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/good:v1" \
    "docker://127.0.0.1:$REG_PORT/strict/app:v1" >/dev/null 2>&1 || bail "direct push"
expect_eq "a blob no recorded image uses, where unknown_images: block" 403 \
    "$(code "http://$P/v2/strict/app/blobs/$OKL")"
$SK copy --dest-tls-verify=false "oci:$T/good:v1" "docker://$P/team/app:good" >/dev/null 2>&1 || bail "push good"
check "an allowed image sharing the base layer pulls whole" \
    $SK copy --src-tls-verify=false "docker://$P/team/app:good" "oci:$T/pulled:v1"
expect_eq "the shared base layer passes: an allowed image uses it" 200 "$(code "http://$P/v2/team/app/blobs/$BASE")"
# One manifest in two tenants' repositories: each report names only the
# repository it was asked about, never the one it was recorded in first.
$SK copy --dest-tls-verify=false "oci:$T/good:v1" "docker://$P/bob/copy:v1" >/dev/null 2>&1 || bail "push copy"
st=$(curl -sf "http://$P/portcullis/v1/status/bob/copy/v1" | tr -d ' \n')
case "$st" in *'"repository":"bob/copy"'*) ok "bob's report names bob/copy";;
*) not_ok "bob's report names bob/copy"; echo "# $st" | cut -c1-300;; esac
case "$st" in *team/app*) not_ok "and nothing of team/app, where the manifest was recorded first";;
*) ok "and nothing of team/app, where the manifest was recorded first";; esac
# A store from before the blob index: its keys and marker gone, the
# next start files every recorded image again.
stop_proxy px
"$STOREEDIT" "$T/px-state" del images "ref:$BADCFG@$(cat "$T/bad.digest")" &&
    "$STOREEDIT" "$T/px-state" meta ref_index 0 || bail "storeedit"
PX_STATE=$T/px-state start_proxy px2 "$REG_URL"
P="127.0.0.1:$PX_PORT"
expect_eq "after a restart on an older store the config is refused again" 403 \
    "$(code "http://$P/v2/team/app/blobs/$BADCFG")"
got=$(curl -sf "$REG_URL/v2/team/app/blobs/$TOKL" | sha256sum | cut -d' ' -f1)
expect_eq "the registry still holds the refused layer, byte for byte" "${TOKL#sha256:}" "$got"
stop_proxy px2
