#!/bin/sh
# The push gate (policy.enforce: [push, pull]): a manifest PUT is judged
# before the registry sees any of it. With real skopeo and podman, a
# real registry and real lodash 4.17.20 / a fresh private key: the
# vulnerable and the secret-carrying images are refused on push, named
# in the client's output, and the registry (asked directly) never has
# them; a clean image pushes and pulls; a two-platform index with one
# bad platform never lands; an allowlisted advisory lets the push by.
# A push whose layer scan outlasts scanner.wait (read back through a
# rate-limited nginx) is refused naming the layer, then taken on retry;
# with push_timeout: accept-and-gate-pull it goes through unjudged.
# The refused pushes' blobs are reclaimed by the registry's own garbage
# collector.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo podman curl npm openssl nginx python3
tap_plan 34

osv_state
npm_module "$T/app/app" lodash 4.17.20
mkdir -p "$T/plain" "$T/sec/app/.ssh" "$T/arm"
cp -rL /etc/ssl/certs "$T/plain/"
openssl genpkey -algorithm ed25519 -out "$T/sec/app/.ssh/id_ed25519" 2>/dev/null ||
    bail "openssl genpkey"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/vuln" v1 "$T/app"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/secret" v1 "$T/sec"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/clean" v1 "$T/plain"
# Two platforms: amd64 clean, arm64 with lodash (a layer of its own).
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/multi" amd "$T/plain"
amd=$MKIMAGE_DIGEST
cp -r "$T/app/app" "$T/arm/srv"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/multi" arm "$T/arm"
arm=$MKIMAGE_DIGEST
mkimage_index "$T/multi" "$amd" amd64 "$arm" arm64
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"all"}}]}' \
    "$MKIMAGE_INDEX" "$MKIMAGE_INDEX_SIZE" > "$T/multi/index.json"

start_hooksrv
start_registry reg
R=$REG_URL
GATE="policy:
  severity: high
  enforce: [push, pull]"
start_proxy px "$R" "webhooks:
  - http://127.0.0.1:$HP/portcullis
$GATE"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"
# in_registry REPO REF: the registry's own answer, not the proxy's.
in_registry() {
	curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    -H 'Accept: application/vnd.oci.image.index.v1+json' "$R/v2/$1/manifests/$2"
}
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }

# 1. Vulnerable: refused on push, the advisory in skopeo's own output.
refused "skopeo: the push of lodash 4.17.20 is refused" "$T/push1.out" \
    'denied.*GHSA-35jh-r3h4-6jhm in lodash 4.17.20' \
    "skopeo prints the DENIED message naming the advisory" \
    $SK copy --dest-tls-verify=false "oci:$T/vuln:v1" "docker://$P/team/app:v1"
expect_eq "the registry has no team/app:v1" 404 "$(in_registry team/app v1)"
vd=$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$T/vuln/index.json")
expect_eq "nor the manifest by digest" 404 "$(in_registry team/app "$vd")"
expect_eq "the registry lists no tags for team/app" "" \
    "$(curl -s "$R/v2/team/app/tags/list" | grep -o '"v1"')"

# 2. A private key, pushed with podman.
PM="podman --root $T/pm-root --runroot $T/pm-run --storage-driver vfs --cgroup-manager cgroupfs --events-backend none"
# Into podman's own store first (the layout's path is no image name).
$SK copy "oci:$T/secret:v1" "containers-storage:[vfs@$T/pm-root+$T/pm-run]localhost/secret:v1" \
    >"$T/pm-load.out" 2>&1 || { sed 's/^/# /' "$T/pm-load.out"; bail "copy into podman's store"; }
img=localhost/secret:v1
refused "podman: the push of an image carrying a private key is refused" "$T/push2.out" \
    'denied.*private-key.*app/.ssh/id_ed25519' \
    "podman prints the DENIED message naming the secret and its file" \
    $PM push --tls-verify=false "$img" "docker://$P/team/secret:v1"
expect_eq "the registry has no team/secret:v1" 404 "$(in_registry team/secret v1)"

# 3. Clean: pushed, in the registry, pulled.
check "skopeo pushes the clean image" \
    $SK copy --dest-tls-verify=false "oci:$T/clean:v1" "docker://$P/team/clean:v1"
expect_eq "the registry has team/clean:v1" 200 "$(in_registry team/clean v1)"
check "and it pulls through the proxy" \
    $SK copy --src-tls-verify=false "docker://$P/team/clean:v1" "oci:$T/out:v1"

# A client that waits for 100 Continue gets it from the proxy, which
# holds the body before the registry hears of the request.
cm=$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$T/clean/index.json")
t0=$(date +%s)
code=$(curl -s -o /dev/null -w '%{http_code}' --expect100-timeout 30 -X PUT \
    -H 'Expect: 100-continue' -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$T/clean/blobs/sha256/${cm#sha256:}" "http://$P/v2/team/clean/manifests/v2")
expect_eq "a PUT with Expect: 100-continue is judged and taken at once, not after curl's 30 s" \
    "201 fast" "$code $( [ $(( $(date +%s) - t0 )) -lt 10 ] && echo fast || echo slow)"

# A manifest larger than the proxy keeps (limits.max_manifest_bytes,
# 4 MiB) cannot be judged: refused, never forwarded.
head -c 4194400 /dev/zero | tr '\0' ' ' > "$T/huge.json"
code=$(curl -s -o "$T/huge.out" -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$T/huge.json" "http://$P/v2/team/huge/manifests/v1")
expect_eq "a manifest over limits.max_manifest_bytes is refused (413 SIZE_INVALID), the registry has none" \
    "413 SIZE_INVALID 404" "$code $(grep -o SIZE_INVALID "$T/huge.out") $(in_registry team/huge v1)"

# 4. Two platforms, arm64 carrying lodash: the push stops at it.
if $SK copy --all --dest-tls-verify=false "oci:$T/multi:all" "docker://$P/team/multi:v1" >"$T/push3.out" 2>&1; then
	not_ok "a two-platform index with a bad arm64 image is refused"
else
	grep -q 'denied.*GHSA-35jh-r3h4-6jhm' "$T/push3.out" &&
	    ok "a two-platform index with a bad arm64 image is refused" ||
	    { not_ok "a two-platform index with a bad arm64 image is refused"; tail -n 2 "$T/push3.out" | sed 's/^/# /'; }
fi
expect_eq "the registry has neither the index's tag nor the arm64 image" "404 404" \
    "$(in_registry team/multi v1) $(in_registry team/multi "$arm")"

# 5. Counted by reason, told to the webhooks, in the access log.
expect_eq "/metrics: refused pushes by reason (vulnerability, secret)" "2 1" \
    "$(metric 'portcullis_pushes_refused_total{reason="vulnerability"}') $(metric 'portcullis_pushes_refused_total{reason="secret"}')"
i=0
while [ $i -lt 50 ] && [ "$(grep -c push-refused "$T/hooks.jsonl" 2>/dev/null)" -lt 3 ]; do
	sleep 0.1; i=$((i + 1))
done
grep -q '"event":"push-refused","repository":"team/app","reference":"v1","digest":"sha256:[0-9a-f]*","user":"","reason":"vulnerability","message":"team/app@sha256:[0-9a-f]* blocked' "$T/hooks.jsonl" &&
    ok "the webhook gets a push-refused event with repository, tag, reason and message" ||
    { not_ok "the webhook gets a push-refused event"; head -c 400 "$T/hooks.jsonl" | sed 's/^/# /'; echo; }
grep '"route":"manifest"' "$T/px-access.log" | grep '"repository":"team/secret"' |
    grep -q '"status":403.*"decision":"deny","reason":"team/secret@sha256:.*private-key' &&
    ok "the access log records the refused push, its status and reason" ||
    { not_ok "the access log records the refused push"; grep team/secret "$T/px-access.log" | tail -n 2 | sed 's/^/# /'; }
check "proxy still running" proxy_alive
stop_proxy px

# 6. The advisory allowlisted: the same push goes through.
start_proxy px2 "$R" "policy:
  severity: high
  enforce: [push, pull]
  allowlist:
    - id: GHSA-35jh-r3h4-6jhm
      reason: accepted in this test"
P="127.0.0.1:$PX_PORT"
check "with the advisory allowlisted, the push goes through" \
    $SK copy --dest-tls-verify=false "oci:$T/vuln:v1" "docker://$P/team/app:v1"
expect_eq "and the registry has team/app:v1" 200 "$(in_registry team/app v1)"
stop_proxy px2

# 7. A clean image whose layer's scan outlasts scanner.wait. Its blobs
# go to the registry directly (the proxy never sees them); the proxy
# reads them back through nginx at 256 KiB/s, the layer alone ~3 s.
mkdir -p "$T/slow/srv" && cp -rL /etc/ssl/certs "$T/slow/srv/"
head -c 524288 /dev/urandom > "$T/slow/srv/noise.bin"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/slowimg" v1 "$T/slow"
for b in "$T"/slowimg/blobs/sha256/*; do
	h=$(basename "$b")
	loc=$(curl -s -D - -o /dev/null -X POST "$R/v2/team/slow/blobs/uploads/" | tr -d '\r' |
	    sed -n 's/^[Ll]ocation: //p')
	case "$loc" in http*) ;; *) loc="$R$loc";; esac
	case "$loc" in *\?*) sep='&';; *) sep='?';; esac
	curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$b" \
	    "$loc${sep}digest=sha256:$h" >/dev/null || bail "direct blob upload"
done
man="$T/slowimg/blobs/sha256/${MKIMAGE_DIGEST#sha256:}"
NGX_EXTRA=$(ngx_slow_blobs 256k)
start_nginx "$REG_PORT"
put_manifest() {
	curl -s -o "$T/put.out" -w '%{http_code}' -X PUT \
	    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
	    --data-binary "@$man" "http://$P/v2/team/slow/manifests/$1"
}
osv_state "$T/state7"
start_proxy px3 "http://127.0.0.1:$NG_PORT" "scanner:
  wait: 1
$GATE"
P="127.0.0.1:$PX_PORT"
code=$(put_manifest v1)
expect_eq "a push whose layers are still scanning after scanner.wait is refused" 403 "$code"
grep -q '"code":"DENIED".*the scan of layer sha256:[0-9a-f]* is still running after 1 s; retry the push' "$T/put.out" &&
    ok "the message names the layer and says to retry" ||
    { not_ok "the message names the layer and says to retry"; head -c 300 "$T/put.out" | sed 's/^/# /'; echo; }
expect_eq "the registry has no team/slow:v1" 404 "$(in_registry team/slow v1)"
wait_metric "$P" portcullis_layers_scanned_total 2 >/dev/null
expect_eq "retried once the scan is done, the push is judged and taken" 201 "$(put_manifest v1)"
expect_eq "and the registry has team/slow:v1 now" 200 "$(in_registry team/slow v1)"
expect_eq "/metrics: one scan-timeout refusal" 1 "$(metric 'portcullis_pushes_refused_total{reason="scan-timeout"}')"
stop_proxy px3

# push_timeout: accept-and-gate-pull lets it by unjudged, pulls still judged.
osv_state "$T/state8"
start_proxy px4 "http://127.0.0.1:$NG_PORT" "scanner:
  wait: 1
$GATE
  push_timeout: accept-and-gate-pull"
P="127.0.0.1:$PX_PORT"
expect_eq "push_timeout: accept-and-gate-pull: the same push is taken after the wait" 201 "$(put_manifest v2)"
expect_eq "counted as accepted unjudged" 1 "$(metric portcullis_pushes_accepted_unjudged_total)"
stop_proxy px4

# 8. What refused pushes leave: blobs no manifest references. The
# registry's garbage collector (registry stopped) removes them.
# (The arm64 image's layer: skopeo sends blobs as they are; podman
# compresses anew, so the layout's digests are not the pushed ones.)
layer_of() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' \
	    "$1/blobs/sha256/${2#sha256:}"
}
bad_layer=$(layer_of "$T/multi" "$arm")
clean_layer=$(layer_of "$T/multi" "$amd")
blob() { echo "$T/reg-data/docker/registry/v2/blobs/sha256/$(echo "$1" | cut -c1-2)/$1/data"; }
[ -f "$(blob "$bad_layer")" ] || bail "the refused push left no blob to reclaim"
pkill -f "docker-registry serve $T/reg.yml"
sleep 0.5
docker-registry garbage-collect "$T/reg.yml" > "$T/gc.log" 2>&1 || { sed 's/^/# /' "$T/gc.log" | tail -n 5; }
[ ! -f "$(blob "$bad_layer")" ] && [ -f "$(blob "$clean_layer")" ] &&
    ok "garbage-collect removes the refused image's layer, keeps the clean image's" ||
    not_ok "garbage-collect removes the refused image's layer, keeps the clean image's"
