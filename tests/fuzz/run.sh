#!/bin/sh
# Build the libFuzzer targets with clang and run each for a bounded time
# on its seed corpus. Usage: sh tests/fuzz/run.sh [seconds-per-target]
# Prints one TAP line per target.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
out=${TMPDIR:-/tmp}/portcullis-fuzz-build
mkdir -p "$out"
command -v clang >/dev/null 2>&1 || { echo "1..0 # SKIP clang not installed"; exit 0; }
CF="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I$top"
SRC_SCAN="$top/scan/version/version.c $top/scan/version/version_dpkg.c $top/scan/version/version_rpm.c
    $top/scan/version/version_maven.c $top/scan/version/version_gem.c
    $top/scan/version/version_apk.c $top/scan/version/version_semver.c $top/scan/version/version_pep440.c"
SRC_OSV="$SRC_SCAN $top/scan/advisory/cvss.c $top/scan/advisory/cvss4.c $top/scan/advisory/osv.c $top/scan/advisory/vulnmatch.c
    $top/scan/advisory/secdb.c $top/scan/advisory/yamljson.c
    $top/store/db.c $top/conf/log.c"
n=0
echo "1..6"
build_run() {
	name=$1; srcs=$2; libs=$3; seeds=$4
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! clang $CF -o "$out/$name" "$top/tests/fuzz/$name.c" $srcs $libs 2>"$out/$name.build"; then
		echo "not ok $n - $name builds"; sed 's/^/# /' "$out/$name.build" | tail -5; return
	fi
	mkdir -p "$out/$name.corpus"
	cp $seeds "$out/$name.corpus/" 2>/dev/null
	if "$out/$name" -max_total_time="$secs" -max_len=65536 "$out/$name.corpus" \
	    >"$out/$name.log" 2>&1; then
		echo "ok $n - $name: no crash in ${secs}s ($(grep -o 'cov: [0-9]*' "$out/$name.log" | tail -1))"
	else
		echo "not ok $n - $name crashed"; grep -A20 'ERROR\|runtime error' "$out/$name.log" | head -30 | sed 's/^/# /'
	fi
}
build_run fuzz_version "$SRC_SCAN" "" "$top/tests/fuzz/seeds/version/*"
build_run fuzz_osv "$SRC_OSV" "-llmdb -ljansson -larchive -lyaml -lm" "$top/tests/fuzz/seeds/osv/*"
SRC_CATALOG="$top/scan/catalog/catalog.c $top/scan/catalog/catalog_dpkg.c $top/scan/catalog/catalog_apk.c
    $top/scan/catalog/catalog_npm.c $top/scan/catalog/catalog_npmlock.c $top/scan/catalog/catalog_python.c
    $top/scan/catalog/catalog_cargo.c $top/scan/catalog/catalog_rustbin.c $top/scan/catalog/elfsec.c
    $top/scan/catalog/catalog_rpm.c $top/scan/catalog/osrelease.c $top/scan/catalog/pkg.c $top/scan/catalog/finding.c
    $top/conf/log.c"
build_run fuzz_catalog "$SRC_CATALOG" "-ljansson -lsqlite3 -lz" "$top/tests/fuzz/seeds/catalog/*"
build_run fuzz_secrets "$top/scan/layer/secrets.c $top/scan/catalog/finding.c" "-lz -lm" "$top/tests/fuzz/seeds/secrets/*"
SRC_LAYER="$SRC_CATALOG $top/scan/catalog/catalog_gobin.c $top/scan/catalog/catalog_jar.c
    $top/scan/layer/layer.c $top/scan/layer/secrets.c $top/scan/layer/owned.c
    $top/scan/layer/fscheck.c $top/scan/layer/inflate.c"
build_run fuzz_layer "$SRC_LAYER" "-larchive -lcrypto -ljansson -lsqlite3 -lz -lisal -lm" "$top/tests/fuzz/seeds/layer/*"
build_run fuzz_dsse "$top/proxy/gate/dsse.c $top/proxy/gate/cosign.c $top/conf/vex.c $top/conf/log.c" \
    "-lcrypto -ljansson" "$top/tests/fuzz/seeds/dsse/*"
