#!/bin/sh
# A fleet's cost, in one run: skopeo pushes an image (a gzip'd tar of a
# real tree, default /usr/lib/python3.11, made a new blob each round)
# and pulls it back, alternating straight to the registry, through one
# proxy alone (no fleet:), and through HAProxy (round robin per request)
# in front of three proxies sharing results through the registry
# (fleet:). Reports the medians of same-round ratios, and how many
# registry requests the fleet's publishing and look-ups added per push
# (counted in the registry's own request log).
#   sh tests/bench/fleet_bench.sh [DIR] [ROUNDS]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
[ -x "$PORTCULLIS" ] || PORTCULLIS=$top_srcdir/portcullis
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl haproxy openssl python3
SRC=${1:-/usr/lib/python3.11}
ROUNDS=${2:-3}

bench_tree "$SRC"

REG_LOG_LEVEL=info start_registry reg
openssl rand -hex 32 > "$T/fleet.key"
POLICY="policy:
  severity: none
  secrets: false
  incomplete_scan: allow"
PX_LOG_LEVEL=warn start_proxy one "$REG_URL" "$POLICY"
ONE=$PX_PORT
for n in 1 2 3; do
	PX_LOG_LEVEL=warn start_proxy "f$n" "$REG_URL" "$POLICY
fleet:
  key_file: $T/fleet.key
  instance: f$n"
	eval "F$n=\$PX_PORT"
done
start_haproxy_rr $F1 $F2 $F3
SK="skopeo --insecure-policy"
now() { date +%s.%N; }
# side_addr SIDE: where that side's client points
side_addr() {
	case $1 in d) echo "127.0.0.1:$REG_PORT";; o) echo "127.0.0.1:$ONE";;
	b) echo "127.0.0.1:$HA_PORT";; esac
}
# The registry logs each request twice; its access-log line once.
results_requests() { grep -c '"[A-Z]* /v2/portcullis/results' "$T/reg.log"; }
fleet_published() {
	s=0
	for p in $F1 $F2 $F3; do
		v=$(curl -sf "http://127.0.0.1:$p/metrics" | sed -n 's/^portcullis_fleet_results_published_total //p')
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

: > "$T/times"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for side in d o b; do
		bench_image "$T/img-$r-$side" v1 "round-$r-$side"
	done
	# The order turns each round.
	case $((r % 3)) in 0) order="d o b";; 1) order="o b d";; 2) order="b d o";; esac
	for side in $order; do
		a=$(side_addr "$side")
		t0=$(now)
		$SK copy --dest-tls-verify=false "oci:$T/img-$r-$side:v1" \
		    "docker://$a/bench/$side$r:v1" >"$T/push.log" 2>&1 ||
		    bail "push $side round $r: $(tail -n 1 "$T/push.log")"
		t1=$(now)
		rm -rf "$T/out"
		$SK copy --src-tls-verify=false "docker://$a/bench/$side$r:v1" \
		    "dir:$T/out" >"$T/pull.log" 2>&1 ||
		    bail "pull $side round $r: $(tail -n 1 "$T/pull.log")"
		t2=$(now)
		# Again, now that every instance that judged it has.
		rm -rf "$T/out"
		$SK copy --src-tls-verify=false "docker://$a/bench/$side$r:v1" \
		    "dir:$T/out" >"$T/pull.log" 2>&1 ||
		    bail "pull $side round $r: $(tail -n 1 "$T/pull.log")"
		t3=$(now)
		echo "$r $side $(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc) $(echo "$t3 - $t2" | bc)" >> "$T/times"
	done
	r=$((r + 1))
done
# Publishing runs off the push's path: let it finish before counting.
i=0
while [ "$(fleet_published)" -lt "$ROUNDS" ] && [ $i -lt 300 ]; do
	sleep 0.1; i=$((i + 1))
done
req=$(results_requests)
echo "# registry requests on the results repository, by kind:"
grep -o '"[A-Z]* /v2/portcullis/results[^ ?]*' "$T/reg.log" |
    sed 's/sha256[-:][0-9a-f]*/D/g; s|uploads/.*|uploads/U|; s/^"/#   /' | sort | uniq -c
echo "# $(basename "$SRC"): layer $(($(stat -c %s "$T/tree.tar.gz") >> 20)) MiB gzip, $ROUNDS rounds"
python3 - "$T/times" "$req" "$ROUNDS" "$(fleet_published)" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
t = {}
for r, side, push, pull, pull2 in rows:
    t[(int(r), side)] = (float(push), float(pull), float(pull2))
rounds = sorted({k[0] for k in t})
def med(f):
    return statistics.median(f(r) for r in rounds)
for i, what in ((0, "push"), (1, "first pull"), (2, "second pull")):
    d = med(lambda r: t[(r, "d")][i])
    print("%s: direct %.2f s, one proxy %.2f s, fleet of 3 behind HAProxy %.2f s" %
          (what, d, med(lambda r: t[(r, "o")][i]), med(lambda r: t[(r, "b")][i])))
    print("  one/direct %.3fx  fleet/direct %.3fx  fleet/one %.3fx" % (
        med(lambda r: t[(r, "o")][i] / t[(r, "d")][i]),
        med(lambda r: t[(r, "b")][i] / t[(r, "d")][i]),
        med(lambda r: t[(r, "b")][i] / t[(r, "o")][i])))
req, n, pub = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("registry requests on the results repository: %d for %d fleet pushes "
      "and their pulls (%.1f per push; %d results published)" % (req, n, req / n, pub))
PY
