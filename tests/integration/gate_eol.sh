#!/bin/sh
# End of life from Debian's own data (distro-info-data and
# debian-security-support, as their packages install them): an image
# on Debian 11 is past its end (the LTS end in debian.csv is behind
# today); on Debian 12 (LTS until 2028) a package whose source is in
# security-support-ended.deb12 is past its support, and binutils has
# limited support. The document keeps the dates; the status
# annotations say it as of now; under the default `eol: warn` pulls
# pass, under `eol: block` they are refused naming the release or the
# package, and a clean Debian 12 image passes. Expectations are read
# from the same files here.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl awk
CSV=/usr/share/distro-info/debian.csv
ENDED=/usr/share/debian-security-support/security-support-ended.deb12
[ -f "$CSV" ] && [ -f "$ENDED" ] || skip_all "distro-info-data or debian-security-support not installed"
tap_plan 11

today=$(date -u +%F)
eol11=$(awk -F, '$1 == "11" { print ($7 != "" ? $7 : $6) }' "$CSV")
[ -n "$eol11" ] && [ "$eol11" \< "$today" ] || skip_all "Debian 11 is not past its end here ($eol11)"
# The first plain source name (no pattern) whose support ended by today.
set -- $(awk -v t="$today" '!/^#/ && NF >= 3 && $1 ~ /^[a-z0-9.+-]+$/ && $3 <= t { print $1, $3; exit }' "$ENDED") x x
SRC=$1; SRCDATE=$2
[ "$SRC" != x ] || skip_all "no ended package in $ENDED"

deb() { # deb DIR VERSION_ID [SOURCE]: a Debian root: binutils, zlib1g (and SOURCE-bin)
	mkdir -p "$1/etc" "$1/var/lib/dpkg"
	printf 'ID=debian\nVERSION_ID="%s"\n' "$2" > "$1/etc/os-release"
	printf 'Package: binutils\nStatus: install ok installed\nVersion: 2.35.2-2\nArchitecture: amd64\n\nPackage: zlib1g\nSource: zlib\nStatus: install ok installed\nVersion: 1:1.2.11.dfsg-2\nArchitecture: amd64\n\n' \
	    > "$1/var/lib/dpkg/status"
	[ -z "${3:-}" ] || printf 'Package: %s-bin\nSource: %s\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n' \
	    "$3" "$3" >> "$1/var/lib/dpkg/status"
}
deb "$T/old" 11
deb "$T/new" 12 "$SRC"
deb "$T/clean" 12
for i in old new clean; do mkimage "$T/img-$i" v1 "$T/$i"; done

start_registry reg
start_proxy px "$REG_URL" "policy:
  repositories:
    - match: \"strict/*\"
      eol: block"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'
for r in warn strict; do
	for i in old new clean; do
		skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img-$i:v1" \
		    "docker://$P/$r/$i:v1" >/dev/null 2>&1 || bail "push $r/$i"
	done
done

st=$(curl -sf "http://$P/portcullis/v1/status/warn/old/v1" | tr -d ' \n')
echo "$st" | grep -q "\"dev.portcullis.os.end-of-life\":\"$eol11\"" &&
    echo "$st" | grep -q '"dev.portcullis.os.past-end-of-life":"true"' &&
    ok "Debian 11: its end of life ($eol11, from debian.csv) is past, the annotations say" ||
    { not_ok "Debian 11: its end of life ($eol11, from debian.csv) is past, the annotations say"; echo "# $st" | cut -c1-300; }
st=$(curl -sf "http://$P/portcullis/v1/status/warn/new/v1" | tr -d ' \n')
echo "$st" | grep -q '"dev.portcullis.os.past-end-of-life":"false"' &&
    ok "Debian 12 is within its support" || not_ok "Debian 12 is within its support"
echo "$st" | grep -q '"dev.portcullis.packages.support-ended":"1"' &&
    ok "one package past its security support ($SRC, since $SRCDATE)" ||
    not_ok "one package past its security support ($SRC, since $SRCDATE)"
echo "$st" | grep -q "\"name\":\"$SRC-bin\",\"source\":\"$SRC\",\"support\":\"ended\",\"date\":\"$SRCDATE\"" &&
    ok "the report names the binary, its source and the date" ||
    { not_ok "the report names the binary, its source and the date"; echo "$st" | grep -o '"lifecycle":.*' | cut -c1-300 | sed 's/^/# /'; }
echo "$st" | grep -q '"name":"binutils","source":"binutils","support":"limited"' &&
    ok "binutils: limited support, from security-support-limited" ||
    not_ok "binutils: limited support, from security-support-limited"
expect_eq "zlib is not listed" "" "$(echo "$st" | grep -o '"name":"zlib1g","source":"zlib","support"')"
expect_eq "eol: warn (the default) lets both by" "200 200" \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/warn/old/manifests/v1") $(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/warn/new/manifests/v1")"
r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/strict/old/manifests/v1")
case "$r" in *"end of life: Debian 11 (bullseye) since $eol11"*' 403')
	ok "eol: block refuses Debian 11, naming the release and the date";;
*) not_ok "eol: block refuses Debian 11, naming the release and the date"; echo "# $r" | cut -c1-300;; esac
r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/strict/new/manifests/v1")
case "$r" in *"security support ended for $SRC (since $SRCDATE)"*' 403')
	ok "and the Debian 12 image, naming the package past its support";;
*) not_ok "and the Debian 12 image, naming the package past its support"; echo "# $r" | cut -c1-300;; esac
expect_eq "a clean Debian 12 image is pulled under eol: block" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/strict/clean/manifests/v1")"
stop_proxy px
