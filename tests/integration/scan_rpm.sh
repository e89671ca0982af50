#!/bin/sh
# RPM's SQLite database (rpmdb.sqlite), written by the real rpm 4.18:
# real Debian packages converted with alien and installed with rpm into
# a root, plus one package rpmbuild makes with an epoch and a source
# package of another name. The scanner's list must equal what `rpm -qa`
# reads from the same database; broken and hostile databases are errors,
# not silent passes.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need tar gzip rpm rpmbuild alien apt-get python3
tap_plan 7

scan() { "$PORTCULLIS" scan "$@" 2>>"$T/scan.log"; }

# Real packages: the .debs of three small tools, converted by alien.
mkdir -p "$T/debs" "$T/rpms"
(cd "$T/debs" && apt-get download zstd libarchive-tools bison >/dev/null 2>&1) ||
    skip_all "apt-get download failed (no Debian mirror)"
(cd "$T/rpms" && for d in "$T"/debs/*.deb; do alien --to-rpm -k "$d" >/dev/null 2>&1 ||
    exit 1; done) || bail "alien failed"

# One package with an epoch, built from source package "portcullis-demo".
mkdir -p "$T/rb/SPECS"
cat > "$T/rb/SPECS/demo.spec" <<'SPEC'
Name: portcullis-demo
Version: 1.2.3
Release: 4.el9
Epoch: 2
Summary: test package
License: MIT
BuildArch: noarch
%description
test package
%package -n portcullis-demo-libs
Summary: sub package
%description -n portcullis-demo-libs
sub package
%files
%files -n portcullis-demo-libs
SPEC
rpmbuild --define "_topdir $T/rb" -bb "$T/rb/SPECS/demo.spec" >"$T/rpmbuild.log" 2>&1 ||
    bail "rpmbuild failed"
cp "$T"/rb/RPMS/noarch/*.rpm "$T/rpms/"

mkdir -p "$T/root/etc"
printf 'ID="rocky"\nVERSION_ID="9.3"\n' > "$T/root/etc/os-release"
rpm --root "$T/root" --dbpath /var/lib/rpm -i --nodeps --noscripts --ignorearch \
    --ignoreos --nosignature --nodigest --excludedocs "$T"/rpms/*.rpm \
    >"$T/rpm.log" 2>&1 || { cat "$T/rpm.log" >&2; bail "rpm -i failed"; }
[ -s "$T/root/var/lib/rpm/rpmdb.sqlite" ] || skip_all "this rpm does not write rpmdb.sqlite"
rm -f "$T"/root/var/lib/rpm/rpmdb.sqlite-* "$T/root/var/lib/rpm/.rpm.lock"

rpm --root "$T/root" --dbpath /var/lib/rpm -qa \
    --qf '%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{NAME}\n' 2>/dev/null |
    sort > "$T/want"
[ "$(wc -l < "$T/want")" -ge 5 ] || bail "rpm lists only $(wc -l < "$T/want") packages"
mkimage "$T/img" v1 "$T/root"

scan -f json oci:"$T/img":v1 > "$T/out.json"
python3 - "$T/out.json" > "$T/got" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p["type"] == "rpm":
        print(p["version"], p["name"])
PY
sort -o "$T/got" "$T/got"
expect_eq "the package list equals rpm -qa on the same database" \
    "$(cat "$T/want")" "$(cat "$T/got")"
grep -q '^2:1.2.3-4.el9 portcullis-demo-libs$' "$T/got" &&
    ok "the epoch is part of the version" || not_ok "the epoch is part of the version"
tr -d ' \n' < "$T/out.json" | grep -q '"type":"rpm","name":"portcullis-demo-libs","version":"2:1.2.3-4.el9","source":"portcullis-demo"' &&
    ok "the source package comes from SOURCERPM" ||
    not_ok "the source package comes from SOURCERPM"
cdx=$(scan -f cyclonedx oci:"$T/img":v1)
# The version of the zstd .deb apt-get downloaded (the mirror's newest).
zv=$(dpkg-deb -f "$T"/debs/zstd_*.deb Version)
echo "$cdx" | grep -qF "\"purl\": \"pkg:rpm/rocky/zstd@$zv?distro=rocky-9.3\"" &&
    echo "$cdx" | grep -q '"purl": "pkg:rpm/rocky/portcullis-demo-libs@1.2.3-4.el9?epoch=2&distro=rocky-9.3"' &&
    ok "CycloneDX purls pkg:rpm/rocky/..., the epoch as a qualifier" ||
    not_ok "CycloneDX purls pkg:rpm/rocky/..., the epoch as a qualifier"

# The same database at Fedora's newer path.
mkdir -p "$T/root2/usr/lib/sysimage/rpm"
cp "$T/root/var/lib/rpm/rpmdb.sqlite" "$T/root2/usr/lib/sysimage/rpm/"
mkimage "$T/img2" v1 "$T/root2"
expect_eq "usr/lib/sysimage/rpm/rpmdb.sqlite read too" "$(wc -l < "$T/want")" \
    "$(scan -f json oci:"$T/img2":v1 | grep -c '"type": "rpm"')"

# A truncated database: an error finding, and the scan still completes.
mkdir -p "$T/bad/var/lib/rpm"
head -c 20000 "$T/root/var/lib/rpm/rpmdb.sqlite" > "$T/bad/var/lib/rpm/rpmdb.sqlite"
mkimage "$T/imgb" v1 "$T/bad"
scan -f json oci:"$T/imgb":v1 | tr -d ' \n' | grep -q '"kind":"error","rule":"unreadable-package-db","path":"var/lib/rpm/rpmdb.sqlite"' &&
    ok "a truncated rpmdb is reported as unreadable" ||
    not_ok "a truncated rpmdb is reported as unreadable"

# A hostile database: Packages is a view that would never finish.
mkdir -p "$T/evil/var/lib/rpm"
python3 - "$T/evil/var/lib/rpm/rpmdb.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE VIEW Packages AS WITH RECURSIVE c(x) AS "
           "(SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS blob FROM c")
db.commit()
PY
mkimage "$T/imge" v1 "$T/evil"
scan -f json oci:"$T/imge":v1 | grep -q 'unreadable-package-db' &&
    ok "a view posing as Packages is refused, not run" ||
    not_ok "a view posing as Packages is refused, not run"
