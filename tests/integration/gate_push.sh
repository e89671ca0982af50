#!/bin/sh
# Images pushed through the proxy are scanned on the way in: each layer
# as its upload streams to the registry, the image when its manifest is
# accepted. With no separate scan step, a pull of a pushed image that
# fails policy is refused, a clean one passes, and both stay decided
# after a restart. Real lodash 4.17.20 from npm, real GHSA records.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm podman
tap_plan 15

osv_state
mkdir -p "$T/app/app/node_modules" "$T/noise" "$T/plain"
npm_module "$T/app/app" lodash 4.17.20
# 24 MiB of noise first, more than the scanner's 4 MiB in memory: the rest
# spills to disk and the scan trails the push.
head -c 25165824 /dev/urandom > "$T/noise/blob.bin"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/noise" "$T/app"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/clean" v1 "$T/plain"

start_registry reg
start_proxy px "$REG_URL" "policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

check "skopeo pushes the vulnerable image through the proxy" \
    $SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/team/app:v1"
# At once, while its layers may still be scanning: held, never let by.
body=$(curl -s -w ' %{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/app/manifests/v1")
case "$body" in *'"code":"DENIED"'*'GHSA-35jh-r3h4-6jhm'*' 403')
	ok "a pull right after the push waits for the layer scans, then is refused$(grep -q 'holding the pull of team/app' "$T/px.log" && echo ' (it was held)')";;
*) not_ok "a pull right after the push waits for the layer scans, then is refused"; echo "# $body" | cut -c1-300;; esac
check "and a clean one" \
    $SK copy --dest-tls-verify=false "oci:$T/clean:v1" "docker://$P/team/clean:v1"
n=$(wait_metric "$P" portcullis_layers_scanned_total 5)
[ "${n:-0}" -ge 5 ] && ok "every pushed layer and config was recorded on the way in ($n)" ||
    not_ok "every pushed layer and config was recorded on the way in (${n:-0})"
expect_eq "no upload left in flight once the pushes are done" 0 \
    "$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_uploads_scanning //p')"

if $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/o1:v1" >"$T/deny.out" 2>&1; then
	not_ok "pull refused without any separate scan step"
else
	ok "pull refused without any separate scan step"
fi
grep -q 'GHSA-35jh-r3h4-6jhm in lodash 4.17.20 (fixed in 4.17.21)' "$T/deny.out" &&
    grep -q 'full report: GET /portcullis/v1/status/team/app/sha256:' "$T/deny.out" &&
    ok "the refusal names the advisory found in the pushed layer and the report" ||
    { not_ok "the refusal names the advisory found in the pushed layer and the report"; tail -n 2 "$T/deny.out" | sed 's/^/# /'; }
check "the clean image pulls" \
    $SK copy --src-tls-verify=false "docker://$P/team/clean:v1" "oci:$T/o2:v1"
st=$(curl -sf "http://$P/portcullis/v1/status/team/app/v1" | tr -d ' \n')
echo "$st" | grep -q '"dev.portcullis.status":"scanned"' &&
    echo "$st" | grep -q '"dev.portcullis.vulnerabilities.high":"1"' &&
    echo "$st" | grep -q '"dev.portcullis.policy.result":"deny"' &&
    echo "$st" | grep -q '"dev.portcullis.digest":"sha256:' &&
    echo "$st" | grep -q '"scanned_at":[0-9]' &&
    ok "status endpoint: scanned, 1 HIGH, deny, with the full report" ||
    { not_ok "status endpoint: scanned, 1 HIGH, deny, with the full report"; echo "# $st" | head -c 400; echo; }
st=$(curl -sf "http://$P/portcullis/v1/status/team/clean/v1" | tr -d ' \n')
echo "$st" | grep -q '"dev.portcullis.policy.result":"allow"' &&
    echo "$st" | grep -q '"dev.portcullis.vulnerabilities.critical":"0"' &&
    ok "status endpoint: the clean image is allowed" ||
    { not_ok "status endpoint: the clean image is allowed"; echo "# $st" | head -c 300; echo; }
expect_eq "status of a tag the registry does not have: 404" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$P/portcullis/v1/status/team/app/nope")"
PM="podman --root $T/pm-root --runroot $T/pm-run --storage-driver vfs --cgroup-manager cgroupfs --events-backend none"
if $PM pull --tls-verify=false "$P/team/app:v1" >"$T/pm.out" 2>&1; then
	not_ok "podman is refused too"
else
	grep -q 'denied' "$T/pm.out" && ok "podman is refused too" || { not_ok "podman is refused too"; tail -n 2 "$T/pm.out" | sed 's/^/# /'; }
fi
stop_proxy px

start_proxy px2 "$REG_URL" "policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
if $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/o3:v1" >/dev/null 2>&1; then
	not_ok "after a restart the verdict stands"
else
	ok "after a restart the verdict stands"
fi
check "after a restart the clean image still pulls" \
    $SK copy --src-tls-verify=false "docker://$P/team/clean:v1" "oci:$T/o4:v1"
