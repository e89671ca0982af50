#!/bin/sh
# Secret scanning against a peer tool, in one run: secretlint 9 with
# its recommended preset (npm; the trivy build this machine can fetch
# has no secret scanner). 1. The planted-secrets tree of scan_planted.sh:
# which planted items each tool finds (by file). 2. A real root, the
# debootstrap bookworm with Debian's Python, Node and Java packages:
# what each reports there (every report is a false alarm: nothing was
# planted) and how long each takes, portcullis on the gzip'd layer,
# secretlint on the unpacked tree.
#   sh tests/bench/secrets_peer.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${PORTCULLIS:=$top_srcdir/build/plain/portcullis}"
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
. "$top_srcdir/tests/lib/plant.sh"
need npm node python3 openssl ssh-keygen debootstrap

SL=$T/secretlint
(mkdir -p "$SL" && cd "$SL" && npm install --silent secretlint@9.3.4 \
    @secretlint/secretlint-rule-preset-recommend@9.3.4 >/dev/null 2>&1) ||
    bail "npm could not install secretlint"
printf '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' > "$T/secretlintrc.json"
# secretlint ROOT OUT: its JSON report on every file under ROOT, given
# at most SL_SECONDS (default 300; it reads a real root at a few hundred
# KB/s). 1 if it ran out of time.
secretlint() {
	(cd "$1" && timeout "${SL_SECONDS:-300}" "$SL/node_modules/.bin/secretlint" \
	    --secretlintrc "$T/secretlintrc.json" --format json \
	    "**/*" "**/.*" "**/.*/**" > "$2" 2>/dev/null)
	[ $? -ne 124 ] || { echo '[]' > "$2"; return 1; }
	return 0
}
now() { date +%s.%N; }

# 1. Planted.
plant_secrets "$T/root" "$T/planted"
mkimage "$T/img" v1 "$T/root"
"$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/img:v1" > "$T/pc.json" 2>/dev/null
secretlint "$T/root" "$T/sl.json"
python3 - "$T/planted" "$T/pc.json" "$T/sl.json" "$T/root" <<'PY'
import json, os, sys
planted = [l.split() for l in open(sys.argv[1]) if l.strip()]
pc = {(f["rule"], f["path"]) for f in json.load(open(sys.argv[2]))["secrets"]}
sl = {}
for f in json.load(open(sys.argv[3])):
    if f["messages"]:
        sl[os.path.relpath(f["filePath"], sys.argv[4])] = sorted({m["ruleId"].split("/")[-1] for m in f["messages"]})
print("# %-26s %-28s %-10s %s" % ("planted", "file", "portcullis", "secretlint"))
np = ns = 0
for rule, path in planted:
    a = (rule, path) in pc
    b = path in sl
    np += a; ns += b
    print("# %-26s %-28s %-10s %s" % (rule, path, "found" if a else "-", ",".join(sl.get(path, [])) or "-"))
print("planted secrets found: portcullis %d of %d (each by its rule), secretlint %d of %d (by file: a file where it reports anything counts for every item in it)" % (np, len(planted), ns, len(planted)))
PY

# 2. A real root: false alarms and time.
bookworm_langs_tgz || bail "debootstrap failed"
mkimage_tgz "$T/langs" v1 "$LANGTGZ"
mkdir -p "$T/langs-root"
tar --numeric-owner -xzf "$LANGTGZ" -C "$T/langs-root" 2>/dev/null
t0=$(now); "$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/langs:v1" > "$T/pc2.json" 2>/dev/null; t1=$(now)
late=0
secretlint "$T/langs-root" "$T/sl2.json" || late=1
t2=$(now)
python3 - "$T/pc2.json" "$T/sl2.json" "$t0" "$t1" "$t2" "$late" <<'PY'
import json, sys
pc = json.load(open(sys.argv[1]))
sl = [f for f in json.load(open(sys.argv[2])) if f["messages"]]
t0, t1, t2 = map(float, sys.argv[3:6])
late = sys.argv[6] == "1"
print("# bookworm with python3, nodejs, Java: %d packages" % len(pc["packages"]))
print("real root, reports (all false alarms): portcullis %d secrets (+%d notes in OS package files), secretlint %s" % (
    len(pc["secrets"]), len(pc["notes"]), "did not finish" if late else "%d files" % len(sl)))
for f in sl[:8]:
    print("#   secretlint: %s %s" % (f["filePath"].split("langs-root/")[-1], ",".join(sorted({m["ruleId"].split("/")[-1] for m in f["messages"]}))))
print("time on the real root: portcullis %.1f s (gzip'd layer, every file, packages too), secretlint %s%.1f s (unpacked tree): secretlint/portcullis %s%.1fx" % (
    t1 - t0, "over " if late else "", t2 - t1, ">" if late else "", (t2 - t1) / (t1 - t0)))
PY
