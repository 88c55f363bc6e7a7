#!/usr/bin/env bash
# What a connection costs the server to open: a plain WebSocket upgrade (ws://) against a TLS handshake and the
# upgrade (wss://, TLS 1.3, EC P-256 certificate, OpenSSL engine on both sides; Chorus issues no session tickets, so
# every handshake is a full one).
# For each case a fresh Chorus (one event loop, pinned to CPU $SERVER_CPU) takes $WARMUP connections to warm up,
# then $CONNECTIONS more opened by the fanout generator (pinned to CPU $GEN_CPU) as fast as it can
# (--connect-rate $RATE); the server's CPU time is read from /proc before the run and when the last connection is
# open. Prints, per case: connections opened per second (bounded by the generator when the server is not busy all
# the time), the server's CPU time per connection, how busy it was, and the rate one core would reach at that cost.
#
#   mvn -B -o package -DskipTests && mvn -B -o -f load-tests/fanout/pom.xml package -DskipTests
#   load-tests/handshake-cost.sh
#
# Loopback only; every process it starts is stopped by its PID; each generator run ends within $MAX_RUNTIME.
set -euo pipefail

: "${PORT:=28400}"
: "${MANAGEMENT_PORT:=28401}"
: "${CONNECTIONS:=4000}"
: "${WARMUP:=4000}"
: "${RATE:=20000}"
: "${SERVER_CPU:=1}"
: "${GEN_CPU:=0}"
: "${MAX_RUNTIME:=90s}"
: "${JAVA:=java}"
: "${KEYTOOL:=keytool}"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHORUS_JAR="$ROOT/target/chorus.jar"
FANOUT_JAR="$ROOT/load-tests/fanout/target/fanout.jar"
OUT_DIR=$(mktemp -d /tmp/handshake-cost.XXXXXX)
PASSWORD="bench-only-$$"
TICKS=$(getconf CLK_TCK)
SERVER_PID=

for jar in "$CHORUS_JAR" "$FANOUT_JAR"; do
  [[ -f "$jar" ]] || { echo "missing $jar: build it first (see the top of this script)" >&2; exit 1; }
done

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

# The server's user + system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start_server() {
  local name=$1
  shift
  if port_open; then
    echo "port $PORT is in use by a process this script did not start; set PORT" >&2
    exit 1
  fi
  CHORUS_TLS_KEYSTORE_PASSWORD="$PASSWORD" taskset -c "$SERVER_CPU" "$JAVA" -XX:ActiveProcessorCount=1 \
    -jar "$CHORUS_JAR" --host 127.0.0.1 --port "$PORT" --management-port "$MANAGEMENT_PORT" --instances 1 \
    --rate-limit 0 "$@" > "$OUT_DIR/$name-server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$name: the server exited, see $OUT_DIR/$name-server.log" >&2; exit 1; }
    port_open && return 0
    sleep 0.2
  done
  echo "$name: the server did not answer within 60 s" >&2
  exit 1
}

# Opens N connections with the generator; prints "seconds ticks": the time to open them all, and the server CPU
# ticks spent from the start until the last one was open (the hold and the closes are not counted).
open_connections() {
  local url=$1 count=$2 before after seconds
  before=$(cpu_ticks "$SERVER_PID")
  after=
  while IFS= read -r line; do
    echo "$line" >> "$OUT_DIR/generator.log"
    if [[ "$line" == "opened in "* ]]; then
      after=$(cpu_ticks "$SERVER_PID")
      seconds=$(sed -E 's/^opened in ([0-9.]+) s.*/\1/' <<< "$line")
    fi
  done < <(taskset -c "$GEN_CPU" "$JAVA" -jar "$FANOUT_JAR" connections --url "$url" --connections "$count" \
    --connect-rate "$RATE" --hold 1s --threads 1 --max-runtime "$MAX_RUNTIME" 2>&1)
  [[ -n "$after" ]] || { echo "the generator did not open its connections, see $OUT_DIR/generator.log" >&2; exit 1; }
  echo "$seconds $((after - before))"
}

measure() {
  local slug=$1 name=$2 url=$3
  shift 3
  start_server "$slug" "$@"
  open_connections "$url" "$WARMUP" > /dev/null
  read -r seconds ticks < <(open_connections "$url" "$CONNECTIONS")
  stop_server
  awk -v name="$name" -v n="$CONNECTIONS" -v s="$seconds" -v t="$ticks" -v hz="$TICKS" 'BEGIN {
    each = t / hz / n
    printf "%-24s %9.0f %12.0f %9.0f %% %12.0f\n", name, n / s, each * 1e6, t / hz / s * 100, 1 / each }'
}

"$KEYTOOL" -genkeypair -alias chorus -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext san=ip:127.0.0.1 \
  -validity 2 -storetype PKCS12 -keystore "$OUT_DIR/chorus.p12" -storepass "$PASSWORD" > /dev/null 2>&1

echo "$CONNECTIONS connections per case after $WARMUP of warm-up, asked at $RATE/s; $(date -u +%FT%TZ)"
printf "%-24s %9s %12s %11s %12s\n" case "opened/s" "CPU µs each" "server busy" "max/s a core"
measure ws "ws:// upgrade" "ws://127.0.0.1:$PORT/ws/bench"
measure wss "wss:// TLS 1.3 + upgrade" "wss://127.0.0.1:$PORT/ws/bench" --tls-keystore "$OUT_DIR/chorus.p12"
echo "logs: $OUT_DIR"
