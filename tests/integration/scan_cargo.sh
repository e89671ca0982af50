#!/bin/sh
# Rust: a Cargo.lock that the real cargo resolved (offline, from
# Debian's packaged crates in /usr/share/cargo/registry) for a program
# using regex. The crates listed equal what Python's tomllib reads from
# the same lockfile (registry and git crates; the workspace's own path
# crate is not a dependency), and the RustSec findings equal what a
# plain Python reading of the real RustSec export says for those
# versions.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
. "$top_srcdir/tests/lib/cargoapp.sh"
need cargo python3
CORPUS=$top_srcdir/../shared/corpus
[ -f "$CORPUS/osv/rustsec-osv.zip" ] || skip_all "../shared/corpus not found"
[ -d /usr/share/cargo/registry/regex-1.7.1 ] || ls -d /usr/share/cargo/registry/regex-* >/dev/null 2>&1 ||
    skip_all "Debian's regex crate (librust-regex+default-dev) not installed"
python3 -c 'import tomllib' 2>/dev/null || skip_all "python3 without tomllib"
tap_plan 4

cargo_regex_app "$T/l/srv/app"
(cd "$T/l/srv/app" && CARGO_HOME="$T/cargo" cargo generate-lockfile --offline) >"$T/cargo.log" 2>&1 ||
    skip_all "cargo could not resolve regex offline: $(tail -n 1 "$T/cargo.log")"
mkimage "$T/img" v1 "$T/l"
S="$T/state"
"$PORTCULLIS" db import -s "$S" "$CORPUS/osv/rustsec-osv.zip" >/dev/null 2>&1 || bail "import"
"$PORTCULLIS" scan -s "$S" -f json oci:"$T/img":v1 > "$T/scan.json" 2>"$T/scan.log"

python3 - "$T/l/srv/app/Cargo.lock" > "$T/want" <<'PY'
import sys, tomllib
for p in tomllib.load(open(sys.argv[1], "rb")).get("package", []):
    if "source" in p:
        print(p["name"], p["version"])
PY
python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p["type"] == "cargo":
        print(p["name"], p["version"])' "$T/scan.json" > "$T/ours"
n=$(wc -l < "$T/want")
sort -o "$T/want" "$T/want"; sort -o "$T/ours" "$T/ours"
[ "$n" -ge 2 ] && cmp -s "$T/want" "$T/ours" &&
    ok "the crates listed equal tomllib's reading of the lockfile ($n)" ||
    { not_ok "the crates listed equal tomllib's reading of the lockfile ($n)"; diff "$T/want" "$T/ours" | head -5 | sed 's/^/# /'; }
grep -q '"name": "regex",' "$T/scan.json" && grep -q '"path": "srv/app/Cargo.lock"' "$T/scan.json" &&
    ok "regex is there, located in the lockfile" || not_ok "regex is there, located in the lockfile"
expect_eq "the workspace's own crate is not listed" 0 "$(grep -c '^app ' "$T/ours")"

# RustSec, read plainly: SEMVER ranges over the same versions.
python3 - "$CORPUS/osv/rustsec-osv.zip" "$T/want" "$top_srcdir/tests/lib" > "$T/want-vulns" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from osv_semver import in_range, records
crates = dict(l.split() for l in open(sys.argv[2]))
out = set()
for d in records(sys.argv[1]):
    for a in d.get("affected", []):
        name = a["package"]["name"]
        if name in crates and (crates[name] in a.get("versions", []) or any(
                r["type"] == "SEMVER" and in_range(crates[name], r["events"])
                for r in a.get("ranges", []))):
            out.add((name, d["id"]))
for x in sorted(out):
    print(*x)
PY
python3 -c 'import json,sys
for x in sorted({(v["package"], v["id"]) for v in json.load(open(sys.argv[1]))["vulnerabilities"]}):
    print(*x)' "$T/scan.json" > "$T/ours-vulns"
cmp -s "$T/want-vulns" "$T/ours-vulns" &&
    ok "RustSec findings equal a plain reading of the export ($(wc -l < "$T/ours-vulns") for these versions)" ||
    { not_ok "RustSec findings equal a plain reading of the export"; diff "$T/want-vulns" "$T/ours-vulns" | head -5 | sed 's/^/# /'; }
