#!/bin/sh
# Go binaries: build information read from real executables on this
# machine, checked against what binutils' strings(1) shows of the same
# bytes. skopeo (Debian's, GOPATH build: toolchain only) always; a
# module-mode Go binary (its dependency list) when one is installed.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need strings skopeo
tap_plan 3

mkdir -p "$T/l/usr/bin"
cp "$(command -v skopeo)" "$T/l/usr/bin/skopeo"
mkimage "$T/img" g "$T/l"
out=$("$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img":g 2>/dev/null | tr -d ' \n')
gov=$(strings -a "$T/l/usr/bin/skopeo" | grep -o 'go1\.[0-9]*\.[0-9]*' | head -n 1)
echo "$out" | grep -q "\"type\":\"golang\",\"name\":\"stdlib\",\"version\":\"${gov#go}\",\"source\":null,\"path\":\"usr/bin/skopeo\"" &&
    ok "skopeo: Go toolchain $gov found as stdlib ${gov#go}" ||
    { not_ok "skopeo: Go toolchain $gov found as stdlib ${gov#go}"; echo "# $out" | head -c 400; }

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
