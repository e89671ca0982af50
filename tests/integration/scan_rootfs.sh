#!/bin/sh
# A real Debian root filesystem (debootstrap --variant=minbase bookworm)
# as an image layer: the package list must equal what dpkg-query itself
# reads from that root, os-release must be found (in Debian it is
# usr/lib/os-release; etc/os-release is a symlink), sources mapped.
# The rootfs tarball is cached between runs.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need debootstrap dpkg-query tar gzip
tap_plan 8

CACHE=${PORTCULLIS_TEST_CACHE:-/var/cache/portcullis-tests}
ROOTTGZ=$CACHE/bookworm-minbase.tar.gz
mkdir -p "$CACHE" 2>/dev/null || true
[ -w "$CACHE" ] || CACHE=$T
if [ ! -s "$ROOTTGZ" ]; then
	debootstrap --variant=minbase bookworm "$T/root" >"$T/debootstrap.log" 2>&1 ||
	    skip_all "debootstrap could not reach a Debian mirror"
	tar --numeric-owner -C "$T/root" -czf "$ROOTTGZ.tmp" . && mv "$ROOTTGZ.tmp" "$ROOTTGZ"
else
	mkdir -p "$T/root"
	tar --numeric-owner -C "$T/root" -xzf "$ROOTTGZ"
fi

# The cached tarball is the layer, as a registry would hold it.
mkimage_tgz "$T/img" bookworm "$ROOTTGZ"

"$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img":bookworm > "$T/scan.json" 2>"$T/scan.log"
tr -d ' \n' < "$T/scan.json" | grep -o '"type":"deb","name":"[^"]*","version":"[^"]*"' |
    sed 's/"type":"deb","name":"\([^"]*\)","version":"\([^"]*\)"/\1 \2/' | sort > "$T/ours"
dpkg-query --admindir="$T/root/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' |
    awk '$1 == "ii" { print $2, $3 }' | sort > "$T/dpkg"
n=$(wc -l < "$T/dpkg")
if cmp -s "$T/ours" "$T/dpkg" && [ "$n" -gt 50 ]; then
	ok "package list equals dpkg-query's ($n packages)"
else
	not_ok "package list equals dpkg-query's ($n packages)"
	diff "$T/dpkg" "$T/ours" | head -n 10 | sed 's/^/# /'
fi
[ -L "$T/root/etc/os-release" ] && ok "etc/os-release is a symlink in a real Debian root" ||
    ok "# SKIP etc/os-release is a regular file here"
grep -q '"id": "debian"' "$T/scan.json" && grep -q '"version_id": "12"' "$T/scan.json" &&
    ok "os-release found through usr/lib/os-release: Debian 12" ||
    not_ok "os-release found through usr/lib/os-release: Debian 12"
tr -d ' \n' < "$T/scan.json" | grep -q '"type":"deb","name":"libc6","version":"[^"]*","source":"glibc"' &&
    ok "libc6 mapped to its source package glibc" || not_ok "libc6 mapped to its source package glibc"
# Its etc/os-release symlink is read through its target, not counted
# as unscanned content (which would refuse every Debian image).
tr -d ' \n' < "$T/scan.json" | grep -q '"limits":\[\]' &&
    tr -d ' \n' < "$T/scan.json" | grep -q '"unscanned":0' &&
    ok "nothing in a real Debian root counts as unscanned content" ||
    { not_ok "nothing in a real Debian root counts as unscanned content"
      tr -d ' \n' < "$T/scan.json" | grep -o '"limits":\[[^]]*\]' | cut -c1-300 | sed 's/^/# /'; }
# No secret in a real Debian root: gnutls' built-in self-test keys sit
# in a file an OS package installed, and are notes, not secrets.
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d["secrets"] == [] and all(n["rule"] == "private-key" and "OS package" in n["detail"] for n in d["notes"])))' "$T/scan.json" &&
    ok "no secret findings in a real Debian root ($(grep -c '"kind": "note"' "$T/scan.json") notes in OS package files)" ||
    not_ok "no secret findings in a real Debian root"
# The layer and config checks on a real debootstrap root: exactly the
# documented findings. debootstrap leaves apt's downloaded .debs and its
# package lists (the official debian images remove them); its setuid
# programs are the base system's own; /etc/shadow has no hash.
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(f["rule"] + ":" + f["path"] for f in d["misconfigurations"]))
print(" ".join(f["rule"] for f in d["secrets"]))' "$T/scan.json" > "$T/mis"
expect_eq "misconfigurations of a debootstrap bookworm: apt's cache and lists, no healthcheck; no secret" \
    "package-cache:var/cache/apt/archives/ package-cache:var/lib/apt/lists/ no-healthcheck:config" \
    "$(cat "$T/mis")"

# No false alarm on real content: Debian's Python, Node and Java
# packages installed in the same base give no secret (keys shipped in
# OS packages' files are notes).
if bookworm_langs_tgz; then
	mkimage_tgz "$T/langs-img" v1 "$LANGTGZ"
	"$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/langs-img:v1" > "$T/langs.json" 2>/dev/null
	expect_eq "no secret in a bookworm with python3-requests, nodejs, node-lodash and Java libraries" \
	    "0 secrets, $(grep -c '"kind": "note"' "$T/langs.json") notes in OS package files" \
	    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%d secrets, %d notes in OS package files" % (len(d["secrets"]), sum("OS package" in n["detail"] for n in d["notes"])))' "$T/langs.json")"
else
	ok "# SKIP debootstrap could not reach a Debian mirror"
fi
