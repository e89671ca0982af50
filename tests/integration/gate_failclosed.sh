#!/bin/sh
# No scan is ever skipped, and nothing the proxy did not record is let
# by as "unknown" when it was pushed through it:
# - with every scanner busy (scanner.max_uploads), a push is not left
#   unscanned: its layer is read back from the registry once a scanner
#   is free, and a pull waits for that, then is refused for the token;
# - layers the registry has but the proxy never scanned (pushed behind
#   its back, as a kill -9 between a blob's commit and its record
#   leaves them) are read back when the manifest comes through it;
# - after a restart, a manifest recorded as pushed whose layer has no
#   result (a crash in between) is read back at its first pull;
# - with state_dir full, what the store refuses to record is refused
#   at pull, saying so, and counted;
# - a push the store refused to record is still refused after a restart
#   (the push journal keeps it, in space reserved at start), until it
#   is pushed again, or, with an account to pull with
#   (unknown_images: scan), until the proxy has scanned it itself.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3
[ -x "${STOREEDIT:-}" ] || bail "storeedit not built (STOREEDIT)"
tap_plan 22

odd() { # odd NAME KIND: $T/NAME, an image of one layer from oddlayer.py
	python3 "$top_srcdir/tests/lib/oddlayer.py" "$2" "$T/$1.blob" || bail "oddlayer"
	MKIMAGE_CONFIG="\"User\":\"app\",\"Labels\":{\"case\":\"$1\"}" mkimage_blobs "$T/$1" v1 "$T/$1.blob"
}
odd busy nul
odd back nested
odd crash gzfile
odd full xz
head -c 2097152 /dev/urandom > "$T/slow.bin"
SLOWD="sha256:$(sha256sum "$T/slow.bin" | cut -d' ' -f1)"

start_registry reg
start_proxy px "$REG_URL" "scanner:
  max_uploads: 1
  wait: 60"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"
H='Accept: application/vnd.oci.image.manifest.v1+json'

# 1. Every scanner busy: a slow upload holds the only one.
loc=$(curl -sf -X POST -D - -o /dev/null "http://$P/v2/slow/blob/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
case "$loc" in http*) ;; *) loc="http://$P$loc";; esac
curl -s -o /dev/null --limit-rate 16k -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary @"$T/slow.bin" "$loc&digest=$SLOWD" &
SLOW=$!
i=0
while [ "$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_uploads_scanning //p')" != 1 ] &&
    [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "a push while every scanner is busy still succeeds" \
    $SK copy --dest-tls-verify=false "oci:$T/busy:v1" "docker://$P/busy/app:v1"
d=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_uploads_deferred_total //p')
[ "${d:-0}" -ge 1 ] && ok "its layer was deferred, not skipped ($d)" ||
    not_ok "its layer was deferred, not skipped (${d:-0})"
curl -s -o "$T/busy.body" -w '%{http_code}' -H "$H" "http://$P/v2/busy/app/manifests/v1" > "$T/busy.code" &
PULL=$!
sleep 1
kill -0 "$PULL" 2>/dev/null && ok "a pull meanwhile waits for the scan (it was held)" ||
    not_ok "a pull meanwhile waits for the scan (it was held)"
kill "$SLOW" 2>/dev/null
wait "$PULL"
expect_eq "once a scanner is free the layer is read back and the pull refused" 403 "$(cat "$T/busy.code")"
grep -q 'github-token in opt/app/data.bin' "$T/busy.body" &&
    ok "naming the token the read-back found" ||
    { not_ok "naming the token the read-back found"; head -c 300 "$T/busy.body" | sed 's/^/# /'; echo; }
grep -q 'read back from the registry once it is committed' "$T/px.log" &&
    ok "the log says the upload was deferred" || not_ok "the log says the upload was deferred"

# 2. Layers behind the proxy's back, then the manifest through it.
$SK copy --dest-tls-verify=false "oci:$T/back:v1" "docker://127.0.0.1:$REG_PORT/back/app:v1" >/dev/null 2>&1 ||
    bail "direct push failed"
check "the same image pushed through the proxy (its blobs already there)" \
    $SK copy --dest-tls-verify=false "oci:$T/back:v1" "docker://$P/back/app:v2"
r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/back/app/manifests/v2")
case "$r" in *'github-token in backup/app.tar.gz!etc/app.env'*' 403')
	ok "the layers it never saw were read back and scanned: refused for the token";;
*) not_ok "the layers it never saw were read back and scanned: refused for the token"; echo "# $r" | cut -c1-300;; esac

# 3. A crash after the manifest was recorded, before its layer: the
# manifest is pending with no layer result, and no scan is running.
$SK copy --dest-tls-verify=false "oci:$T/crash:v1" "docker://127.0.0.1:$REG_PORT/crash/app:v1" >/dev/null 2>&1 ||
    bail "direct push failed"
MD=$(curl -sf -I -H "$H" "$REG_URL/v2/crash/app/manifests/v1" | tr -d '\r' |
    sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
man=$(curl -sf -H "$H" "$REG_URL/v2/crash/app/manifests/v1")
stop_proxy px
printf '{"pending":true,"repository":"crash/app","manifest":%s}' "$man" |
    "$STOREEDIT" "$T/px-state" put images "$MD" || bail "storeedit put"
PX_STATE=$T/px-state start_proxy px2 "$REG_URL" "scanner:
  wait: 60"
P="127.0.0.1:$PX_PORT"
r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/crash/app/manifests/v1")
case "$r" in *'github-token in var/log/app.log.gz!data'*' 403')
	ok "after a restart, the first pull reads the missing layer back and is refused for the token";;
*) not_ok "after a restart, the first pull reads the missing layer back and is refused for the token"; echo "# $r" | cut -c1-300;; esac
stop_proxy px2

# 4. state_dir full: what the store cannot record is refused, saying so.
FULL=$T/fullfs
mkdir -p "$FULL"
# Unmounted however the test ends, even if it bails half-way.
CLEANUP_HOOK='umount "$FULL" 2>/dev/null'
if ! mount -t tmpfs -o size=6m tmpfs "$FULL" 2>/dev/null; then
	for n in 1 2 3 4 5 6 7 8 9 10 11; do ok "# SKIP cannot mount a small tmpfs for state_dir"; done
else
	PX_STATE=$FULL/state start_proxy px3 "$REG_URL"
	P="127.0.0.1:$PX_PORT"
	# Fill it: the store keeps what it has, new writes fail.
	dd if=/dev/zero of="$FULL/filler" bs=64k 2>/dev/null
	$SK copy --dest-tls-verify=false "oci:$T/full:v1" "docker://$P/full/app:v1" >"$T/full-push.out" 2>&1 ||
	    { tail -n 3 "$T/full-push.out" | sed 's/^/# /'; tail -n 5 "$T/px3.log" | sed 's/^/# /'; }
	r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/full/app/manifests/v1")
	case "$r" in *'DENIED'*'store refused'*' 403')
		ok "with state_dir full, the image just pushed is refused, naming the store";;
	*) not_ok "with state_dir full, the image just pushed is refused, naming the store"; echo "# $r" | cut -c1-300;; esac
	e=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_store_errors_total //p')
	[ "${e:-0}" -ge 1 ] && ok "/metrics counts the store errors ($e)" || not_ok "/metrics counts the store errors (${e:-0})"
	grep -q 'store: .*pulls of images the proxy has not recorded are refused' "$T/px3.log" &&
	    ok "the log says what the store refused" || not_ok "the log says what the store refused"
	stop_proxy px3

	# 5. Restarted, the disk still full: the push it could not record
	# is not "unknown" now (unknown_images: allow would let it by).
	PX_STATE=$FULL/state start_proxy px4 "$REG_URL" "scanner:
  wait: 60"
	P="127.0.0.1:$PX_PORT"
	r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/full/app/manifests/v1")
	case "$r" in *'DENIED'*'could not record the push'*'push it again'*' 403')
		ok "after a restart, the push it never recorded is refused, saying to push it again";;
	*) not_ok "after a restart, the push it never recorded is refused, saying to push it again"; echo "# $r" | cut -c1-300;; esac
	u=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_pushes_unrecorded //p')
	expect_eq "/metrics shows the unrecorded push" 1 "${u:-}"
	grep -q 'journal: full/app@sha256:.* never recorded' "$T/px4.log" &&
	    ok "the log names it at start" || not_ok "the log names it at start"
	stop_proxy px4
	# Room again, and a proxy with an account to pull with: it scans
	# the image whole itself, and judges it.
	rm -f "$FULL/filler"
	PX_STATE=$FULL/state start_proxy px5 "$REG_URL" "scanner:
  wait: 60
policy:
  unknown_images: scan"
	P="127.0.0.1:$PX_PORT"
	r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/full/app/manifests/v1")
	case "$r" in *'github-token in root/.env'*' 403')
		ok "with unknown_images: scan it is pulled, scanned and judged: refused for the token in its xz layer";;
	*) not_ok "with unknown_images: scan it is pulled, scanned and judged: refused for the token in its xz layer"; echo "# $r" | cut -c1-300;; esac
	u=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_pushes_unrecorded //p')
	expect_eq "and the journal no longer holds it" 0 "${u:-}"
	stop_proxy px5
fi
