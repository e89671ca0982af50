#!/bin/sh
# portcullis scan on images built from real content: this machine's own
# dpkg database and os-release (a real Debian 12 system), a real npm
# package fetched with npm, a real RSA private key made by openssl, and
# AWS's documented example access key id. Covers gzip and zstd layers,
# whiteouts, OCI layout / oci-archive / docker-archive inputs, config
# misconfigurations, exit codes, and broken layers.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need tar gzip zstd openssl
[ -f /var/lib/dpkg/status ] && [ -f /etc/os-release ] || skip_all "not a dpkg system"
command -v npm >/dev/null 2>&1 || skip_all "npm not installed"
tap_plan 28

S="$T/state"
"$PORTCULLIS" db import -s "$S" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 ||
    bail "db import failed"
scan() { "$PORTCULLIS" scan -s "$S" "$@" 2>>"$T/scan.log"; }
jq_count() { grep -o "$1" | wc -l; }

mkdir -p "$T/os/var/lib/dpkg" "$T/os/etc" "$T/app/app" "$T/del/app/node_modules"
cp /var/lib/dpkg/status "$T/os/var/lib/dpkg/status"
cp /etc/os-release "$T/os/etc/os-release"
npm_module "$T/app/app" lodash 4.17.20
openssl genrsa -out "$T/app/app/deploy.key" 2048 >/dev/null 2>&1
# A key id in AWS's shape (line 3), and AWS's documented example (line 5).
kid=AKIA$(head -c 64 /dev/urandom | tr -dc 'A-Z2-7' | head -c 16)
[ ${#kid} = 20 ] || kid=AKIAZ7QXKJ3L2M4N5P6Q
printf '[default]\n# a deploy key\naws_access_key_id = %s\n# the example from AWS documentation\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n' \
    "$kid" > "$T/app/app/credentials"
touch "$T/del/app/node_modules/.wh.lodash"

MKIMAGE_CONFIG='"User":"","Env":["PATH=/usr/bin","DB_PASSWORD=hunter2"]' \
    mkimage "$T/img" v1 "$T/os" "$T/app"
IMG_DIGEST=$MKIMAGE_DIGEST
MKIMAGE_CONFIG='"User":"1000"' mkimage "$T/img2" v2 "$T/os" "$T/app" "$T/del"

npkgs=$(dpkg-query -W -f='${db:Status-Abbrev}\n' | grep -c '^ii')
out=$(scan -f json oci:"$T/img":v1)
expect_eq "every installed dpkg package of this machine is listed" "$npkgs" \
    "$(echo "$out" | jq_count '"type": "deb"')"
echo "$out" | grep -q '"id": "debian"' && echo "$out" | grep -q '"version_id": "12"' &&
    ok "os-release read: Debian 12" || not_ok "os-release read: Debian 12"
libssl=$(dpkg-query -W -f='${Version}' libssl3 2>/dev/null)
echo "$out" | tr -d ' \n' | grep -q "\"type\":\"deb\",\"name\":\"libssl3\",\"version\":\"$libssl\",\"source\":\"openssl\"" &&
    ok "libssl3 mapped to its source package openssl" ||
    not_ok "libssl3 mapped to its source package openssl"
echo "$out" | tr -d ' \n' | grep -q '"type":"npm","name":"lodash","version":"4.17.20"' &&
    ok "npm package from node_modules found" || not_ok "npm package from node_modules found"
echo "$out" | tr -d ' \n' | grep -q '"id":"GHSA-35jh-r3h4-6jhm","aliases":"CVE-2021-23337","severity":"HIGH"' &&
    ok "lodash 4.17.20 matched to GHSA-35jh-r3h4-6jhm (HIGH)" ||
    { not_ok "lodash 4.17.20 matched to GHSA-35jh-r3h4-6jhm (HIGH)"; }
echo "$out" | tr -d ' \n' | grep -q '"rule":"private-key","path":"app/deploy.key","line":1' &&
    ok "private key found with path and line" || not_ok "private key found with path and line"
echo "$out" | tr -d ' \n' | grep -q '"rule":"aws-access-key-id","path":"app/credentials","line":3' &&
    ok "AWS key id found on line 3" || not_ok "AWS key id found on line 3"
echo "$out" | grep -q 'AKIAIOSFODNN7EXAMPLE' && not_ok "secret values never printed" ||
    ok "secret values never printed"
echo "$out" | grep -q 'BEGIN RSA PRIVATE KEY-----\|BEGIN PRIVATE KEY-----' && ! echo "$out" | grep -q 'MII' &&
    ok "private key reported by its header only" || not_ok "private key reported by its header only"
echo "$out" | grep -q '"rule": "root-user"' && ok "root user flagged" || not_ok "root user flagged"
echo "$out" | grep -q 'DB_PASSWORD carries a value' && ! echo "$out" | grep -q hunter2 &&
    ok "secret in ENV flagged, value redacted" || not_ok "secret in ENV flagged, value redacted"

out2=$(scan -f json oci:"$T/img2":v2)
expect_eq "a whiteout in a later layer removes the npm package" 0 \
    "$(echo "$out2" | jq_count '"type": "npm"')"
expect_eq "with it the lodash advisory" 0 "$(echo "$out2" | jq_count GHSA-35jh)"
echo "$out2" | grep -q '"rule": "root-user"' && not_ok "User 1000 is not root" || ok "User 1000 is not root"

echo "$out" | tr -d ' \n' | grep -q '"notes":\[{"kind":"note","rule":"aws-access-key-id","path":"app/credentials","line":5' &&
    ok "AWS's documented example key is a note, not a secret" ||
    not_ok "AWS's documented example key is a note, not a secret"
# Packages that make an image easier to get into: sudo, an SSH server.
mkdir -p "$T/ssh/var/lib/dpkg"
printf 'Package: sudo\nStatus: install ok installed\nVersion: 1.9.13p3-1+deb12u1\nArchitecture: amd64\n\nPackage: openssh-server\nSource: openssh\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u3\nArchitecture: amd64\n\n' \
    > "$T/ssh/var/lib/dpkg/status"
mkimage "$T/img-ssh" v1 "$T/ssh"
r=$(scan -f json oci:"$T/img-ssh":v1 | tr -d ' \n')
case "$r" in *'"rule":"sudo-installed","path":"var/lib/dpkg/status"'*'"rule":"ssh-server-installed","path":"var/lib/dpkg/status"'*)
	ok "sudo and an SSH server installed are misconfigurations";;
*) not_ok "sudo and an SSH server installed are misconfigurations"; echo "$r" | grep -o '"misconfigurations":\[[^]]*\]' | cut -c1-300 | sed 's/^/# /';; esac
sarif=$(scan -f sarif oci:"$T/img":v1 | tr -d ' \n')
echo "$sarif" | grep -q '"version":"2.1.0"' &&
    echo "$sarif" | grep -q '"ruleId":"GHSA-35jh-r3h4-6jhm","level":"error"' &&
    echo "$sarif" | grep -q '"uri":"app/node_modules/lodash/package.json"' &&
    echo "$sarif" | grep -q '"uri":"app/credentials"},"region":{"startLine":3}' &&
    ok "SARIF 2.1.0: the advisory and the secret with locations" ||
    { not_ok "SARIF 2.1.0: the advisory and the secret with locations"; echo "$sarif" | head -c 600 | sed 's/^/# /'; }
# Every rule a result names is described: title, remedy, severity.
scan -f sarif oci:"$T/img":v1 | python3 -c 'import json, sys
run = json.load(sys.stdin)["runs"][0]
rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
used = {r["ruleId"] for r in run["results"]}
bad = [u for u in used if u not in rules or "security-severity" not in rules[u].get("properties", {})]
k = rules.get("aws-access-key-id") or rules.get("private-key") or {}
sys.exit(1 if bad or not k.get("help", {}).get("text") or not k.get("name") else 0)' &&
    ok "SARIF: each result's rule has metadata (a secret rule: name, help, security-severity)" ||
    not_ok "SARIF: each result's rule has metadata"
cdx=$(scan -f cyclonedx oci:"$T/img":v1 | tr -d ' \n')
echo "$cdx" | grep -q '"bomFormat":"CycloneDX","specVersion":"1.5"' &&
    echo "$cdx" | grep -q '"purl":"pkg:npm/lodash@4.17.20"' &&
    echo "$cdx" | grep -q '"purl":"pkg:deb/debian/libssl3@[^"]*?distro=debian-12"' &&
    echo "$cdx" | grep -q '"affects":\[{"ref":"pkg:npm/lodash@4.17.20"}\]' &&
    ok "CycloneDX 1.5: components with purls, the vulnerability linked to lodash" ||
    { not_ok "CycloneDX 1.5: components with purls, the vulnerability linked to lodash"; }

scan -F high oci:"$T/img":v1 >/dev/null; expect_eq "-F high fails on the HIGH finding" 1 $?
scan -F critical oci:"$T/img":v1 >/dev/null; expect_eq "-F critical passes" 0 $?
scan -F critical -x oci:"$T/img":v1 >/dev/null; expect_eq "-x fails on secrets" 1 $?

# zstd layers (application/vnd.oci.image.layer.v1.tar+zstd).
mkdir -p "$T/zimg/blobs/sha256"
tar -C "$T/app" -cf - . | zstd -q -c > "$T/z.tar.zst"
zh=$(sha256sum "$T/z.tar.zst" | cut -d' ' -f1)
cp "$T/z.tar.zst" "$T/zimg/blobs/sha256/$zh"
zs=$(stat -c %s "$T/z.tar.zst")
printf '{"imageLayoutVersion":"1.0.0"}' > "$T/zimg/oci-layout"
mkimage_finish "$T/zimg" z "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"sha256:$zh\",\"size\":$zs}" '"sha256:0"' '"User":"app"'
expect_eq "zstd layer scanned" 1 "$(scan -f json oci:"$T/zimg":z | jq_count GHSA-35jh)"

# The same image as an oci-archive and as docker save output.
tar -C "$T/img" -cf "$T/img.tar" .
expect_eq "oci-archive input" 1 "$(scan -f json oci-archive:"$T/img.tar":v1 | jq_count GHSA-35jh)"
mkdir -p "$T/dock"
cfgd=$(sed 's/.*"config":{[^}]*"digest":"sha256:\([0-9a-f]*\)".*/\1/' "$T/img/blobs/sha256/${IMG_DIGEST#sha256:}")
cp "$T/img/blobs/sha256/$cfgd" "$T/dock/$cfgd.json"
lays=""
for l in $(grep -o '"layers":\[.*\]' "$T/img/blobs/sha256/${IMG_DIGEST#sha256:}" | grep -o 'sha256:[0-9a-f]*'); do
	h=${l#sha256:}
	mkdir -p "$T/dock/$h"
	gzip -dc "$T/img/blobs/sha256/$h" > "$T/dock/$h/layer.tar"
	lays="$lays${lays:+,}\"$h/layer.tar\""
done
printf '[{"Config":"%s.json","RepoTags":["test:v1"],"Layers":[%s]}]' "$cfgd" "$lays" > "$T/dock/manifest.json"
tar -C "$T/dock" -cf "$T/dock.tar" .
expect_eq "docker-archive input (uncompressed layers)" 1 \
    "$(scan -f json docker-archive:"$T/dock.tar" | jq_count GHSA-35jh)"

# Broken inputs: a clear error, exit 2, no crash.
cp -r "$T/img" "$T/bad"
big=$(ls -S "$T/bad/blobs/sha256" | head -n 1)
head -c 300000 "$T/img/blobs/sha256/$big" > "$T/bad/blobs/sha256/$big"
scan oci:"$T/bad":v1 >/dev/null; rc=$?
expect_eq "truncated layer: exit 2" 2 "$rc"
tail -n 3 "$T/scan.log" | grep -qi 'truncated\|damaged\|corrupt\|premature\|unexpected' &&
    ok "truncated layer: the error says so" || { not_ok "truncated layer: the error says so"; tail -n 3 "$T/scan.log" | sed 's/^/# /'; }
cp "$T/img/blobs/sha256/$big" "$T/bad/blobs/sha256/$big"
printf 'x' >> "$T/bad/blobs/sha256/$big"
scan oci:"$T/bad":v1 >/dev/null; rc=$?
grep -q 'manifest says' "$T/scan.log" && [ $rc = 2 ] && ok "layer not matching its digest refused" ||
    not_ok "layer not matching its digest refused (exit $rc)"
