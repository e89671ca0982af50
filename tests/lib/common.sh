# Shared helpers for the integration tests: TAP output, and real
# components (docker-registry, portcullis) started on 127.0.0.1 under a
# private temporary directory that is removed on exit.
#
# Every test script sources this, calls tap_plan, then start_registry and
# start_proxy as it needs.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PORTCULLIS:=$top_builddir/portcullis}"
: "${RAWSEND:=$top_builddir/tests/tools/rawsend}"
: "${TOKENSRV:=$top_builddir/tests/tools/tokensrv}"
: "${HOOKSRV:=$top_builddir/tests/tools/hooksrv}"
: "${STOREEDIT:=$top_builddir/tests/tools/storeedit}"

T=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-test.XXXXXX")
PIDS=""
tap_n=0
tap_failed=0

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ "$tap_failed" -ne 0 ] && [ -d "$T" ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "# ---- $f (last 30 lines)"
			tail -n 30 "$f" | sed 's/^/# /'
		done
	fi
	# A test that mounted something under $T says how to undo it.
	[ -z "${CLEANUP_HOOK:-}" ] || eval "$CLEANUP_HOOK"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tap_plan() { echo "1..$1"; }
ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}
# check "description" command...: ok if the command succeeds.
check() {
	desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' "$T/check.out" | tail -n 20
	fi
}
# refused "description" OUT PATTERN "what it says" CMD...: CMD (a client)
# must fail, and what it printed (kept in OUT) must match PATTERN.
refused() {
	rf_desc=$1; rf_out=$2; rf_pat=$3; rf_says=$4
	shift 4
	if "$@" >"$rf_out" 2>&1; then not_ok "$rf_desc"; else ok "$rf_desc"; fi
	grep -q "$rf_pat" "$rf_out" && ok "$rf_says" ||
	    { not_ok "$rf_says"; tail -n 3 "$rf_out" | sed 's/^/# /'; }
}
# expect_eq "description" expected actual
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "# expected: $2"
		echo "# actual:   $3"
	fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 1; }

free_port() {
	while :; do
		# Below the kernel's ephemeral range (32768-60999), so no
		# outgoing connection can hold the port when the server binds.
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
		if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return
		fi
	done
}

wait_http() {
	# wait_http URL [curl args]: until it answers at all (any status)
	url=$1
	shift
	i=0
	while [ $i -lt 300 ]; do
		if curl -s -o /dev/null "$@" "$url"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# start_registry NAME [extra yaml for the http: section] -> REG_PORT, REG_URL
# A real CNCF Distribution registry with filesystem storage.
start_registry() {
	name=$1
	REG_PORT=$(free_port)
	mkdir -p "$T/$name-data"
	cat > "$T/$name.yml" <<YML
version: 0.1
log:
  level: ${REG_LOG_LEVEL:-warn}
storage:
  filesystem:
    rootdirectory: $T/$name-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REG_PORT
${REG_EXTRA_HTTP:-}
${REG_EXTRA:-}
YML
	docker-registry serve "$T/$name.yml" >"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	REG_SCHEME=${REG_SCHEME:-http}
	REG_URL="$REG_SCHEME://127.0.0.1:$REG_PORT"
	wait_http "$REG_URL/v2/" -k || {
		sed 's/^/# /' "$T/$name.log"
		bail "registry $name did not start"
	}
}

# start_proxy NAME UPSTREAM_URL [extra yaml] -> PX_PORT, PX_ADDR, PX_PID
# UPSTREAM_URL "-": the extra yaml has its own upstream: section.
start_proxy() {
	name=$1
	up=$2
	extra=${3:-}
	upblock=""
	[ "$up" = "-" ] || upblock="upstream:
  url: $up"
	cat > "$T/$name.yml" <<YML
listen: 127.0.0.1:0
$upblock
log:
  level: ${PX_LOG_LEVEL:-info}
  access: $T/$name-access.log
state_dir: ${PX_STATE:-$T/$name-state}
$extra
YML
	mkdir -p "${PX_STATE:-$T/$name-state}"
: > "$T/$name.out"
	"$PORTCULLIS" serve -c "$T/$name.yml" >"$T/$name.out" 2>"$T/$name.log" &
	PX_PID=$!
	PIDS="$PIDS $PX_PID"
	i=0
	# 20 s: a sanitizer build indexing a large store on a busy machine.
	while [ $i -lt 400 ]; do
		PX_ADDR=$(sed -n 's/^portcullis: ready on //p' "$T/$name.out")
		[ -n "$PX_ADDR" ] && break
		kill -0 "$PX_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	[ -n "$PX_ADDR" ] || { cat "$T/$name.log" >&2; bail "proxy $name did not start"; }
	PX_PORT=${PX_ADDR##*:}
	eval "PID_$name=$PX_PID"
}

# proxy_alive: the proxy process is still running (no crash)
proxy_alive() { kill -0 "${1:-$PX_PID}" 2>/dev/null; }

need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# stop_proxy NAME: SIGTERM, wait, and one TAP point: it exited 0 and
# its log holds no sanitizer report (leaks show up here under ASan).
stop_proxy() {
	name=$1
	eval "pid=\${PID_$name}"
	kill -TERM "$pid" 2>/dev/null
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	if [ "$rc" -eq 0 ] && ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/$name.log"; then
		ok "proxy $name shut down cleanly, no sanitizer report"
	else
		not_ok "proxy $name shut down cleanly, no sanitizer report (exit $rc)"
		grep -E -A12 'Sanitizer|runtime error' "$T/$name.log" | head -40 | sed 's/^/# /'
	fi
}

# peak_rss PID WATCHED: highest VmRSS (kB) of PID while process WATCHED runs.
peak_rss() {
	pk=0
	# Called as $(peak_rss ...), the subshell cannot reap the caller's
	# child: an ended one lingers as a zombie, which kill -0 still finds.
	while kill -0 "$2" 2>/dev/null &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$2/status" 2>/dev/null; do
		r=$(awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null)
		[ "${r:-0}" -gt "$pk" ] && pk=$r
		sleep 0.05
	done
	wait "$2" 2>/dev/null
	echo "$pk"
}

# wait_metric ADDR NAME MIN [TENTHS]: until the proxy's /metrics shows NAME >=
# MIN (TENTHS tenths of a second at most, 50); prints the last value seen.
wait_metric() {
	i=0
	v=0
	while [ $i -lt "${4:-50}" ]; do
		v=$(curl -sf "http://$1/metrics" | sed -n "s/^$2 //p")
		[ "${v:-0}" -ge "$3" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "${v:-0}"
}

# osv_state [DIR] -> PXS: a state directory ($T/state unless DIR) for
# the next proxies (PX_STATE) holding the bundled real advisories
# (tests/data/osv).
osv_state() {
	PXS=${1:-$T/state}
	PX_STATE=$PXS
	"$PORTCULLIS" db import -s "$PXS" "$top_srcdir/tests/data/osv" >/dev/null 2>&1 ||
	    bail "db import"
}

# start_hooksrv -> HP: tests/tools/hooksrv on a free port, writing each
# webhook event it receives to $T/hooks.jsonl.
start_hooksrv() {
	HP=$(free_port)
	"$HOOKSRV" "$HP" "$T/hooks.jsonl" 2>"$T/hooksrv.log" &
	PIDS="$PIDS $!"
}

# wait_hook FILE [N]: until tests/tools/hooksrv has written N (default
# 1) verdict-changed events to FILE (10 s at most: webhooks are fire and
# forget).
wait_hook() {
	wh=0
	while [ $wh -lt 100 ] &&
	    [ "$(grep -c verdict-changed "$1" 2>/dev/null)" -lt "${2:-1}" ]; do
		sleep 0.1
		wh=$((wh + 1))
	done
}

# start_nginx UPSTREAM_PORT -> NG_PORT: nginx as a plain streaming reverse
# proxy in front of the registry, the baseline the benchmarks compare to.
# NGX_EXTRA: more of its server block (NGX_PROXY relays to the registry).
NGX_PROXY='proxy_pass http://reg;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 900;'
# ngx_slow_blobs RATE: an NGX_EXTRA block in which blob reads crawl at
# RATE (nginx's limit_rate applies only to a buffered response).
ngx_slow_blobs() {
	printf 'location ~ ^/v2/.+/blobs/sha256: {
      limit_rate %s;
      proxy_pass http://reg;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering on;
      proxy_max_temp_file_size 0;
    }' "$1"
}
# test_tls: a private CA ($T/ca.crt) and a server certificate it signed
# for 127.0.0.1 and localhost ($T/srv.crt, $T/srv.key).
test_tls() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=portcullis-test-ca \
	    -keyout "$T/ca.key" -out "$T/ca.crt" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$T/srv.key" \
	    -out "$T/srv.csr" >/dev/null 2>&1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$T/srv.ext"
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
	    -days 2 -extfile "$T/srv.ext" -out "$T/srv.crt" >/dev/null 2>&1
}

# start_https_static DIR -> NP: nginx serving DIR over https with
# test_tls's certificate; its access log ("uri status" lines) is
# $T/nginx/access.log.
start_https_static() {
	mkdir -p "$T/nginx"
	# nginx workers drop root: let them read the test directory.
	chmod 755 "$T"
	chmod -R a+rX "$1"
	NP=$(free_port)
	cat > "$T/nginx.conf" <<-NGX
	worker_processes 1;
	pid $T/nginx/nginx.pid;
	error_log $T/nginx/error.log warn;
	events { worker_connections 64; }
	http {
	  log_format st '\$request_uri \$status';
	  access_log $T/nginx/access.log st;
	  client_body_temp_path $T/nginx/body;
	  proxy_temp_path $T/nginx/proxy;
	  server {
	    listen 127.0.0.1:$NP ssl;
	    ssl_certificate $T/srv.crt;
	    ssl_certificate_key $T/srv.key;
	    root $1;
	  }
	}
	NGX
	nginx -c "$T/nginx.conf" -g 'daemon off;' 2>"$T/nginx.log" &
	PIDS="$PIDS $!"
	wait_http "https://127.0.0.1:$NP/" -k || bail "nginx did not start"
}

# blob_upload ADDR REPO FILE: FILE as a blob of REPO (a monolithic
# upload to the registry or proxy at ADDR); prints its digest.
blob_upload() {
	bu_d="sha256:$(sha256sum "$3" | cut -d' ' -f1)"
	bu_loc=$(curl -sf -D - -o /dev/null -X POST "http://$1/v2/$2/blobs/uploads/" |
	    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case "$bu_loc" in http*) ;; *) bu_loc="http://$1$bu_loc";; esac
	case "$bu_loc" in *\?*) bu_sep='&';; *) bu_sep='?';; esac
	curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$3" "$bu_loc${bu_sep}digest=$bu_d" || bail "blob upload to $2 failed"
	echo "$bu_d"
}

start_nginx() {
	NG_PORT=$(free_port)
	mkdir -p "$T/nginx"
	cat > "$T/nginx.conf" <<-NGX
	worker_processes 1;
	pid $T/nginx/nginx.pid;
	error_log $T/nginx/error.log warn;
	events { worker_connections 1024; }
	http {
	  access_log off;
	  client_body_temp_path $T/nginx/body;
	  proxy_temp_path $T/nginx/proxy;
	  upstream reg { server 127.0.0.1:$1; keepalive 16; }
	  server {
	    listen 127.0.0.1:$NG_PORT;
	    client_max_body_size 0;
	    chunked_transfer_encoding on;
	    ${NGX_EXTRA:-}
	    location /v2/ {
	      $NGX_PROXY
	    }
	  }
	}
	NGX
	nginx -c "$T/nginx.conf" -g 'daemon off;' 2>"$T/nginx.log" &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$NG_PORT/v2/" || bail "nginx did not start"
}

# start_haproxy REG_PORT -> HA_PORT: HAProxy as a plain HTTP reverse
# proxy to the registry, as one would deploy it for throughput: keep-alive
# both ways, bodies streamed, splice(2) where the kernel can
# (option splice-auto), one process.
start_haproxy() {
	HA_PORT=$(free_port)
	cat > "$T/haproxy.cfg" <<-HAP
	global
	  nbthread 1
	  maxconn 1024
	defaults
	  mode http
	  option http-keep-alive
	  option splice-auto
	  timeout connect 10s
	  timeout client 900s
	  timeout server 900s
	frontend fe
	  bind 127.0.0.1:$HA_PORT
	  default_backend reg
	backend reg
	  server r1 127.0.0.1:$1
	HAP
	haproxy -db -f "$T/haproxy.cfg" 2>"$T/haproxy.log" &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$HA_PORT/v2/" || bail "haproxy did not start"
}

# start_haproxy_rr PORT...: HAProxy balancing round robin, per request,
# over proxies on 127.0.0.1, as a fleet is deployed -> HA_PORT. A server
# found dead (a check every 300 ms) is taken out, and a request it
# refused goes to another (redispatch).
start_haproxy_rr() {
	HA_PORT=$(free_port)
	{
		printf 'global\n  nbthread 1\ndefaults\n  mode http\n'
		printf '  option http-keep-alive\n  timeout connect 10s\n'
		printf '  timeout client 900s\n  timeout server 900s\n'
		printf 'frontend fe\n  bind 127.0.0.1:%s\n  default_backend fleet\n' "$HA_PORT"
		printf 'backend fleet\n  balance roundrobin\n  option redispatch\n  retries 3\n'
		n=0
		for port in "$@"; do
			n=$((n + 1))
			printf '  server s%s 127.0.0.1:%s check inter 300ms fall 1\n' "$n" "$port"
		done
	} > "$T/haproxy.cfg"
	haproxy -db -f "$T/haproxy.cfg" 2>"$T/haproxy.log" &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$HA_PORT/v2/" || bail "haproxy did not start"
}

# start_tokensrv -> TP, REALM: a token server (tests/tools/tokensrv) with
# a fresh signing key, user alice:s3cret, issuer portcullis-issuer.
# token_auth_yaml REALM_URL: the registry's auth: block trusting it.
start_tokensrv() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=portcullis-token \
	    -keyout "$T/token.key" -out "$T/token.crt" >/dev/null 2>&1 ||
	    bail "cannot make the token signing key"
	TP=$(free_port)
	"$TOKENSRV" "$TP" "$T/token.key" "$T/token.crt" portcullis-issuer alice:s3cret "$@" \
	    >"$T/tokensrv.out" 2>"$T/tokensrv.log" &
	PIDS="$PIDS $!"
	REALM="http://127.0.0.1:$TP/token"
}
token_auth_yaml() {
	printf 'auth:\n  token:\n    realm: %s\n    service: portcullis-test\n    issuer: portcullis-issuer\n    rootcertbundle: %s\n' \
	    "$1" "$T/token.crt"
}
