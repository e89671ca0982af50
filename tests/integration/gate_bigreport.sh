#!/bin/sh
# The status report of a very large image (300,000 packages: a 34 MB
# document) is built off the event loop: while it is parsed, judged and
# written out, everyone else is answered as usual, the report arrives
# whole, and the memory it took goes back to the system. A pull
# decision reads the document without its package list (its verdict
# copy, cut at the first read of a document that had none).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3
[ -x "${STOREEDIT:-}" ] || bail "storeedit not built (STOREEDIT)"
tap_plan 9

mkdir -p "$T/l/etc"
echo big > "$T/l/etc/motd"
mkimage "$T/img" v1 "$T/l"
start_registry reg
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/big/app:v1" >/dev/null 2>&1 || bail "push"
# The same manifest in a second repository: an uncached decision again.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/big/copy:v1" >/dev/null 2>&1 || bail "push"
H='Accept: application/vnd.oci.image.manifest.v1+json'
man=$(curl -sf -H "$H" "$REG_URL/v2/big/app/manifests/v1")
MD=$(curl -sf -I -H "$H" "$REG_URL/v2/big/app/manifests/v1" | tr -d '\r' |
    sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
set -- $(echo "$man" | python3 -c "import json,sys; m=json.load(sys.stdin); print(m['config']['digest'], m['layers'][0]['digest'])")
# Recorded as judged, as a large image's first pull would leave it.
mkdir -p "$T/px-state"
python3 "$top_srcdir/tests/lib/bigdoc.py" 300000 big/app "$2" "$1" |
    "$STOREEDIT" "$T/px-state" put images "$MD" || bail "storeedit put"
PX_STATE=$T/px-state start_proxy px "$REG_URL"
P="127.0.0.1:$PX_PORT"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PX_PID/status"; }
before=$(rss)

( curl -s -o "$T/report.json" "http://$P/portcullis/v1/status/big/app/v1"; touch "$T/done" ) &
R=$!
p=$(python3 "$top_srcdir/tests/lib/probe.py" "$PX_PORT" "$T/done" 60)
wait "$R"
echo "# $p"
v() { echo "$p" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# Built on the loop, parsing and writing out the document held every
# client for seconds; off it, the loop only copies the stored document
# once. 250 ms leaves room for a sanitizer build on a busy machine
# (docs/status.md has the plain build's figure: about 20 ms).
[ "$(v fails)" = 0 ] && [ "$(v asked)" -ge 3 ] && [ "$(v slowest_ms)" -lt 250 ] &&
    ok "other clients were answered at once while it was built ($(v slowest_ms) ms at worst, $(v asked) asked)" ||
    not_ok "other clients were answered at once while it was built ($(v slowest_ms) ms at worst, $(v asked) asked, $(v fails) failed)"
n=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['report']['packages']))" "$T/report.json" 2>/dev/null)
expect_eq "the report arrived whole" 300000 "${n:-0}"
grep -q '"dev.portcullis.policy.result": "allow"' "$T/report.json" &&
    ok "with its annotations and verdict" || not_ok "with its annotations and verdict"
sleep 1
after=$(rss)
echo "# VmRSS before $before kB, after $after kB"
if [ -n "${ASAN_OPTIONS:-}" ]; then
	# ASan's allocator keeps freed memory (quarantine) whatever
	# malloc_trim says: only the plain build can show it given back.
	ok "# SKIP memory given back: not measurable under ASan (RSS $before -> $after kB)"
elif [ $((after - before)) -lt 65536 ]; then
	ok "the memory it took went back (RSS $before -> $after kB)"
else
	not_ok "the memory it took went back (RSS $before -> $after kB)"
fi
expect_eq "a pull of the image is still decided" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/big/app/manifests/v1")"
# That decision read the whole document (it had no verdict copy) and cut
# one; the next uncached decision reads only the copy.
expect_eq "a pull from another repository (not cached) is decided the same" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/big/copy/manifests/v1")"
ms() { grep "\"url\":\"/v2/big/$1/manifests/v1\"" "$T/px-access.log" | tail -n 1 |
    sed -n 's/.*"ms":\([0-9.]*\).*/\1/p'; }
m1=$(ms app); m2=$(ms copy)
echo "# decision with the whole document: $m1 ms; with its verdict copy: $m2 ms"
awk -v a="${m1:-0}" -v b="${m2:-1e9}" 'BEGIN { exit !(b * 5 < a) }' &&
    ok "the decision from the verdict copy is over 5x quicker ($m1 -> $m2 ms)" ||
    not_ok "the decision from the verdict copy is over 5x quicker ($m1 -> $m2 ms)"
"$STOREEDIT" "$T/px-state" get verdicts "$MD" > "$T/copy.json" 2>/dev/null
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not ('packages' not in d and d['verdict_copy_of'] > 30000000 and d['summary']['packages'] == 300000))" "$T/copy.json" 2>/dev/null &&
    ok "the copy holds the verdict's part, not the packages" || not_ok "the copy holds the verdict's part, not the packages"
stop_proxy px
