#!/bin/sh
# A Go binary built here with Debian's Go and a go.mod whose `replace`
# lines point at Debian's packaged module sources: golang.org/x/text
# v0.3.7 replaced by v0.7.0 (Debian's golang-golang-x-text-dev, served
# through a file-based module proxy) and github.com/pkg/errors replaced
# by a local directory (Debian's golang-github-pkg-errors-dev). The
# module inventory must equal trivy's (the versioned modules: the
# directory has no version for either to match), and the vulnerability
# the declared x/text v0.3.7 carries (GO-2022-1059, fixed in 0.3.8) must
# not be reported against the v0.7.0 code actually linked in.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need go python3 npm
TEXT=/usr/share/gocode/src/golang.org/x/text
ERRS=/usr/share/gocode/src/github.com/pkg/errors
[ -f "$TEXT/go.mod" ] && [ -f "$ERRS/errors.go" ] ||
    skip_all "golang-golang-x-text-dev and golang-github-pkg-errors-dev not installed"
GOZIP=$top_srcdir/../shared/corpus/osv/go-vulndb-osv.zip
[ -f "$GOZIP" ] || skip_all "../shared/corpus not found"
tap_plan 5

src=$T/src
mkdir -p "$src/errs"
cp "$ERRS"/*.go "$src/errs/" && rm -f "$src"/errs/*_test.go
printf 'module github.com/pkg/errors\n' > "$src/errs/go.mod"
python3 "$top_srcdir/tests/lib/goproxy_dir.py" "$T/goproxy" golang.org/x/text v0.7.0 "$TEXT" ||
    bail "goproxy_dir.py"
cat > "$src/go.mod" <<'MOD'
module example.com/portcullis-replace

go 1.19

require (
	github.com/pkg/errors v0.9.1
	golang.org/x/text v0.3.7
)

replace (
	github.com/pkg/errors => ./errs
	golang.org/x/text v0.3.7 => golang.org/x/text v0.7.0
)
MOD
cat > "$src/main.go" <<'GO'
package main

import (
	"fmt"

	"github.com/pkg/errors"
	"golang.org/x/text/language"
)

func main() {
	fmt.Println(errors.New(language.English.String()))
}
GO
mkdir -p "$T/root/usr/bin"
(cd "$src" && GOFLAGS=-mod=mod GOPROXY="file://$T/goproxy" GOSUMDB=off \
    GOCACHE="$T/gocache" GOMODCACHE="$T/gomod" GOTOOLCHAIN=local \
    go build -o "$T/root/usr/bin/app" .) > "$T/build.log" 2>&1 ||
    { sed 's/^/# /' "$T/build.log"; bail "go build failed"; }
go version -m "$T/root/usr/bin/app" > "$T/buildinfo"
grep -q "=>	golang.org/x/text	v0.7.0" "$T/buildinfo" && grep -q "=>	./errs	(devel)" "$T/buildinfo" &&
    ok "the binary records both replacements (go version -m)" ||
    { not_ok "the binary records both replacements"; sed 's/^/# /' "$T/buildinfo"; }

mkimage "$T/img" g "$T/root"
"$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img":g > "$T/pc.json" 2>/dev/null
python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p["type"] == "golang":
        print(p["name"], p["version"].lstrip("v"))' "$T/pc.json" | sort > "$T/ours"

. "$top_srcdir/tests/lib/trivy.sh"
trivy_get "${TRIVY:-}"
"$TRIVY" rootfs --quiet --list-all-pkgs --skip-db-update --scanners vuln \
    --output "$T/trivy.cdx" "$T/root" >/dev/null 2>&1 || bail "trivy failed"
python3 -c 'import json, sys
for c in json.load(open(sys.argv[1])).get("components", []):
    if c.get("purl", "").startswith("pkg:golang/") and c.get("version"):
        print(c["name"], c["version"].lstrip("v"))' "$T/trivy.cdx" | sort > "$T/theirs"
expect_eq "Go modules and toolchain equal trivy's ($(tr '\n' ';' < "$T/theirs"))" \
    "$(cat "$T/theirs")" "$(cat "$T/ours")"
grep -q "^golang.org/x/text 0.7.0$" "$T/ours" &&
    ok "x/text is the replacement's v0.7.0, not the declared v0.3.7" ||
    not_ok "x/text is the replacement's v0.7.0, not the declared v0.3.7"

# The declared version is in GO-2022-1059's range (a plain reading of
# vulndb says so); the linked code is not, so no finding.
declared=$(python3 - "$GOZIP" "$top_srcdir/tests/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from osv_semver import in_range, records
for d in records(sys.argv[1]):
    if d["id"] != "GO-2022-1059":
        continue
    for a in d["affected"]:
        if a["package"]["name"] == "golang.org/x/text":
            for r in a.get("ranges", []):
                if r["type"] == "SEMVER":
                    print("0.3.7", in_range("0.3.7", r["events"]),
                          "0.7.0", in_range("0.7.0", r["events"]))
PY
)
expect_eq "vulndb: GO-2022-1059 covers 0.3.7, not 0.7.0" "0.3.7 True 0.7.0 False" "$declared"
"$PORTCULLIS" db import -s "$T/go" "$GOZIP" >/dev/null 2>&1 || bail "import of vulndb"
"$PORTCULLIS" scan -s "$T/go" -f json oci:"$T/img":g 2>/dev/null | tr -d ' \n' > "$T/go.json"
n=$(grep -o '"id":"GO-2022-1059"' "$T/go.json" | wc -l)
expect_eq "GO-2022-1059 not reported against the replaced x/text" 0 "$n"
