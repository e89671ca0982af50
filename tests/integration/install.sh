#!/bin/sh
# Installs like a service: `make install DESTDIR=...` puts the binary,
# the systemd unit (its paths filled in), the sysusers entry, an example
# configuration and both man pages in place; systemd-analyze verify
# accepts the installed unit; man renders both pages; the pages are
# current with the docs they are made from; and the installed binary
# checks a configuration as the unit's ExecStartPre does. `make
# distcheck` builds, installs and uninstalls from the release tarball in
# a read-only source tree (its inner test run left empty: the suite is
# this one).
. "$top_srcdir/tests/lib/common.sh"
need make systemd-analyze man python3
tap_plan 9

R=$T/root
if make -s -C "$top_builddir" install DESTDIR="$R" >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=... succeeds"
else
	not_ok "make install DESTDIR=... succeeds"; tail -n 20 "$T/install.log" | sed 's/^/# /'
fi
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")
unit=$R$prefix/lib/systemd/system/portcullis.service
missing=""
for f in "$R$prefix/bin/portcullis" "$unit" "$R$prefix/lib/sysusers.d/portcullis.conf" \
    "$R$sysconfdir/portcullis/portcullis.yaml.example" \
    "$R$prefix/share/man/man8/portcullis.8" "$R$prefix/share/man/man5/portcullis.yaml.5"; do
	[ -s "$f" ] || missing="$missing ${f#$R}"
done
expect_eq "binary, unit, sysusers entry, example configuration and man pages installed" "" "$missing"
expect_eq "the unit runs the installed binary, checking the configuration first" \
    "ExecStartPre=$prefix/bin/portcullis check-config -c $sysconfdir/portcullis/portcullis.yaml" \
    "$(grep '^ExecStartPre=' "$unit")"
# The unit is verified as installed, its paths pointing into DESTDIR
# (verify wants the binaries it names to exist on this machine); the
# man pages it names are checked below, not looked up by verify.
sed -e "s|$prefix/bin/|$R$prefix/bin/|g" -e "s|$sysconfdir/|$R$sysconfdir/|g" "$unit" > "$T/portcullis.service"
if systemd-analyze verify --man=no "$T/portcullis.service" >"$T/verify.log" 2>&1; then
	ok "systemd-analyze verify accepts the installed unit"
else
	not_ok "systemd-analyze verify accepts the installed unit"; sed 's/^/# /' "$T/verify.log" | head -n 20
fi
expect_eq "the unit is sandboxed (ProtectSystem, NoNewPrivileges, PrivateTmp, its own user) and reloads with SIGHUP" \
    "strict yes yes portcullis /bin/kill -HUP \$MAINPID" \
    "$(for k in ProtectSystem NoNewPrivileges PrivateTmp User ExecReload; do sed -n "s/^$k=//p" "$unit"; done | paste -sd' ')"
n=0
for page in "$R$prefix/share/man/man8/portcullis.8" "$R$prefix/share/man/man5/portcullis.yaml.5"; do
	out=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	[ "$out" -gt 20 ] && n=$((n + 1))
done
expect_eq "man -l renders both pages" 2 "$n"
check "the man pages are current with docs/config.md and docs/man/portcullis.8.md" \
    python3 "$top_srcdir/docs/man/mkman.py" --check "$top_srcdir/docs/man"
printf 'upstream:\n  url: http://127.0.0.1:5000\nstate_dir: %s/st\n' "$T" > "$T/c.yml"
check "the installed binary checks a configuration (the unit's ExecStartPre)" \
    "$R$prefix/bin/portcullis" check-config -c "$T/c.yml"
# A clean make (the suite's own TESTS is not passed on), and never again
# from inside a distcheck's tree.
if [ -n "${PORTCULLIS_IN_DISTCHECK:-}" ]; then
	ok "make distcheck # SKIP inside a distcheck already"
elif env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL PORTCULLIS_IN_DISTCHECK=1 \
    make -s -C "$top_builddir" distcheck TESTS= >"$T/distcheck.log" 2>&1; then
	ok "make distcheck: the tarball builds, installs and uninstalls out of a read-only tree"
else
	not_ok "make distcheck: the tarball builds, installs and uninstalls out of a read-only tree"
	grep -iE 'error|fail' "$T/distcheck.log" | head -n 10 | sed 's/^/# /'
fi
