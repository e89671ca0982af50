#!/bin/sh
# npm lockfiles written by the real npm (lockfileVersion 3 and 1) for an
# application depending on express and lodash 4.17.20, with a dev
# dependency: every package npm ci would install is listed, the dev one
# is not, and lodash matches the real GHSA-35jh-r3h4-6jhm.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need tar gzip python3
command -v npm >/dev/null 2>&1 || skip_all "npm not installed"
tap_plan 10

S="$T/state"
"$PORTCULLIS" db import -s "$S" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 ||
    bail "db import failed"
scan() { "$PORTCULLIS" scan -s "$S" "$@" 2>>"$T/scan.log"; }

# lockfile DIR VERSION: npm resolves, writes the lockfile, installs nothing.
lockfile() {
	mkdir -p "$1" && printf '{"name":"app","version":"1.0.0"}\n' > "$1/package.json"
	(cd "$1" && npm install --package-lock-only --lockfile-version="$2" \
	    --no-audit --no-fund lodash@4.17.20 express@4.18.2 >/dev/null 2>&1 &&
	    npm install --package-lock-only --lockfile-version="$2" --no-audit \
	    --no-fund --save-dev is-number@7.0.0 >/dev/null 2>&1) ||
	    bail "npm could not resolve the test application"
}
# What npm ci --omit=dev installs, read independently with python's json.
want() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def walk(t):
    return sum(0 if v.get("dev") else 1 + walk(v.get("dependencies", {}))
               for v in t.values())
if "packages" in d:
    print(sum(1 for k, v in d["packages"].items() if k and not v.get("dev")))
else:
    print(walk(d["dependencies"]))
PY
}

lockfile "$T/v3/srv/app" 3
lockfile "$T/v1/srv/app" 1
mkimage "$T/img3" v1 "$T/v3"
mkimage "$T/img1" v1 "$T/v1"

for v in 3 1; do
	out=$(scan -f json oci:"$T/img$v":v1 | tr -d ' \n')
	n=$(want "$T/v$v/srv/app/package-lock.json")
	[ "$n" -gt 50 ] || bail "npm resolved only $n packages"
	expect_eq "lockfile v$v: the $n packages npm ci installs are listed" "$n" \
	    "$(echo "$out" | grep -o '"type":"npm"' | wc -l)"
	echo "$out" | grep -q '"id":"GHSA-35jh-r3h4-6jhm"' &&
	    echo "$out" | grep -q '"path":"srv/app/package-lock.json"' &&
	    ok "lockfile v$v: lodash 4.17.20 matched, located in the lockfile" ||
	    not_ok "lockfile v$v: lodash 4.17.20 matched, located in the lockfile"
done
out=$(scan -f json oci:"$T/img3":v1 | tr -d ' \n')
case "$out" in *'"name":"is-number"'*) not_ok "the dev dependency is left out";;
*) ok "the dev dependency is left out";; esac

# lodash both in the lockfile and installed under node_modules: one
# finding, at both paths, counted once.
mkdir -p "$T/both/srv"
cp -r "$T/v3/srv/app" "$T/both/srv/"
npm_module "$T/both/srv/app" lodash 4.17.20
mkimage "$T/imgboth" v1 "$T/both"
out=$(scan -f json oci:"$T/imgboth":v1 | tr -d ' \n')
expect_eq "lodash from the lockfile and node_modules: one GHSA-35jh-r3h4-6jhm finding" 1 \
    "$(echo "$out" | grep -o '"id":"GHSA-35jh-r3h4-6jhm"' | wc -l)"
echo "$out" | grep -q '"paths":\["srv/app/node_modules/lodash/package.json","srv/app/package-lock.json"\]\|"paths":\["srv/app/package-lock.json","srv/app/node_modules/lodash/package.json"\]' &&
    echo "$out" | grep -q '"high":1,' &&
    ok "with both paths, counted once in the summary" ||
    { not_ok "with both paths, counted once in the summary"; echo "$out" | grep -o '"paths":[^]]*]' | head -3 | sed 's/^/# /'; }

scan -f cyclonedx oci:"$T/imgboth":v1 > "$T/both.cdx"
python3 - "$T/both.cdx" <<'PY' && ok "CycloneDX: every bom-ref unique, lodash one component at both places" ||
import json, sys
d = json.load(open(sys.argv[1]))
refs = [c["bom-ref"] for c in d["components"]]
lo = [c for c in d["components"] if c["name"] == "lodash"]
where = sorted(o["location"] for o in lo[0]["evidence"]["occurrences"]) if len(lo) == 1 else []
sys.exit(not (len(refs) == len(set(refs)) and where == ["srv/app/node_modules/lodash/package.json", "srv/app/package-lock.json"]))
PY
    not_ok "CycloneDX: every bom-ref unique, lodash one component at both places"

# npm's hidden copy inside node_modules is not read a second time.
mkdir -p "$T/hidden/srv/app/node_modules"
cp "$T/v3/srv/app/package-lock.json" "$T/hidden/srv/app/node_modules/.package-lock.json"
mkimage "$T/imgh" v1 "$T/hidden"
expect_eq "node_modules/.package-lock.json is not a lockfile" 0 \
    "$(scan -f json oci:"$T/imgh":v1 | grep -c '"type": "npm"')"

# A lockfile that is not JSON is skipped, the scan goes on.
mkdir -p "$T/bad/srv/app"
printf '{"packages": {"node_modules/x": ' > "$T/bad/srv/app/package-lock.json"
mkimage "$T/imgb" v1 "$T/bad"
check "a broken lockfile does not fail the scan" scan -f json oci:"$T/imgb":v1
