#!/bin/sh
# Java archives: Debian's real log4j 2 jars (liblog4j2-java, fetched with
# apt-get download and cached) as a layer. Maven coordinates must match
# the jars' own pom.properties as bsdtar lists them, a jar nested in a
# fat jar must be found, and the real Log4Shell record must not match
# Debian's fixed 2.19.0. Jars Debian built without Maven (no
# pom.properties: libcommons-logging-java, libmongodb-java) are named
# from their MANIFEST.MF and file name, marked as guessed.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need apt-get dpkg-deb bsdtar
tap_plan 8

CACHE=${PORTCULLIS_TEST_CACHE:-/var/cache/portcullis-tests}
mkdir -p "$CACHE" 2>/dev/null || true
[ -w "$CACHE" ] || CACHE=$T
cached() { # cached PACKAGE: its .deb, downloaded once
	d=$(ls "$CACHE/$1"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$d" ]; then
		(cd "$CACHE" && apt-get download "$1" >/dev/null 2>&1) ||
		    skip_all "apt-get download $1 failed"
		d=$(ls "$CACHE/$1"_*.deb | head -n 1)
	fi
	echo "$d"
}
deb=$(cached liblog4j2-java)
dpkg-deb -x "$deb" "$T/root"
upver=$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')
mkimage "$T/img" j "$T/root"
S="$T/state"
"$PORTCULLIS" db import -s "$S" "$top_srcdir/tests/data/osv" >/dev/null 2>&1
out=$("$PORTCULLIS" scan -s "$S" -f json oci:"$T/img":j 2>/dev/null | tr -d ' \n')

want=0
for j in "$T"/root/usr/share/java/*.jar; do
	[ -L "$j" ] && continue
	want=$((want + $(bsdtar -tf "$j" | grep -c '^META-INF/maven/.*/pom.properties$')))
done
expect_eq "one Maven package per pom.properties in the jars" "$want" \
    "$(echo "$out" | grep -o '"type":"maven"' | wc -l)"
echo "$out" | grep -q "\"type\":\"maven\",\"name\":\"org.apache.logging.log4j:log4j-core\",\"version\":\"$upver\"" &&
    ok "log4j-core $upver with its Maven coordinates" ||
    not_ok "log4j-core $upver with its Maven coordinates"
echo "$out" | grep -q 'GHSA-jfh8-c2jp-5v3q' && not_ok "Log4Shell does not match the fixed $upver" ||
    ok "Log4Shell does not match the fixed $upver"

# A Spring Boot style fat jar carrying the real jar in BOOT-INF/lib.
mkdir -p "$T/fat/BOOT-INF/lib" "$T/l2/app"
cp "$T/root/usr/share/java/log4j-core.jar" "$T/fat/BOOT-INF/lib/"
(cd "$T/fat" && bsdtar --format zip -cf "$T/l2/app/app.jar" BOOT-INF)
mkimage "$T/img2" f "$T/l2"
"$PORTCULLIS" scan -s "$S" -f json oci:"$T/img2":f 2>/dev/null | tr -d ' \n' |
    grep -q "\"type\":\"maven\",\"name\":\"org.apache.logging.log4j:log4j-core\",\"version\":\"$upver\",\"source\":null,\"path\":\"app/app.jar\"" &&
    ok "jar nested in a fat jar found, reported at the outer jar" ||
    not_ok "jar nested in a fat jar found, reported at the outer jar"

# Debian's jars built without Maven: named from the manifest, guessed.
dpkg-deb -x "$(cached libcommons-logging-java)" "$T/nopom"
dpkg-deb -x "$(cached libmongodb-java)" "$T/nopom"
mf() { bsdtar -xOf "$T/nopom/usr/share/java/$1" META-INF/MANIFEST.MF | tr -d '\r' | sed -n "s/^$2: //p"; }
bsdtar -tf "$T/nopom/usr/share/java/bson-3.6.3.jar" | grep -q pom.properties &&
    bail "bson has a pom.properties now: pick another jar"
mkimage "$T/img3" n "$T/nopom"
out3=$("$PORTCULLIS" scan -s "$S" -f json oci:"$T/img3":n 2>/dev/null | tr -d ' \n')
# bson-3.6.3.jar, Bundle-SymbolicName org.mongodb.bson: group org.mongodb.
echo "$out3" | grep -q "\"type\":\"maven\",\"name\":\"org.mongodb:bson\",\"version\":\"$(mf bson-3.6.3.jar Bundle-Version)\",\"source\":null,\"path\":\"usr/share/java/bson-3.6.3.jar\",\"confidence\":\"low\"" &&
    ok "bson named org.mongodb:bson $(mf bson-3.6.3.jar Bundle-Version) from its manifest, confidence low" ||
    { not_ok "bson named org.mongodb:bson from its manifest, confidence low"; echo "$out3" | grep -o '"name":"[^"]*bson[^}]*' | head -3 | sed 's/^/# /'; }
v=$(mf commons-logging-1.2.jar Implementation-Version)
echo "$out3" | grep -q "\"name\":\"$(mf commons-logging-1.2.jar Implementation-Vendor-Id):commons-logging\",\"version\":\"$v\",[^}]*\"confidence\":\"low\"" &&
    ok "commons-logging $v named from Implementation-Vendor-Id and the file name" ||
    { not_ok "commons-logging $v named from Implementation-Vendor-Id and the file name"; echo "$out3" | grep -o '"name":"[^"]*logging[^}]*' | head -3 | sed 's/^/# /'; }
echo "$out" | grep -q '"name":"org.apache.logging.log4j:log4j-core"[^}]*"confidence"' &&
    not_ok "a jar with its pom.properties is not marked guessed" ||
    ok "a jar with its pom.properties is not marked guessed"
# A manifest whose last line has no newline: the entry is read into a
# buffer with no NUL after it, and the name must end where the file does.
# (Reading past it is what ASan caught in ui.sh, on a jar of Debian's
# bookworm; what lies after the entry is not fixed, so this case shows
# the value, not always the overread.)
mkdir -p "$T/edge/META-INF" "$T/edgel/opt"
printf 'Manifest-Version: 1.0\r\nBundle-Version: 4.2.0\r\nBundle-SymbolicName: org.example.demo' \
    > "$T/edge/META-INF/MANIFEST.MF"
(cd "$T/edge" && bsdtar --format zip -cf "$T/edgel/opt/demo-4.2.0.jar" META-INF)
mkimage "$T/img4" e "$T/edgel"
out4=$("$PORTCULLIS" scan -s "$S" -f json oci:"$T/img4":e 2>/dev/null | tr -d ' \n')
echo "$out4" | grep -q '"type":"maven","name":"org.example:demo","version":"4.2.0"' &&
    ok "a manifest ending without a newline: org.example:demo 4.2.0, nothing read past its end" ||
    { not_ok "a manifest ending without a newline: org.example:demo 4.2.0, nothing read past its end"; echo "$out4" | grep -o '"name":"[^"]*demo[^}]*' | head -3 | sed 's/^/# /'; }
