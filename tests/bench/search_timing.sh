#!/bin/sh
# Does the search API's timing tell a caller about images it may not
# read? A token server grants bob other/* only; Alpine 3.12.12 (with
# CVE-2022-37434) is pushed to team/zlib alone. Bob asks for that CVE
# (found, but only where he may not look) and for a CVE found nowhere,
# interleaved, ROUNDS times each (default 300), after one warm-up each;
# reports both medians and p90s and their ratio, and the first (cold)
# query of each, when the proxy has not yet asked the registry about
# bob and team/zlib (the documented residual).
#   sh tests/bench/search_timing.sh [ROUNDS]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
: "${TOKENSRV:=$top_srcdir/build/plain/tests/tools/tokensrv}"
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl
N=${1:-300}
CORPUS=$top_srcdir/../shared/corpus
mkdir -p "$T/st"
"$PORTCULLIS" db import -s "$T/st" "$CORPUS/alpine/secdb" >/dev/null 2>&1 || bail "import"
start_tokensrv pusher:pushpw bob:b1pw@other/
REG_EXTRA=$(token_auth_yaml "$REALM")
start_registry reg
PX_STATE=$T/st start_proxy px "$REG_URL" "policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
mkimage_tgz "$T/img" v1 "$CORPUS/alpine/alpine-minirootfs-3.12.12-x86_64.tar.gz" diff
skopeo --insecure-policy copy --dest-tls-verify=false --dest-creds pusher:pushpw "oci:$T/img:v1" \
    "docker://$P/team/zlib:v1" >/dev/null 2>&1 || bail "push"
skopeo --insecure-policy inspect --tls-verify=false --creds pusher:pushpw "docker://$P/team/zlib:v1" >/dev/null 2>&1
t() { curl -s -o "$T/$2.body" -w '%{time_total}\n' -u bob:b1pw "http://$P/portcullis/v1/search?advisory=$1"; }
cold_hidden=$(t CVE-2022-37434 hidden)
cold_none=$(t CVE-1999-0001 none)
: > "$T/hidden"; : > "$T/none"
i=0
while [ $i -lt "$N" ]; do
	t CVE-2022-37434 hidden >> "$T/hidden"
	t CVE-1999-0001 none >> "$T/none"
	i=$((i + 1))
done
pct() { sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; printf "%.3f", v[i] * 1000 }'; }
cmp -s "$T/hidden.body" "$T/none.body" && same=identical || same=DIFFERENT
echo "# bob's answers: $same bytes"
echo "hidden CVE: median $(pct "$T/hidden" 0.5) ms, p90 $(pct "$T/hidden" 0.9) ms; first (cold) $(awk -v a="$cold_hidden" 'BEGIN { printf "%.3f", a * 1000 }') ms"
echo "CVE in no image: median $(pct "$T/none" 0.5) ms, p90 $(pct "$T/none" 0.9) ms; first $(awk -v a="$cold_none" 'BEGIN { printf "%.3f", a * 1000 }') ms"
echo "hidden/none: median $(awk -v a="$(pct "$T/hidden" 0.5)" -v b="$(pct "$T/none" 0.5)" 'BEGIN { printf "%.3f", a / b }')x, p90 $(awk -v a="$(pct "$T/hidden" 0.9)" -v b="$(pct "$T/none" 0.9)" 'BEGIN { printf "%.3f", a / b }')x over $N rounds"
stop_proxy px
