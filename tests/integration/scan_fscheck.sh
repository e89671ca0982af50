#!/bin/sh
# The layer's own files: an image with a setuid helper, a world-writable
# file and directory, an account with a real SHA-512 password hash
# (openssl passwd -6) and apt's and pip's caches left behind gives
# exactly those findings, each at its path; the same image cleaned
# gives none of them (a sticky /tmp, the base system's setuid passwd and
# a locked /etc/shadow are no finding). The hash blocks by default (it
# is a credential); the others only when policy.misconfig names them.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need openssl python3 docker-registry skopeo curl
tap_plan 15

deb=$(ls /var/cache/apt/archives/*.deb /var/cache/portcullis-tests/*.deb 2>/dev/null | head -n 1)
for side in bad good; do
	r=$T/$side
	mkdir -p "$r/usr/bin" "$r/usr/local/bin" "$r/srv" "$r/tmp" "$r/etc" \
	    "$r/var/cache/apt/archives/partial"
	cp /bin/true "$r/usr/bin/passwd" && chmod 4755 "$r/usr/bin/passwd"
	chmod 1777 "$r/tmp"
	: > "$r/var/cache/apt/archives/lock"
	if [ "$side" = bad ]; then
		cp /bin/true "$r/usr/local/bin/helper" && chmod 4755 "$r/usr/local/bin/helper"
		mkdir -p "$r/srv/shared" && chmod 777 "$r/srv/shared"
		echo data > "$r/srv/data.txt" && chmod 666 "$r/srv/data.txt"
		hash=$(openssl passwd -6 -salt portcullis s3cret)
		printf 'root:*:20000:0:99999:7:::\napp:%s:20000:0:99999:7:::\n' "$hash" > "$r/etc/shadow"
		if [ -n "$deb" ]; then cp "$deb" "$r/var/cache/apt/archives/"; else
			head -c 4096 /dev/urandom > "$r/var/cache/apt/archives/x.deb"; fi
		mkdir -p "$r/root/.cache/pip/http/a"
		head -c 2048 /dev/urandom > "$r/root/.cache/pip/http/a/b"
	else
		printf 'root:*:20000:0:99999:7:::\napp:!:20000:0:99999:7:::\n' > "$r/etc/shadow"
	fi
	chmod 640 "$r/etc/shadow"
	MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-$side" v1 "$r"
	"$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/img-$side:v1" > "$T/$side.json" 2>/dev/null
	# every layer-check finding as "rule path"
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ids = {"setuid-file", "world-writable", "package-cache", "shadow-password-hash"}
for f in d["misconfigurations"] + d["secrets"]:
    if f["rule"] in ids:
        print(f["rule"], f["path"])' "$T/$side.json" | sort > "$T/$side.found"
done

expect_eq "the planted image: each problem at its path" \
"package-cache root/.cache/pip/
package-cache var/cache/apt/archives/
setuid-file usr/local/bin/helper
shadow-password-hash etc/shadow
world-writable srv/data.txt
world-writable srv/shared" "$(cat "$T/bad.found")"
expect_eq "the cleaned image: none" "" "$(cat "$T/good.found")"
# A later layer deleting three of those files (whiteouts): a deleted
# file's mode goes with it; the password hash, content still in the
# lower layer's blob for anyone who pulls it, stays, as do the caches'
# bytes.
mkdir -p "$T/wh/usr/local/bin" "$T/wh/srv" "$T/wh/etc"
: > "$T/wh/usr/local/bin/.wh.helper"
: > "$T/wh/srv/.wh.data.txt"
: > "$T/wh/etc/.wh.shadow"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-wh" v1 "$T/bad" "$T/wh"
"$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/img-wh:v1" 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
ids = {"setuid-file", "world-writable", "package-cache", "shadow-password-hash"}
for f in d["misconfigurations"] + d["secrets"]:
    if f["rule"] in ids:
        print(f["rule"], f["path"])' | sort > "$T/wh.found"
expect_eq "files deleted by a later layer: no mode findings for them; the hash and caches stay" \
"package-cache root/.cache/pip/
package-cache var/cache/apt/archives/
shadow-password-hash etc/shadow
world-writable srv/shared" "$(cat "$T/wh.found")"
# A later layer putting its own files there (a hardening step's chmod
# copies them up): the helper no longer setuid, the directory no longer
# world-writable. Their findings go; data.txt, untouched, stays. A
# hardening layer too large to keep its paths (LAYER_PATHS_MAX) is not
# known to replace anything: the helper stays reported.
mkdir -p "$T/ch/usr/local/bin" "$T/ch/srv/shared"
cp /bin/true "$T/ch/usr/local/bin/helper" && chmod 755 "$T/ch/usr/local/bin/helper"
chmod 755 "$T/ch/srv/shared"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-ch" v1 "$T/bad" "$T/ch"
cp -a "$T/ch" "$T/chbig" && mkdir -p "$T/chbig/opt/many"
i=0; while [ $i -lt 1100 ]; do : > "$T/chbig/opt/many/f$i"; i=$((i + 1)); done
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-chbig" v1 "$T/bad" "$T/chbig"
modes() { "$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/$1:v1" 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted(f["rule"] + ":" + f["path"] for f in d["misconfigurations"] if f["rule"] in ("setuid-file", "world-writable"))))'; }
expect_eq "files a later layer replaces (chmod'ed): their mode findings go, data.txt's stays" \
    "world-writable:srv/data.txt" "$(modes img-ch)"
expect_eq "the same from a layer of 1100 files: not known, all stay" \
    "setuid-file:usr/local/bin/helper world-writable:srv/data.txt world-writable:srv/shared" "$(modes img-chbig)"
tr -d ' \n' < "$T/bad.json" | grep -q '"rule":"shadow-password-hash","path":"etc/shadow","line":2,"detail":"1accountwithapasswordhash(app)' &&
    ! grep -q 'portcullis\$' "$T/bad.json" &&
    ok "the hash is named by its account and line, never copied" ||
    { not_ok "the hash is named by its account and line, never copied"; grep -o '"shadow[^}]*' "$T/bad.json" | sed 's/^/# /'; }

# An image labelled distroless that installs a shell and apt anyway.
mkdir -p "$T/dl/var/lib/dpkg"
printf 'Package: dash\nStatus: install ok installed\nVersion: 0.5.12-2\nArchitecture: amd64\n\nPackage: apt\nStatus: install ok installed\nVersion: 2.6.1\nArchitecture: amd64\n\nPackage: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\nArchitecture: all\n' \
    > "$T/dl/var/lib/dpkg/status"
MKIMAGE_CONFIG='"User":"app","Labels":{"org.opencontainers.image.base.name":"gcr.io/distroless/base-debian12"}' \
    mkimage "$T/img-dl" v1 "$T/dl"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-nodl" v1 "$T/dl"
dl() { "$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/$1:v1" 2>/dev/null | python3 -c 'import json, sys
print(" ".join(f["detail"] for f in json.load(sys.stdin)["misconfigurations"] if f["rule"] == "distroless-shell"))'; }
expect_eq "distroless by label, with dash and apt: distroless-shell naming them; unlabelled: none" \
    "labelled distroless, yet it installs dash, apt: a shell or package manager is what an intruder needs|" \
    "$(dl img-dl)|$(dl img-nodl)"

# Packages only (-I, to set against tools that only list packages):
# none of the layer checks run, and the report says so; such a result
# is never recorded as a scan.
"$PORTCULLIS" scan -I -s "$T/none" -f json "oci:$T/img-bad:v1" 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d.get("scope"), len(d["secrets"]), len([f for f in d["misconfigurations"] if f["rule"] in ("setuid-file", "world-writable", "package-cache")]))' > "$T/inv.out"
expect_eq "scan -I: no secret search, no file checks, and the report says so" \
    "packages only: no secret search, no file checks 0 0" "$(cat "$T/inv.out")"
"$PORTCULLIS" scan -I -w -s "$T/none" "oci:$T/img-bad:v1" >/dev/null 2>&1
expect_eq "scan -I -w is refused (exit 2): a packages-only result never stands for a scan" 2 $?
# The hash is a secret; setuid-file blocks when the policy names it.
"$PORTCULLIS" scan -s "$T/none" -x "oci:$T/img-bad:v1" >/dev/null 2>&1
expect_eq "scan -x fails on the hash, a secret (exit 1)" 1 $?
"$PORTCULLIS" scan -s "$T/none" -x "oci:$T/img-good:v1" >/dev/null 2>&1
expect_eq "and passes the cleaned image (exit 0)" 0 $?
start_registry reg
start_proxy px "$REG_URL" "policy:
  secrets: false
  misconfig: [setuid-file]"
P="127.0.0.1:$PX_PORT"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img-bad:v1" "docker://$P/team/fs:v1" \
    >"$T/push.log" 2>&1 || { sed 's/^/# /' "$T/push.log"; bail "push"; }
wait_metric "$P" portcullis_layers_scanned_total 2 >/dev/null
body=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$P/v2/team/fs/manifests/v1")
case "$body" in *DENIED*setuid-file*usr/local/bin/helper*) ok "misconfig: [setuid-file] refuses the pull, naming the file";;
*) not_ok "misconfig: [setuid-file] refuses the pull, naming the file"; echo "# $body" | cut -c1-300;; esac
# The same layer with the helper deleted above it: nothing to refuse.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img-wh:v1" "docker://$P/team/wh:v1" \
    >"$T/push.log" 2>&1 || { sed 's/^/# /' "$T/push.log"; bail "push"; }
expect_eq "the helper deleted by a later layer: that image pulls" 200 \
    "$(curl -s -o "$T/wh.body" -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/wh/manifests/v1")"
# And through the store: the hardened image's layer results, recorded
# and read back, still say the helper was replaced.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img-ch:v1" "docker://$P/team/ch:v1" \
    >"$T/push.log" 2>&1 || { sed 's/^/# /' "$T/push.log"; bail "push"; }
expect_eq "the helper replaced by a later layer: that image pulls" 200 \
    "$(curl -s -o "$T/ch.body" -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P/v2/team/ch/manifests/v1")"
stop_proxy px
