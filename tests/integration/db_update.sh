#!/bin/sh
# portcullis db update fetches OSV zip exports over HTTPS (here from a
# local nginx with a private CA), verifies the server, streams the
# download to disk and imports it; any failure leaves the store alone.
. "$top_srcdir/tests/lib/common.sh"
need nginx openssl bsdtar curl
tap_plan 6

test_tls
mkdir -p "$T/www/osv"
(cd "$top_srcdir/tests/data/osv" && bsdtar -a -cf "$T/www/osv/npm.zip" GHSA-35jh-r3h4-6jhm.json)
start_https_static "$T/www"

S="$T/state"
db() { sub=$1; shift; "$PORTCULLIS" db "$sub" -s "$S" "$@" 2>>"$T/db.log"; }

check "db update fetches and imports an OSV zip over verified HTTPS" \
    db update -C "$T/ca.crt" "https://localhost:$NP/osv/npm.zip"
expect_eq "the fetched advisory matches" 1 "$(db query npm lodash 4.17.20 | grep -c GHSA-35jh)"
v1=$(db info | sed -n 's/^data_version: //p')

if db update "https://localhost:$NP/osv/npm.zip" >/dev/null 2>&1; then
	not_ok "a server the system store does not trust is refused"
else
	grep -q 'certificate verify failed' "$T/db.log" &&
	    ok "a server the system store does not trust is refused" ||
	    { not_ok "a server the system store does not trust is refused"; tail -3 "$T/db.log" | sed 's/^/# /'; }
fi
if db update -C "$T/ca.crt" "https://localhost:$NP/osv/missing.zip" >/dev/null 2>&1; then
	not_ok "HTTP 404 is an error"
else
	grep -q 'HTTP 404' "$T/db.log" && ok "HTTP 404 is an error" || not_ok "HTTP 404 is an error"
fi
expect_eq "failed updates left the store unchanged" "$v1" "$(db info | sed -n 's/^data_version: //p')"
if db update -C "$T/ca.crt" "http://localhost:$NP/osv/npm.zip" >/dev/null 2>&1; then
	not_ok "plain http:// refused"
else
	ok "plain http:// refused"
fi
