#!/bin/sh
# podman, a second real client, pushes and pulls through the proxy. Its
# storage lives under the test's temporary directory.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo podman curl
tap_plan 5

start_registry reg
start_proxy px "$REG_URL"
P="127.0.0.1:$PX_PORT"
PM="podman --root $T/pm-root --runroot $T/pm-run --storage-driver vfs"
PM="$PM --cgroup-manager cgroupfs --events-backend none"

mkdir -p "$T/l1" "$T/l2"
cp -rL /etc/ssl/certs "$T/l1/" 2>/dev/null
head -c 4000000 /dev/urandom > "$T/l2/data.bin"
mkimage "$T/img" v1 "$T/l1" "$T/l2"
want=$MKIMAGE_DIGEST
# Seed the registry directly, so the pull below goes only through the proxy.
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/pm/src:v1" >/dev/null 2>&1 || bail "seeding failed"

check "podman pulls a 2-layer image through the proxy" \
    $PM pull --tls-verify=false "$P/pm/src:v1"
got=$($PM image inspect --format '{{.Digest}}' "$P/pm/src:v1" 2>/dev/null)
expect_eq "podman recorded the manifest digest the registry serves" "$want" "$got"

check "podman pushes it to another repository through the proxy" \
    $PM push --tls-verify=false "$P/pm/src:v1" "$P/pm/dst:v2"
pushed=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
    "$REG_URL/v2/pm/dst/manifests/v2")
n=0
for l in $(echo "$pushed" | grep -o '"digest":"sha256:[0-9a-f]*"' | cut -d'"' -f4); do
	curl -sf -o "$T/blob" "$REG_URL/v2/pm/dst/blobs/$l" &&
	    [ "sha256:$(sha256sum "$T/blob" | cut -d' ' -f1)" = "$l" ] && n=$((n + 1))
done
expect_eq "config and both layers landed upstream with valid digests" 3 "$n"
stop_proxy px
