# start_dockerd -> DOCKER: a Docker engine of the test's own (Debian's
# docker.io), its data, state and socket under $T, the vfs storage
# driver and no network set-up of its own (no bridge, no iptables), so
# it runs wherever the tests run as root. It pushes and pulls; it runs
# no containers. Stopped with the test's other processes.
start_dockerd() {
	mkdir -p "$T/dk"
	dockerd --data-root "$T/dk/root" --exec-root "$T/dk/exec" \
	    --pidfile "$T/dk/pid" -H "unix://$T/dk/sock" --storage-driver vfs \
	    --iptables=false --ip6tables=false --bridge=none \
	    >"$T/dockerd.log" 2>&1 &
	PIDS="$PIDS $!"
	DOCKER_BIN=/usr/bin/docker
	[ -x "$DOCKER_BIN" ] || DOCKER_BIN=docker
	DOCKER="$DOCKER_BIN -H unix://$T/dk/sock"
	i=0
	while [ $i -lt 300 ] && ! $DOCKER version >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	$DOCKER version >/dev/null 2>&1 || { tail -n 20 "$T/dockerd.log" | sed 's/^/# /'; bail "dockerd did not start"; }
}

# docker_load LAYOUT TAG NAME: the OCI layout's image into the engine as NAME.
docker_load() {
	skopeo --insecure-policy copy "oci:$1:$2" "docker-archive:$T/load.tar:$3" \
	    >"$T/load.log" 2>&1 || { sed 's/^/# /' "$T/load.log"; bail "skopeo to docker-archive"; }
	$DOCKER load -i "$T/load.tar" >"$T/load.log" 2>&1 || { sed 's/^/# /' "$T/load.log"; bail "docker load"; }
	rm -f "$T/load.tar"
}
