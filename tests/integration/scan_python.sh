#!/bin/sh
# Python packages as Debian installs them (egg-info and dist-info under
# dist-packages, from the real python3-requests, python3-urllib3 and
# python3-yaml packages) matched against a real PYSEC record; the same
# files with dpkg's own file lists are Debian's packages, not PyPI's
# (listed with their owner, not matched again unless asked); and the
# real DSA-3029-1 against a wheezy dpkg database.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need tar gzip dpkg-query
for p in python3-requests python3-urllib3 python3-yaml; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    skip_all "$p not installed"
done
tap_plan 11

S="$T/state"
"$PORTCULLIS" db import -s "$S" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 ||
    bail "db import failed"
scan() { "$PORTCULLIS" scan -s "$S" "$@" 2>>"$T/scan.log"; }

# The packages' own files, as dpkg installed them.
mkdir -p "$T/py"
for p in python3-requests python3-urllib3 python3-yaml; do
	dpkg-query -L "$p" | while read -r f; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		mkdir -p "$T/py$(dirname "$f")" && cp "$f" "$T/py$f"
	done
done
MKIMAGE_CONFIG='"User":"1000"' mkimage "$T/img" v1 "$T/py"

out=$(scan -f json oci:"$T/img":v1 | tr -d ' \n')
want=$(ls -d "$T"/py/usr/lib/python3/dist-packages/*.egg-info \
    "$T"/py/usr/lib/python3/dist-packages/*.dist-info 2>/dev/null | wc -l)
[ "$want" -ge 3 ] || bail "expected at least three Python packages, found $want"
expect_eq "every egg-info and dist-info directory is one PyPI package" "$want" \
    "$(echo "$out" | grep -o '"type":"pypi"' | wc -l)"
ver=$(dpkg-query -W -f='${Version}' python3-requests | sed 's/+.*//')
echo "$out" | grep -q "\"type\":\"pypi\",\"name\":\"requests\",\"version\":\"$ver\"" &&
    ok "requests $ver read from its egg-info PKG-INFO" ||
    { not_ok "requests $ver read from its egg-info PKG-INFO"; echo "# $out" | cut -c1-400; }
echo "$out" | grep -q '"type":"pypi","name":"PyYAML","version":"6.0"' &&
    ok "PyYAML 6.0 read from its dist-info METADATA" ||
    not_ok "PyYAML 6.0 read from its dist-info METADATA"
case "$ver" in
2.2[3-9].*|2.30.*)
	echo "$out" | grep -q '"id":"PYSEC-2023-74","aliases":"CVE-2023-32681,GHSA-j8r2-6x86-q33q"' &&
	    echo "$out" | grep -q '"fixed":"2.31.0"' &&
	    ok "requests $ver matched to PYSEC-2023-74, fixed in 2.31.0" ||
	    not_ok "requests $ver matched to PYSEC-2023-74, fixed in 2.31.0";;
*)	ok "# SKIP requests $ver is outside PYSEC-2023-74";;
esac

# With dpkg's file lists in the layer (as apt leaves them), the same
# files are Debian's packages: listed with their owner, and PyPI's
# advisories are not matched against Debian's patched copies.
mkdir -p "$T/py/var/lib/dpkg/info"
for p in python3-requests python3-urllib3 python3-yaml; do
	for l in /var/lib/dpkg/info/"$p".list /var/lib/dpkg/info/"$p":*.list; do
		[ -f "$l" ] && cp "$l" "$T/py/var/lib/dpkg/info/"
	done
done
MKIMAGE_CONFIG='"User":"1000"' mkimage "$T/img-owned" v1 "$T/py"
own=$(scan -f json oci:"$T/img-owned":v1 | tr -d ' \n')
echo "$own" | grep -q "\"type\":\"pypi\",\"name\":\"requests\",\"version\":\"$ver\",[^}]*\"os_owner\":\"python3-requests\"" &&
    ok "requests is listed as installed by python3-requests" ||
    { not_ok "requests is listed as installed by python3-requests"; echo "# $own" | cut -c1-400; }
scan -f cyclonedx oci:"$T/img-owned":v1 | tr -d ' \n' |
    grep -q '"name":"requests","version":"'"$ver"'","purl":"pkg:pypi/requests@'"$ver"'","properties":\[{"name":"portcullis:os-package","value":"python3-requests"}\]' &&
    ok "the CycloneDX output keeps the relationship (portcullis:os-package)" ||
    not_ok "the CycloneDX output keeps the relationship (portcullis:os-package)"
expect_eq "every PyPI package there has its Debian owner" "$want" \
    "$(echo "$own" | grep -o '"type":"pypi"[^}]*"os_owner":"python3-[a-z0-9]*"' | wc -l)"
case "$ver" in
2.2[3-9].*|2.30.*)
	expect_eq "PYSEC-2023-74 is not matched against Debian's copy" 0 \
	    "$(echo "$own" | grep -c PYSEC-2023-74)"
	n=$(scan -O -f json oci:"$T/img-owned":v1 | grep -c '"id": "PYSEC-2023-74"')
	[ "$n" -ge 1 ] && ok "-O matches it as a PyPI package again" ||
	    not_ok "-O matches it as a PyPI package again";;
*)	ok "# SKIP requests $ver is outside PYSEC-2023-74"; ok "# SKIP (same)";;
esac

# DSA-3029-1 names Debian 7 (wheezy) only: the same nginx version on
# another release is not its business.
mkimage_wheezy() {
	mkdir -p "$T/$1/etc" "$T/$1/var/lib/dpkg"
	printf 'ID=debian\nVERSION_ID="%s"\n' "$2" > "$T/$1/etc/os-release"
	printf 'Package: nginx\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' \
	    "$3" > "$T/$1/var/lib/dpkg/status"
	mkimage "$T/img-$1" v1 "$T/$1"
}
mkimage_wheezy w7 7 1.2.1-2.2+wheezy2
mkimage_wheezy w7fixed 7 1.2.1-2.2+wheezy3
mkimage_wheezy w8 8 1.2.1-2.2+wheezy2
r7=$(scan -f json oci:"$T/img-w7":v1 | tr -d ' \n')
echo "$r7" | grep -q '"id":"DSA-3029-1","aliases":"CVE-2014-3616"' &&
    echo "$r7" | grep -q '"fixed":"1.2.1-2.2+wheezy3"' &&
    ok "wheezy nginx 1.2.1-2.2+wheezy2 matched to DSA-3029-1, fixed in +wheezy3" ||
    { not_ok "wheezy nginx 1.2.1-2.2+wheezy2 matched to DSA-3029-1"; echo "# $r7" | cut -c1-400; }
n=$(scan -f json oci:"$T/img-w7fixed":v1 | grep -c DSA-3029-1)
n8=$(scan -f json oci:"$T/img-w8":v1 | grep -c DSA-3029-1)
expect_eq "the fixed version and another Debian release do not match" "0 0" "$n $n8"
