#!/bin/sh
# Three proxies behind HAProxy (round robin per request, so a push's
# blob uploads, their commits and the manifest reach different
# instances) in front of one docker-registry, sharing layer results
# through the registry itself (fleet:, signed with one key file):
#  - skopeo and podman push real Alpine images through the balancer;
#    every instance gives the same answer for each: the two vulnerable
#    ones refused naming their CVE, the clean one let by;
#  - every layer's result is in the results repository, and instances
#    judged layers from it instead of scanning them again;
#  - a fourth proxy with another key publishes a result for a layer:
#    the fleet does not trust it, scans the layer itself and refuses;
#  - each image's first decision attaches a CycloneDX SBOM and the
#    vulnerability report to it as OCI 1.1 referrers: one of each,
#    though three instances judged it;
#  - the advisory data comes to all of them from one `db push` (a feed
#    oci://portcullis/advisories:current): one data version everywhere;
#    a second push (data without Alpine's) flips the image the same way
#    on each, and the webhook receiver gets one event id for the flip,
#    from the two instances with fleet.notify on, none from the third;
#  - kill -9 of an instance in the middle of a push through the
#    balancer: the image is never let by unjudged.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo podman curl haproxy nginx openssl python3 promtool
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
tap_plan 45

start_registry reg
start_hooksrv
openssl rand -hex 32 > "$T/fleet.key"
openssl rand -hex 32 > "$T/rogue.key"
# The fleet's advisory data: Alpine's secdb, pushed once into the
# registry (db push uses the configuration's upstream and scanner).
printf 'upstream:\n  url: %s\nfleet:\n  key_file: %s\n' "$REG_URL" "$T/fleet.key" > "$T/pub.yml"
printf 'upstream:\n  url: %s\nfleet:\n  key_file: %s\n' "$REG_URL" "$T/rogue.key" > "$T/rogue-pub.yml"
"$PORTCULLIS" db import -s "$T/pub" "$CORPUS/alpine/secdb" >/dev/null 2>&1 || bail "secdb import"
check "db push publishes the advisory data in the registry" \
    "$PORTCULLIS" db push -s "$T/pub" -c "$T/pub.yml" portcullis/advisories:current
V1=$("$PORTCULLIS" db info -s "$T/pub" | sed -n 's/^data_version: //p')
# fleet_proxy NAME KEY NOTIFY [FEEDS [UPSTREAM]]: an instance following
# the pushed data (FEEDS "none": Alpine's secdb imported into its own
# store) in front of the registry (or UPSTREAM).
fleet_proxy() {
	mkdir -p "$T/$1-st"
	feeds="feeds:
  - name: fleet
    url: oci://portcullis/advisories:current
    interval: 1"
	if [ "${4:-}" = none ]; then
		feeds=""
		"$PORTCULLIS" db import -s "$T/$1-st" "$CORPUS/alpine/secdb" >/dev/null 2>&1 ||
		    bail "secdb import"
	fi
	PX_STATE=$T/$1-st start_proxy "$1" "${5:-$REG_URL}" "policy:
  severity: high
$feeds
monitor:
  interval: 1
webhooks:
  - http://127.0.0.1:$HP/hook
fleet:
  key_file: $2
  instance: $1
  notify: $3
  claim_ttl: 3"
}
# data_version PORT: the version the instance judges with
data_version() {
	curl -sf "http://127.0.0.1:$1/metrics" | sed -n 's/^portcullis_data_version_info{version="\(.*\)"} 1$/\1/p'
}
# wait_version V PORT...: until every instance judges with V (20 s)
wait_version() {
	wv=$1; shift
	i=0
	while [ $i -lt 200 ]; do
		all=1
		for p in "$@"; do [ "$(data_version "$p")" = "$wv" ] || all=0; done
		[ $all = 1 ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
fleet_proxy px1 "$T/fleet.key" true; P1=$PX_PORT
fleet_proxy px2 "$T/fleet.key" true; P2=$PX_PORT
fleet_proxy px3 "$T/fleet.key" false; P3=$PX_PORT
check "all three judge with the pushed data version ($V1)" wait_version "$V1" $P1 $P2 $P3
start_haproxy_rr $P1 $P2 $P3
B=127.0.0.1:$HA_PORT
SK="skopeo --insecure-policy"
PM="podman --root $T/pm-root --runroot $T/pm-run --storage-driver vfs"
PM="$PM --cgroup-manager cgroupfs --events-backend none"
metric() { curl -sf "http://127.0.0.1:$1/metrics" | sed -n "s/^$2 //p"; }
fleet_sum() {
	s=0
	for p in $P1 $P2 $P3; do
		v=$(metric "$p" "$1"); s=$((s + ${v:-0}))
	done
	echo "$s"
}
# verdict PORT REPO: what skopeo is told for REPO:v1 through PORT
verdict() {
	out=$($SK inspect --tls-verify=false "docker://127.0.0.1:$1/$2:v1" 2>&1)
	case "$out" in
	*'"Digest"'*) echo allowed;;
	*denied*) echo "$out" | grep -o 'CVE-[0-9-]*' | head -n 1 | sed 's/^/denied /';;
	*) echo "other: $(echo "$out" | tail -n 1 | cut -c1-200)";;
	esac
}

for v in 3.20.3 3.14.10 3.12.12; do
	mkimage_tgz "$T/img-$v" v1 "$CORPUS/alpine/alpine-minirootfs-$v-x86_64.tar.gz" diff
done
ok_push=1
for v in 3.20.3 3.14.10; do
	$SK copy --dest-tls-verify=false "oci:$T/img-$v:v1" "docker://$B/alpine/$v:v1" \
	    >"$T/push-$v.log" 2>&1 || { ok_push=0; sed 's/^/# /' "$T/push-$v.log"; }
done
check "skopeo pushes two images through the balancer" [ "$ok_push" = 1 ]
# podman pushes what it holds: seeded straight into the registry.
$SK copy --dest-tls-verify=false "oci:$T/img-3.12.12:v1" \
    "docker://127.0.0.1:$REG_PORT/seed/alpine:v1" >/dev/null 2>&1 || bail "seeding failed"
$PM pull -q --tls-verify=false "127.0.0.1:$REG_PORT/seed/alpine:v1" >"$T/pm.log" 2>&1 ||
    sed 's/^/# /' "$T/pm.log"
check "podman pushes the third through the balancer" \
    $PM push --tls-verify=false "127.0.0.1:$REG_PORT/seed/alpine:v1" "$B/alpine/3.12.12:v1"

# Every layer's result published before anyone judges (each by the
# instance that scanned it, off the push's path; an upload whose
# commit went elsewhere is settled after UPLOAD_IDLE_SETTLE seconds).
layers=""
for v in 3.20.3 3.14.10 3.12.12; do
	# The layer as pushed (podman compresses it again).
	h=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
	    "$REG_URL/v2/alpine/$v/manifests/v1" | python3 -c 'import json,sys
print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
	layers="$layers $v=$h"
done
i=0
while :; do
	tags=$(curl -sf "$REG_URL/v2/portcullis/results/tags/list")
	missing=""
	for vh in $layers; do
		case "$tags" in *"sha256-${vh#*=}"*) ;; *) missing="$missing ${vh%%=*}";; esac
	done
	[ -z "$missing" ] || [ $i -ge 200 ] && break
	sleep 0.1; i=$((i + 1))
done
expect_eq "every layer's result is in the registry's results repository" "" "$missing"

for p in $P1 $P2 $P3; do
	expect_eq "alpine 3.20.3 through :$p" "denied CVE-2024-9143" "$(verdict "$p" alpine/3.20.3)"
	expect_eq "alpine 3.12.12 through :$p" "denied CVE-2022-37434" "$(verdict "$p" alpine/3.12.12)"
	expect_eq "alpine 3.14.10 through :$p" "allowed" "$(verdict "$p" alpine/3.14.10)"
done
# The SBOM and the report, attached by whichever instances judged first.
D=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
    -o /dev/null -w '%header{docker-content-digest}' "$REG_URL/v2/alpine/3.20.3/manifests/v1")
i=0
while [ $i -lt 100 ]; do
	refs=$(curl -sf "http://127.0.0.1:$P2/v2/alpine/3.20.3/referrers/$D" | python3 -c 'import json,sys
print(" ".join(sorted(d["artifactType"] + "=" + d["digest"] for d in json.load(sys.stdin)["manifests"])))' 2>/dev/null)
	case "$refs" in *cyclonedx*portcullis.report*) break;; esac
	sleep 0.1; i=$((i + 1))
done
expect_eq "3.20.3 has one SBOM and one report as referrers" \
    "application/vnd.cyclonedx+json application/vnd.portcullis.report.v1+json" \
    "$(echo "$refs" | tr ' ' '\n' | cut -d= -f1 | paste -sd' ')"
# blob_of ARTIFACT-DIGEST: its one layer, read straight from the registry
blob_of() {
	l=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    "$REG_URL/v2/alpine/3.20.3/manifests/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
	curl -sf "$REG_URL/v2/alpine/3.20.3/blobs/$l"
}
sbom=$(echo "$refs" | tr ' ' '\n' | sed -n 's/^application\/vnd.cyclonedx+json=//p')
report=$(echo "$refs" | tr ' ' '\n' | sed -n 's/^application\/vnd.portcullis.report.v1+json=//p')
expect_eq "the SBOM lists the image's packages (libcrypto3 3.3.2-r0) and its CVE" "1 1" \
    "$(blob_of "$sbom" | python3 -c 'import json,sys
b = json.load(sys.stdin)
print(int(any(c["name"] == "libcrypto3" and c["version"] == "3.3.2-r0" for c in b["components"])),
      int(any(v["id"] == "CVE-2024-9143" for v in b["vulnerabilities"])))')"
expect_eq "the report says deny, for CVE-2024-9143, on the fleet's data" "deny 1 $V1" \
    "$(blob_of "$report" | python3 -c 'import json,sys
r = json.load(sys.stdin)
print(r["verdict"], int(any(v["id"] == "CVE-2024-9143" for v in r["vulnerabilities"])), r["data_version"])')"
expect_eq "the SBOM itself pulls through an instance (an artifact: nothing to run, nothing to scan)" \
    "200 200" "$(for p in $P1 $P3; do curl -s -o /dev/null -w '%{http_code} ' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$p/v2/alpine/3.20.3/manifests/$sbom"; done | sed 's/ $//')"
# Deleted through an instance that did not attach it: out of the index
# every instance reads (the fallback tag in the registry).
st=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$P3/v2/alpine/3.20.3/manifests/$sbom")
i=0
while [ $i -lt 100 ] && curl -sf "http://127.0.0.1:$P1/v2/alpine/3.20.3/referrers/$D" | grep -q "$sbom"; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "the SBOM deleted through another instance (202) leaves every instance's referrers list" \
    "202 application/vnd.portcullis.report.v1+json" \
    "$st $(curl -sf "http://127.0.0.1:$P2/v2/alpine/3.20.3/referrers/$D" | python3 -c 'import json,sys
print(" ".join(sorted(d["artifactType"] for d in json.load(sys.stdin)["manifests"])))')"
check "podman pulls the clean image through the balancer" \
    $PM pull --tls-verify=false "$B/alpine/3.14.10:v1"
if out=$($PM pull --tls-verify=false "$B/alpine/3.20.3:v1" 2>&1); then
	not_ok "podman is refused the vulnerable image through the balancer"
else
	case "$out" in *denied*CVE-2024-9143*) ok "podman is refused the vulnerable image through the balancer";;
	*) not_ok "podman is refused the vulnerable image through the balancer"; echo "# $out" | tail -n 2;; esac
fi
# Every metric an instance of a fleet shows, as Prometheus reads them.
curl -sf "http://127.0.0.1:$P1/metrics" > "$T/metrics.txt"
check "/metrics passes promtool check metrics (every metric with its HELP and TYPE)" \
    sh -c "promtool check metrics < '$T/metrics.txt' >'$T/promtool.out' 2>&1"
expect_eq "... and none says it has no help text" 0 "$(grep -c 'no help text' "$T/metrics.txt")"
ff=$(fleet_sum portcullis_layers_from_fleet_total)
check "instances judged layers from the fleet's results, not by scanning them again ($ff)" [ "$ff" -ge 3 ]
expect_eq "no result failed to publish or was rejected" "0 0" \
    "$(fleet_sum portcullis_fleet_results_publish_failures_total) $(fleet_sum portcullis_fleet_results_rejected_total)"

# A layer one instance is still scanning: another holds its pull for
# that instance's result rather than scanning the layer too. px4 reads
# the registry's blobs through nginx at 1 MiB/s, so its scan of a new
# layer (the 3.20.3 rootfs gzipped again, 3.5 MiB), pulled for an image
# pushed straight to the registry, takes seconds; it claims the layer
# meanwhile (a signed tag sha256-<hex>.scanning in the results
# repository, renewed while the scan runs).
NGX_EXTRA=$(ngx_slow_blobs 1m)
start_nginx "$REG_PORT"
fleet_proxy px4 "$T/fleet.key" false "" "http://127.0.0.1:$NG_PORT"; P4=$PX_PORT
mkdir -p "$T/claimz"
gzip -dc "$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz" | gzip -1 > "$T/claimz/rootfs.tar.gz"
mkimage_tgz "$T/img-claim" v1 "$T/claimz/rootfs.tar.gz" diff
LC=$(sha256sum "$T/claimz/rootfs.tar.gz" | cut -d' ' -f1)
$SK copy --dest-tls-verify=false "oci:$T/img-claim:v1" "docker://127.0.0.1:$REG_PORT/team/claimed:v1" \
    >"$T/push-claim.log" 2>&1 || bail "direct push: $(tail -n 1 "$T/push-claim.log")"
pull_claimed() {
	curl -s -o "$T/claim$1.out" -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    "http://127.0.0.1:$2/v2/team/claimed/manifests/v1" > "$T/claim$1.code"
}
pull_claimed 4 "$P4" &
c4=$!
i=0
until curl -sf "$REG_URL/v2/portcullis/results/tags/list" | grep -q "sha256-$LC.scanning" || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1))
done
curl -sf "$REG_URL/v2/portcullis/results/tags/list" | grep -q "sha256-$LC.scanning" &&
    ! curl -sf "$REG_URL/v2/portcullis/results/tags/list" | grep -q "\"sha256-$LC\"" &&
    ok "px4 claims the layer while it scans it (no result for it yet)" ||
    not_ok "px4 claims the layer while it scans it (no result for it yet)"
pull_claimed 2 "$P2"
grep -q "layer sha256:$LC is being scanned by instance px4: waiting" "$T/px2.log" &&
    ok "px2 held the pull, waiting for px4's result" || not_ok "px2 held the pull, waiting for px4's result"
wait "$c4"
expect_eq "both refuse it for CVE-2024-9143; px2 scanned none of it itself" \
    "403 403 1 1 1" "$(cat "$T/claim4.code") $(cat "$T/claim2.code") $(grep -c CVE-2024-9143 "$T/claim4.out") \
$(grep -c CVE-2024-9143 "$T/claim2.out") \
$(grep -c "scan: team/claimed@.* pulled and scanned (0 layers; 1 more from the fleet's results)" "$T/px2.log")"
stop_proxy px4

# A proxy with another key publishes its result for a new layer (the
# 3.12.12 rootfs gzipped again): the fleet scans it itself.
mkdir -p "$T/regz"
gzip -dc "$CORPUS/alpine/alpine-minirootfs-3.12.12-x86_64.tar.gz" | gzip -1 > "$T/regz/rootfs.tar.gz"
mkimage_tgz "$T/img-rogue" v1 "$T/regz/rootfs.tar.gz" diff
fleet_proxy rogue "$T/rogue.key" false none; PR=$PX_PORT
$SK copy --dest-tls-verify=false "oci:$T/img-rogue:v1" "docker://127.0.0.1:$PR/other/app:v1" \
    >"$T/push-rogue.log" 2>&1 || bail "push through the rogue proxy: $(tail -n 1 "$T/push-rogue.log")"
i=0
while [ "$(metric "$PR" portcullis_fleet_results_published_total)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "a result signed with another key is not trusted; the layer is scanned" \
    "denied CVE-2022-37434" "$(verdict "$P1" other/app)"
expect_eq "px1 counted the rejected result" 1 "$(metric "$P1" portcullis_fleet_results_rejected_total)"
stop_proxy rogue

# Data signed with another key is not taken: whoever may push to the
# repository cannot empty the fleet's advisories.
"$PORTCULLIS" db import -s "$T/pub2" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 || bail "osv import"
"$PORTCULLIS" db push -s "$T/pub2" -c "$T/rogue-pub.yml" portcullis/advisories:current >/dev/null ||
    bail "rogue db push"
i=0
while ! grep -q "feed fleet: .*is not signed with fleet.key_file" "$T/px1.log" && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "data signed with another key: refused, the fleet keeps $V1" "$V1 $V1 $V1" \
    "$(data_version $P1) $(data_version $P2) $(data_version $P3)"

# New data for the fleet (advisories without Alpine's): every instance
# takes the same version, and 3.20.3 flips to allowed on each.
: > "$T/hooks.jsonl"
"$PORTCULLIS" db push -s "$T/pub2" -c "$T/pub.yml" portcullis/advisories:current >/dev/null ||
    bail "second db push"
V2=$("$PORTCULLIS" db info -s "$T/pub2" | sed -n 's/^data_version: //p')
check "after the second db push all three judge with $V2" wait_version "$V2" $P1 $P2 $P3
D=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
    -o /dev/null -w '%header{docker-content-digest}' "$REG_URL/v2/alpine/3.20.3/manifests/v1")
i=0
while [ "$(grep -c "\"digest\":\"$D\"" "$T/hooks.jsonl")" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 1		# a third sender, if there were one, would be in by now
ev=$(grep "\"digest\":\"$D\"" "$T/hooks.jsonl" | python3 -c 'import json,sys
es = [json.loads(l) for l in sys.stdin]
print(len(es), len({e["id"] for e in es}), ",".join(sorted(e["instance"] for e in es)),
      ",".join(sorted({e["before"] + ">" + e["after"] + ":" + e["cause"] for e in es})))')
expect_eq "the flip of 3.20.3: two events (notify on), one id, the same change" \
    "2 1 px1,px2 deny>allow:advisory-data" "$ev"
for p in $P1 $P2 $P3; do
	expect_eq "alpine 3.20.3 through :$p on the new data" "allowed" "$(verdict "$p" alpine/3.20.3)"
done
# And back to Alpine's data for what follows.
"$PORTCULLIS" db push -s "$T/pub" -c "$T/pub.yml" portcullis/advisories:current >/dev/null ||
    bail "third db push"
wait_version "$V1" $P1 $P2 $P3 || bail "the fleet did not go back to $V1"

# kill -9 of px2 while a push (the 3.20.3 layer and 48 MiB of noise)
# goes through the balancer: complete or failed, never let by unjudged.
mkdir -p "$T/noise"
head -c 50331648 /dev/urandom > "$T/noise/noise.bin"
cp "$CORPUS/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz" "$T/base.tar.gz"
mkdir -p "$T/rootfs" && tar -xzf "$T/base.tar.gz" -C "$T/rootfs" 2>/dev/null
mkimage "$T/img-big" v1 "$T/rootfs" "$T/noise"
$SK copy --dest-tls-verify=false "oci:$T/img-big:v1" "docker://$B/team/big:v1" >"$T/push-big.log" 2>&1 &
push=$!
sleep 0.4
kill -9 "$PID_px2"
wait "$push" 2>/dev/null && echo "# the push completed" || echo "# the push failed"
for p in $P1 $P3; do
	v=$(verdict "$p" team/big)
	case "$v" in allowed) not_ok "after kill -9 mid-push, :$p does not let the image by ($v)";;
	*) ok "after kill -9 mid-push, :$p does not let the image by ($v)";; esac
done
PID_px2=
# The balancer has taken px2 out: the same push again completes, and
# the two left judge it from what the fleet knows.
sleep 1
check "the push again through the balancer, one instance down" \
    $SK copy --dest-tls-verify=false "oci:$T/img-big:v1" "docker://$B/team/big:v1"
for p in $P1 $P3; do
	expect_eq "then :$p refuses it" "denied CVE-2024-9143" "$(verdict "$p" team/big)"
done
stop_proxy px1
stop_proxy px3
