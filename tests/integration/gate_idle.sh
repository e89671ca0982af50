#!/bin/sh
# An upload whose commit never reaches this proxy (the client gave up
# after its PATCH, or a balancer sent the PUT to another instance of a
# fleet) must not hold a scanner for ever: after UPLOAD_IDLE_SETTLE
# seconds without a byte or a commit its scan ends and is kept under
# the digest of the bytes it saw, which is true of any blob with those
# bytes. Shown with scanner.max_uploads: 1 and the real Alpine 3.20.3
# rootfs: the scanner is free again, and when the same blob is later
# committed behind the proxy's back and an image using it is pushed
# through it, the proxy judges it from that result (no read-back) and
# refuses it for CVE-2024-9143.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
tap_plan 7

mkdir -p "$T/st"
"$PORTCULLIS" db import -s "$T/st" "$CORPUS/alpine/secdb" >/dev/null 2>&1 || bail "secdb import"
start_registry reg
PX_STATE=$T/st start_proxy px "$REG_URL" "scanner:
  max_uploads: 1
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
LAYER=$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz

loc=$(curl -s -o /dev/null -w '%header{location}' -X POST "http://$P/v2/team/app/blobs/uploads/")
case "$loc" in http*) ;; *) loc="http://$P$loc";; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/octet-stream' \
    --data-binary "@$LAYER" "$loc")
expect_eq "the PATCH is relayed and taken" 202 "$code"
expect_eq "its scan holds the one scanner" 1 "$(metric portcullis_uploads_scanning)"
i=0
while [ "$(metric portcullis_uploads_scanning)" != 0 ] && [ $i -lt 150 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "with no commit, the scanner is free again within seconds" 0 "$(metric portcullis_uploads_scanning)"
check "the log says the scan was kept under its content digest" \
    grep -q "no commit after 5 s; its scan is kept under the digest" "$T/px.log"

# The same blob committed straight to the registry, then the image
# pushed through the proxy: its layer is known already.
mkimage_tgz "$T/img" v1 "$LAYER" diff
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/team/app:v1" >/dev/null 2>&1 || bail "direct push"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://$P/team/app:v2" >"$T/push.log" 2>&1 || bail "push through the proxy: $(tail -n 1 "$T/push.log")"
out=$(skopeo --insecure-policy inspect --tls-verify=false "docker://$P/team/app:v2" 2>&1)
case "$out" in *denied*CVE-2024-9143*) ok "the image is judged from the kept result and refused";;
*) not_ok "the image is judged from the kept result and refused"; echo "# $out" | tail -n 1 | cut -c1-300;; esac
expect_eq "the layer was not read back (only the config was)" 1 "$(metric portcullis_upload_readbacks_total)"
stop_proxy px
