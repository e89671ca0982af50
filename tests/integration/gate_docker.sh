#!/bin/sh
# The real docker client and engine (Debian's docker.io, started by the
# test: vfs storage, no networking of its own) through the proxy, once
# for the suite: with policy.enforce [push, pull], `docker push` of an
# image carrying real lodash 4.17.20 is refused and docker prints the
# DENIED message; the registry never has it. A clean image pushes and
# `docker pull` takes it back. In a repository that enforces [pull]
# only, the same image lands and `docker pull` is refused, saying why.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
. "$top_srcdir/tests/lib/dockerd.sh"
need dockerd docker-registry skopeo curl npm
[ "$(id -u)" = 0 ] || skip_all "dockerd needs root"
tap_plan 9

osv_state
npm_module "$T/app/app" lodash 4.17.20
mkdir -p "$T/plain"
cp -rL /etc/ssl/certs "$T/plain/"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/vuln" v1 "$T/app"
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/clean" v1 "$T/plain"

start_registry reg
R=$REG_URL
start_proxy px "$R" "policy:
  severity: high
  enforce: [push, pull]
  repositories:
    - match: \"legacy/*\"
      enforce: [pull]"
P="127.0.0.1:$PX_PORT"
in_registry() {
	curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
	    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$R/v2/$1/manifests/$2"
}
start_dockerd
docker_load "$T/vuln" v1 local/app:v1
docker_load "$T/clean" v1 local/clean:v1

$DOCKER tag local/app:v1 "$P/team/app:v1"
refused "docker push of lodash 4.17.20 is refused" "$T/push1.out" \
    'denied: team/app@sha256:[0-9a-f]* blocked by policy: .*GHSA-35jh-r3h4-6jhm in lodash 4.17.20' \
    "docker prints the DENIED message naming the advisory" \
    $DOCKER push "$P/team/app:v1"
expect_eq "the registry has no team/app:v1" 404 "$(in_registry team/app v1)"

$DOCKER tag local/clean:v1 "$P/team/clean:v1"
check "docker pushes the clean image" $DOCKER push "$P/team/clean:v1"
expect_eq "the registry has team/clean:v1" 200 "$(in_registry team/clean v1)"
$DOCKER rmi "$P/team/clean:v1" local/clean:v1 >/dev/null 2>&1
check "docker pulls it back through the proxy" $DOCKER pull "$P/team/clean:v1"

$DOCKER tag local/app:v1 "$P/legacy/app:v1"
check "under enforce [pull] (legacy/*) the same image is pushed" $DOCKER push "$P/legacy/app:v1"
$DOCKER rmi "$P/legacy/app:v1" "$P/team/app:v1" local/app:v1 >/dev/null 2>&1
if $DOCKER pull "$P/legacy/app:v1" >"$T/pull.out" 2>&1; then
	not_ok "and docker pull of it is refused, saying why"
else
	grep -q 'denied: legacy/app@sha256:[0-9a-f]* blocked by policy: .*GHSA-35jh-r3h4-6jhm' "$T/pull.out" &&
	    ok "and docker pull of it is refused, saying why" ||
	    { not_ok "and docker pull of it is refused, saying why"; tail -n 3 "$T/pull.out" | sed 's/^/# /'; }
fi
stop_proxy px
