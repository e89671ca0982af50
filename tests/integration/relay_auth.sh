#!/bin/sh
# An htpasswd-protected registry behind the proxy: the auth challenge and
# the client's credentials pass through untouched.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo htpasswd curl
tap_plan 12

htpasswd -Bbn alice s3cret > "$T/htpasswd"
REG_EXTRA="auth:
  htpasswd:
    realm: portcullis-test
    path: $T/htpasswd"
start_registry reg
start_proxy px "$REG_URL"
P="127.0.0.1:$PX_PORT"

hdr=$(curl -s -D - -o /dev/null "http://$P/v2/" | tr -d '\r')
echo "$hdr" | head -n 1 | grep -q ' 401' && ok "anonymous /v2/ gets 401 through the proxy" ||
    not_ok "anonymous /v2/ gets 401 through the proxy"
expect_eq "WWW-Authenticate challenge passed through" \
    'Www-Authenticate: Basic realm="portcullis-test"' \
    "$(echo "$hdr" | grep -i '^www-authenticate')"
expect_eq "right credentials accepted" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret "http://$P/v2/")"
expect_eq "wrong credentials refused" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' -u alice:wrong "http://$P/v2/")"

mkdir -p "$T/l1"
cp -rL /etc/ssl/certs "$T/l1/" 2>/dev/null
mkimage "$T/img" v1 "$T/l1"
check "skopeo pushes with basic auth through the proxy" \
    skopeo --insecure-policy copy --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$T/img:v1" "docker://$P/private/app:v1"
check "skopeo pulls with basic auth through the proxy" \
    skopeo --insecure-policy copy --src-tls-verify=false --src-creds alice:s3cret \
    "docker://$P/private/app:v1" "oci:$T/out:v1"
if skopeo --insecure-policy copy --src-tls-verify=false "docker://$P/private/app:v1" \
    "oci:$T/out2:v1" >"$T/anon.out" 2>&1; then
	not_ok "anonymous pull refused"
else
	grep -qi 'unauthorized\|authentication required' "$T/anon.out" &&
	    ok "anonymous pull refused" || { not_ok "anonymous pull refused"; sed 's/^/# /' "$T/anon.out"; }
fi
grep -q '"user":"alice"' "$T/px-access.log" && ok "access log names the Basic user" ||
    not_ok "access log names the Basic user"
# The status endpoint asks the registry with the caller's credentials.
hdr=$(curl -s -D - -o /dev/null "http://$P/portcullis/v1/status/private/app/v1" | tr -d '\r')
echo "$hdr" | head -n 1 | grep -q ' 401' &&
    echo "$hdr" | grep -qi '^www-authenticate: Basic realm="portcullis-test"' &&
    ok "status without credentials: the registry's 401 challenge" ||
    { not_ok "status without credentials: the registry's 401 challenge"; echo "$hdr" | sed 's/^/# /'; }
st=$(curl -s -u alice:s3cret "http://$P/portcullis/v1/status/private/app/v1" | tr -d ' \n')
echo "$st" | grep -q '"dev.portcullis.repository":"private/app"' &&
    echo "$st" | grep -q '"dev.portcullis.status":"scanned"' &&
    echo "$st" | grep -q '"dev.portcullis.policy.result":"allow"' &&
    ok "status with credentials: answered (scanned when pushed, allowed)" ||
    { not_ok "status with credentials: answered (scanned when pushed, allowed)"; echo "# $st" | head -c 300; echo; }
expect_eq "status with wrong credentials: 401" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' -u alice:bad "http://$P/portcullis/v1/status/private/app/v1")"
stop_proxy px
