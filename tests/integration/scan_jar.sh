#!/bin/sh
# Java archives: Debian's real log4j 2 jars (liblog4j2-java, fetched with
# apt-get download and cached) as a layer. Maven coordinates must match
# the jars' own pom.properties as bsdtar lists them, a jar nested in a
# fat jar must be found, and the real Log4Shell record must not match
# Debian's fixed 2.19.0.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need apt-get dpkg-deb bsdtar
tap_plan 4

CACHE=${PORTCULLIS_TEST_CACHE:-/var/cache/portcullis-tests}
mkdir -p "$CACHE" 2>/dev/null || true
[ -w "$CACHE" ] || CACHE=$T
deb=$(ls "$CACHE"/liblog4j2-java_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
	(cd "$CACHE" && apt-get download liblog4j2-java >/dev/null 2>&1) ||
	    skip_all "apt-get download liblog4j2-java failed"
	deb=$(ls "$CACHE"/liblog4j2-java_*.deb | head -n 1)
fi
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
