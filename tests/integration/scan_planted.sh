#!/bin/sh
# An image with secrets planted the way they leak into real images:
# keys made here by openssl and ssh-keygen, vendor-shaped tokens (the
# GitHub one with a valid checksum, made by the base62-token npm
# package), dotfiles (.aws/credentials, .npmrc, .docker/config.json,
# .pypirc, .git-credentials, pip.conf, .kube/config with a client key
# and a bearer token, .netrc, .env), a GCP
# service-account key file, and a credential in the image config's ENV.
# Every planted item is found, at its file, and nothing else is.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
. "$top_srcdir/tests/lib/plant.sh"
need openssl ssh-keygen python3
tap_plan 3

r=$T/root
plant_secrets "$r" "$T/planted"
MKIMAGE_CONFIG='"User":"app","Env":["PATH=/usr/bin","AWS_SECRET_ACCESS_KEY=k9X2m7PqR4tV8wY1zA3bC5dE6fG0hJ+L/N2pQ4rS"]' \
    mkimage "$T/img" v1 "$r"
"$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/img:v1" > "$T/scan.json" 2>"$T/scan.log"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for f in d["secrets"]:
    print(f["rule"], f["path"])' "$T/scan.json" | sort > "$T/found"
n=$(wc -l < "$T/planted")
expect_eq "every one of the $n planted secrets found at its file, nothing else" \
    "$(cat "$T/planted")" "$(cat "$T/found")"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(f["rule"] + ":" + f["path"] for f in d["misconfigurations"] if f["rule"] == "secret-in-env"))' \
    "$T/scan.json" > "$T/env"
expect_eq "the credential in the config ENV is secret-in-env" "secret-in-env:config" "$(cat "$T/env")"
! grep -q 'k9X2m7PqR4tV8wY1zA3b' "$T/scan.json" && ! grep -q 'BEGIN EC PRIVATE KEY-----.\{20\}' "$T/scan.json" &&
    ok "no secret value is copied into the report" ||
    not_ok "no secret value is copied into the report"
