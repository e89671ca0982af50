#!/bin/sh
# unknown_images: scan. Images pushed straight to the registry (the proxy
# never saw them) are pulled through the proxy: the proxy pulls them
# itself with its own credentials, scans every layer of every platform,
# records them, and only then answers the waiting pull. Real registry
# with htpasswd auth, real skopeo, real lodash 4.17.20.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm htpasswd openssl python3
tap_plan 16

osv_state
npm_module "$T/app/app" lodash 4.17.20
mkdir -p "$T/plain"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" vuln "$T/app"
vuln=$MKIMAGE_DIGEST; vsz=$(stat -c %s "$T/img/blobs/sha256/${vuln#sha256:}")
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" clean "$T/plain"
clean=$MKIMAGE_DIGEST; csz=$(stat -c %s "$T/img/blobs/sha256/${clean#sha256:}")
mkimage_index "$T/img" "$clean" amd64 "$vuln" arm64
ih=${MKIMAGE_INDEX#sha256:}; isz=$MKIMAGE_INDEX_SIZE
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"vuln"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"clean"}},{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}' \
    "$vuln" "$vsz" "$clean" "$csz" "$ih" "$isz" > "$T/img/index.json"

htpasswd -Bbn alice s3cret > "$T/htpasswd"
htpasswd -Bbn portcullis scanpw >> "$T/htpasswd"
REG_EXTRA="auth:
  htpasswd:
    realm: portcullis-test
    path: $T/htpasswd"
start_registry reg
R=127.0.0.1:$REG_PORT
SK="skopeo --insecure-policy"
# Straight to the registry: the proxy sees none of this.
for t in vuln clean; do
	$SK copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img:$t" \
	    "docker://$R/team/$t:v1" >"$T/push.log" 2>&1 || bail "direct push of $t failed"
done
$SK copy --all --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img:multi" \
    "docker://$R/team/multi:v1" >"$T/push.log" 2>&1 || bail "direct push of the index failed"

printf 'scanpw\n' > "$T/scanner.pw"
start_proxy px "$REG_URL" "policy:
  severity: high
  unknown_images: scan
scanner:
  username: portcullis
  password_file: $T/scanner.pw"
P="127.0.0.1:$PX_PORT"

if $SK copy --src-tls-verify=false --src-creds alice:s3cret "docker://$P/team/vuln:v1" \
    "oci:$T/out1:v1" >"$T/deny.out" 2>&1; then
	not_ok "the never-seen vulnerable image is scanned, then refused"
else
	grep -qi "denied" "$T/deny.out" && grep -q 'GHSA-35jh-r3h4-6jhm' "$T/deny.out" &&
	    ok "the never-seen vulnerable image is scanned, then refused" ||
	    { not_ok "the never-seen vulnerable image is scanned, then refused"; sed 's/^/# /' "$T/deny.out"; }
fi
grep -q "scan: team/vuln@$vuln pulled and scanned (1 layers)" "$T/px.log" &&
    ok "the proxy pulled and scanned it itself" || not_ok "the proxy pulled and scanned it itself"
check "the never-seen clean image is scanned, then pulls" \
    $SK copy --src-tls-verify=false --src-creds alice:s3cret "docker://$P/team/clean:v1" "oci:$T/out2:v1"

# Known now: decided from the record, no second scan.
curl -s -o /dev/null -u alice:s3cret -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/vuln/manifests/v1"
expect_eq "a second pull is decided from the record (one scan in all)" 1 \
    "$(grep -c "scan: team/vuln@$vuln pulled and scanned" "$T/px.log")"
st=$(curl -s -u alice:s3cret "http://$P/portcullis/v1/status/team/vuln/v1" | tr -d ' \n')
case "$st" in *'"dev.portcullis.status":"scanned"'*'"dev.portcullis.policy.result":"deny"'*) ok "status endpoint: scanned, deny";;
*) not_ok "status endpoint: scanned, deny"; echo "# $st" | cut -c1-300;; esac

# Two platforms, never seen: both are scanned; the arm64 one has lodash.
body=$(curl -s -w ' %{http_code}' -u alice:s3cret -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$P/v2/team/multi/manifests/v1")
case "$body" in *'"code":"DENIED"'*'GHSA-35jh-r3h4-6jhm'*' 403') ok "a never-seen index: every platform scanned, refused for arm64";;
*) not_ok "a never-seen index: every platform scanned, refused for arm64"; echo "# $body" | cut -c1-300;; esac

# Concurrent pulls of one never-seen image share one scan.
MKIMAGE_CONFIG='"User":"twice"' mkimage "$T/img2" twice "$T/plain"
$SK copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img2:twice" \
    "docker://$R/team/twice:v1" >/dev/null 2>&1 || bail "direct push failed"
cpids=""
for i in 1 2 3; do
	curl -s -o "$T/c$i" -w '%{http_code}' -u alice:s3cret \
	    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    "http://$P/v2/team/twice/manifests/v1" > "$T/c$i.code" &
	cpids="$cpids $!"
done
wait $cpids
expect_eq "three concurrent pulls: all answered 200" "200200200" \
    "$(cat "$T/c1.code" "$T/c2.code" "$T/c3.code")"
expect_eq "... each with the whole manifest" "$(cat "$T/img2/blobs/sha256/${MKIMAGE_DIGEST#sha256:}")$(cat "$T/img2/blobs/sha256/${MKIMAGE_DIGEST#sha256:}")$(cat "$T/img2/blobs/sha256/${MKIMAGE_DIGEST#sha256:}")" \
    "$(cat "$T/c1" "$T/c2" "$T/c3")"
expect_eq "... from one scan" 1 "$(grep -c 'scan: team/twice@.* pulled and scanned' "$T/px.log")"
stop_proxy px

# The scanner's own credentials are wrong: fail closed, and say why.
printf 'wrong\n' > "$T/scanner.pw"
MKIMAGE_CONFIG='"User":"other"' mkimage "$T/img3" other "$T/plain"
$SK copy --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/img3:other" \
    "docker://$R/team/other:v1" >/dev/null 2>&1 || bail "direct push failed"
start_proxy px2 "$REG_URL" "policy:
  unknown_images: scan
scanner:
  username: portcullis
  password_file: $T/scanner.pw"
P="127.0.0.1:$PX_PORT"
body=$(curl -s -w ' %{http_code}' -u alice:s3cret -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/other/manifests/v1")
case "$body" in *'"code":"DENIED"'*'has not been scanned yet'*'HTTP 401'*' 403') ok "scanner refused by the registry: DENIED, naming the 401";;
*) not_ok "scanner refused by the registry: DENIED, naming the 401"; echo "# $body" | cut -c1-300;; esac
# The caller's own access still comes first: no credentials, no scan.
expect_eq "an anonymous pull gets the registry's 401, not a scan" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$P/v2/team/other/manifests/v1")"
stop_proxy px2

# A scan that outlasts scanner.wait: the pull is refused, saying so. The
# registry's token realm (followed by the scanner) answers only after 3 s;
# the client has its token from the real token server already.
start_tokensrv
SP=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); time.sleep(3); c.close()' "$SP" &
PIDS="$PIDS $!"
REG_EXTRA=$(token_auth_yaml "http://127.0.0.1:$SP/token")
start_registry reg3
tok=$(curl -sf -u alice:s3cret "http://127.0.0.1:$TP/token?service=portcullis-test&scope=repository:team/slow:pull,push" |
    sed 's/.*"token":"\([^"]*\)".*/\1/')
MKIMAGE_CONFIG='"User":"slow"' mkimage "$T/img4" slow "$T/plain"
$SK copy --dest-tls-verify=false --dest-registry-token "$tok" "oci:$T/img4:slow" \
    "docker://127.0.0.1:$REG_PORT/team/slow:v1" >"$T/push3.log" 2>&1 || bail "push to reg3 failed"
start_proxy px3 "$REG_URL" "policy:
  unknown_images: scan
scanner:
  wait: 1"
body=$(curl -s -w ' %{http_code}' -H "Authorization: Bearer $tok" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$PX_PORT/v2/team/slow/manifests/v1")
case "$body" in *'"code":"DENIED"'*'still running after 1 s'*' 403') ok "a scan longer than scanner.wait: DENIED, retry later";;
*) not_ok "a scan longer than scanner.wait: DENIED, retry later"; echo "# $body" | cut -c1-300;; esac
stop_proxy px3
check "no scan directory left behind" test -z "$(ls -d "$PXS"/scan.* 2>/dev/null)"
