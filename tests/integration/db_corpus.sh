#!/bin/sh
# The real advisory corpora in ../shared/corpus, read in place: golang's
# vulndb, RustSec, PyPA (OSV in YAML) and Alpine's secdb (its own JSON
# format), imported at once. Every record is taken (counts computed
# from the files by tests/lib/corpus_counts.py, not by portcullis);
# PyPA's YAML ranges match as PyYAML reads them; a severity missing
# from one record is taken from another naming the same CVE; and the
# exit status tells a partial import from a whole one.
. "$top_srcdir/tests/lib/common.sh"
need python3
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/osv" ] && [ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed"
tap_plan 14

S="$T/state"
db() { sub=$1; shift; "$PORTCULLIS" db "$sub" -s "$S" "$@" 2>>"$T/db.log"; }
python3 "$top_srcdir/tests/lib/corpus_counts.py" "$CORPUS" > "$T/want" || bail "corpus_counts"
want() { sed -n "s/^$1 //p" "$T/want"; }

out=$(db import "$CORPUS"/osv/*.zip "$CORPUS/alpine/secdb"); rc=$?
echo "$out" | head -n 2 | sed "s|^|# |"
expect_eq "the whole corpus imports with exit status 0" 0 "$rc"
expect_eq "every record taken ($(want records), the files say)" \
    "imported $(want records) records" "$(echo "$out" | grep -o '^imported [0-9]* records')"
expect_eq "withdrawn ones removed, none rejected" "$(want withdrawn) withdrawn, 0 rejected" \
    "$(echo "$out" | grep -o '[0-9]* withdrawn, [0-9]* rejected')"
expect_eq "every secdb document read as such: releases, fixes, never-affected ids" \
    "Alpine secdb: $(want secdb_docs) documents, $(want secdb_fixes) fixed advisories, $(want never_affected) ids marked never affected" \
    "$(echo "$out" | grep '^Alpine secdb')"

# secdb: matched by origin with apk ordering, the "0" key never a fix.
q() { db query "$@" | tr -d ' \n'; }
case "$(q -S openssl Alpine:v3.20 libcrypto3 3.3.2-r0)" in *'"id":"CVE-2024-9143"'*'"fixed":"3.3.2-r1"'*)
	ok "Alpine v3.20 libcrypto3 3.3.2-r0 (origin openssl): CVE-2024-9143, fixed in 3.3.2-r1";;
*) not_ok "Alpine v3.20 libcrypto3 3.3.2-r0 (origin openssl): CVE-2024-9143, fixed in 3.3.2-r1";; esac
expect_eq "3.3.2-r1 is clean of it" "" "$(q -S openssl Alpine:v3.20 libcrypto3 3.3.2-r1 | grep -o CVE-2024-9143)"
expect_eq "another release's data does not apply" "" "$(q -S openssl Alpine:v3.14 libcrypto3 3.3.2-r0 | grep -o CVE-2024-9143)"

# PyPA's YAML: the cases come from PyYAML's reading of the same zip.
python3 "$top_srcdir/tests/lib/pysec_cases.py" "$CORPUS/osv/pypa-pysec-osv-yaml.zip" 40 > "$T/cases" ||
    bail "pysec_cases"
n=0; bad=0
while read -r pkg ver id hit; do
	n=$((n + 1))
	got=$(q PyPI "$pkg" "$ver" | grep -c "\"id\":\"$id\"")
	[ "$got" = "$hit" ] || { bad=$((bad + 1)); echo "# $pkg $ver $id: expected $hit, got $got"; }
done < "$T/cases"
[ "$n" -ge 50 ] && [ "$bad" = 0 ] && ok "PyPA YAML records match as PyYAML reads them ($n cases)" ||
    not_ok "PyPA YAML records match as PyYAML reads them ($n cases, $bad wrong)"

# Severity: a secdb advisory has none; RustSec's record for the same CVE
# has a CVSS vector, so the Alpine finding takes its rating, saying so.
r=$(q Alpine:v3.20 bat 0.20.0-r0)
case "$r" in *'"id":"CVE-2022-24713"'*'"severity":"HIGH","severity_source":"aliasRUSTSEC-2022-0013(CVE-2022-24713)"'*)
	ok "a severity missing from secdb is taken from RustSec's record of the same CVE, and named";;
*) not_ok "a severity missing from secdb is taken from RustSec's record of the same CVE, and named"; echo "# $r";; esac
r=$(q Go stdlib 1.22.0)
case "$r" in *'"severity":"UNKNOWN","severity_source":"none"'*)
	ok "a Go stdlib advisory with no rating anywhere stays UNKNOWN, source none";;
*) not_ok "a Go stdlib advisory with no rating anywhere stays UNKNOWN, source none"; echo "# $r" | cut -c1-300;; esac

# Exit status: some rejected -> 3, all rejected -> 1, nothing changed by the latter.
mkdir -p "$T/mixed" "$T/bad"
unzip -q -o "$CORPUS/osv/rustsec-osv.zip" RUSTSEC-2022-0013.json -d "$T/mixed" || bail unzip
printf '{"id": "X-1", "affected": 7}\n' > "$T/mixed/broken.json"
printf 'id: Y-1\naffected: [\n' > "$T/bad/broken.yaml"
db import "$T/mixed" >/dev/null; expect_eq "an import with a rejected record exits 3 (partial)" 3 "$?"
db import "$T/bad" >/dev/null; expect_eq "an import that takes nothing exits 1" 1 "$?"
grep -q 'osv: .*broken.yaml: not YAML' "$T/db.log" && ok "the log names the file and why" ||
    not_ok "the log names the file and why"
# YAML anchors are refused, so an alias bomb is never expanded.
printf 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nid: Z-1\n' > "$T/bad/bomb.yaml"
db import "$T/bad/bomb.yaml" >/dev/null; rc=$?
[ "$rc" = 1 ] && grep -q 'bomb.yaml: not YAML: anchors and aliases are not accepted' "$T/db.log" &&
    ok "a YAML alias bomb is refused, not expanded" || not_ok "a YAML alias bomb is refused, not expanded (exit $rc)"
