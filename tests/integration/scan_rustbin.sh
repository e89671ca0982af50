#!/bin/sh
# Rust binaries built with `cargo auditable` carry the crates they were
# built from in a ".dep-v0" section (zlib'd JSON). cargo-auditable is not
# packaged in Debian 12, so the test does what it does with Debian's
# cargo, crates and binutils: the document is made from what `cargo
# metadata` resolved, put in an object file whose section is allocated
# (inside the program's segments, where the tool's lands, far from the
# section table at the end of the file) and linked in with the
# program; a second copy of the program gets the section appended after
# linking (objcopy --add-section, at the end). Both are read: the first
# in a second pass over the layer. The crates found equal trivy's
# reading of the same binaries, and equal the document's crates.io
# runtime crates; through the proxy the same happens from the pushed
# blob. A corrupt section is reported, not taken.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
. "$top_srcdir/tests/lib/cargoapp.sh"
need cargo objcopy readelf python3 docker-registry skopeo curl
ls -d /usr/share/cargo/registry/regex-* >/dev/null 2>&1 ||
    skip_all "Debian's regex crate (librust-regex+default-dev) not installed"
tap_plan 8

app=$T/app
cargo_regex_app "$app"
export CARGO_HOME="$T/cargo"
(cd "$app" && cargo metadata --offline --format-version 1) > "$T/meta.json" 2>"$T/cargo.log" ||
    skip_all "cargo could not resolve regex offline: $(tail -n 1 "$T/cargo.log")"
python3 "$top_srcdir/tests/lib/auditable_json.py" "$T/meta.json" > "$app/deps.z" || bail "auditable_json.py"
# The object file: its .dep-v0 allocated and read-only, kept by the
# linker through an undefined reference to its symbol.
(cd "$app" && objcopy -I binary -O elf64-x86-64 -B i386:x86-64 \
    --rename-section .data=.dep-v0,alloc,load,readonly,data,contents deps.z dep.o) ||
    bail "objcopy -I binary"
(cd "$app" && RUSTFLAGS="-C link-arg=$app/dep.o -C link-arg=-Wl,--undefined=_binary_deps_z_start" \
    cargo build --offline --release) >>"$T/cargo.log" 2>&1 ||
    { tail -n 5 "$T/cargo.log" | sed 's/^/# /'; bail "cargo build"; }
mkdir -p "$T/root/usr/bin"
cp "$app/target/release/app" "$T/root/usr/bin/app-linked"
objcopy --remove-section .dep-v0 "$app/target/release/app" "$T/plain" &&
    objcopy --add-section .dep-v0="$app/deps.z" "$T/plain" "$T/root/usr/bin/app-added" ||
    bail "objcopy --add-section"

readelf -SW "$T/root/usr/bin/app-linked" > "$T/sections"
size=$(stat -c %s "$T/root/usr/bin/app-linked")
off=$(sed -n 's/.* \.dep-v0 *PROGBITS *[0-9a-f]* \([0-9a-f]*\) .* A .*/\1/p' "$T/sections" | head -n 1)
[ -n "$off" ] && off=$((0x$off)) && [ $((size - off)) -gt 131072 ] &&
    ok "linked in: .dep-v0 is allocated, $((size - off)) bytes before the end of the file" ||
    { not_ok "linked in: .dep-v0 is allocated, far from the end"; grep dep-v0 "$T/sections" | sed 's/^/# /'; }

mkimage "$T/img" v1 "$T/root"
"$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/img":v1 > "$T/scan.json" 2>"$T/scan.log"
# per binary: "path name version", crates.io runtime crates only.
python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p["type"] == "cargo":
        print(p["path"], p["name"], p["version"])' "$T/scan.json" | sort > "$T/ours"
python3 - "$app/deps.z" > "$T/doc" <<'PY'
import json, sys, zlib
d = json.loads(zlib.decompress(open(sys.argv[1], "rb").read()))
for p in d["packages"]:
    if p["source"] == "crates.io" and p.get("kind", "runtime") == "runtime":
        print(p["name"], p["version"])
PY
n=$(wc -l < "$T/doc")
for b in linked added; do
	got=$(sed -n "s|^usr/bin/app-$b ||p" "$T/ours" | sort)
	expect_eq "app-$b: the document's $n crates.io runtime crates" "$(sort "$T/doc")" "$got"
done
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(f["rule"] for f in d.get("limits", []) + d.get("errors", []))))' "$T/scan.json" > "$T/lim"
expect_eq "nothing left unread after the second pass" "" "$(cat "$T/lim")"

# binutils finds the section in each binary, Python inflates it: the
# crates listed per binary are what that reading says. (trivy 0.74 as
# the npm build carries it reads no .dep-v0 section: it finds nothing.)
for b in linked added; do
	objcopy --dump-section .dep-v0="$T/dump-$b" "$T/root/usr/bin/app-$b" "$T/scratch" ||
	    bail "objcopy --dump-section"
	python3 - "$T/dump-$b" <<'PY' | sed "s|^|usr/bin/app-$b |"
import json, sys, zlib
d = json.loads(zlib.decompress(open(sys.argv[1], "rb").read()))
for p in d["packages"]:
    if p["source"] == "crates.io" and p.get("kind", "runtime") == "runtime":
        print(p["name"], p["version"])
PY
done | sort > "$T/binutils"
expect_eq "per binary, the crates binutils + zlib read from the same files ($(wc -l < "$T/binutils"))" \
    "$(cat "$T/binutils")" "$(cat "$T/ours")"

# A section that is not zlib'd JSON: said, not taken.
head -c 300 /dev/urandom > "$T/junk"
mkdir -p "$T/bad/usr/bin"
objcopy --add-section .dep-v0="$T/junk" "$T/plain" "$T/bad/usr/bin/app" || bail "objcopy junk"
mkimage "$T/badimg" v1 "$T/bad"
"$PORTCULLIS" scan -s "$T/none" -f json oci:"$T/badimg":v1 2>/dev/null | tr -d ' \n' > "$T/bad.json"
grep -q '"rule":"unreadable-package-db","path":"usr/bin/app"' "$T/bad.json" &&
    ok "a corrupt .dep-v0 is an unreadable-package-db finding" ||
    { not_ok "a corrupt .dep-v0 is an unreadable-package-db finding"; head -c 400 "$T/bad.json" | sed 's/^/# /'; echo; }

# Through the proxy: the pushed blob is read back for the second pass.
start_registry reg
start_proxy px "$REG_URL" "policy:
  severity: high"
P="127.0.0.1:$PX_PORT"
skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/team/rust:v1" \
    >"$T/push.log" 2>&1 || { sed 's/^/# /' "$T/push.log"; bail "push"; }
wait_metric "$P" portcullis_layers_scanned_total 2 >/dev/null
curl -s "http://$P/v2/team/rust/manifests/v1" -H 'Accept: application/vnd.oci.image.manifest.v1+json' -o /dev/null
curl -sf "http://$P/portcullis/v1/status/team/rust/v1" > "$T/status.json"
python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["report"]["packages"]:
    if p["type"] == "cargo" and p["path"] == "usr/bin/app-linked":
        print(p["name"], p["version"])' "$T/status.json" | sort > "$T/proxied"
expect_eq "through the proxy, app-linked's crates are read from the blob read back" \
    "$(sort "$T/doc")" "$(cat "$T/proxied")"
stop_proxy px
