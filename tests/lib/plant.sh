# plant_secrets ROOT LIST: a tree at ROOT with secrets planted the way
# they leak into real images: keys made here by openssl and ssh-keygen,
# vendor-shaped random tokens (tests/lib/plant_secrets.py; the GitHub
# one with a valid checksum, made by the base62-token npm package).
# LIST receives "rule path" for each, sorted.
plant_secrets() {
	mkdir -p "$1/root/.ssh" "$1/root/.aws" "$1/root/.docker" \
	    "$1/root/.kube" "$1/app" "$1/srv" "$1/etc"
	openssl genrsa -out "$1/root/.ssh/id_rsa" 2048 2>/dev/null || bail "openssl genrsa"
	openssl ecparam -name prime256v1 -genkey -noout -out "$1/app/ec.pem" 2>/dev/null ||
	    bail "openssl ecparam"
	ssh-keygen -q -t ed25519 -N '' -f "$1/root/.ssh/id_ed25519" || bail "ssh-keygen"
	rm -f "$1/root/.ssh/id_ed25519.pub"
	python3 "$top_srcdir/tests/lib/plant_secrets.py" "$1" || bail "plant_secrets.py"
	cat > "$2" <<'LIST'
aws-access-key-id root/.aws/credentials
aws-secret-access-key root/.aws/credentials
database-url-password app/.env
docker-config-auth root/.docker/config.json
gcp-service-account-key app/service-account.json
github-token app/settings.py
jwt app/.env
kubeconfig-client-key root/.kube/config
kubeconfig-token root/.kube/config
netrc-password root/.netrc
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
}
