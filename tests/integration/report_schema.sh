#!/bin/sh
# Reports others can read: `portcullis scan` output checked against each
# format's own schema with a standard validator (ajv, from npm):
# CycloneDX 1.5 against the schema the CycloneDX project ships in
# @cyclonedx/cyclonedx-library, SARIF 2.1.0 against the schema Microsoft
# ships in @microsoft/jest-sarif; on real inputs: Alpine 3.20.3 judged
# against Alpine's secdb (../shared/corpus), an app with npm's real
# lodash 4.17.20 (tests/data/osv), and the planted-secrets image (every
# secret and misconfiguration rule with its SARIF metadata). A broken
# document is refused by the same validator (so it is not a no-op).
# SPDX 2.3 (no validator reachable here) is checked for what the SPDX
# 2.3 specification requires: document fields, unique SPDXIDs of its
# grammar, one package per purl, relationships that resolve, and the
# advisories as SECURITY references.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
. "$top_srcdir/tests/lib/plant.sh"
need node npm python3 openssl ssh-keygen
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
# The validator and the schemas, once per machine.
SC=${PORTCULLIS_TEST_CACHE:-${HOME:-/root}/.cache/portcullis-tests}/schemas
if [ ! -f "$SC/ok" ]; then
	mkdir -p "$SC"
	( cd "$SC" && npm install --silent ajv@8 ajv-formats@3 ajv-draft-04@1 &&
	  npm pack --silent @cyclonedx/cyclonedx-library@10 @microsoft/jest-sarif@1.0.0-beta.0 &&
	  tar -xzf cyclonedx-cyclonedx-library-*.tgz package/res/schema &&
	  tar -xzf microsoft-jest-sarif-*.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json &&
	  touch ok ) >"$T/npm.log" 2>&1 || skip_all "npm: $(tail -n 1 "$T/npm.log")"
fi
tap_plan 10

mkdir -p "$T/st"
"$PORTCULLIS" db import -s "$T/st" "$CORPUS/alpine/secdb" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 ||
    bail "import failed"
mkimage_tgz "$T/alpine" v1 "$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz" diff
npm_module "$T/app/app" lodash 4.17.20
mkimage "$T/node" v1 "$T/app"
plant_secrets "$T/root" "$T/planted"
MKIMAGE_CONFIG='"Env":["PATH=/usr/bin","DB_PASSWORD=k9X2m7PqR4tV8wY1zA3bC5dE6fG0hJ"]' mkimage "$T/secrets" v1 "$T/root"
for i in alpine node secrets; do
	for f in cyclonedx sarif spdx; do
		"$PORTCULLIS" scan -s "$T/st" -f "$f" "oci:$T/$i:v1" > "$T/$i.$f.json" 2>"$T/scan.log" ||
		    [ $? -eq 2 ] || bail "scan -f $f $i: $(tail -n 1 "$T/scan.log")"
	done
done
V() { NODE_PATH="$SC/node_modules" node "$top_srcdir/tests/lib/schema_check.js" "$@"; }
for i in alpine node secrets; do
	check "CycloneDX of $i is valid CycloneDX 1.5" V cyclonedx "$SC/package/res/schema" "$T/$i.cyclonedx.json"
	check "SARIF of $i is valid SARIF 2.1.0" V sarif "$SC/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$T/$i.sarif.json"
done
python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); d["components"][0]["type"] = "not-a-type"; del d["specVersion"]
json.dump(d, open(sys.argv[2], "w"))
s = json.load(open(sys.argv[3])); s["runs"][0]["results"][0]["level"] = "fatal"
json.dump(s, open(sys.argv[4], "w"))' "$T/alpine.cyclonedx.json" "$T/bad.cdx.json" "$T/alpine.sarif.json" "$T/bad.sarif.json"
if V cyclonedx "$SC/package/res/schema" "$T/bad.cdx.json" >/dev/null 2>&1 ||
    V sarif "$SC/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$T/bad.sarif.json" >/dev/null 2>&1; then
	not_ok "the validator refuses a broken CycloneDX and a broken SARIF document"
else
	ok "the validator refuses a broken CycloneDX and a broken SARIF document"
fi
expect_eq "the secrets image's SARIF has a rule with help for every rule it reports" "0" \
    "$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["runs"][0]
rules = {x["id"]: x for x in r["tool"]["driver"]["rules"]}
print(sum(1 for x in r["results"] if x["ruleId"] not in rules or ("help" not in rules[x["ruleId"]] and not x["ruleId"].startswith(("CVE", "GHSA")))))' "$T/secrets.sarif.json" 2>&1)"

# SPDX 2.3, what the specification requires.
cat > "$T/spdx.py" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
bad = []
for k, v in (("spdxVersion", "SPDX-2.3"), ("dataLicense", "CC0-1.0"), ("SPDXID", "SPDXRef-DOCUMENT")):
    if d.get(k) != v: bad.append(k)
if "#" in d.get("documentNamespace", "#") or not d["documentNamespace"].startswith("https://"): bad.append("documentNamespace")
ci = d.get("creationInfo", {})
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ci.get("created", "")) or not ci.get("creators"): bad.append("creationInfo")
ids = [p["SPDXID"] for p in d["packages"]]
if len(ids) != len(set(ids)) or not all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.\-]+", i) for i in ids): bad.append("SPDXID")
for p in d["packages"]:
    for k in ("name", "downloadLocation"):
        if k not in p: bad.append(p["SPDXID"] + "." + k)
purls = [r["referenceLocator"] for p in d["packages"] for r in p.get("externalRefs", []) if r["referenceType"] == "purl"]
if len(purls) != len(set(purls)) or len(purls) != len(d["packages"]) - 1: bad.append("purls")
known = set(ids) | {"SPDXRef-DOCUMENT"}
for r in d["relationships"]:
    if r["spdxElementId"] not in known or r["relatedSpdxElement"] not in known: bad.append("relationship")
if not any(r["relationshipType"] == "DESCRIBES" and r["spdxElementId"] == "SPDXRef-DOCUMENT" for r in d["relationships"]): bad.append("DESCRIBES")
sec = sorted({r["referenceLocator"].rsplit("/", 1)[1] for p in d["packages"] for r in p.get("externalRefs", []) if r["referenceCategory"] == "SECURITY"})
print("ok" if not bad else "bad: " + ",".join(bad), len(d["packages"]) - 1, " ".join(sec))
PY
expect_eq "SPDX of alpine 3.20.3: 14 packages, CVE-2024-9143 referenced" "ok 14 CVE-2024-9143" "$(python3 "$T/spdx.py" "$T/alpine.spdx.json" 2>&1)"
expect_eq "SPDX of the node app: lodash and GHSA-35jh-r3h4-6jhm" "ok 1 GHSA-35jh-r3h4-6jhm" "$(python3 "$T/spdx.py" "$T/node.spdx.json" 2>&1)"
