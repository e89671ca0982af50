#!/bin/sh
# Push and pull real multi-layer images with skopeo through the proxy in
# front of a real docker-registry; every digest must survive the trip.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need skopeo docker-registry curl
tap_plan 17

start_registry reg
start_proxy px "$REG_URL"
P="127.0.0.1:$PX_PORT"
SK="skopeo --insecure-policy"

# Three real layers: CA certificates, a Go binary, 8 MiB of noise.
mkdir -p "$T/l1" "$T/l2" "$T/l3/usr/bin"
cp -rL /etc/ssl/certs "$T/l1/" 2>/dev/null
cp "$(command -v skopeo)" "$T/l3/usr/bin/"
head -c 8388608 /dev/urandom > "$T/l2/noise.bin"
mkimage "$T/img" v1 "$T/l1" "$T/l2" "$T/l3"
want=$MKIMAGE_DIGEST

check "skopeo pushes a 3-layer image through the proxy" \
    $SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/team/app:v1"

got=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -o /dev/null -D - "http://$P/v2/team/app/manifests/v1" |
    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
expect_eq "manifest digest via proxy equals the pushed image's" "$want" "$got"

direct=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$REG_URL/v2/team/app/manifests/v1" | sha256sum | cut -d' ' -f1)
expect_eq "registry itself stored the same manifest" "sha256:$direct" "$want"

check "skopeo pulls the image back through the proxy" \
    $SK copy --src-tls-verify=false "docker://$P/team/app:v1" "oci:$T/out:v1"

a=$(ls "$T/img/blobs/sha256" | sort | tr '\n' ' ')
b=$(ls "$T/out/blobs/sha256" | sort | tr '\n' ' ')
expect_eq "pulled blobs are exactly the pushed blobs" "$a" "$b"

bad=""
for f in "$T/out/blobs/sha256/"*; do
	[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || bad="$bad $f"
done
expect_eq "every pulled blob matches its digest" "" "$bad"

# Cross-repository mount: skopeo asks for mount=&from= on the same registry.
check "copy to another repository (blob mount) through the proxy" \
    $SK copy --src-tls-verify=false --dest-tls-verify=false \
    "docker://$P/team/app:v1" "docker://$P/team/other:v1"
check "the mount request reached the registry through the proxy" \
    grep -q 'mount=sha256' "$T/px-access.log"

tags=$(curl -sf "http://$P/v2/team/app/tags/list")
expect_eq "tags/list relayed" '{"name":"team/app","tags":["v1"]}' "$tags"

cat=$(curl -sf "http://$P/v2/_catalog")
expect_eq "_catalog relayed" '{"repositories":["team/app","team/other"]}' "$cat"

layer=$(sed 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/' \
    "$T/img/blobs/sha256/${want#sha256:}")
size=$(stat -c %s "$T/img/blobs/sha256/${layer#sha256:}")
hlen=$(curl -sfI "http://$P/v2/team/app/blobs/$layer" | tr -d '\r' |
    sed -n 's/^[Cc]ontent-[Ll]ength: //p')
expect_eq "HEAD on a blob reports its size" "$size" "$hlen"

curl -sf -r 100-1123 -o "$T/range.bin" -w '%{http_code}' \
    "http://$P/v2/team/app/blobs/$layer" > "$T/range.code"
expect_eq "Range request answered with 206" "206" "$(cat "$T/range.code")"
tail -c +101 "$T/img/blobs/sha256/${layer#sha256:}" | head -c 1024 > "$T/range.want"
check "Range bytes are the right slice" cmp "$T/range.want" "$T/range.bin"

code=$(curl -s -o /dev/null -w '%{http_code}' \
    "http://$P/v2/team/app/referrers/$want")
dcode=$(curl -s -o /dev/null -w '%{http_code}' \
    "$REG_URL/v2/team/app/referrers/$want")
# docker-registry 2.8 has no referrers API: the proxy answers it
# (relay_referrers.sh), here with an empty index.
expect_eq "referrers: the registry has no such API, the proxy answers it" \
    "404 200" "$dcode $code"

check "skopeo deletes the manifest through the proxy" \
    $SK delete --tls-verify=false "docker://$P/team/other:v1"
code=$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$REG_URL/v2/team/other/manifests/v1")
expect_eq "deleted manifest is gone upstream" "404" "$code"
stop_proxy px
