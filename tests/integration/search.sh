#!/bin/sh
# The search API against a registry with per-repository access (a token
# server grants alice team/* and bob other/* only), real Alpine images
# judged against Alpine's secdb (../shared/corpus), and an operator
# account (admin.htpasswd, bcrypt). Each caller finds exactly the images
# the registry lets it read: by advisory, by package with a version
# range in apk order, by repository glob and by verdict; an operator
# finds them all; a page at a time with a cursor that neither skips nor
# repeats. What a caller may not read changes nothing in its answer: a
# CVE found only in bob's repository gives alice the very bytes a CVE
# found nowhere gives.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3 htpasswd openssl
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
tap_plan 25

mkdir -p "$T/px-state"
"$PORTCULLIS" db import -s "$T/px-state" "$CORPUS/alpine/secdb" >/dev/null 2>"$T/import.log" ||
    bail "secdb import failed: $(tail -n 2 "$T/import.log")"
start_tokensrv pusher:pushpw alice:a1pw@team/ bob:b1pw@other/
REG_EXTRA=$(token_auth_yaml "$REALM")
start_registry reg
htpasswd -cbB "$T/admin.htpasswd" ops 'ops pass' 2>/dev/null || bail "htpasswd failed"
PX_STATE=$T/px-state start_proxy px "$REG_URL" "admin:
  htpasswd: $T/admin.htpasswd
policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

for v in 3.20.3 3.12.12 3.14.10; do
	mkimage_tgz "$T/img-$v" v1 "$CORPUS/alpine/alpine-minirootfs-$v-x86_64.tar.gz" diff
done
push() {
	$SK copy --dest-tls-verify=false --dest-creds pusher:pushpw "oci:$T/img-$1:v1" \
	    "docker://$P/$2:v1" >/dev/null 2>"$T/push.err" || bail "push $2: $(tail -n 1 "$T/push.err")"
	# The first look judges it (the decision builds the document).
	$SK inspect --tls-verify=false --creds pusher:pushpw "docker://$P/$2:v1" >/dev/null 2>&1
}
push 3.20.3 team/app
push 3.20.3 other/secret
push 3.12.12 team/zlib
push 3.14.10 other/clean

# q USER:PASS QUERY: the repositories found, sorted, space-separated.
q() {
	curl -s -u "$1" "http://$P/portcullis/v1/search?$2" > "$T/q.json"
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(r["repository"] for r in d["results"])))' "$T/q.json" 2>&1
}
expect_eq "alice finds CVE-2024-9143 in team/app only" "team/app" \
    "$(q alice:a1pw 'advisory=CVE-2024-9143')"
expect_eq "the result names the finding: libcrypto3 and libssl3, fixed in 3.3.2-r1" \
    "deny libcrypto3 3.3.2-r0 3.3.2-r1|libssl3 3.3.2-r0 3.3.2-r1" \
    "$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["verdict"], "|".join(" ".join((m["package"], m["version"], m["fixed"])) for m in sorted(r["matches"], key=lambda m: m["package"])))' "$T/q.json" 2>&1)"
expect_eq "bob finds it in other/secret only" "other/secret" "$(q bob:b1pw 'advisory=cve-2024-9143')"
expect_eq "the operator finds both" "other/secret team/app" "$(q 'ops:ops pass' 'advisory=CVE-2024-9143')"
expect_eq "a wrong operator password is a caller like any other (sees nothing of the registry's)" "" \
    "$(q 'ops:wrong' 'advisory=CVE-2024-9143')"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$P/portcullis/v1/search?advisory=CVE-2024-9143")
expect_eq "no credentials against a registry that wants them: 401" 401 "$code"
curl -s -u alice:a1pw "http://$P/portcullis/v1/search?advisory=CVE-2022-37434" > "$T/hidden.json"
curl -s -u bob:b1pw "http://$P/portcullis/v1/search?advisory=CVE-2022-37434" > "$T/bobzlib.json"
curl -s -u bob:b1pw "http://$P/portcullis/v1/search?advisory=CVE-1999-0001" > "$T/nothing.json"
grep -q '"results": \[\]' "$T/bobzlib.json" && cmp -s "$T/bobzlib.json" "$T/nothing.json" &&
    ok "bob: a CVE only in alice's team/zlib answers byte for byte as one found nowhere" ||
    { not_ok "bob: a CVE only in alice's team/zlib answers byte for byte as one found nowhere"; head -c 300 "$T/bobzlib.json" | sed 's/^/# /'; }
expect_eq "and alice finds it in team/zlib" "team/zlib" \
    "$(python3 -c 'import json,sys; print(" ".join(r["repository"] for r in json.load(open(sys.argv[1]))["results"]))' "$T/hidden.json")"

# Packages: by name, a version range in apk's order, a type.
expect_eq "package zlib: every image, for the operator" "other/clean other/secret team/app team/zlib" \
    "$(q 'ops:ops pass' 'package=zlib')"
expect_eq "package zlib =1.2.12-r0: 3.12.12 only" "team/zlib" \
    "$(q 'ops:ops pass' 'package=zlib&versions=%3D1.2.12-r0')"
expect_eq "package libcrypto3 < 3.3.2-r1 (apk order): the 3.20.3 images" "other/secret team/app" \
    "$(q 'ops:ops pass' 'package=libcrypto3&versions=%3C3.3.2-r1')"
expect_eq "package libcrypto3 < 3.3.2_rc1: none (3.3.2-r0 is after a _rc)" "" \
    "$(q 'ops:ops pass' 'package=libcrypto3&versions=%3C3.3.2_rc1')"
expect_eq "type deb: none in Alpine images" "" "$(q 'ops:ops pass' 'package=zlib&type=deb')"
expect_eq "alice: package zlib, her repositories only" "team/app team/zlib" "$(q alice:a1pw 'package=zlib')"

# Repositories and verdicts.
expect_eq "repository=team/* for the operator" "team/app team/zlib" "$(q 'ops:ops pass' 'repository=team/*')"
expect_eq "verdict=deny" "other/secret team/app team/zlib" "$(q 'ops:ops pass' 'verdict=deny')"
expect_eq "verdict=allow (3.14.10 has nothing open)" "other/clean" "$(q 'ops:ops pass' 'verdict=allow')"
expect_eq "bob: verdict=deny, his only" "other/secret" "$(q bob:b1pw 'verdict=deny')"

# Pages: limit=1 with the cursor, every image once.
cur=""; seen=""; n=0
while [ $n -lt 10 ]; do
	curl -s -u 'ops:ops pass' "http://$P/portcullis/v1/search?limit=1${cur:+&cursor=$cur}" > "$T/page.json"
	seen="$seen $(python3 -c 'import json,sys; print(" ".join(r["repository"] for r in json.load(open(sys.argv[1]))["results"]))' "$T/page.json")"
	cur=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"] or "")' "$T/page.json")
	n=$((n + 1))
	[ -n "$cur" ] || break
done
expect_eq "pages of one, following the cursor: each image once" "other/clean other/secret team/app team/zlib" \
    "$(echo $seen | tr ' ' '\n' | sort | paste -sd' ')"
expect_eq "... in $n requests (4 pages, the last one with no cursor)" 4 "$n"

# Bad queries: a clear 400, nothing else.
for bad in 'limit=0' 'color=red' 'advisory=X&package=Y' 'cursor=zz' 'verdict=maybe' \
    'repository=*a*a*a*a*a*a*a*a*a'; do
	printf '%s ' "$(curl -s -o /dev/null -w '%{http_code}' -u 'ops:ops pass' "http://$P/portcullis/v1/search?$bad")"
done > "$T/bad"
expect_eq "malformed queries (and a glob of 9 wildcards) get 400" "400 400 400 400 400 400 " "$(cat "$T/bad")"

# The operator's window survives a restart: its events are in the store.
events() {
	curl -s -u 'ops:ops pass' "http://127.0.0.1:$PX_PORT/portcullis/v1/events" | python3 -c 'import json,sys
e = json.load(sys.stdin)["events"]
print(len(e), *sorted({(x["kind"], x["repository"], x["reason"][:60]) for x in e}), sep="|")'
}
before=$(events)
case "$before" in [1-9]*"deny"*team/app*) ok "denials are listed before the restart";;
*) not_ok "denials are listed before the restart"; echo "# $before" | cut -c1-300;; esac
sleep 1.2	# written a second after the burst; stop_proxy writes the rest
stop_proxy px
PX_STATE=$T/px-state start_proxy px "$REG_URL" "admin:
  htpasswd: $T/admin.htpasswd
policy:
  severity: high"
expect_eq "after a restart, /portcullis/v1/events lists the same events" "$before" "$(events)"
stop_proxy px
