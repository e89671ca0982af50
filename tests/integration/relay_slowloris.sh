#!/bin/sh
# One address cannot lock everyone out. 300 connections from 127.0.0.1
# trickle request heads one byte a second into a proxy that takes 200
# connections at most: past limits.max_connections_per_ip the proxy
# closes that address's new connections at once, a head not done within
# timeouts.header gets 408, and a client from 127.0.0.2 is answered in
# under 100 ms the whole time.
. "$top_srcdir/tests/lib/common.sh"
need docker-registry curl python3
tap_plan 6

start_registry reg
start_proxy px "$REG_URL" "limits:
  max_connections: 200
  max_connections_per_ip: 100
timeouts:
  header: 3"
P="127.0.0.1:$PX_PORT"

r=$(python3 "$top_srcdir/tests/lib/slowloris.py" "$PX_PORT" 300 6)
echo "# $r"
v() { echo "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ "$(v fails)" = 0 ] && [ "$(v slowest_ms)" -lt 100 ] &&
    ok "a client from another address was answered in under 100 ms throughout ($(v slowest_ms) ms)" ||
    not_ok "a client from another address was answered in under 100 ms throughout ($(v slowest_ms) ms, $(v fails) failed)"
[ "$(v refused)" -ge 190 ] && ok "connections past the per-address cap were closed at once ($(v refused))" ||
    not_ok "connections past the per-address cap were closed at once ($(v refused))"
[ "$(v answered)" -ge 90 ] && ok "trickled heads got an answer when timeouts.header ran out ($(v answered))" ||
    not_ok "trickled heads got an answer when timeouts.header ran out ($(v answered))"
m=$(curl -sf "http://$P/metrics")
echo "$m" | grep -q '^portcullis_request_head_timeouts_total [1-9]' &&
    echo "$m" | grep -q '^portcullis_connections_refused_total{reason="per_ip"} [1-9]' &&
    ok "/metrics counts both" || not_ok "/metrics counts both"
grep -q 'more than 100 connections from this address' "$T/px.log" &&
    ok "the log says which address was refused and why" ||
    not_ok "the log says which address was refused and why"
stop_proxy px
