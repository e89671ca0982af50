#!/bin/sh
# CVSS v4.0 scores against an independent implementation: metaeffekt's
# ae-cvss-calculator (npm, Apache-2.0), on every v4 vector in the
# corpus and on 10,000 more drawn over base, threat and environmental
# metrics. Then the corpus' v4-only RustSec records get their severity
# from their own vector at import, and say so.
. "$top_srcdir/tests/lib/common.sh"
need python3 node npm
CORPUS=$top_srcdir/../shared/corpus
[ -f "$CORPUS/osv/rustsec-osv.zip" ] || skip_all "../shared/corpus not found"
tap_plan 4

ORACLE=${PORTCULLIS_TEST_CACHE:-/var/cache/portcullis-tests}/npm-cvss
[ -w "${ORACLE%/*}" ] || ORACLE=$T/npm-cvss
[ -d "$ORACLE/node_modules/ae-cvss-calculator" ] ||
    npm install --silent --prefix "$ORACLE" ae-cvss-calculator@1.0.13 >/dev/null 2>&1 ||
    skip_all "npm cannot fetch ae-cvss-calculator"

python3 "$top_srcdir/tests/lib/cvss_vectors.py" 10000 "$CORPUS"/osv/*.zip \
    > "$T/vectors" 2>"$T/vectors.log" || bail "cvss_vectors.py"
NODE_PATH=$ORACLE/node_modules node -e '
const { Cvss4P0 } = require("ae-cvss-calculator");
for (const l of require("fs").readFileSync(0, "utf8").split("\n")) {
	if (!l) continue;
	let s = "-1.0";
	try { s = Number(new Cvss4P0(l).calculateScores().overall).toFixed(1); } catch (e) {}
	console.log(s + " " + l);
}' < "$T/vectors" > "$T/oracle" || bail "the oracle did not run"
"$top_builddir/tests/tools/cvsscalc" < "$T/vectors" > "$T/ours"

n=$(wc -l < "$T/vectors")
expect_eq "the oracle scored every vector ($n)" 0 "$(grep -c '^-1.0 ' "$T/oracle")"
diff "$T/oracle" "$T/ours" > "$T/diff"
expect_eq "every score equals the oracle's ($(cat "$T/vectors.log"), $n in all)" \
    0 "$(grep -c '^<' "$T/diff")"
head -n 6 "$T/diff" | sed 's/^/# /'

expect_eq "a vector with a metric twice is refused" "-1.0" \
    "$(echo 'CVSS:4.0/AV:N/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' |
	"$top_builddir/tests/tools/cvsscalc" | cut -d' ' -f1)"

# RUSTSEC-2025-0149 (below) carries only a v4 vector; the oracle's score
# for it decides the expected rating.
S="$T/state"
"$PORTCULLIS" db import -s "$S" "$CORPUS/osv/rustsec-osv.zip" > /dev/null 2>&1
r=$("$PORTCULLIS" db query -s "$S" crates.io below 0.8.0 | tr -d ' \n')
want=$(grep ' CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N$' "$T/oracle" | cut -d' ' -f1)
case "$r" in *'"id":"RUSTSEC-2025-0149"'*'"severity":"HIGH","severity_source":"cvss_v4","score":'"$want"*)
	ok "a v4-only RustSec record is rated from its own vector: HIGH $want, source cvss_v4";;
*) not_ok "a v4-only RustSec record is rated from its own vector (oracle: $want)"; echo "# $r";; esac
