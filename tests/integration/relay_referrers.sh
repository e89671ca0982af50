#!/bin/sh
# The OCI 1.1 referrers API in front of docker-registry 2.8, which has
# none: artifacts pushed through the proxy with a subject (an SBOM and a
# signature naming an image) are listed by GET /v2/<name>/referrers/<d>,
# through the proxy that took them and through a second one (the list
# lives in the registry, as the spec's fallback index <alg>-<hex>), with
# the artifactType filter, an empty list for a digest nothing refers to,
# and the registry's own refusal (401 and its challenge) for a caller
# without credentials. Artifacts pull through without a scan; a
# WebAssembly module does not count as one.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo htpasswd curl python3
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine" ] || skip_all "../shared/corpus not found"
tap_plan 12

htpasswd -Bbn alice s3cret > "$T/htpasswd"
REG_EXTRA="auth:
  htpasswd:
    realm: portcullis-test
    path: $T/htpasswd"
start_registry reg
# Both refuse images that run as root: an artifact (its config is the
# empty one, no user) is no image, and must not be taken for one.
start_proxy px1 "$REG_URL" "policy:
  misconfig: [root-user]"; P1=127.0.0.1:$PX_PORT
echo s3cret > "$T/pw"
start_proxy px2 "$REG_URL" "scanner:
  username: alice
  password_file: $T/pw
policy:
  misconfig: [root-user]
  unknown_images: scan"; P2=127.0.0.1:$PX_PORT
C="-u alice:s3cret"

mkimage_tgz "$T/img" v1 "$CORPUS/alpine/alpine-minirootfs-3.14.10-x86_64.tar.gz" diff
skopeo --insecure-policy copy --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$T/img:v1" "docker://$P1/team/app:v1" >/dev/null 2>&1 || bail "image push"
D=$(curl -s $C -o /dev/null -w '%header{docker-content-digest}' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REG_URL/v2/team/app/manifests/v1")
SIZE=$(curl -s $C -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REG_URL/v2/team/app/manifests/v1" | wc -c)

# put_blob FILE: a blob of team/app through px1 (POST, then PUT)
put_blob() {
	h=$(sha256sum "$1" | cut -d' ' -f1)
	loc=$(curl -s $C -X POST -D - -o /dev/null "http://$P1/v2/team/app/blobs/uploads/" |
	    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case "$loc" in http*) ;; *) loc="http://$P1$loc";; esac
	curl -sf $C -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
	    "$loc&digest=sha256:$h" >/dev/null || bail "blob upload"
	echo "$h"
}
printf '{}' > "$T/empty"
put_blob "$T/empty" >/dev/null
# artifact TYPE CONTENT: an artifact manifest with subject D, its digest
artifact() {
	printf '%s' "$2" > "$T/blob"
	bh=$(put_blob "$T/blob")
	python3 - "$1" "$bh" "$(wc -c < "$T/blob")" "$D" "$SIZE" > "$T/art.json" <<'PY'
import json, sys
t, bh, bs, d, ds = sys.argv[1:]
print(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": t,
    "config": {"mediaType": "application/vnd.oci.empty.v1+json",
               "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2},
    "layers": [{"mediaType": "application/octet-stream", "digest": "sha256:" + bh, "size": int(bs)}],
    "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": int(ds)},
    "annotations": {"org.example.kind": t}}, separators=(",", ":")), end="")
PY
	curl -sf $C -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
	    --data-binary "@$T/art.json" -D - -o /dev/null "http://$P1/v2/team/app/manifests/$3" |
	    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}
A1=$(artifact application/vnd.example.sbom '{"bomFormat":"CycloneDX"}' sbom)
A2=$(artifact application/vnd.example.signature 'signed' sig)
check "two artifacts naming the image pushed through px1" [ -n "$A1" ] && [ -n "$A2" ]
i=0
while [ "$(curl -sf "http://$P1/metrics" | sed -n 's/^portcullis_referrers_index_added_total //p')" != 2 ] &&
    [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
# list PROXY [QUERY]: "status type digests-by-artifactType"
list() {
	curl -s $C -D "$T/h" -o "$T/b" "http://$1/v2/team/app/referrers/$D${2:-}"
	python3 - "$T/b" "$T/h" <<'PY'
import json, sys
h = open(sys.argv[2]).read().replace("\r", "")
st = h.split("\n")[0].split()[1]
ct = [l.split(":", 1)[1].strip() for l in h.split("\n") if l.lower().startswith("content-type:")]
fl = [l.split(":", 1)[1].strip() for l in h.split("\n") if l.lower().startswith("oci-filters-applied:")]
try:
    ix = json.load(open(sys.argv[1]))
    m = sorted(d.get("artifactType", "?") + "=" + d["digest"] for d in ix["manifests"])
except Exception as e:
    m = ["unreadable: %s" % e]
print(st, ct[0] if ct else "-", " ".join(m), "filter=" + (fl[0] if fl else "-"))
PY
}
want="200 application/vnd.oci.image.index.v1+json application/vnd.example.signature=$A2 application/vnd.example.sbom=$A1 filter=-"
want=$(echo "$want" | python3 -c 'import sys; w = sys.stdin.read().split(); print(" ".join(w[:2] + sorted(w[2:4]) + w[4:]))')
expect_eq "GET referrers through px1: both artifacts, as an image index" "$want" "$(list "$P1")"
expect_eq "through px2, which never saw them: the same list" "$want" "$(list "$P2")"
expect_eq "?artifactType= keeps the SBOM only, and says so" \
    "200 application/vnd.oci.image.index.v1+json application/vnd.example.sbom=$A1 filter=artifactType" \
    "$(list "$P2" '?artifactType=application/vnd.example.sbom')"
N=sha256:0000000000000000000000000000000000000000000000000000000000000000
expect_eq "a digest nothing refers to: 200 and an empty index" \
    '200 {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}' \
    "$(curl -s $C -w '%{http_code} ' -o "$T/e" "http://$P1/v2/team/app/referrers/$N"; cat "$T/e")"
hdr=$(curl -s -D - -o /dev/null "http://$P2/v2/team/app/referrers/$D" | tr -d '\r')
expect_eq "without credentials: the registry's 401 and challenge" \
    "401 Basic realm=\"portcullis-test\"" \
    "$(echo "$hdr" | head -n 1 | cut -d' ' -f2) $(echo "$hdr" | grep -i '^www-authenticate' | cut -d' ' -f2-)"
expect_eq "the list lives in the registry: its fallback tag holds both" 2 \
    "$(curl -s $C -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "$REG_URL/v2/team/app/manifests/$(echo "$D" | tr : -)" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["manifests"]))')"
# An artifact is no image (nothing in it runs, so no user to run as):
# px1 recorded it at its push, px2 (which scans what it never saw)
# reads it and lets it by; its blob too.
expect_eq "the SBOM artifact pulls through both proxies, its blob too" "200 200 200" \
    "$(for p in $P1 $P2; do curl -s $C -o /dev/null -w '%{http_code} ' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$p/v2/team/app/manifests/$A1"; done
    curl -s $C -o /dev/null -w '%{http_code}' "http://$P2/v2/team/app/blobs/sha256:$(printf '%s' '{"bomFormat":"CycloneDX"}' | sha256sum | cut -d' ' -f1)")"
# A WebAssembly module is no artifact: a runtime runs it, so it is
# scanned as an image's layer, and a private key in it refuses the pull.
{ printf '\0asm\1\0\0\0'; openssl genrsa 2048 2>/dev/null; } > "$T/mod.wasm"
WH=$(put_blob "$T/mod.wasm")
printf '{"architecture":"wasm","os":"wasip1"}' > "$T/wcfg"
WC=$(put_blob "$T/wcfg")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm","digest":"sha256:%s","size":%s}]}' \
    "$WC" "$(stat -c %s "$T/wcfg")" "$WH" "$(stat -c %s "$T/mod.wasm")" > "$T/wman"
curl -sf $C -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$T/wman" -o /dev/null "http://$P1/v2/team/app/manifests/wasm" || bail "wasm manifest push"
i=0
while [ "$(curl -s $C -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P1/v2/team/app/manifests/wasm")" = 200 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))	# the module's scan may trail its push
done
expect_eq "a WebAssembly module is scanned as an image: a private key in it refuses the pull" 403 \
    "$(curl -s $C -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$P1/v2/team/app/manifests/wasm")"
expect_eq "a POST to the referrers API: 405" 405 \
    "$(curl -s $C -o /dev/null -w '%{http_code}' -X POST "http://$P1/v2/team/app/referrers/$D")"
stop_proxy px1
stop_proxy px2
