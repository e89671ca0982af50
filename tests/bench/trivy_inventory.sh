#!/bin/sh
# Package inventories against trivy (the reference scanner), on real
# images: the three Alpine minirootfs of ../shared/corpus and a
# debootstrap'd Debian bookworm with Debian's own Python, Node.js and
# Java packages installed (cached like scan_rootfs.sh's). trivy reads
# each root unpacked (this build only has "rootfs"), portcullis the
# image's compressed layer. Prints, per image, both counts and every
# difference (name@version only on one side), and the time each takes:
# trivy listing packages, portcullis listing them (scan -I) and its
# whole scan. Not like for like: trivy is handed the root unpacked,
# portcullis inflates the layer (the only trivy build reachable here
# has no image mode and no secret scanner).
#   sh tests/bench/trivy_inventory.sh [TRIVY]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need npm tar python3 debootstrap
CORPUS=$top_srcdir/../shared/corpus

. "$top_srcdir/tests/lib/trivy.sh"
trivy_get "${1:-}"

bookworm_langs_tgz || bail "debootstrap failed"

best() { sort -g | head -n 1; }
timeit() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }

# compare NAME TARBALL: trivy on the unpacked root, portcullis on the image.
compare() {
	name=$1; tgz=$2
	mkdir -p "$T/root-$name"
	tar --numeric-owner -xzf "$tgz" -C "$T/root-$name" 2>/dev/null
	mkimage_tgz "$T/img-$name" v1 "$tgz"
	"$TRIVY" rootfs --quiet --list-all-pkgs --skip-db-update --scanners vuln \
	    --output "$T/trivy-$name.cdx" "$T/root-$name" >/dev/null 2>&1
	"$PORTCULLIS" scan -s "$T/nostate" -f json "oci:$T/img-$name:v1" > "$T/pc-$name.json" 2>/dev/null
	# Time, best of 3 each: trivy listing packages from the unpacked
	# root; portcullis listing them from the gzip'd layer (-I), and its
	# whole scan (secrets and file checks too); and zcat of the layer,
	# what any scanner handed the layer pays before it reads a file
	# (trivy from the layer costs at least zcat + its rootfs time).
	: > "$T/tt"; : > "$T/ti"; : > "$T/tf"; : > "$T/tz"
	for i in 1 2 3; do
		timeit "$TRIVY" rootfs --quiet --list-all-pkgs --skip-db-update --scanners vuln \
		    --output "$T/trivy-t.cdx" "$T/root-$name" >> "$T/tt"
		timeit "$PORTCULLIS" scan -I -s "$T/nostate" -f json "oci:$T/img-$name:v1" >> "$T/ti"
		timeit "$PORTCULLIS" scan -s "$T/nostate" -f json "oci:$T/img-$name:v1" >> "$T/tf"
		timeit gzip -dc "$tgz" >> "$T/tz"
	done
	tt=$(best < "$T/tt"); ti=$(best < "$T/ti"); tf=$(best < "$T/tf"); tz=$(best < "$T/tz")
	r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
	echo "$name time (best of 3, $(du -sm "$T/root-$name" | cut -f1) MiB unpacked, $(($(stat -c %s "$tgz") >> 20)) MiB gzip'd): trivy rootfs ${tt}s (unpacked root), zcat of the layer ${tz}s; portcullis -I ${ti}s, whole scan ${tf}s (from the layer); trivy/portcullis -I $(r "$tt" "$ti")x, (zcat + trivy)/portcullis -I $(r "$(awk -v a="$tt" -v b="$tz" 'BEGIN { print a + b }')" "$ti")x, trivy/whole scan $(r "$tt" "$tf")x"
	python3 - "$T/trivy-$name.cdx" "$T/pc-$name.json" "$name" <<'PY'
import json, sys
cdx, pc, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def kind(c):
    for p in c.get("properties", []):
        if p["name"] == "aquasecurity:trivy:PkgType":
            return p["value"]
    return "?"
theirs = {}
for c in cdx.get("components", []):
    if c.get("type") == "library":
        n = c["name"] if not c.get("group") else c["group"] + ":" + c["name"]
        v = c.get("version", "")
        # trivy writes Go's toolchain as "v1.22.0", the module as "stdlib".
        if kind(c) == "gobinary" and n == "stdlib":
            v = v.lstrip("v")
        theirs.setdefault(kind(c), set()).add("%s@%s" % (n, v))
ours, owned = {}, {}
for p in pc["packages"]:
    # Installed by an OS package: listed with its owner, not matched
    # again (scanner.os_owned_language_packages: skip, trivy's way).
    side = owned if p.get("os_owner") else ours
    side.setdefault(p["type"], set()).add("%s@%s" % (p["name"], p["version"]))
# trivy's type names against portcullis' ones
pairs = [("alpine", "apk"), ("debian", "deb"), ("python-pkg", "pypi"), ("node-pkg", "npm"), ("jar", "maven"), ("gobinary", "golang")]
for t, o in pairs:
    a, b = theirs.get(t, set()), ours.get(o, set())
    if not a and not b and not owned.get(o):
        continue
    print("%s %s: trivy %d, portcullis %d, both %d (portcullis also lists %d an OS package installed)"
          % (name, o, len(a), len(b), len(a & b), len(owned.get(o, ()))))
    for x in sorted(a - b)[:8]:
        print("  only trivy:      " + x)
    for x in sorted(b - a)[:8]:
        print("  only portcullis: " + x)
PY
}

for v in 3.20.3 3.14.10 3.12.12; do
	compare "alpine-$v" "$CORPUS/alpine/alpine-minirootfs-$v-x86_64.tar.gz"
done
# The plain debootstrap root scan_rootfs.sh caches, when it has.
MINTGZ=${PORTCULLIS_TEST_CACHE:-/var/cache/portcullis-tests}/bookworm-minbase.tar.gz
[ -s "$MINTGZ" ] && compare bookworm-minbase "$MINTGZ"
compare bookworm-langs "$LANGTGZ"
# Go binaries: the corpus' one with module info (go1.22.0, a replaced
# dependency) and Debian's skopeo (module information of Debian's
# build), side by side as trivy and portcullis list them.
mkdir -p "$T/gobin/usr/bin"
cp "$CORPUS/artifacts/binary_with_module_replacement-linux-amd64" "$T/gobin/usr/bin/replaced"
cp "$(command -v skopeo)" "$T/gobin/usr/bin/skopeo"
chmod 755 "$T/gobin/usr/bin/"*
tar --numeric-owner -C "$T/gobin" -czf "$T/gobin.tar.gz" .
compare go-binaries "$T/gobin.tar.gz"
