#!/bin/sh
# The dashboard in a real browser: Debian's Chromium, headless, driven
# by playwright-core (from npm), against a proxy holding real results:
# Alpine 3.20.3 (CVE-2024-9143, refused), 3.14.10 (clean) from
# ../shared/corpus with Alpine's secdb, an app with the real npm
# lodash 4.17.20 (GHSA-35jh-r3h4-6jhm from tests/data/osv, refused),
# and a debootstrap bookworm with Debian's Python, npm and Java packages.
# Checked in the DOM: each image with its verdict and counts, sorting
# and filtering, a click through to a refused image's findings with
# fixed versions and paths, the denials with who and why, the chart,
# the rules and the exceptions (one unused, reported as such); a caller
# without an operator account sees the images but no operator panel;
# no script error and no CSP violation. Screenshots go to the build
# folder (ui-dashboard.png); docs/ui-dashboard.png is such a one.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl python3 htpasswd node npm chromium
CORPUS=$top_srcdir/../shared/corpus
[ -d "$CORPUS/alpine/secdb" ] || skip_all "../shared/corpus not found"
# playwright-core once per machine (the browser is Debian's).
PW=${PORTCULLIS_TEST_CACHE:-${HOME:-/root}/.cache/portcullis-tests}/playwright
if [ ! -d "$PW/node_modules/playwright-core" ]; then
	mkdir -p "$PW"
	npm install --silent --prefix "$PW" playwright-core@1 >"$T/npm.log" 2>&1 ||
	    skip_all "npm install playwright-core failed: $(tail -n 1 "$T/npm.log")"
fi
tap_plan 17

mkdir -p "$T/px-state"
"$PORTCULLIS" db import -s "$T/px-state" "$CORPUS/alpine/secdb" "$top_srcdir/tests/data/osv" \
    >/dev/null 2>"$T/import.log" || bail "import failed: $(tail -n 2 "$T/import.log")"
start_registry reg
htpasswd -cbB "$T/admin.htpasswd" ops opspw 2>/dev/null || bail "htpasswd"
PX_STATE=$T/px-state start_proxy px "$REG_URL" "admin:
  htpasswd: $T/admin.htpasswd
policy:
  severity: high
  exceptions:
    - id: CVE-2020-0001
      owner: sec@example.com
      reason: kept from an old image
      expires: 2099-12-31"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'
for v in 3.20.3 3.14.10; do
	mkimage_tgz "$T/img-$v" v1 "$CORPUS/alpine/alpine-minirootfs-$v-x86_64.tar.gz" diff
done
npm_module "$T/app/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-node" v1 "$T/app"
pairs="3.20.3:team/alpine 3.14.10:team/clean node:apps/node"
# Debian bookworm with Python, npm and Java packages (cached between
# runs, made by debootstrap when a mirror answers).
if bookworm_langs_tgz; then
	mkimage_tgz "$T/img-bookworm" v1 "$LANGTGZ"
	pairs="$pairs bookworm:apps/bookworm"
fi
for pair in $pairs; do
	skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img-${pair%%:*}:v1" \
	    "docker://$P/${pair#*:}:v1" >/dev/null 2>&1 || bail "push ${pair#*:}"
	curl -s -o /dev/null -u someone:x -H "$H" "http://$P/v2/${pair#*:}/manifests/v1"
done

node_run() { NODE_PATH="$PW/node_modules" node "$top_srcdir/tests/lib/ui_check.js" "$@"; }
node_run "http://$P/portcullis/ui/" ops opspw "$PWD/ui-dashboard.png" > "$T/ui.json" 2>"$T/node.err" ||
    bail "the browser did not run: $(tail -n 3 "$T/node.err")"
j() { python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
$1" "$T/ui.json" 2>&1; }

expect_eq "no script error, no CSP violation" "[]" "$(j 'print(json.dumps(d["errors"]))')"
expect_eq "the operator view is on" "yes" "$(j 'print(d.get("operator"))')"
expect_eq "every image with its verdict" "apps/node:deny team/alpine:deny team/clean:allow" \
    "$(j 'print(" ".join(sorted(r["repo"] + ":" + r["verdict"] for r in d["images"] if r["repo"] != "apps/bookworm")))')"
expect_eq "3.20.3's row counts 2 findings of unknown severity (secdb rates none)" "2" \
    "$(j 'print([r for r in d["images"] if r["repo"] == "team/alpine"][0]["cells"][7])')"
expect_eq "sorted by repository on a click" "apps/node team/alpine team/clean" \
    "$(j 'print(" ".join(r for r in d["sorted"] if r != "apps/bookworm"))')"
expect_eq "filtered by typing" "apps/node" "$(j 'print(" ".join(d["filtered"]))')"
expect_eq "a click shows the refused image's findings with the fixed version and path" \
    "GHSA-35jh-r3h4-6jhm lodash 4.17.20 4.17.21 app/node_modules/lodash/package.json" \
    "$(j 'f = d["detail"]["findings"][0]["cells"]; print(f[1].split("CVE")[0], f[2], f[3], f[4], f[5])')"
case "$(j 'print(d["detail"]["reasons"])')" in *"GHSA-35jh-r3h4-6jhm in lodash 4.17.20 (fixed in 4.17.21)"*)
	ok "and the reason it is refused";; *) not_ok "and the reason it is refused"; j 'print(d["detail"])' | sed 's/^/# /';; esac
expect_eq "denials listed with who" "deny someone apps/node" \
    "$(j 'e = [x for x in d["events"] if x["kind"] == "deny" and "apps/node" in x["cells"][3]][0]; print(e["kind"], e["cells"][2], e["cells"][3].split("@")[0])')"
expect_eq "the denials chart has its 24 hourly bars" 24 "$(j 'print(d["chart"])')"
expect_eq "the rules in force" "* high" "$(j 'print(d["rules"][0][0], d["rules"][0][1])')"
expect_eq "an exception no judged image needs is reported unused" "1 unused 0" \
    "$(j 'e = d["exceptions"][0]; print(e["number"], e["state"], e["cells"][8])')"
expect_eq "the header shows the data version" "yes" "$(j 'print("yes" if " data " in d["meta"] and "advisory entries" in d["meta"] else d["meta"])')"
if [ -n "${LANGTGZ:-}" ] && [ -s "$LANGTGZ" ]; then
	expect_eq "the bookworm image: its Python, npm and Java packages listed" "yes yes yes" \
	    "$(j 'b = d.get("big") or {}; p = b.get("packages", ""); print("yes" if "requests 2.28.1" in p else "no", "yes" if "lodash 4.17.21" in p else "no", "yes" if "log4j" in p else "no")')"
else
	ok "the bookworm image # SKIP debootstrap could not reach a Debian mirror"
fi
[ -s "$PWD/ui-dashboard.png" ] && ok "screenshot saved ($PWD/ui-dashboard.png)" || not_ok "screenshot saved"

# Without an operator account: the images the registry lets anyone read,
# no operator panel.
node_run "http://$P/portcullis/ui/" "" "" "" > "$T/ui.json" 2>"$T/node.err" || bail "the browser did not run"
expect_eq "a caller who is no operator sees the images, not the operator panels (no dialog: only 401s logged)" \
    "no 3 0" "$(j 'print(d.get("operator"), len([r for r in d["images"] if r["repo"] != "apps/bookworm"]), len([e for e in d["errors"] if "status of 401" not in e]))')"
stop_proxy px
