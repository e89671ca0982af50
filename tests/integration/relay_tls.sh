#!/bin/sh
# TLS on both sides: the proxy terminates client TLS with its own
# certificate and talks HTTPS to the registry, verifying its chain and
# name against a private CA.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo openssl curl
tap_plan 7

# A private CA and two leaf certificates for 127.0.0.1 / localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=portcullis-test-ca \
    -keyout "$T/ca.key" -out "$T/ca.crt" >/dev/null 2>&1
leaf() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$T/$1.key" \
	    -out "$T/$1.csr" >/dev/null 2>&1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	    -CAcreateserial -days 2 -extfile "$T/$1.ext" -out "$T/$1.crt" >/dev/null 2>&1
}
leaf registry
leaf proxy

REG_SCHEME=https
REG_EXTRA_HTTP="  tls:
    certificate: $T/registry.crt
    key: $T/registry.key"
start_registry reg
start_proxy px - "tls:
  cert: $T/proxy.crt
  key: $T/proxy.key
upstream:
  url: https://localhost:$REG_PORT
  ca_file: $T/ca.crt"
P="127.0.0.1:$PX_PORT"

expect_eq "client TLS terminated, upstream TLS verified" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.crt" "https://$P/v2/")"

loc=$(curl -s --cacert "$T/ca.crt" -X POST -D - -o /dev/null "https://$P/v2/t/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
case "$loc" in
"https://$P/v2/t/blobs/uploads/"*) ok "Location rewritten to the proxy's https address";;
*) not_ok "Location rewritten to the proxy's https address"; echo "# got $loc";;
esac

mkdir -p "$T/certs" "$T/l1"
cp "$T/ca.crt" "$T/certs/ca.crt"
cp -rL /etc/ssl/certs "$T/l1/" 2>/dev/null
mkimage "$T/img" v1 "$T/l1"
check "skopeo pushes over verified TLS through the proxy" \
    skopeo --insecure-policy copy --dest-cert-dir "$T/certs" "oci:$T/img:v1" "docker://$P/tls/app:v1"
check "skopeo pulls over verified TLS through the proxy" \
    skopeo --insecure-policy copy --src-cert-dir "$T/certs" "docker://$P/tls/app:v1" "oci:$T/out:v1"

# Same registry, but the proxy trusts only the system store: it must
# refuse the unknown CA and say so.
start_proxy px2 "https://localhost:$REG_PORT"
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PX_PORT/v2/")
case "$body" in
*'certificate verify failed'*' 502') ok "untrusted upstream certificate: 502 naming the TLS failure";;
*) not_ok "untrusted upstream certificate: 502 naming the TLS failure"; echo "# got: $body";;
esac
# Hostname check: a trusted certificate, but not for the name we expect.
start_proxy px3 - "upstream:
  url: https://127.0.0.1:$REG_PORT
  server_name: registry.example.org
  ca_file: $T/ca.crt"
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PX_PORT/v2/")
case "$body" in
*'certificate verify failed'*' 502') ok "trusted certificate for another name refused";;
*) not_ok "trusted certificate for another name refused"; echo "# got: $body";;
esac
stop_proxy px
