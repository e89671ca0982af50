#!/bin/sh
# An image with secrets planted the way they leak into real images:
# keys made here by openssl and ssh-keygen, vendor-shaped tokens (the
# GitHub one with a valid checksum, made by the base62-token npm
# package), dotfiles (.aws/credentials, .npmrc, .docker/config.json,
# .pypirc, .git-credentials, pip.conf, .kube/config, .env), a GCP
# service-account key file, and a credential in the image config's ENV.
# Every planted item is found, at its file, and nothing else is.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need openssl ssh-keygen python3
tap_plan 3

r=$T/root
mkdir -p "$r/root/.ssh" "$r/root/.aws" "$r/root/.docker" "$r/root/.kube" \
    "$r/app" "$r/srv" "$r/etc"
openssl genrsa -out "$r/root/.ssh/id_rsa" 2048 2>/dev/null || bail "openssl genrsa"
openssl ecparam -name prime256v1 -genkey -noout -out "$r/app/ec.pem" 2>/dev/null || bail "openssl ecparam"
ssh-keygen -q -t ed25519 -N '' -f "$r/root/.ssh/id_ed25519" || bail "ssh-keygen"
rm -f "$r/root/.ssh/id_ed25519.pub"
# Random values in each vendor's shape.
python3 - "$r" <<'PY'
import base64, json, os, random, string, sys, hmac, hashlib
r = sys.argv[1]
rnd = random.SystemRandom()
def pick(al, n): return "".join(rnd.choice(al) for _ in range(n))
A = string.ascii_letters + string.digits
H = "0123456789abcdef"
open(r + "/root/.aws/credentials", "w").write(
    "[default]\naws_access_key_id = AKIA%s\naws_secret_access_key = %s\n"
    % (pick(string.ascii_uppercase + string.digits, 16), pick(A + "+/", 40)))
open(r + "/root/.npmrc", "w").write(
    "//registry.npmjs.org/:_authToken=%s-%s-%s-%s-%s\n"
    % (pick(H, 8), pick(H, 4), pick(H, 4), pick(H, 4), pick(H, 12)))
open(r + "/root/.docker/config.json", "w").write(json.dumps({"auths": {
    "registry.example.com": {"auth": base64.b64encode(
        ("ci:" + pick(A, 20)).encode()).decode()}}}))
open(r + "/root/.pypirc", "w").write(
    "[internal]\nrepository = https://pypi.example.com\nusername = ci\n"
    "password = %s\n" % pick(A, 16))
open(r + "/root/.git-credentials", "w").write(
    "https://ci:%s@git.example.com\n" % pick(A, 24))
open(r + "/etc/pip.conf", "w").write(
    "[global]\nindex-url = https://ci:%s@pypi.example.com/simple\n" % pick(A, 18))
key = open(r + "/app/ec.pem").read()
open(r + "/root/.kube/config", "w").write(
    "apiVersion: v1\nusers:\n- name: admin\n  user:\n    client-key-data: %s\n"
    % base64.b64encode(key.encode()).decode())
open(r + "/app/service-account.json", "w").write(json.dumps({
    "type": "service_account", "project_id": "demo",
    "private_key_id": pick(H, 40), "client_email": "x@demo.iam.gserviceaccount.com"},
    indent=2))
hdr = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
pay = base64.urlsafe_b64encode(b'{"sub":"ci","role":"admin"}').rstrip(b"=")
sig = base64.urlsafe_b64encode(hmac.new(os.urandom(32), hdr + b"." + pay,
    hashlib.sha256).digest()).rstrip(b"=")
open(r + "/app/.env", "w").write(
    "DATABASE_URL=postgres://app:%s@db.internal:5432/app\n"
    "SESSION_TOKEN=%s\nSENDGRID_API_KEY=SG.%s.%s\n"
    % (pick(A, 14), (hdr + b"." + pay + b"." + sig).decode(), pick(A, 22),
       pick(A + "_-", 43)))
open(r + "/srv/notify.sh", "w").write(
    "#!/bin/sh\ncurl -X POST https://hooks.slack.com/services/T%s/B%s/%s\n"
    % (pick(string.ascii_uppercase + string.digits, 8),
       pick(string.ascii_uppercase + string.digits, 8), pick(A, 24)))
open(r + "/app/settings.py", "w").write(
    "GITHUB_TOKEN = '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'\n"
    "STRIPE_KEY = 'sk_live_%s'\nVAULT_TOKEN = 'hvs.%s'\n"
    % (pick(A, 24), pick(A + "_-", 95)))
PY
MKIMAGE_CONFIG='"User":"app","Env":["PATH=/usr/bin","AWS_SECRET_ACCESS_KEY=k9X2m7PqR4tV8wY1zA3bC5dE6fG0hJ+L/N2pQ4rS"]' \
    mkimage "$T/img" v1 "$r"
"$PORTCULLIS" scan -s "$T/none" -f json "oci:$T/img:v1" > "$T/scan.json" 2>"$T/scan.log"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for f in d["secrets"]:
    print(f["rule"], f["path"])' "$T/scan.json" | sort > "$T/found"
cat > "$T/planted" <<'LIST'
aws-access-key-id root/.aws/credentials
aws-secret-access-key root/.aws/credentials
database-url-password app/.env
docker-config-auth root/.docker/config.json
gcp-service-account-key app/service-account.json
github-token app/settings.py
jwt app/.env
kubeconfig-client-key root/.kube/config
npm-auth-token root/.npmrc
private-key app/ec.pem
private-key root/.ssh/id_ed25519
private-key root/.ssh/id_rsa
pypirc-password root/.pypirc
sendgrid-api-key app/.env
slack-webhook-url srv/notify.sh
stripe-secret-key app/settings.py
url-password etc/pip.conf
url-password root/.git-credentials
vault-token app/settings.py
LIST
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
