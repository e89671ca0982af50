#!/bin/sh
# Bearer-token auth: the registry delegates to a token server; the
# proxy passes the challenge and the client's bearer token untouched.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo openssl curl
tap_plan 8

start_tokensrv
REG_EXTRA=$(token_auth_yaml "$REALM")
start_registry reg
start_proxy px "$REG_URL"
P="127.0.0.1:$PX_PORT"

hdr=$(curl -s -D - -o /dev/null "http://$P/v2/" | tr -d '\r')
echo "$hdr" | head -n 1 | grep -q ' 401' && ok "anonymous /v2/ gets the registry's 401" ||
    not_ok "anonymous /v2/ gets the registry's 401"
expect_eq "Bearer challenge passed through untouched" \
    "Www-Authenticate: Bearer realm=\"$REALM\",service=\"portcullis-test\"" \
    "$(echo "$hdr" | grep -i '^www-authenticate')"

tok=$(curl -sf -u alice:s3cret "$REALM?service=portcullis-test&scope=repository:tok/app:pull" |
    sed 's/.*"token":"\([^"]*\)".*/\1/')
expect_eq "a bearer token from the realm is accepted through the proxy" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "http://$P/v2/")"

mkdir -p "$T/l1"
cp -rL /etc/ssl/certs "$T/l1/" 2>/dev/null
mkimage "$T/img" v1 "$T/l1"
check "skopeo pushes with bearer tokens through the proxy" \
    skopeo --insecure-policy copy --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$T/img:v1" "docker://$P/tok/app:v1"
check "skopeo pulls with bearer tokens through the proxy" \
    skopeo --insecure-policy copy --src-tls-verify=false --src-creds alice:s3cret \
    "docker://$P/tok/app:v1" "oci:$T/out:v1"
if skopeo --insecure-policy copy --src-tls-verify=false --src-creds alice:wrong \
    "docker://$P/tok/app:v1" "oci:$T/out2:v1" >"$T/bad.out" 2>&1; then
	not_ok "wrong credentials cannot pull"
else
	ok "wrong credentials cannot pull"
fi
grep -q '"user":"alice"' "$T/px-access.log" && ok "access log names the token's subject" ||
    not_ok "access log names the token's subject"
stop_proxy px
