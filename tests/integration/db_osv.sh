#!/bin/sh
# The vulnerability store from the command line, on a real OSV record
# records (tests/data/osv): import, match, re-import, withdrawal, bad records,
# zip exports, map growth, and a writer killed mid-import.
. "$top_srcdir/tests/lib/common.sh"
need bsdtar awk
tap_plan 18

S="$T/state"
db() { sub=$1; shift; "$PORTCULLIS" db "$sub" -s "$S" "$@" 2>>"$T/db.log"; }
DATA="$top_srcdir/tests/data/osv"

check "import the real GHSA record" db import "$DATA"
out=$(db query npm lodash 4.17.20)
echo "$out" | grep -q '"id": "GHSA-35jh-r3h4-6jhm"' && ok "lodash 4.17.20 matches GHSA-35jh-r3h4-6jhm" ||
    not_ok "lodash 4.17.20 matches GHSA-35jh-r3h4-6jhm"
echo "$out" | grep -q '"fixed": "4.17.21"' && echo "$out" | grep -q '"severity": "HIGH"' &&
    echo "$out" | grep -q '"score": 7.2' && echo "$out" | grep -q 'CVE-2021-23337' &&
    ok "fixed version, CVSS-computed severity and CVE alias reported" ||
    { not_ok "fixed version, CVSS-computed severity and CVE alias reported"; echo "$out" | sed 's/^/# /'; }
expect_eq "lodash 4.17.21 (the fix) is clean" "[]" "$(db query npm lodash 4.17.21)"
expect_eq "lodash-es, the record's second package, matches too" 1 \
    "$(db query npm lodash-es 4.17.15 | grep -c GHSA-35jh-r3h4-6jhm)"
expect_eq "another ecosystem's lodash does not match" "[]" "$(db query PyPI lodash 4.17.20)"

# Log4Shell (GHSA-jfh8-c2jp-5v3q): three Maven ranges, Maven ordering.
L=org.apache.logging.log4j:log4j-core
l4j() { db query Maven "$L" "$1" | tr -d ' \n'; }
r=$(l4j 2.14.1)
case "$r" in *'"id":"GHSA-jfh8-c2jp-5v3q"'*'"severity":"CRITICAL","severity_source":"cvss_v3","score":10.0,"fixed":"2.15.0"'*)
	ok "log4j-core 2.14.1: Log4Shell, CRITICAL 10.0, fixed in 2.15.0";;
*) not_ok "log4j-core 2.14.1: Log4Shell, CRITICAL 10.0, fixed in 2.15.0"; echo "# $r";; esac
r=$(l4j 2.12.1)
case "$r" in *'"fixed":"2.12.2"'*) ok "log4j-core 2.12.1: fix on its own branch is 2.12.2";;
*) not_ok "log4j-core 2.12.1: fix on its own branch is 2.12.2"; echo "# $r";; esac
expect_eq "log4j-core 2.12.2, 2.3.1 and 2.15.0 (backported fixes) are clean" "[][][]" \
    "$(l4j 2.12.2)$(l4j 2.3.1)$(l4j 2.15.0)"
expect_eq "log4j-core 2.0-beta9 (inside 0..2.3.1) is affected" 1 \
    "$(l4j 2.0-beta9 | grep -c GHSA-jfh8)"

n1=$(db info | sed -n 's/^advisory_entries: //p')
db import "$DATA" >/dev/null
n2=$(db info | sed -n 's/^advisory_entries: //p')
expect_eq "re-import replaces instead of duplicating" "$n1" "$n2"

# Bad input next to a good record: the bad one is named, the good one lands.
mkdir -p "$T/mixed"
cp "$DATA/GHSA-35jh-r3h4-6jhm.json" "$T/mixed/"
printf '{"id": "broken", "affected": [' > "$T/mixed/broken.json"
printf '{"id": "dup", "id": "dup"}' > "$T/mixed/dupkey.json"
out=$(db import "$T/mixed")
case "$out" in *"imported 1 records"*"2 rejected"*) ok "malformed records rejected, good one imported";;
*) not_ok "malformed records rejected, good one imported"; echo "# $out";; esac
grep -q 'broken.json' "$T/db.log" && ok "the rejected file is named in the log" ||
    not_ok "the rejected file is named in the log"

# The same record marked withdrawn removes it.
mkdir -p "$T/wd"
sed 's/"modified": /"withdrawn": "2024-01-01T00:00:00Z", "modified": /' \
    "$DATA/GHSA-35jh-r3h4-6jhm.json" > "$T/wd/w.json"
db import "$T/wd" >/dev/null
expect_eq "a withdrawn record no longer matches" "[]" "$(db query npm lodash 4.17.20)"

# osv.dev's per-ecosystem exports are zip files.
(cd "$DATA" && bsdtar -a -cf "$T/npm.zip" GHSA-35jh-r3h4-6jhm.json)
check "import from an OSV zip export" db import "$T/npm.zip"
expect_eq "zip-imported record matches" 1 "$(db query npm lodash 4.17.20 | grep -c GHSA-35jh)"

# Many records into a 1 MiB map: the import grows the map and lands.
# These synthetic records (ids TEST-LOAD-*) exist only to fill the store.
mkdir -p "$T/load"
awk -v d="$T/load" 'BEGIN { for (i = 0; i < 20000; i++) {
	f = sprintf("%s/t%05d.json", d, i)
	printf "{\"id\":\"TEST-LOAD-%d\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"load-test-%d\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0.%d\"}]}]}]}\n", i, i, i > f
	close(f) } }'
before=$(db info | sed -n 's/^data_version: //p')
PORTCULLIS_STORE_MAP_MB=1 "$PORTCULLIS" db import -s "$T/small" "$T/load" >"$T/grow.out" 2>&1
grep -q 'imported 20000 records' "$T/grow.out" && grep -q 'map grown' "$T/grow.out" &&
    ok "import grows a full map and completes" ||
    { not_ok "import grows a full map and completes"; sed 's/^/# /' "$T/grow.out" | tail -5; }

# kill -9 in the middle of an import: the previous data stays usable.
"$PORTCULLIS" db import -s "$S" "$T/load" "$T/load" "$T/load" >/dev/null 2>&1 &
imp=$!
sleep 0.3
killed=0
kill -0 $imp 2>/dev/null && kill -9 $imp 2>/dev/null && killed=1
wait $imp 2>/dev/null
after=$(db info | sed -n 's/^data_version: //p')
q=$(db query npm lodash 4.17.20 | grep -c GHSA-35jh)
if [ "$killed" = 1 ] && [ "$before" = "$after" ] && [ "$q" = 1 ]; then
	ok "after kill -9 mid-import the old data is intact and readable"
else
	not_ok "after kill -9 mid-import the old data is intact and readable ($before/$after/$q)"
fi
