#!/bin/sh
# The gate fails closed on content it did not read whole. Each image
# below hides a token or a package database where a scanner could stop
# looking: past a scan limit (a gzip bomb, too many entries, a package
# database too large), in an archive the proxy must decompress (xz,
# bzip2), behind corrupt or truncated compression, inside a compressed
# file or an archive in the layer, after a NUL byte, after 5 MiB of a
# file, in jars nested too deep, behind a hard link. Every one is pushed
# with real skopeo through the proxy and refused at pull with a reason
# naming the cause; an override with incomplete_scan: allow lets one
# through knowingly; the registry keeps every byte; the proxy stays up.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3
JAR=$top_srcdir/../shared/corpus/artifacts/guava-31.1-jre.jar
[ -f "$JAR" ] || skip_all "../shared/corpus/artifacts/guava-31.1-jre.jar not found"
tap_plan 28

odd() { # odd NAME KIND [ARG]: $T/NAME, an image of one odd layer
	python3 "$top_srcdir/tests/lib/oddlayer.py" "$2" "$T/$1.blob" ${3:-} ||
	    bail "oddlayer $2"
	sha256sum "$T/$1.blob" | cut -d' ' -f1 > "$T/$1.sha"
	MKIMAGE_CONFIG='"User":"app"' mkimage_blobs "$T/$1" v1 "$T/$1.blob"
}
odd bomb bomb 80
odd entries entries 1100
odd bigdb bigdb 5
odd xz xz
odd bzip2 bzip2
odd corrupt corrupt
odd truncated truncated
odd nested nested
odd gzfile gzfile
odd nul nul
odd late late 5
odd jar3 jar "$JAR:3"
odd jar6 jar "$JAR:6"
odd hardlink hardlink
odd symlink symlink
odd symlinkout symlink-out
odd clean clean

start_registry reg
# Limits small enough that a test reaches them in a second.
start_proxy px "$REG_URL" "scanner:
  max_uncompressed: 64M
  max_entries: 1000
  max_db_file: 4M
policy:
  repositories:
    - match: \"lenient/*\"
      incomplete_scan: allow
      secrets: false"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

push() { $SK copy --dest-tls-verify=false "oci:$T/$1:v1" "docker://$P/$2:v1" >"$T/push-$1.out" 2>&1; }
# refused NAME REPO PATTERN WHAT: the pull of REPO is refused, the
# message names PATTERN.
refused() {
	if $SK copy --src-tls-verify=false "docker://$P/$2:v1" "oci:$T/pulled-$1:v1" >"$T/pull-$1.out" 2>&1; then
		not_ok "$4: the pull was let through"
	elif grep -q "$3" "$T/pull-$1.out"; then
		ok "$4"
	else
		not_ok "$4"
		tail -n 2 "$T/pull-$1.out" | sed 's/^/# /'
	fi
}

for n in bomb entries bigdb xz bzip2 corrupt truncated nested gzfile nul late jar3 jar6 hardlink symlink symlinkout clean; do
	push "$n" "odd/$n" || { cat "$T/push-$n.out" >&2; bail "push of $n failed"; }
done
push bomb lenient/bomb || bail "push of lenient/bomb failed"
# Every layer and config recorded: 18 pushes of one layer and a config,
# but one layer (bomb) twice.
n=$(wait_metric "$P" portcullis_layers_scanned_total 34)
[ "${n:-0}" -ge 34 ] && ok "every pushed layer was recorded, odd or not ($n)" ||
    not_ok "every pushed layer was recorded, odd or not (${n:-0})"

refused bomb odd/bomb 'unscanned content in layer 1 sha256:.*max-uncompressed at zeros.bin' \
    "a gzip bomb past scanner.max_uncompressed is refused as unscanned content"
refused entries odd/entries 'unscanned content.*max-entries' \
    "a layer of more entries than scanner.max_entries is refused as unscanned content"
refused bigdb odd/bigdb 'unscanned content.*max-db-file at var/lib/dpkg/status' \
    "a package database past scanner.max_db_file is refused as unscanned content"
refused xz odd/xz 'github-token in root/.env' \
    "an xz-compressed layer is read: its token refuses it"
refused bzip2 odd/bzip2 'github-token in root/.env' \
    "a bzip2-compressed layer is read: its token refuses it"
refused corrupt odd/corrupt 'unscanned content in layer 1.*corrupt' \
    "a layer of corrupt gzip is refused as unscanned content"
refused truncated odd/truncated 'unscanned content in layer 1.*corrupt' \
    "a layer of truncated gzip is refused as unscanned content"
refused nested odd/nested 'github-token in backup/app.tar.gz!etc/app.env' \
    "a token inside a .tar.gz inside the layer refuses it"
refused gzfile odd/gzfile 'github-token in var/log/app.log.gz!data' \
    "a token inside a gzip'd file refuses it"
refused nul odd/nul 'github-token in opt/app/data.bin' \
    "a token after a NUL byte (a binary file) refuses it"
refused late odd/late 'github-token in srv/big.txt' \
    "a token after 5 MiB of a file refuses it"
refused jar6 odd/jar6 'unscanned content.*max-depth' \
    "jars nested six deep are refused as unscanned content"
# Package databases behind links inside the layer: a second pass over
# the blob reads each link's target as the database.
for n in hardlink symlink; do
	st=$(curl -sf "http://$P/portcullis/v1/status/odd/$n/v1" | tr -d ' \n')
	case "$st" in *'"dev.portcullis.unscanned-content":"0"'*'"name":"nginx","version":"1.2.1-2.2+wheezy2"'*'"path":"var/lib/dpkg/status"'*)
		ok "a dpkg database reached through a $n is read through it (nginx listed, nothing unscanned)";;
	*) not_ok "a dpkg database reached through a $n is read through it (nginx listed, nothing unscanned)"; echo "# $st" | cut -c1-400;; esac
done
refused symlinkout odd/symlinkout 'unscanned content.*linked-package-db at var/lib/dpkg/status' \
    "a package database linked to a file the layer does not have is refused as unscanned content"
grep -q 'has package databases behind links; reading it again' "$T/px.log" &&
    ok "the log says the layer was read again for the links" ||
    not_ok "the log says the layer was read again for the links"

# Three jars deep is within reach: the package inside is listed.
st=$(curl -sf "http://$P/portcullis/v1/status/odd/jar3/v1" | tr -d ' \n')
case "$st" in *'"name":"com.google.guava:guava","version":"31.1-jre"'*)
	ok "the Maven package of a jar three jars deep is cataloged";;
*) not_ok "the Maven package of a jar three jars deep is cataloged"; echo "# $st" | cut -c1-300;; esac
check "a clean image still pulls" \
    $SK copy --src-tls-verify=false "docker://$P/odd/clean:v1" "oci:$T/pulled-clean:v1"
check "incomplete_scan: allow lets the bomb through where the operator says so" \
    $SK copy --src-tls-verify=false "docker://$P/lenient/bomb:v1" "oci:$T/pulled-lenient:v1"
st=$(curl -sf "http://$P/portcullis/v1/status/odd/bomb/v1" | tr -d ' \n')
case "$st" in *'"dev.portcullis.unscanned-content":"1"'*'"dev.portcullis.policy.result":"deny"'*)
	ok "the status annotations count the unscanned content";;
*) not_ok "the status annotations count the unscanned content"; echo "# $st" | cut -c1-300;; esac
grep -q '"decision":"deny","reason":"[^"]*unscanned content' "$T/px-access.log" &&
    ok "the access log records the refusal and its reason" ||
    not_ok "the access log records the refusal and its reason"

# The registry was told nothing and lost nothing: every blob is there,
# byte for byte, and every tag.
lost=0
for n in bomb entries bigdb xz bzip2 corrupt truncated nested gzfile nul late jar3 jar6 hardlink; do
	h=$(cat "$T/$n.sha")
	got=$(curl -sf "$REG_URL/v2/odd/$n/blobs/sha256:$h" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$h" ] || lost=$((lost + 1))
done
expect_eq "the registry holds every odd layer byte for byte" 0 "$lost"
tags=$(curl -sf "$REG_URL/v2/odd/corrupt/tags/list" | tr -d ' ')
expect_eq "and the tag" '{"name":"odd/corrupt","tags":["v1"]}' "$tags"
proxy_alive && ok "the proxy is up after all of it" || not_ok "the proxy is up after all of it"
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$PX_PID/status")
[ "${rss:-999999}" -lt 262144 ] && ok "its peak RSS stayed bounded (${rss} kB)" ||
    not_ok "its peak RSS stayed bounded (${rss:-?} kB)"
denied=$(curl -sf "http://$P/metrics" | sed -n 's/^portcullis_gate_decisions_total{decision="deny"} //p')
[ "${denied:-0}" -ge 13 ] && ok "every refusal counted ($denied)" || not_ok "every refusal counted (${denied:-0})"
stop_proxy px
