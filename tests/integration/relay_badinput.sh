#!/bin/sh
# What a hostile or broken client sends: each case gets a clear answer,
# nothing is lost, and the proxy stays up (and, under ASan, clean).
. "$top_srcdir/tests/lib/common.sh"
need docker-registry curl
tap_plan 29

start_registry reg
start_proxy px "$REG_URL" "limits:
  max_header_bytes: 8k"
P="127.0.0.1:$PX_PORT"

raw() { "$RAWSEND" "$@" "$PX_PORT"; }
status() { head -n 1 | tr -d '\r' | cut -d' ' -f2; }

r=$(printf 'GARBAGE\r\n\r\n' | raw)
expect_eq "garbage request line: 400" 400 "$(echo "$r" | status)"
echo "$r" | grep -q '"errors":\[{"code":"UNSUPPORTED","message":"malformed HTTP request' &&
    ok "garbage request line: OCI error names the problem" ||
    not_ok "garbage request line: OCI error names the problem"

r=$(printf 'POST /v2/a/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' | raw)
expect_eq "Content-Length with Transfer-Encoding (smuggling): 400" 400 "$(echo "$r" | status)"

r=$(printf 'GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab' | raw)
expect_eq "duplicate Content-Length: 400" 400 "$(echo "$r" | status)"

big=$(head -c 9000 /dev/zero | tr '\0' a)
r=$(printf 'GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$big" | raw)
expect_eq "oversized header: 431" 431 "$(echo "$r" | status)"

r=$(printf 'GET /v2/%s/manifests/latest HTTP/1.1\r\nHost: x\r\n\r\n' "$big" | raw)
expect_eq "oversized request target: 414" 414 "$(echo "$r" | status)"

r=$(printf 'GET /v2/UPPER/case/manifests/latest HTTP/1.1\r\nHost: x\r\n\r\n' | raw)
expect_eq "invalid repository name: 400" 400 "$(echo "$r" | status)"
echo "$r" | grep -q '"code":"NAME_INVALID"' && ok "invalid name answered with NAME_INVALID" ||
    not_ok "invalid name answered with NAME_INVALID"

r=$(printf 'GET /v2/a/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n' | raw)
expect_eq "path traversal attempt refused as not an API path" 404 "$(echo "$r" | status)"
check "the traversal never reached the registry" sh -c "! grep -q passwd '$T/reg.log'"

# Strict header syntax: what another server would read differently is
# refused, never re-serialised into something else.
r=$(printf 'GET /v2/ HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n' | raw)
expect_eq "a header name that is not a token: 400" 400 "$(echo "$r" | status)"
r=$(printf 'PUT /v2/a/manifests/v1 HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc' | raw)
expect_eq "whitespace before the colon (Content-Length : 3): 400" 400 "$(echo "$r" | status)"
r=$(printf 'GET /v2/ HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n' | raw)
expect_eq "a folded header value (obs-fold): 400" 400 "$(echo "$r" | status)"
echo "$r" | grep -q 'obs-fold' && ok "the refusal says obs-fold" || not_ok "the refusal says obs-fold"

r=$(printf 'GET /v2/ HTTP/1.1\r\n\r\n' | raw)
expect_eq "HTTP/1.1 without Host: 400" 400 "$(echo "$r" | status)"

r=$(printf 'PATCH /v2/a/blobs/uploads/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n' | raw)
expect_eq "bad chunk size in an upload body: 400" 400 "$(echo "$r" | status)"

# A manifest reference that cannot exist: GET, HEAD and DELETE get the
# spec's 404 MANIFEST_UNKNOWN (a HEAD without a body); a PUT to it is a
# client error, 400 TAG_INVALID.
r=$(printf 'GET /v2/a/manifests/-bad HTTP/1.1\r\nHost: x\r\n\r\n' | raw)
expect_eq "GET of a malformed reference: 404" 404 "$(echo "$r" | status)"
check "... MANIFEST_UNKNOWN" sh -c "echo '$r' | grep -q MANIFEST_UNKNOWN"
r=$(printf 'HEAD /v2/a/manifests/sha256:zz HTTP/1.1\r\nHost: x\r\n\r\n' | raw)
expect_eq "HEAD of a malformed digest: 404, no body" "404 0" \
    "$(echo "$r" | status) $(echo "$r" | tr -d '\r' | sed '1,/^$/d' | wc -c)"
r=$(printf 'DELETE /v2/a/manifests/-bad HTTP/1.1\r\nHost: x\r\n\r\n' | raw)
expect_eq "DELETE of a malformed reference: 404" 404 "$(echo "$r" | status)"
r=$(printf 'PUT /v2/a/manifests/-bad HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}' | raw)
expect_eq "PUT to a malformed tag: 400" 400 "$(echo "$r" | status)"
# The access log counts the bytes of replies the proxy writes itself.
sleep 0.2
n=$(grep '"url":"/v2/a/manifests/-bad"' "$T/px-access.log" | grep '"method":"GET"' |
    sed -n 's/.*"response_bytes":\([0-9]*\).*/\1/p' | head -n 1)
check "the access log has the 404's body length ($n bytes)" [ "${n:-0}" -gt 50 ]

# The tags list pages with n and last (docker-registry 2.8 ignores
# them: the proxy pages, in lexical order, with a Link to what follows).
printf '{}' > "$T/cfg"
loc=$(curl -sf -X POST -D - -o /dev/null "$REG_URL/v2/pg/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')
case "$loc" in http*) ;; *) loc="$REG_URL$loc";; esac
curl -sf -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$T/cfg" \
    "$loc&digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" >/dev/null ||
    bail "cannot put the empty config"
for t in c a b; do
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
	    --data-binary '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}' \
	    "$REG_URL/v2/pg/manifests/$t" >/dev/null || bail "cannot put manifest $t"
done
expect_eq "tags list through the proxy, n=2: the first two, and a Link to the rest" \
    '{"name":"pg","tags":["a","b"]} <http://'"$P"'/v2/pg/tags/list?n=2&last=b>; rel="next"' \
    "$(curl -s -D "$T/th" "http://$P/v2/pg/tags/list?n=2" | tr -d '\n') $(tr -d '\r' < "$T/th" | sed -n 's/^[Ll]ink: //p' | sed "s|</v2|<http://$P/v2|")"
expect_eq "... and n=2&last=b: the last one, no Link" '{"name":"pg","tags":["c"]} 0' \
    "$(curl -s -D "$T/th" "http://$P/v2/pg/tags/list?n=2&last=b" | tr -d '\n') $(grep -ci '^link:' "$T/th")"
expect_eq "n that is not a number: 400" 400 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$P/v2/pg/tags/list?n=x")"

r=$(printf 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n' | raw)
expect_eq "CONNECT refused: 405" 405 "$(echo "$r" | status)"

# Client vanishes in the middle of a 4 MiB upload.
loc=$(curl -sf -X POST -D - -o /dev/null "http://$P/v2/cut/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')
path=${loc#http://$P}
{ printf 'PATCH %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 4194304\r\n\r\n' "$path" "$P"
  head -c 1000000 /dev/urandom; } | raw -a
sleep 0.3
# Many half-open connections that never finish their head.
i=0
while [ $i -lt 50 ]; do
	printf 'GET /v2/ HTTP/1.1\r\nHost: x\r\n' | raw -a
	i=$((i + 1))
done
check "proxy still serves after disconnects and junk" \
    curl -sf "http://$P/v2/"
open=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_connections_open //p')
expect_eq "no connection left behind (only the /metrics one open)" 1 "$open"
stop_proxy px
