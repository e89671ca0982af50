#!/bin/sh
# The distribution spec's workflows (pull, push, content discovery,
# content management), each step checked as the OCI conformance suite
# checks it, run twice in one test: straight against docker-registry
# 2.8 and through the proxy. The proxy must pass every step the
# registry passes (it relays the API unchanged) and the ones the
# registry fails that it answers itself: the referrers API, the tags
# list's pages, the 404 for a reference that cannot exist. (The suite
# itself is a Go module this machine cannot download; these are its
# steps, written against the spec's text.)
. "$top_srcdir/tests/lib/common.sh"
need docker-registry curl python3 sha256sum
tap_plan 5

start_registry reg
start_proxy px "$REG_URL"

# run_spec BASE NAME: every step against BASE; one "pass|fail name" line each
run_spec() {
	B=$1; R=$2; W="$T/$R"; mkdir -p "$W"
	step() { if "$@" >/dev/null 2>&1; then echo "pass $S"; else echo "fail $S"; fi; }
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	hdr() { curl -s -D - -o /dev/null "$@" | tr -d '\r'; }
	# A real layer (a tar, gzip'd) and its config.
	mkdir -p "$W/fs" && echo "$R" > "$W/fs/hello" &&
	    tar -C "$W/fs" -cf - . | gzip -n > "$W/layer"
	L=sha256:$(sha256sum "$W/layer" | cut -d' ' -f1); LS=$(stat -c %s "$W/layer")
	printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"config":{"User":"nobody"}}' \
	    "$(gzip -dc "$W/layer" | sha256sum | cut -d' ' -f1)" > "$W/config"
	C=sha256:$(sha256sum "$W/config" | cut -d' ' -f1); CS=$(stat -c %s "$W/config")
	printf '{}' > "$W/empty"
	E=sha256:$(sha256sum "$W/empty" | cut -d' ' -f1)
	# upload FILE: POST then one PUT (the monolithic upload)
	upload() {
		loc=$(hdr -X POST "$B/v2/$R/blobs/uploads/" | sed -n 's/^[Ll]ocation: //p')
		case "$loc" in http*) ;; *) loc="$B$loc";; esac
		d=sha256:$(sha256sum "$1" | cut -d' ' -f1)
		[ "$(code -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$loc&digest=$d")" = 201 ]
	}
	S="push: monolithic upload of a layer (POST, PUT): 201"; step upload "$W/layer"
	chunked() {
		loc=$(hdr -X POST "$B/v2/$R/blobs/uploads/" | sed -n 's/^[Ll]ocation: //p')
		case "$loc" in http*) ;; *) loc="$B$loc";; esac
		head -c 100 "$W/config" > "$W/c1"; tail -c +101 "$W/config" > "$W/c2"
		n1=$(stat -c %s "$W/c1")
		loc=$(hdr -X PATCH -H 'Content-Type: application/octet-stream' -H "Content-Range: 0-$((n1 - 1))" \
		    --data-binary "@$W/c1" "$loc" | sed -n 's/^[Ll]ocation: //p')
		case "$loc" in http*) ;; *) loc="$B$loc";; esac
		[ "$(code -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$W/c2" "$loc&digest=$C")" = 201 ]
	}
	S="push: chunked upload (POST, PATCH, PUT with the rest): 201"; step chunked
	S="push: the empty config blob"; step upload "$W/empty"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
	    "$C" "$CS" "$L" "$LS" > "$W/man"
	M=sha256:$(sha256sum "$W/man" | cut -d' ' -f1); MS=$(stat -c %s "$W/man")
	put_man() { [ "$(code -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$2" "$B/v2/$R/manifests/$1")" = 201 ]; }
	S="push: manifest by tag: 201"; step put_man v1 "$W/man"
	for t in c b a; do put_man "$t" "$W/man"; done
	mount() { [ "$(code -X POST "$B/v2/$R-copy/blobs/uploads/?mount=$L&from=$R")" = 201 ]; }
	S="push: cross-repository mount: 201"; step mount
	S="pull: GET /v2/: 200"; step test "$(code "$B/v2/")" = 200
	S="pull: HEAD manifest by tag: 200 and its digest"; step sh -c "curl -s -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' '$B/v2/$R/manifests/v1' | tr -d '\r' | grep -qi '^docker-content-digest: $M'"
	S="pull: GET manifest by digest: the same bytes"; step sh -c "curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' '$B/v2/$R/manifests/$M' | cmp -s - '$W/man'"
	S="pull: GET an unknown manifest: 404"; step test "$(code "$B/v2/$R/manifests/nope")" = 404
	S="pull: GET a reference that cannot exist: 404"; step test "$(code "$B/v2/$R/manifests/-bad")" = 404
	S="pull: HEAD blob: 200 and its length"; step sh -c "curl -s -I '$B/v2/$R/blobs/$L' | tr -d '\r' | grep -qi '^content-length: $LS'"
	S="pull: GET blob: the same bytes"; step sh -c "curl -sf '$B/v2/$R/blobs/$L' | cmp -s - '$W/layer'"
	S="pull: GET an unknown blob: 404"; step test "$(code "$B/v2/$R/blobs/sha256:$(printf x | sha256sum | cut -d' ' -f1)")" = 404
	S="pull: GET blob with Range: 206"; step test "$(code -r 0-9 "$B/v2/$R/blobs/$L")" = 206
	S="discovery: tags list: all four"; step sh -c "curl -sf '$B/v2/$R/tags/list' | python3 -c 'import json,sys; assert sorted(json.load(sys.stdin)[\"tags\"]) == [\"a\",\"b\",\"c\",\"v1\"]'"
	S="discovery: tags list n=2: the first two, in lexical order"; step sh -c "curl -sf '$B/v2/$R/tags/list?n=2' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"tags\"] == [\"a\",\"b\"]'"
	S="discovery: tags list n=2 last=b: the next two"; step sh -c "curl -sf '$B/v2/$R/tags/list?n=2&last=b' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"tags\"] == [\"c\",\"v1\"]'"
	S="discovery: tags list n=1: a Link to the next page"; step sh -c "curl -s -D - -o /dev/null '$B/v2/$R/tags/list?n=1' | tr -d '\r' | grep -qi '^link: <.*last=a.*rel=\"next\"'"
	# An artifact whose subject is the image.
	echo "sbom of $R" > "$W/sbom"; upload "$W/sbom"
	SB=sha256:$(sha256sum "$W/sbom" | cut -d' ' -f1)
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"text/plain","digest":"%s","size":%s}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s}}' \
	    "$E" "$SB" "$(stat -c %s "$W/sbom")" "$M" "$MS" > "$W/art"
	A=sha256:$(sha256sum "$W/art" | cut -d' ' -f1)
	S="push: a manifest with a subject, by digest: 201"; step put_man "$A" "$W/art"
	S="push: its answer says OCI-Subject: the image"; step sh -c "curl -s -D - -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary '@$W/art' '$B/v2/$R/manifests/$A' | tr -d '\r' | grep -qi '^oci-subject: $M\$'"
	sleep 0.5	# the proxy adds it to the subject's index off the push's path
	S="discovery: referrers of the image: 200, an index listing the artifact"; step sh -c "curl -sf '$B/v2/$R/referrers/$M' | python3 -c 'import json,sys; j = json.load(sys.stdin); assert j[\"mediaType\"] == \"application/vnd.oci.image.index.v1+json\" and [d[\"digest\"] for d in j[\"manifests\"]] == [\"$A\"] and j[\"manifests\"][0][\"artifactType\"] == \"application/vnd.example.sbom\"'"
	S="discovery: referrers filtered by artifactType: OCI-Filters-Applied"; step sh -c "curl -s -D - -o /dev/null '$B/v2/$R/referrers/$M?artifactType=application/vnd.example.sbom' | tr -d '\r' | grep -qi '^oci-filters-applied: artifactType'"
	S="discovery: referrers filtered to another type: an empty index"; step sh -c "curl -sf '$B/v2/$R/referrers/$M?artifactType=application/vnd.example.other' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"manifests\"] == []'"
	S="discovery: referrers of a digest nothing refers to: 200, empty"; step sh -c "curl -sf '$B/v2/$R/referrers/sha256:$(printf y | sha256sum | cut -d' ' -f1)' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"manifests\"] == []'"
	S="management: DELETE the artifact manifest: 202"; step test "$(code -X DELETE "$B/v2/$R/manifests/$A")" = 202
	S="management: GET it after: 404"; step test "$(code -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$B/v2/$R/manifests/$A")" = 404
	sleep 0.5	# the proxy takes it out of the subject's index off the path
	S="discovery: referrers after the DELETE: 200, the artifact gone"; step sh -c "curl -sf '$B/v2/$R/referrers/$M' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"manifests\"] == []'"
	S="management: DELETE a blob: 202"; step test "$(code -X DELETE "$B/v2/$R/blobs/$SB")" = 202
	S="management: GET the blob after: 404"; step test "$(code "$B/v2/$R/blobs/$SB")" = 404
}
run_spec "$REG_URL" direct > "$T/direct.txt"
run_spec "http://127.0.0.1:$PX_PORT" proxied > "$T/proxied.txt"
nd=$(grep -c '^pass' "$T/direct.txt"); np=$(grep -c '^pass' "$T/proxied.txt"); nt=$(wc -l < "$T/direct.txt")
echo "# direct to docker-registry 2.8: $nd of $nt steps; through the proxy: $np of $nt"
grep '^fail' "$T/direct.txt" | sed 's/^/# direct: /'
grep '^fail' "$T/proxied.txt" | sed 's/^/# proxied: /'
lost=$(cut -d' ' -f2- "$T/direct.txt" | while read -r s; do
	grep -qxF "pass $s" "$T/direct.txt" && ! grep -qxF "pass $s" "$T/proxied.txt" && echo "$s"; done)
expect_eq "every step the registry passes, the proxy passes too" "" "$lost"
expect_eq "through the proxy: every step" "$nt" "$np"
check "the proxy passes more steps than the registry alone ($np > $nd)" [ "$np" -gt "$nd" ]
check "the steps ran ($nt)" [ "$nt" -ge 29 ]
stop_proxy px
