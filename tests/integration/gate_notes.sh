#!/bin/sh
# What the gate lets by and refuses among this session's new findings,
# through the proxy with skopeo against the real registry:
# - a private key (made by openssl) inside a file an OS package
#   installed (its dpkg .list names it) is a note: the pull passes, the
#   report shows it; the same key in a file no package installed is a
#   secret: refused;
# - AWS's documented example key is a note: the pull passes;
# - a new misconfiguration id blocks only where policy.misconfig names
#   it (no-healthcheck), and is only reported elsewhere;
# - a random-looking credential in a .env, and a bearer token in a
#   kubeconfig, are secrets: refused, naming the rule and the file; the
#   same .env shipped as .env.example (a template) lets the pull by.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl openssl
tap_plan 13

openssl genrsa -out "$T/k.pem" 2048 >/dev/null 2>&1 || bail "openssl"
# owned: the key inside usr/lib/libdemo.so, which package libdemo installed
mkdir -p "$T/owned/usr/lib" "$T/owned/var/lib/dpkg/info"
cp "$T/k.pem" "$T/owned/usr/lib/libdemo.so"
printf '/.\n/usr\n/usr/lib\n/usr/lib/libdemo.so\n' > "$T/owned/var/lib/dpkg/info/libdemo.list"
printf 'Package: libdemo\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n' \
    > "$T/owned/var/lib/dpkg/status"
# loose: the same key where no package put it
mkdir -p "$T/loose/srv"
cp "$T/k.pem" "$T/loose/srv/deploy.pem"
# example: only AWS's documented example key
mkdir -p "$T/example/app"
printf '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' \
    > "$T/example/app/credentials"
# dotenv: a credential a service reads at start; kube: a deploy token;
# envtmpl: the same lines as a template a project ships
mkdir -p "$T/dotenv/app" "$T/kube/root/.kube" "$T/envtmpl/app"
printf 'DEBUG=false\nDB_PASSWORD=q7Vx2Lm9Pw4Rt8Kz3Nb6\n' > "$T/dotenv/app/.env"
cp "$T/dotenv/app/.env" "$T/envtmpl/app/.env.example"
printf 'apiVersion: v1\nusers:\n- name: deploy\n  user:\n    token: 07401b.f395accd246ae52d\n' \
    > "$T/kube/root/.kube/config"
for i in owned loose example dotenv kube envtmpl; do
	MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img-$i" v1 "$T/$i"
done

start_registry reg
start_proxy px "$REG_URL" "policy:
  repositories:
    - match: \"strict/*\"
      misconfig: [no-healthcheck]"
P="127.0.0.1:$PX_PORT"
H='Accept: application/vnd.oci.image.manifest.v1+json'
push() { skopeo --insecure-policy copy --dest-tls-verify=false "oci:$T/img-$1:v1" \
    "docker://$P/$2:v1" >/dev/null 2>&1 || bail "push of $1"; }
code() { curl -s -o "$T/body" -w '%{http_code}' -H "$H" "http://$P/v2/$1/manifests/v1"; }
push owned demo/owned
push loose demo/loose
push example demo/example
push example strict/example
push dotenv demo/dotenv
push kube demo/kube
push envtmpl demo/envtmpl

expect_eq "a key in a file an OS package installed does not refuse the pull" 200 "$(code demo/owned)"
st=$(curl -sf "http://$P/portcullis/v1/status/demo/owned/v1" | tr -d ' \n')
case "$st" in *'"secrets":[]'*'"notes":[{"kind":"note","rule":"private-key","path":"usr/lib/libdemo.so"'*'OSpackagelibdemo'*)
	ok "the report shows it as a note, naming the package";;
*) not_ok "the report shows it as a note, naming the package"; echo "$st" | grep -o '"notes":[^]]*]' | cut -c1-300 | sed 's/^/# /';; esac
expect_eq "the same key where no package put it is refused" 403 "$(code demo/loose)"
grep -q 'private-key in srv/deploy.pem' "$T/body" && ok "naming the key and the file" ||
    not_ok "naming the key and the file"
expect_eq "AWS's documented example keys do not refuse the pull" 200 "$(code demo/example)"
r=$(code strict/example)
grep -q 'no-healthcheck' "$T/body" && [ "$r" = 403 ] &&
    ok "misconfig: [no-healthcheck] refuses an image without one, naming it" ||
    { not_ok "misconfig: [no-healthcheck] refuses an image without one, naming it"; head -c 300 "$T/body" | sed 's/^/# /'; }
st=$(curl -sf "http://$P/portcullis/v1/status/demo/example/v1" | tr -d ' \n')
case "$st" in *'"rule":"no-healthcheck"'*'"dev.portcullis.policy.result":"allow"'*|*'"dev.portcullis.policy.result":"allow"'*'"rule":"no-healthcheck"'*)
	ok "where the policy does not name it, it is reported and lets the pull by";;
*) not_ok "where the policy does not name it, it is reported and lets the pull by"; echo "# $st" | cut -c1-300;; esac
expect_eq "a random-looking credential in a .env refuses the pull" 403 "$(code demo/dotenv)"
grep -q 'env-file-secret in app/.env' "$T/body" && ok "naming the rule and the file" ||
    { not_ok "naming the rule and the file"; head -c 300 "$T/body" | sed 's/^/# /'; }
expect_eq "a kubeconfig bearer token refuses the pull" 403 "$(code demo/kube)"
grep -q 'kubeconfig-token in root/.kube/config' "$T/body" && ok "naming it" ||
    { not_ok "naming it"; head -c 300 "$T/body" | sed 's/^/# /'; }
expect_eq "the same lines in a .env.example template let the pull by" 200 "$(code demo/envtmpl)"
stop_proxy px
