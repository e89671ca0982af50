#!/bin/sh
# Go binaries: build information read from real executables on this
# machine, checked against what binutils' strings(1) shows of the same
# bytes. skopeo (Debian's, GOPATH build: toolchain only) always; a
# module-mode Go binary (its dependency list) when one is installed.
# Against the whole of golang/vulndb (../shared/corpus): every GO record
# whose ranges cover skopeo's toolchain is reported, as a plain Python
# reading of the same export computes it.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need strings skopeo
tap_plan 5

mkdir -p "$T/l/usr/bin"
cp "$(command -v skopeo)" "$T/l/usr/bin/skopeo"
mkimage "$T/img" g "$T/l"
out=$("$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img":g 2>/dev/null | tr -d ' \n')
gov=$(strings -a "$T/l/usr/bin/skopeo" | grep -o 'go1\.[0-9]*\.[0-9]*' | head -n 1)
echo "$out" | grep -q "\"type\":\"golang\",\"name\":\"stdlib\",\"version\":\"${gov#go}\",\"source\":null,\"path\":\"usr/bin/skopeo\"" &&
    ok "skopeo: Go toolchain $gov found as stdlib ${gov#go}" ||
    { not_ok "skopeo: Go toolchain $gov found as stdlib ${gov#go}"; echo "# $out" | head -c 400; }

# The real GO-2023-1753 record: stdlib before 1.19.9 (and 1.20.0-1.20.3).
"$PORTCULLIS" db import -s "$T/st" "$top_srcdir/tests/data/osv" >/dev/null 2>&1
r=$("$PORTCULLIS" scan -s "$T/st" -f json oci:"$T/img":g 2>/dev/null | tr -d ' \n')
if [ "$(printf '%s\n1.19.9\n' "${gov#go}" | sort -V | head -n 1)" = "${gov#go}" ] &&
    [ "${gov#go}" != "1.19.9" ] && case "${gov#go}" in 1.19.*|1.1[0-8].*) true;; *) false;; esac; then
	echo "$r" | grep -q '"id":"GO-2023-1753","aliases":"CVE-2023-29400","severity":"UNKNOWN","severity_source":"none","score":-1.0,"package":"stdlib","version":"'"${gov#go}"'","fixed":"1.19.9"' &&
	    ok "stdlib ${gov#go} matched to GO-2023-1753, fixed in 1.19.9" ||
	    { not_ok "stdlib ${gov#go} matched to GO-2023-1753, fixed in 1.19.9"; echo "# $r" | head -c 300; echo; }
else
	echo "$r" | grep -q GO-2023-1753 && not_ok "stdlib ${gov#go} is past the GO-2023-1753 fix" ||
	    ok "stdlib ${gov#go} is past the GO-2023-1753 fix"
fi

# A module-mode Go binary, if this machine has one.
mod=""
for f in /usr/bin/kubectl /usr/local/bin/terraform /usr/bin/kpt /usr/bin/cbt; do
	[ -f "$f" ] && [ "$(strings -a "$f" | grep -c "^dep	")" -gt 10 ] && { mod=$f; break; }
done
if [ -z "$mod" ]; then
	ok "# SKIP no module-mode Go binary on this machine"
	ok "# SKIP no module-mode Go binary on this machine"
else
	mkdir -p "$T/m/usr/bin"
	cp "$mod" "$T/m/usr/bin/"
	mkimage "$T/img2" m "$T/m"
	# Unique lines (the runtime keeps a second copy); "(devel)" deps
	# have no version to match and are left out on purpose.
	want=$(strings -a "$mod" | grep "^dep	" | sort -u | grep -vc "	(devel)")
	got=$("$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img2":m 2>/dev/null |
	    grep -c '"type": "golang"')
	# stdlib, the main module (unless it is "(devel)"), and each dep.
	mainv=$(strings -a "$mod" | grep "^mod	" | head -n 1 | cut -f3)
	extra=1
	[ -n "$mainv" ] && [ "$mainv" != "(devel)" ] && extra=2
	expect_eq "$(basename "$mod"): every dependency module listed" $((want + extra)) "$got"
	first=$(strings -a "$mod" | grep "^dep	" | grep -v "	(devel)" | head -n 1 | cut -f2,3)
	p=${first%	*}; v=${first#*	}
	"$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img2":m 2>/dev/null | tr -d ' \n' |
	    grep -q "\"type\":\"golang\",\"name\":\"$p\",\"version\":\"$v\"" &&
	    ok "$(basename "$mod"): $p $v listed" || not_ok "$(basename "$mod"): $p $v listed"
fi

# The whole of golang/vulndb against the toolchain's version.
GOZIP=$top_srcdir/../shared/corpus/osv/go-vulndb-osv.zip
if [ ! -f "$GOZIP" ]; then
	ok "# SKIP ../shared/corpus not found"
else
	"$PORTCULLIS" db import -s "$T/go" "$GOZIP" >/dev/null 2>&1 || bail "import of vulndb"
	"$PORTCULLIS" scan -s "$T/go" -f json oci:"$T/img":g 2>/dev/null > "$T/go.json"
	python3 - "$GOZIP" "${gov#go}" "$top_srcdir/tests/lib" > "$T/go-want" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from osv_semver import in_range, records
out = set()
for d in records(sys.argv[1]):
    for a in d.get("affected", []):
        p = a["package"]
        if (p.get("ecosystem"), p.get("name")) == ("Go", "stdlib") and any(
                r["type"] == "SEMVER" and in_range(sys.argv[2], r["events"])
                for r in a.get("ranges", [])):
            out.add(d["id"])
for i in sorted(out):
    print(i)
PY
	python3 -c 'import json,sys
for i in sorted({v["id"] for v in json.load(open(sys.argv[1]))["vulnerabilities"] if v["package"] == "stdlib"}):
    print(i)' "$T/go.json" > "$T/go-ours"
	n=$(wc -l < "$T/go-want")
	[ "$n" -ge 1 ] && cmp -s "$T/go-want" "$T/go-ours" &&
	    ok "stdlib ${gov#go}: the $n GO records covering it, as a plain reading of vulndb says" ||
	    { not_ok "stdlib ${gov#go}: the GO records covering it ($n expected)"; diff "$T/go-want" "$T/go-ours" | head -5 | sed 's/^/# /'; }
fi
