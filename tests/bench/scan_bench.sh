#!/bin/sh
# Scanner throughput against zcat of the same layer, in one run.
#   sh tests/bench/scan_bench.sh [DIR]
# The layer is a gzip'd tar of a real directory tree (default /usr, so
# real binaries, libraries and text). Reports MiB/s of compressed input
# and the ratio portcullis/zcat (target >= 0.8). With trivy on PATH (or
# TRIVY=/path), also compares package listing time and counts.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
SRC=${1:-/usr}

mkdir -p "$T/root/var/lib/dpkg" "$T/root/etc"
cp /var/lib/dpkg/status "$T/root/var/lib/dpkg/status"
cp /etc/os-release "$T/root/etc/os-release"
# One layer: os bits + the tree, gzip -6 as registries usually see it.
tar -C "$T/root" -cf "$T/layer.tar" var etc
tar -C "$(dirname "$SRC")" -rf "$T/layer.tar" "$(basename "$SRC")" 2>/dev/null
gzip -6 -c "$T/layer.tar" > "$T/layer.tar.gz"
gzsize=$(stat -c %s "$T/layer.tar.gz")
tarsize=$(stat -c %s "$T/layer.tar")
mkdir -p "$T/img/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' > "$T/img/oci-layout"
lh=$(sha256sum "$T/layer.tar.gz" | cut -d' ' -f1)
cp "$T/layer.tar.gz" "$T/img/blobs/sha256/$lh"
# mkimage_finish uses its own variables; ours are named to stay clear.
mkimage_finish "$T/img" b "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$lh\",\"size\":$gzsize}" '"sha256:0"' '"User":"app"'

best() { sort -g | head -n 1; }
timeit() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
: > "$T/z"; : > "$T/p"
for i in 1 2 3; do
	timeit sh -c "zcat '$T/layer.tar.gz' > /dev/null" >> "$T/z"
	timeit "$PORTCULLIS" scan -s "$T/nostate" -f json "oci:$T/img:b" >> "$T/p"
done
tz=$(best < "$T/z"); tp=$(best < "$T/p")
npk=$("$PORTCULLIS" scan -s "$T/nostate" -f json "oci:$T/img:b" 2>/dev/null | grep -c '"type": "deb"')
echo "# layer: $SRC, $(awk -v c="$gzsize" 'BEGIN{printf "%.0f", c/1048576}') MiB gzip, $(awk -v u="$tarsize" 'BEGIN{printf "%.0f", u/1048576}') MiB tar; best of 3"
echo "# zcat:       $(awk -v c="$gzsize" -v t="$tz" 'BEGIN{printf "%.1f", c/1048576/t}') MiB/s"
echo "# portcullis: $(awk -v c="$gzsize" -v t="$tp" 'BEGIN{printf "%.1f", c/1048576/t}') MiB/s ($npk packages, secrets and catalogs included)"
echo "scan throughput portcullis/zcat: $(awk -v a="$tz" -v b="$tp" 'BEGIN{printf "%.3f", a/b}')x (target >= 0.8)"
