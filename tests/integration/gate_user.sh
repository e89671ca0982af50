#!/bin/sh
# user: started as root, the proxy binds, reads its TLS key (mode 0600,
# root's), opens its logs and store, hands state_dir to the account and
# becomes it. Then everything still works as that account: pushes are
# scanned and recorded in the store, a never-seen image is pulled into a
# scratch directory under state_dir and scanned, pulls are refused for
# real lodash 4.17.20. An account that does not exist, or that cannot
# reach state_dir, stops the start with a message that says so.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/mkimage.sh"
need docker-registry skopeo curl npm openssl
[ "$(id -u)" = 0 ] || skip_all "giving up root needs root"
id nobody >/dev/null 2>&1 || skip_all "no account nobody"
tap_plan 12
NOBODY=$(id -u nobody)

# The account must be able to reach state_dir under the test directory.
chmod 755 "$T"
osv_state
npm_module "$T/app/app" lodash 4.17.20
MKIMAGE_CONFIG='"User":"app"' mkimage "$T/img" v1 "$T/app"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T/px.key" -out "$T/px.crt" \
    >/dev/null 2>&1 || bail "cannot make a certificate"
chmod 600 "$T/px.key"

start_registry reg
SK="skopeo --insecure-policy"
$SK copy --dest-tls-verify=false "oci:$T/img:v1" \
    "docker://127.0.0.1:$REG_PORT/team/direct:v1" >"$T/push.log" 2>&1 ||
    bail "direct push failed"
start_proxy px "$REG_URL" "user: nobody
tls:
  cert: $T/px.crt
  key: $T/px.key
policy:
  severity: high
  unknown_images: scan"
P="127.0.0.1:$PX_PORT"
metric() { curl -sfk "https://$P/metrics" | sed -n "s/^$1 //p"; }

uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$PX_PID/status")
expect_eq "the proxy runs as nobody (real, effective, saved, fs uid)" \
    "$NOBODY $NOBODY $NOBODY $NOBODY" "$uids"
expect_eq "and has no supplementary group left of root's" \
    "$(id -g nobody)" "$(awk '/^Groups:/ { print $2 }' "/proc/$PX_PID/status")"
expect_eq "state_dir is handed to it" nobody "$(stat -c %U "$PX_STATE")"
expect_eq "TLS served with the key read before (a root-only file)" 200 \
    "$(curl -sk -o /dev/null -w '%{http_code}' "https://$P/v2/")"

if $SK copy --dest-tls-verify=false "oci:$T/img:v1" "docker://$P/team/app:v1" \
    >"$T/push2.log" 2>&1; then
	ok "push through the proxy"
else
	not_ok "push through the proxy"; sed 's/^/# /' "$T/push2.log"
fi
i=0
while [ "$(metric portcullis_layers_scanned_total)" != 2 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "its layer and config are recorded in the store" 2 \
    "$(metric portcullis_layers_scanned_total)"
out=$($SK inspect --tls-verify=false "docker://$P/team/app:v1" 2>&1)
case "$out" in *denied*GHSA-35jh-r3h4-6jhm*) ok "the pushed image is refused for lodash";;
*) not_ok "the pushed image is refused for lodash"; echo "# $out" | cut -c1-300;; esac
out=$($SK inspect --tls-verify=false "docker://$P/team/direct:v1" 2>&1)
case "$out" in *denied*GHSA-35jh-r3h4-6jhm*) ok "a never-seen image is pulled, scanned and refused";;
*) not_ok "a never-seen image is pulled, scanned and refused"; echo "# $out" | cut -c1-300;; esac
check "no scratch directory left in state_dir" \
    sh -c "! ls -d '$PX_STATE'/scan.* >/dev/null 2>&1"
stop_proxy px

# refuses NAME YAML: the start fails and the log says NAME.
refuses() {
	cat > "$T/bad.yml" <<-YML
	listen: 127.0.0.1:0
	upstream:
	  url: $REG_URL
	$2
	YML
	if timeout 20 "$PORTCULLIS" serve -c "$T/bad.yml" >"$T/bad.out" 2>"$T/bad.log"; then
		not_ok "$1 (it started)"
	elif grep -q "$3" "$T/bad.log"; then
		ok "$1"
	else
		not_ok "$1"; sed 's/^/# /' "$T/bad.log" | head -5
	fi
}
refuses "an account that does not exist stops the start" \
    "user: no-such-account-here
state_dir: $T/s2" "no-such-account-here: no such account"
mkdir -p "$T/closed"
chmod 700 "$T/closed"
refuses "a state_dir the account cannot reach stops the start" \
    "user: nobody
state_dir: $T/closed/s3" "cannot write in state_dir"
