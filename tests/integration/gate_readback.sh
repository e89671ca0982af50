#!/bin/sh
# An upload scan that falls behind drops the bytes it has no time for
# (nothing to disk, the push never waits) and, once the registry has the
# blob, reads them back from it: with the pushing client's own token,
# or, if the registry refuses that, with the scanner's account. A read
# the registry refuses altogether leaves the layer unrecorded, so the
# image is judged as never scanned, not from half a layer.
#
# The layer puts 160 MiB of zeros (a few hundred KiB compressed, slow
# to inflate and hash) before 8 MiB of noise and real lodash 4.17.20:
# the upload outruns the scan's memory (64 KiB here, scanner.upload_buffer),
# so lodash is only ever seen in bytes read back.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm nginx htpasswd
tap_plan 17

osv_state
mkdir -p "$T/big/a-noise"
head -c 167772160 /dev/zero > "$T/big/a-noise/zeros.bin"
head -c 8388608 /dev/urandom > "$T/big/a-noise/noise.bin"
npm_module "$T/big/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/big"
rm -rf "$T/big"
SK="skopeo --insecure-policy"
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
# pull REPO: what skopeo, as alice, is told for REPO:v1
pull() {
	$SK inspect --tls-verify=false --creds alice:s3cret "docker://$P/$1:v1" 2>&1
}

# 1. Token auth: the client's Bearer token reads the blob back.
start_tokensrv
REG_EXTRA=$(token_auth_yaml "$REALM")
start_registry reg
start_proxy px "$REG_URL" "scanner:
  upload_buffer: 64k
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
if $SK copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img:v1" \
    "docker://$P/team/app:v1" >"$T/push.log" 2>&1; then
	ok "push through the proxy with a bearer token"
else
	not_ok "push through the proxy with a bearer token"; sed 's/^/# /' "$T/push.log"
fi
n=$(wait_metric "$P" portcullis_layers_scanned_total 2)
expect_eq "the layer and the config recorded" 2 "$n"
rb=$(metric portcullis_upload_readbacks_total)
check "the scan fell behind and was read back ($rb)" [ "${rb:-0}" -ge 1 ]
expect_eq "no read-back failed" 0 "$(metric portcullis_upload_readback_failures_total)"
expect_eq "the upload never waited for its scan" 0 "$(metric portcullis_upload_scan_waits_total)"
body=$(pull team/app)
case "$body" in *denied*GHSA-35jh-r3h4-6jhm*) ok "the pull is refused for lodash, found in the bytes read back";;
*) not_ok "the pull is refused for lodash, found in the bytes read back"; echo "# $body" | cut -c1-300;; esac
check "proxy still running" proxy_alive
stop_proxy px

# 2. A registry (here nginx in front of it) that lets only the scanner's
# account read blobs back; htpasswd auth.
htpasswd -Bbn alice s3cret > "$T/htpasswd"
htpasswd -Bbn portcullis scanpw >> "$T/htpasswd"
REG_EXTRA="auth:
  htpasswd:
    realm: portcullis-test
    path: $T/htpasswd"
start_registry reg2
SCANNER_AUTH="Basic $(printf portcullis:scanpw | base64)"
NGX_EXTRA="location ~ ^/v2/.+/blobs/sha256: {
      set \$gate \"\";
      if (\$request_method = GET) { set \$gate G; }
      if (\$http_authorization != \"$SCANNER_AUTH\") { set \$gate \"\${gate}X\"; }
      if (\$gate = GX) { return 403; }
      $NGX_PROXY
    }"
start_nginx "$REG_PORT"
U="http://127.0.0.1:$NG_PORT"
printf 'scanpw\n' > "$T/scanpw"
start_proxy px2 "$U" "scanner:
  upload_buffer: 64k
  username: portcullis
  password_file: $T/scanpw
policy:
  severity: high
  unknown_images: block"
P="127.0.0.1:$PX_PORT"
$SK copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img:v1" \
    "docker://$P/team/app:v1" >"$T/push2.log" 2>&1 ||
    { sed 's/^/# /' "$T/push2.log"; bail "push through nginx failed"; }
LAYER=$(sed -n 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' \
    "$T/img/blobs/sha256/${MKIMAGE_DIGEST#sha256:}")
code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret \
    "$U/v2/team/app/blobs/$LAYER")
n=$(wait_metric "$P" portcullis_layers_scanned_total 2)
expect_eq "the client's read refused (HTTP $code), the account's taken: recorded" 2 "$n"
expect_eq "no read-back failed" 0 "$(metric portcullis_upload_readback_failures_total)"
body=$(pull team/app)
case "$body" in *denied*GHSA-35jh-r3h4-6jhm*) ok "the pull is refused for lodash";;
*) not_ok "the pull is refused for lodash"; echo "# $body" | cut -c1-300;; esac
stop_proxy px2

# 3. No account, and the client may not read: nothing is recorded (in
# a store of its own: the others have the layer).
osv_state "$T/state3"
start_proxy px3 "$U" "scanner:
  upload_buffer: 64k
policy:
  severity: high
  unknown_images: block"
P="127.0.0.1:$PX_PORT"
$SK copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img:v1" \
    "docker://$P/team/other:v1" >"$T/push3.log" 2>&1 ||
    { sed 's/^/# /' "$T/push3.log"; bail "push through nginx failed"; }
f=$(wait_metric "$P" portcullis_upload_readback_failures_total 1)
expect_eq "the refused read-back is counted" 1 "$f"
n=$(wait_metric "$P" portcullis_layers_scanned_total 1)
expect_eq "only the config is recorded, not half a layer" 1 "$n"
body=$(pull team/other)
case "$body" in *denied*unscanned*) ok "the pull is refused as never scanned";;
*) not_ok "the pull is refused as never scanned"; echo "# $body" | cut -c1-300;; esac
grep -q "readback sha256:.*not scanned" "$T/px3.log" && ok "the log says why" ||
    not_ok "the log says why"
stop_proxy px3
