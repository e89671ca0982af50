#!/bin/sh
# HTTP/1.1 mechanics of the relay against a real registry: keep-alive,
# pipelining, chunked and Content-Length uploads, Location rewriting,
# a slow client (backpressure), /metrics, and upstream down.
. "$top_srcdir/tests/lib/common.sh"
need docker-registry curl
tap_plan 29

start_registry reg
# scanner.upload_buffer 16k: the scanner falls behind the 64 MiB upload
# below at once, however fast the registry takes it, so nearly all of it
# is relayed in-kernel and read back afterwards.
start_proxy px "$REG_URL" "limits:
  high_watermark: 256k
  low_watermark: 64k
scanner:
  upload_buffer: 16k"
P="127.0.0.1:$PX_PORT"

out=$(curl -sv "http://$P/v2/" "http://$P/v2/" 2>&1)
echo "$out" | grep -q 'Re-using existing connection' && ok "keep-alive: second request reuses the connection" ||
    not_ok "keep-alive: second request reuses the connection"

# Two requests written at once: answered in order on one connection.
resp=$(printf 'GET /v2/ HTTP/1.1\r\nHost: %s\r\n\r\nGET /v2/_catalog HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$P" "$P" |
    timeout 10 curl -s --no-buffer telnet://127.0.0.1:$PX_PORT 2>/dev/null | tr -d '\r')
n=$(echo "$resp" | grep -o 'HTTP/1.1 200' | wc -l)
expect_eq "pipelined requests both answered" 2 "$n"
echo "$resp" | tail -n 1 | grep -q '"repositories"' && ok "pipelined answers in order" ||
    not_ok "pipelined answers in order"

# Monolithic upload with Content-Length.
head -c 3000000 /dev/urandom > "$T/blob1"
d1="sha256:$(sha256sum "$T/blob1" | cut -d' ' -f1)"
loc=$(curl -sf -X POST -D - -o /dev/null "http://$P/v2/up/test/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')
case "$loc" in
"http://$P/v2/up/test/blobs/uploads/"*) ok "Location points back at the proxy";;
*) not_ok "Location points back at the proxy"; echo "# got: $loc";;
esac
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$T/blob1" \
    -H 'Content-Type: application/octet-stream' "$loc&digest=$d1")
expect_eq "monolithic PUT with Content-Length accepted" 201 "$code"

# Expect: 100-continue reaches the registry and its interim answer comes
# back, so the client sends the body at once instead of after a timeout.
head -c 300000 /dev/urandom > "$T/blob3"
d3="sha256:$(sha256sum "$T/blob3" | cut -d' ' -f1)"
loc=$(curl -sf -X POST -D - -o /dev/null "http://$P/v2/up/test/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')
curl -sv -o /dev/null -X PUT -H 'Expect: 100-continue' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$T/blob3" "$loc&digest=$d3" > "$T/expect.out" 2>&1
grep -q '^< HTTP/1.1 100 Continue' "$T/expect.out" && grep -q '^< HTTP/1.1 201' "$T/expect.out" &&
    ok "Expect: 100-continue answered with the registry's 100, then 201" ||
    { not_ok "Expect: 100-continue answered with the registry's 100, then 201"; grep '^[<>] ' "$T/expect.out" | sed 's/^/# /'; }

# Chunked upload (Transfer-Encoding: chunked from the client).
head -c 2000000 /dev/urandom > "$T/blob2"
d2="sha256:$(sha256sum "$T/blob2" | cut -d' ' -f1)"
loc=$(curl -sf -X POST -D - -o /dev/null "http://$P/v2/up/test/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')
loc2=$(curl -sf -X PATCH -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$T/blob2" -D - -o /dev/null "$loc" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$loc2&digest=$d2")
expect_eq "chunked PATCH then PUT accepted" 201 "$code"
check "chunked blob reads back intact through the proxy" \
    sh -c "curl -sf 'http://$P/v2/up/test/blobs/$d2' | cmp - '$T/blob2'"
check "registry holds the chunked blob with the right digest" \
    sh -c "curl -sf '$REG_URL/v2/up/test/blobs/$d2' | cmp - '$T/blob2'"

# A 64 MiB blob: the upload and then a download by a slow client move
# in-kernel (splice), the pipe holding the sender back; memory stays flat.
metric() { curl -sf "http://$1/metrics" | sed -n "s/^$2 //p"; }
# put_blob ADDR REPO FILE DIGEST: a monolithic upload; prints the status.
put_blob() {
	loc=$(curl -sf -X POST -D - -o /dev/null "http://$1/v2/$2/blobs/uploads/" | tr -d '\r' |
	    sed -n 's/^[Ll]ocation: //p')
	curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$3" \
	    -H 'Content-Type: application/octet-stream' "$loc&digest=$4"
}
head -c 67108864 /dev/urandom > "$T/big"
dbig="sha256:$(sha256sum "$T/big" | cut -d' ' -f1)"
sp0=$(metric "$P" portcullis_bytes_spliced_total)
expect_eq "64 MiB monolithic upload" 201 "$(put_blob "$P" up/test "$T/big" "$dbig")"
sp=$(metric "$P" portcullis_bytes_spliced_total)
check "the upload moved in-kernel past the scanner's look ($((sp - sp0)) bytes)" \
    [ $((sp - sp0)) -ge 60000000 ]
# slow_get ADDR LABEL: the 64 MiB blob by a 16 MB/s client; it arrives
# whole and the proxy's RSS stays flat.
slow_get() {
	rss0=$(awk '/VmRSS/ { print $2 }' /proc/$PX_PID/status)
	curl -sf --limit-rate 16M "http://$1/v2/up/test/blobs/$dbig" -o "$T/big.out" &
	peak=$(peak_rss "$PX_PID" $!)
	check "$2: the slow client got the 64 MiB blob intact" cmp "$T/big" "$T/big.out"
	grow=$((peak - rss0))
	# 64 MiB would show as ~65536 kB; watermarks are 256k: allow 16 MiB.
	if [ "$grow" -lt 16384 ]; then ok "$2: proxy memory stayed flat (+${grow} kB)"
	else not_ok "$2: proxy memory stayed flat (+${grow} kB)"; fi
}
slow_get "$P" spliced
sp2=$(metric "$P" portcullis_bytes_spliced_total)
# All but what came in with the response head (one read, < 1 MiB).
check "the download moved in-kernel ($((sp2 - sp)) bytes)" [ $((sp2 - sp)) -ge 66060288 ]

# A client that gives up mid-body while it moves in-kernel: the session
# ends, the proxy carries on.
curl -s -o /dev/null --limit-rate 4M --max-time 1 -X PUT --data-binary @"$T/big" \
    -H 'Content-Type: application/octet-stream' \
    "$(curl -sf -X POST -D - -o /dev/null "http://$P/v2/up/test/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')&digest=$dbig"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$P/v2/")
expect_eq "a body cut off in-kernel: the proxy still answers" 200 "$code"

# A registry that takes the body more slowly than the client sends it
# (3 MB/s, as a busy disk makes it), with small kernel buffers
# (limits.socket_buffer) so that they cannot hide it: from the first
# reads on, the proxy's queue for the registry is never empty after a
# read. The body starts with "{", so the proxy keeps its first MiB in
# case it is an image config; once past that, the proxy must write the
# queue out and move the rest in-kernel, not queue every later read:
# all but that MiB, one read and one queue (256k each).
{ printf '{'; head -c 6291455 /dev/urandom; } > "$T/b6"
d6="sha256:$(sha256sum "$T/b6" | cut -d' ' -f1)"
SR_PORT=$(free_port)
python3 "$top_srcdir/tests/lib/slowrelay.py" "$SR_PORT" "$REG_PORT" 3000000 > "$T/slow.out" 2>&1 &
PIDS="$PIDS $!"
i=0; while [ $i -lt 100 ] && ! grep -q ready "$T/slow.out"; do sleep 0.05; i=$((i + 1)); done
start_proxy px4 "http://127.0.0.1:$SR_PORT" "limits:
  high_watermark: 256k
  low_watermark: 64k
  socket_buffer: 64k
scanner:
  upload_buffer: 16k"
P4="127.0.0.1:$PX_PORT"
expect_eq "6 MiB upload to a slow registry" 201 "$(put_blob "$P4" up/slow "$T/b6" "$d6")"
sp4=$(metric "$P4" portcullis_bytes_spliced_total)
check "a slow registry: the rest moved in-kernel once the scanner let go ($sp4 bytes)" \
    [ "${sp4:-0}" -ge $((6291456 - 1048576 - 2 * 262144)) ]
check "a slow registry: the blob arrived intact" \
    sh -c "curl -sf '$REG_URL/v2/up/slow/blobs/$d6' | cmp - '$T/b6'"
stop_proxy px4

# The same slow download relayed through memory (limits.splice_min: 0):
# watermark backpressure throttles the upstream instead.
start_proxy px3 "$REG_URL" "limits:
  high_watermark: 256k
  low_watermark: 64k
  splice_min: 0"
slow_get "127.0.0.1:$PX_PORT" "through memory"
th=$(metric "127.0.0.1:$PX_PORT" portcullis_throttle_events_total)
[ "${th:-0}" -gt 0 ] && ok "backpressure engaged (throttle events: $th)" ||
    not_ok "backpressure engaged (throttle events: ${th:-none})"
expect_eq "nothing spliced" 0 "$(metric "127.0.0.1:$PX_PORT" portcullis_bytes_spliced_total)"
stop_proxy px3
m=$(curl -sf "http://$P/metrics" | grep -c '^portcullis_requests_total [0-9]')
expect_eq "/metrics serves Prometheus text" 1 "$m"

check "access log is one JSON object per line with status" \
    sh -c "grep -q '\"status\":201' '$T/px-access.log' && ! grep -qv '^{.*}\$' '$T/px-access.log'"

# Upstream down: OCI error JSON with 502, proxy stays up.
start_proxy px2 "http://127.0.0.1:$(free_port)"
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PX_PORT/v2/")
case "$body" in
*'"code":"UNAVAILABLE"'*' 502') ok "upstream down: 502 with OCI error body";;
*) not_ok "upstream down: 502 with OCI error body"; echo "# got: $body";;
esac
stop_proxy px2
stop_proxy px
