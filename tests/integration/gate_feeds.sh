#!/bin/sh
# Advisory feeds kept current by the proxy itself (`feeds:`): real data
# from ../shared/corpus served by a local nginx over verified HTTPS (a
# private CA) and from a local folder. Each is imported by a child
# `portcullis db import` in one transaction; unchanged data costs a 304
# (conditional GET with the validators kept across restarts); a feed
# that fails (404, a truncated or a corrupt zip) leaves the data in use
# and is counted and logged; `policy.max_data_age` with `stale_data:
# block` refuses pulls while a feed is stale, naming it, and `warn`
# lets them by with a log line; the status annotations show each
# feed's age.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need nginx openssl curl docker-registry skopeo python3
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
tap_plan 22

test_tls

# What the server has: real files, and two broken copies of a real zip.
mkdir -p "$T/www/alpine/v3.20" "$T/www/osv" "$T/nginx" "$T/local"
cp "$CORPUS/alpine/secdb/v3.20/main.json" "$T/www/alpine/v3.20/main.json"
cp "$CORPUS/osv/rustsec-osv.zip" "$T/www/osv/rustsec.zip"
sz=$(stat -c %s "$CORPUS/osv/go-vulndb-osv.zip")
head -c $((sz / 2)) "$CORPUS/osv/go-vulndb-osv.zip" > "$T/www/osv/truncated.zip"
python3 - "$CORPUS/osv/go-vulndb-osv.zip" "$T/www/osv/corrupt.zip" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
for k in range(len(d) // 3, len(d) // 3 + 4096):
    d[k] ^= 0x5a
open(sys.argv[2], "wb").write(d)
PY
unzip -q -o "$CORPUS/osv/pypa-pysec-osv-yaml.zip" PYSEC-2023-74.yaml -d "$T/local" 2>/dev/null ||
    unzip -q -o "$CORPUS/osv/pypa-pysec-osv-yaml.zip" 'PYSEC-2022-4*.yaml' -d "$T/local" ||
    bail "unzip"
start_https_static "$T/www"
# A server whose connection drops mid-body: it promises 4 MiB, sends 64 KiB.
CP=$(free_port)
python3 - "$CP" "$T/srv.crt" "$T/srv.key" <<'PY' 2>"$T/cut.log" &
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(4 << 20))
        self.end_headers()
        self.wfile.write(b"PK\x03\x04" + b"\0" * 65532)
        self.wfile.flush()
        self.connection.shutdown(2)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
PIDS="$PIDS $!"
i=0	# until it accepts (curl's 7: could not connect)
while curl -sk -o /dev/null "https://127.0.0.1:$CP/"; [ $? = 7 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done

feed() { # NAME URL-PATH: one https feed, looked at every 2 s
	printf '  - name: %s\n    url: https://localhost:%s/%s\n    ca_file: %s\n    interval: 2\n' \
	    "$1" "$NP" "$2" "$T/ca.crt"
}
FEEDS="feeds:
$(feed alpine alpine/v3.20/main.json)
$(feed rust osv/rustsec.zip)
$(feed truncated osv/truncated.zip)
$(feed corrupt osv/corrupt.zip)
$(feed missing osv/missing.zip)
  - name: cut
    url: https://localhost:$CP/osv/all.zip
    ca_file: $T/ca.crt
    interval: 2
  - name: local
    path: $T/local
    interval: 2
policy:
  repositories:
    - match: \"strict/*\"
      max_data_age: 60
      stale_data: block
    - match: \"lenient/*\"
      max_data_age: 60
      stale_data: warn"
start_registry reg
PX_STATE=$T/px-state start_proxy px "$REG_URL" "$FEEDS"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'
metric() { curl -sf "http://$P/metrics" | sed -n "s/^$1 //p"; }
# until METRIC reaches N (30 s at most)
until_metric() {
	i=0
	while [ "$(metric "$1")" -lt "$2" ] 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	metric "$1"
}

a=$(until_metric 'portcullis_feed_imports_total{feed="alpine"}' 1)
r=$(until_metric 'portcullis_feed_imports_total{feed="rust"}' 1)
l=$(until_metric 'portcullis_feed_imports_total{feed="local"}' 1)
expect_eq "the secdb, RustSec and local feeds were each imported once" "1 1 1" "$a $r $l"
q() { "$PORTCULLIS" db query -s "$T/px-state" "$@" 2>/dev/null | tr -d ' \n'; }
case "$(q -S openssl Alpine:v3.20 libcrypto3 3.3.2-r0)" in *CVE-2024-9143*)
	ok "Alpine's data came in over verified HTTPS (CVE-2024-9143 for libcrypto3 3.3.2-r0)";;
*) not_ok "Alpine's data came in over verified HTTPS (CVE-2024-9143 for libcrypto3 3.3.2-r0)";; esac
case "$(q crates.io regex 1.5.4)" in *RUSTSEC-2022-0013*) ok "RustSec's zip too";;
*) not_ok "RustSec's zip too";; esac
case "$(q PyPI requests 2.30.0)$(q PyPI requests 2.25.0)" in *PYSEC-*) ok "and the local folder's YAML record";;
*) not_ok "and the local folder's YAML record";; esac

# The broken ones: counted, logged, nothing of them imported.
t=$(until_metric 'portcullis_feed_failures_total{feed="truncated"}' 1)
c=$(until_metric 'portcullis_feed_failures_total{feed="corrupt"}' 1)
m=$(until_metric 'portcullis_feed_failures_total{feed="missing"}' 1)
[ "$t" -ge 1 ] && [ "$c" -ge 1 ] && [ "$m" -ge 1 ] &&
    ok "a truncated zip, a corrupt zip and a 404 are counted as failures ($t, $c, $m)" ||
    not_ok "a truncated zip, a corrupt zip and a 404 are counted as failures ($t, $c, $m)"
u=$(until_metric 'portcullis_feed_failures_total{feed="cut"}' 1)
[ "$u" -ge 1 ] && grep -q 'feed cut: \(the body ended\|the transfer broke off\) after [0-9]* ' "$T/px.log" &&
    ok "a download cut short of its Content-Length is a failure, not an import ($u)" ||
    not_ok "a download cut short of its Content-Length is a failure, not an import (${u:-0})"
expect_eq "none of them was imported" "0 0 0" \
    "$(metric 'portcullis_feed_imports_total{feed="truncated"}') $(metric 'portcullis_feed_imports_total{feed="corrupt"}') $(metric 'portcullis_feed_imports_total{feed="missing"}')"
grep -q 'feed truncated: the import failed .*; the advisory data in use stays as it was' "$T/px.log" &&
    grep -q 'feed missing: .*missing.zip answered 404' "$T/px.log" &&
    ok "the log says which feed failed and why" || not_ok "the log says which feed failed and why"
expect_eq "and no Go record came in from the broken copies" "" "$(q Go stdlib 1.22.0 | grep -o GO-2024)"

# Unchanged data costs a 304: the validators are sent back.
n304=0; i=0
while [ "$n304" -lt 2 ] && [ $i -lt 100 ]; do
	n304=$(grep -c '^/alpine/v3.20/main.json 304$' "$T/nginx/access.log")
	sleep 0.1; i=$((i + 1))
done
[ "$n304" -ge 2 ] && ok "later looks are conditional GETs answered 304 ($n304)" ||
    not_ok "later looks are conditional GETs answered 304 ($n304)"
expect_eq "and import nothing again" "1 1" \
    "$(metric 'portcullis_feed_imports_total{feed="alpine"}') $(metric 'portcullis_feed_imports_total{feed="rust"}')"
age=$(metric 'portcullis_feed_age_seconds{feed="alpine"}')
[ "${age:-99}" -le 5 ] && ok "the alpine feed's age stays fresh (${age}s)" || not_ok "the alpine feed's age stays fresh (${age:-?}s)"
expect_eq "a feed never fetched has age -1" -1 "$(metric 'portcullis_feed_age_seconds{feed="missing"}')"

# Stale data: the failing feeds were never current.
mkdir -p "$T/l/etc"
echo hi > "$T/l/etc/motd"
mkimage "$T/img" v1 "$T/l"
for r in strict lenient plain; do
	skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
	    "docker://$P/$r/app:v1" >/dev/null 2>&1 || bail "push to $r"
done
r=$(curl -s -w ' %{http_code}' -H "$H" "http://$P/v2/strict/app/manifests/v1")
case "$r" in *'DENIED'*'advisory data is stale (feed '[a-z]*' has never been current; policy max_data_age 60s)'*' 403')
	ok "stale_data: block refuses the pull, naming the stale feed";;
*) not_ok "stale_data: block refuses the pull, naming the stale feed"; echo "# $r" | cut -c1-300;; esac
expect_eq "stale_data: warn lets it by" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/lenient/app/manifests/v1")"
grep -q 'advisory feed [a-z]* is stale' "$T/px.log" && ok "and says so in the log" ||
    not_ok "and says so in the log"
expect_eq "a repository without max_data_age is not concerned" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "http://$P/v2/plain/app/manifests/v1")"
s=$(metric portcullis_pulls_on_stale_data_total)
[ "${s:-0}" -ge 2 ] && ok "/metrics counts pulls decided on stale data ($s)" ||
    not_ok "/metrics counts pulls decided on stale data (${s:-0})"
st=$(curl -sf "http://$P/portcullis/v1/status/plain/app/v1" | tr -d ' \n')
case "$st" in *'"dev.portcullis.feed.alpine.checked-at":"20'*'"dev.portcullis.feed.missing.checked-at":""'*)
	ok "the status annotations give each feed's last current time";;
*) not_ok "the status annotations give each feed's last current time"; echo "# $st" | cut -c1-300;; esac

# A restart keeps the validators: the first look is a 304, no import.
stop_proxy px
before=$(grep -c '^/alpine/v3.20/main.json 304$' "$T/nginx/access.log")
PX_STATE=$T/px-state start_proxy px2 "$REG_URL" "$FEEDS"
P="127.0.0.1:$PX_PORT"
i=0
while [ "$(grep -c '^/alpine/v3.20/main.json 304$' "$T/nginx/access.log")" -le "$before" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "after a restart the first look is a 304 and imports nothing" 0 \
    "$(metric 'portcullis_feed_imports_total{feed="alpine"}')"
stop_proxy px2
