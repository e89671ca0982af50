#!/usr/bin/env python3
"""plant_secrets.py ROOT: random values in each vendor's shape, written
where such credentials leak into real images (dotfiles, a .env, a GCP
service-account key file, a script, application settings). The keys
themselves are made by openssl and ssh-keygen (tests/lib/plant.sh)."""
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
    "- name: deploy\n  user:\n    token: %s.%s\n"
    % (base64.b64encode(key.encode()).decode(),
       pick(string.ascii_lowercase + string.digits, 6),
       pick(string.ascii_lowercase + string.digits, 16)))
open(r + "/root/.netrc", "w").write(
    "machine ftp.example.com\n  login ci\n  password %s\n" % pick(A, 16))
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
