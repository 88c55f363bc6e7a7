#!/usr/bin/env bash
# Builds the Dockerfile without a Docker engine, runs the image and checks what Kubernetes relies on:
#
#   sudo deploy/check-image.sh     3 minutes on 2 busy cores with the base images kept, 5 to 12 on a first run
#                                  (deploy/README.md has the figures)
#
# 1. Base images from Debian packages (mmdebstrap, then podman import): a build base with openjdk-17-jdk-headless and
#    maven, a runtime base with openjdk-17-jre-headless. Kept in $WORK and reused; delete $WORK to rebuild them.
# 2. The Dockerfile built by buildah (vfs storage, chroot isolation: no daemon, no overlay, no registry).
# 3. The image run by podman with a 512 MiB memory limit, a WebSocket client connected, then SIGTERM. Checked: the
#    server is ready (/health/ready answers 200), runs as UID/GID 10001 as PID 1, the JVM takes the container's
#    memory limit as its RAM and 40 % of it as its heap, and SIGTERM closes the client with 1001 and exits 0.
# Runs as root (buildah, podman and mmdebstrap need it here); installs the Debian packages it needs when missing.
# Everything lives under $WORK, with a storage of its own: the host's default container storage is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${WORK:=/var/tmp/chorus-image}"
SUITE=bookworm
BUILD_BASE=localhost/chorus-build-base:$SUITE
RUNTIME_BASE=localhost/chorus-runtime-base:$SUITE
IMAGE=localhost/chorus:check
MEMORY_LIMIT=$((512 * 1024 * 1024))
# The uid and gid the Dockerfile creates and k8s/base/deployment.yaml's securityContext names.
CHORUS_UID=10001

STORAGE=(--root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs)
# runc, not podman's default crun: crun refuses hybrid cgroup hosts whose cgroup2 hierarchy holds a controller
# (hugetlb, on the VM this was written on), runc applies the cgroup v1 memory limit there. Podman's default ulimits
# (1048576 open files) need CAP_SYS_RESOURCE, which root lacks in some sandboxes, and podman lowers its own process
# limit to the kernel's pid_max before it starts a container: ask for the shell's open files and 4096 processes.
RUN_OPTIONS=(--runtime runc --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")
# Debian's main archive with its updates and security fixes.
SOURCES=("deb http://deb.debian.org/debian $SUITE main"
  "deb http://deb.debian.org/debian $SUITE-updates main"
  "deb http://deb.debian.org/debian-security $SUITE-security main")

started=$(date +%s)
container=""
client=""
output=$(mktemp -d)

log() {
  echo "check-image [$(($(date +%s) - started)) s]: $*"
}

fail() {
  echo "check-image: FAILED: $*" >&2
  if [ -n "$container" ]; then
    echo "--- container log" >&2
    podman "${STORAGE[@]}" logs "$container" 2>&1 | grep -v '^ *[a-z0-9_]* [A-Za-z0-9_]* *= ' >&2 || true
  fi
  exit 1
}

cleanup() {
  if [ -n "$client" ]; then
    kill "$client" 2>/dev/null || true
  fi
  if [ -n "$container" ]; then
    podman "${STORAGE[@]}" rm --force --time 0 "$container" >/dev/null 2>&1 || true
  fi
  rm -rf "$output"
}
trap cleanup EXIT

install_missing_packages() {
  local missing=()
  command -v buildah >/dev/null 2>&1 || missing+=(buildah)
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  /usr/bin/python3 -c 'import wsproto' >/dev/null 2>&1 || missing+=(python3-wsproto)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# A root filesystem from Debian packages, imported as an image. Documentation and translations are left out.
# The build base trusts the host's local certificate authorities (/usr/local/share/ca-certificates), so that Maven
# reaches Maven Central through a TLS-inspecting proxy as the host does; the runtime base fetches nothing.
base_image() {
  local name=$1 packages=$2 hooks=()
  if podman "${STORAGE[@]}" image exists "$name"; then
    log "$name: kept from an earlier run"
    return
  fi
  if [ "$name" = "$BUILD_BASE" ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    # shellcheck disable=SC2016 # mmdebstrap expands $1 (the new root) in its hooks.
    hooks=(--customize-hook='sync-in /usr/local/share/ca-certificates /usr/local/share/ca-certificates'
      --customize-hook='chroot "$1" update-ca-certificates')
  fi
  log "$name: mmdebstrap $SUITE with $packages"
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "${hooks[@]}" "$SUITE" "$WORK/base.tar" "${SOURCES[@]}"
  podman "${STORAGE[@]}" import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$WORK/base.tar" "$name" >/dev/null
  rm -f "$WORK/base.tar"
}

build_image() {
  local revision=unknown
  if git rev-parse HEAD >/dev/null 2>&1; then
    revision=$(git rev-parse HEAD)
  fi
  log "buildah bud -> $IMAGE"
  buildah "${STORAGE[@]}" bud --isolation chroot \
    --build-arg BUILD_IMAGE="$BUILD_BASE" --build-arg RUNTIME_IMAGE="$RUNTIME_BASE" \
    --build-arg REVISION="$revision" --tag "$IMAGE" . >"$output/build.log" 2>&1 \
    || { tail -50 "$output/build.log" >&2; fail "buildah bud"; }
  # Nothing but the tagged image is kept: the build stage's image goes, and so do the previous run's.
  podman "${STORAGE[@]}" image prune --force >/dev/null
  log "image built: $(podman "${STORAGE[@]}" image inspect --format "{{.Size}}" "$IMAGE" | numfmt --to=si)B"
}

# Prints the host port podman published for a container port.
host_port() {
  podman "${STORAGE[@]}" port "$container" "$1/tcp" | sed -n '1s/.*://p'
}

start_container() {
  # -XX:+PrintFlagsFinal through JAVA_TOOL_OPTIONS: the server's own JVM, with the entrypoint's flags, prints the
  # values it chose and then runs on.
  container=$(podman "${STORAGE[@]}" run --detach "${RUN_OPTIONS[@]}" --memory "$MEMORY_LIMIT" \
    --env JAVA_TOOL_OPTIONS=-XX:+PrintFlagsFinal --publish 127.0.0.1::8080 --publish 127.0.0.1::9090 "$IMAGE")
  client_port=$(host_port 8080)
  management_port=$(host_port 9090)
  local ready=""
  for _ in $(seq 1 600); do
    ready=$(curl --silent --output /dev/null --write-out '%{http_code}' \
      "http://127.0.0.1:$management_port/health/ready" || true)
    [ "$ready" = 200 ] && break
    [ "$(podman "${STORAGE[@]}" inspect --format '{{.State.Running}}' "$container")" = true ] \
      || fail "the container stopped before it was ready"
    sleep 0.1
  done
  [ "$ready" = 200 ] || fail "/health/ready answered ${ready:-nothing} for 60 s"
  log "ready: GET /health/ready -> 200 (client port 8080 at 127.0.0.1:$client_port)"
}

check_user() {
  local pid uid gid name
  pid=$(podman "${STORAGE[@]}" inspect --format '{{.State.Pid}}' "$container")
  name=$(awk '/^Name:/ {print $2}' "/proc/$pid/status")
  uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
  gid=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
  [ "$name" = java ] || fail "the container's first process is $name, not java: SIGTERM would not reach the JVM"
  [ "$uid" = "$CHORUS_UID $CHORUS_UID $CHORUS_UID $CHORUS_UID" ] || fail "java runs with uids $uid"
  [ "$gid" = "$CHORUS_UID $CHORUS_UID $CHORUS_UID $CHORUS_UID" ] || fail "java runs with gids $gid"
  log "user: java is the container's PID 1 (host PID $pid), uid and gid $CHORUS_UID"
}

# The JVM's own figures: MaxRAM is what it takes the machine's memory to be, MaxHeapSize what it chose from it.
check_memory() {
  local flags max_ram max_heap low high
  flags=$(podman "${STORAGE[@]}" logs "$container" 2>&1)
  max_ram=$(awk '$2 == "MaxRAM" {print $4}' <<<"$flags")
  max_heap=$(awk '$2 == "MaxHeapSize" {print $4}' <<<"$flags")
  [ "$max_ram" = "$MEMORY_LIMIT" ] || fail "the JVM's MaxRAM is ${max_ram:-missing}, not the container's $MEMORY_LIMIT"
  # 40 % of the limit, rounded up to the heap's alignment (2 MiB at most).
  low=$((MEMORY_LIMIT * 40 / 100))
  high=$((low + 2 * 1024 * 1024))
  if [ "$max_heap" -lt "$low" ] || [ "$max_heap" -gt "$high" ]; then
    fail "MaxHeapSize is $max_heap bytes, not 40 % of $MEMORY_LIMIT ($low to $high)"
  fi
  log "memory: limit $MEMORY_LIMIT, the JVM's MaxRAM $max_ram, MaxHeapSize $max_heap" \
    "($((max_heap * 1000 / MEMORY_LIMIT / 10)) % of the limit)"
}

# A WebSocket client stays connected while the container gets SIGTERM: the drain must close it with 1001, and the
# process must exit 0 within drain-period + close-timeout + 2 s (17 s with the defaults).
check_sigterm() {
  /usr/bin/python3 - "$client_port" >"$output/client.log" 2>&1 <<'EOF' &
import socket
import sys

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request

port = int(sys.argv[1])
connection = socket.create_connection(("127.0.0.1", port), timeout=60)
ws = WSConnection(ConnectionType.CLIENT)
connection.sendall(ws.send(Request(host=f"127.0.0.1:{port}", target="/ws/image-check")))
while True:
    data = connection.recv(65536)
    if not data:
        print("closed without a close frame", flush=True)
        sys.exit(1)
    ws.receive_data(data)
    for event in ws.events():
        if isinstance(event, AcceptConnection):
            print("open", flush=True)
        elif isinstance(event, RejectConnection):
            print(f"rejected with {event.status_code}", flush=True)
            sys.exit(1)
        elif isinstance(event, Ping):
            connection.sendall(ws.send(event.response()))
        elif isinstance(event, CloseConnection):
            print(f"close {event.code}", flush=True)
            connection.sendall(ws.send(event.response()))
            sys.exit(0)
EOF
  client=$!
  for _ in $(seq 1 100); do
    grep -q '^open' "$output/client.log" && break
    kill -0 "$client" 2>/dev/null || fail "WebSocket client: $(cat "$output/client.log")"
    sleep 0.1
  done
  grep -q '^open' "$output/client.log" || fail "the WebSocket client did not connect within 10 s"

  local signalled status stopped logs
  signalled=$(date +%s%N)
  podman "${STORAGE[@]}" kill --signal TERM "$container" >/dev/null
  status=$(timeout 60 podman "${STORAGE[@]}" wait "$container") || fail "the container did not stop within 60 s"
  stopped=$((($(date +%s%N) - signalled) / 1000000))
  wait "$client" || fail "WebSocket client: $(cat "$output/client.log")"
  client=""
  logs=$(podman "${STORAGE[@]}" logs "$container" 2>&1)
  [ "$status" = 0 ] || fail "exit status $status after SIGTERM"
  grep -q '^close 1001$' "$output/client.log" || fail "the client got $(cat "$output/client.log"), not close 1001"
  grep -q 'SIGTERM received' <<<"$logs" || fail "no 'SIGTERM received' in the log"
  grep -q 'Chorus stopped' <<<"$logs" || fail "no 'Chorus stopped' in the log"
  log "SIGTERM: the client got close 1001, exit status 0 after $stopped ms; the log says:"
  grep -A100 'SIGTERM received' <<<"$logs" | sed 's/^/    /'
}

[ "$(id -u)" = 0 ] || { echo "check-image: run as root (buildah, podman and mmdebstrap need it)" >&2; exit 1; }
mkdir -p "$WORK"
install_missing_packages
base_image "$BUILD_BASE" openjdk-17-jdk-headless,maven
base_image "$RUNTIME_BASE" openjdk-17-jre-headless
build_image
start_container
check_user
check_memory
check_sigterm
log "image checked"
