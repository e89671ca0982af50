# mkimage DIR TAG LAYERDIR... : write an OCI image layout at DIR holding
# one image tagged TAG whose layers are gzip'd tars of the given
# directories (each directory becomes the root of one layer). Real
# content, real digests: skopeo and podman read it like any image.
#
# mkimage_random DIR TAG MIB: one layer of MIB MiB of incompressible data.

mkimage_blob() {
	# mkimage_blob DIR FILE -> prints sha256 hex, moves FILE into blobs
	h=$(sha256sum "$2" | cut -d' ' -f1)
	mv "$2" "$1/blobs/sha256/$h"
	echo "$h"
}

# mkimage_layer DIR FILE DIFFID: move FILE in as the next layer (appends
# to $layers and $diffids; an empty DIFFID says the blob's own digest).
mkimage_layer() {
	size=$(stat -c %s "$2")
	h=$(mkimage_blob "$1" "$2")
	layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$size}"
	diffids="$diffids${diffids:+,}\"sha256:${3:-$h}\""
}

mkimage() {
	dir=$1
	tag=$2
	shift 2
	mkdir -p "$dir/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
	layers=""
	diffids=""
	for src in "$@"; do
		tar --sort=name --owner=0 --group=0 --numeric-owner \
		    --mtime=@0 -C "$src" -cf "$dir/layer.tar" .
		diff=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
		gzip -n -6 "$dir/layer.tar"
		mkimage_layer "$dir" "$dir/layer.tar.gz" "$diff"
	done
	mkimage_finish "$dir" "$tag" "$layers" "$diffids" "${MKIMAGE_CONFIG:-}"
}

mkimage_finish() {
	dir=$1; tag=$2; layers=$3; diffids=$4; cfg=$5
	printf '{"architecture":"amd64","os":"linux","config":{%s},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
	    "$cfg" "$diffids" > "$dir/config.json"
	csize=$(stat -c %s "$dir/config.json")
	ch=$(mkimage_blob "$dir" "$dir/config.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
	    "$ch" "$csize" "$layers" > "$dir/manifest.json"
	msize=$(stat -c %s "$dir/manifest.json")
	mh=$(mkimage_blob "$dir" "$dir/manifest.json")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
	    "$mh" "$msize" "$tag" > "$dir/index.json"
	MKIMAGE_DIGEST="sha256:$mh"
}

mkimage_random() {
	dir=$1; tag=$2; mib=$3
	mkdir -p "$dir/blobs/sha256" "$dir/src"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
	head -c $((mib * 1024 * 1024)) /dev/urandom > "$dir/src/data.bin"
	tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$dir/src" \
	    -cf "$dir/layer.tar" data.bin
	rm -rf "$dir/src"
	diff=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
	gzip -n -1 "$dir/layer.tar"
	size=$(stat -c %s "$dir/layer.tar.gz")
	h=$(mkimage_blob "$dir" "$dir/layer.tar.gz")
	mkimage_finish "$dir" "$tag" \
	    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$size}" \
	    "\"sha256:$diff\"" ""
	MKIMAGE_LAYER="sha256:$h"
}

# npm_module ROOT NAME VERSION: a real npm package, fetched with npm pack,
# unpacked as ROOT/node_modules/NAME (what npm install leaves on disk).
npm_module() {
	mkdir -p "$1/node_modules"
	(cd "$T" && npm pack --silent "$2@$3" >/dev/null 2>&1) || bail "npm pack $2@$3 failed"
	tar -xzf "$T/$2-$3.tgz" -C "$1/node_modules"
	mv "$1/node_modules/package" "$1/node_modules/$2"
}

# mkimage_app_pair: $T/img-app (real lodash 4.17.20 under /app) and
# $T/img-clean (this machine's CA certificates), each tagged v1, user app.
mkimage_app_pair() {
	npm_module "$T/app/app" lodash 4.17.20
	mkdir -p "$T/plain"
	cp -rL /etc/ssl/certs "$T/plain/"
	MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-app" v1 "$T/app"
	MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-clean" v1 "$T/plain"
}

# mkimage_index DIR DIGEST1 ARCH1 DIGEST2 ARCH2: an OCI image index of two
# linux platform images already in DIR, stored as a blob there ->
# MKIMAGE_INDEX (digest) and MKIMAGE_INDEX_SIZE. The caller names it in
# DIR/index.json as it needs.
mkimage_index() {
	dir=$1
	s1=$(stat -c %s "$dir/blobs/sha256/${2#sha256:}")
	s2=$(stat -c %s "$dir/blobs/sha256/${4#sha256:}")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
	    "$2" "$s1" "$3" "$4" "$s2" "$5" > "$dir/index.blob"
	MKIMAGE_INDEX_SIZE=$(stat -c %s "$dir/index.blob")
	MKIMAGE_INDEX="sha256:$(mkimage_blob "$dir" "$dir/index.blob")"
}

# mkimage_blobs DIR TAG FILE...: an OCI layout whose layers are the given
# files as they are (odd layers: other compressions, corrupt ones),
# labelled tar+gzip as a pusher may label anything. Files are moved in.
mkimage_blobs() {
	dir=$1; tag=$2
	shift 2
	mkdir -p "$dir/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
	layers=""
	diffids=""
	for f in "$@"; do
		mkimage_layer "$dir" "$f" ""
	done
	mkimage_finish "$dir" "$tag" "$layers" "$diffids" "${MKIMAGE_CONFIG:-}"
}

# bookworm_langs_tgz -> LANGTGZ: a debootstrap bookworm root with Debian's
# python3-requests, python3-yaml, nodejs, node-lodash and two Java
# libraries, as a gzip'd tar (the layer), cached between runs.
bookworm_langs_tgz() {
	cache=${PORTCULLIS_TEST_CACHE:-/var/cache/portcullis-tests}
	mkdir -p "$cache" 2>/dev/null || cache=$T
	[ -w "$cache" ] || cache=$T
	LANGTGZ=$cache/bookworm-langs.tar.gz
	[ -s "$LANGTGZ" ] && return 0
	debootstrap --variant=minbase \
	    --include=python3-requests,python3-yaml,nodejs,node-lodash,libcommons-logging-java,liblog4j2-java \
	    bookworm "$T/langs" >"$T/debootstrap-langs.log" 2>&1 || return 1
	tar --numeric-owner -C "$T/langs" -czf "$LANGTGZ.tmp" . && mv "$LANGTGZ.tmp" "$LANGTGZ"
	rm -rf "$T/langs"
}

# mkimage_tgz DIR TAG TARBALL [diff]: an image whose one layer is
# TARBALL as is; with "diff", its config has the layer's true diff_id
# (the tar's digest), as a real image's would. MKIMAGE_CONFIG: the
# config's fields (default: user nobody).
mkimage_tgz() {
	mkdir -p "$1/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$1/oci-layout"
	h=$(sha256sum "$3" | cut -d' ' -f1)
	cp "$3" "$1/blobs/sha256/$h"
	diffid=0
	[ "${4:-}" != diff ] || diffid=$(gzip -dc "$3" | sha256sum | cut -d' ' -f1)
	mkimage_finish "$1" "$2" \
	    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$(stat -c %s "$3")}" \
	    "\"sha256:$diffid\"" "${MKIMAGE_CONFIG:-\"User\":\"nobody\"}"
}

# bench_tree SRC: SRC tarred ($T/tree.tar) and gzip'd ($T/tree.tar.gz)
# once, for bench_image. Each round's layer is then a new blob all the
# same (skopeo remembers blobs it pushed and would mount them): a small
# gzip member holding a tar entry unique to the round, followed by the
# big member. Concatenated gzip members are one valid gzip stream, and
# the tar entry has no end-of-archive blocks, so the whole is one tar
# of the round file and the tree.
bench_tree() {
	mkdir -p "$T/l"
	tar -C "$(dirname "$1")" -cf - "$(basename "$1")" 2>/dev/null | tar -C "$T/l" -xf -
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$T/l" \
	    -cf "$T/tree.tar" .
	gzip -n -6 -c "$T/tree.tar" > "$T/tree.tar.gz"
	rm -rf "$T/l"
}
# bench_image DIR TAG ROUNDNAME: the OCI layout for one round.
bench_image() {
	mkdir -p "$1/blobs/sha256" "$T/r"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$1/oci-layout"
	echo "$3" > "$T/r/round"
	tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$T/r" \
	    -cf - ./round | head -c 1024 > "$T/round.tar"
	diff=$(cat "$T/round.tar" "$T/tree.tar" | sha256sum | cut -d' ' -f1)
	{ gzip -n -c "$T/round.tar"; cat "$T/tree.tar.gz"; } > "$1/layer.gz"
	size=$(stat -c %s "$1/layer.gz")
	h=$(mkimage_blob "$1" "$1/layer.gz")
	mkimage_finish "$1" "$2" \
	    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$size}" \
	    "\"sha256:$diff\"" '"User":"app"'
}
