#!/usr/bin/env bash
# Clustered fan-out against standalone: what crossing the Vert.x clustered event bus costs Chorus.
#
#   load-tests/bench-cluster.sh            about 6 minutes
#
# Standalone: one Chorus node; 1,000 subscribers and 10 publishers on it. Clustered: two Chorus nodes that form a
# Hazelcast cluster; the publishers on node A, the 1,000 subscribers on node B, so that every message crosses the
# event bus. Both setups get the same CPU: every server JVM pinned to CPU $SERVER_CPU, the generator to CPU $GEN_CPU.
# Each setup is ramped to its highest sustained deliveries/s, then held at $RATE deliveries/s for loss and latency.
# Everything runs on 127.0.0.1 and stops by itself; only processes this script started are signalled.
set -euo pipefail

LT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LT_DIR/.." && pwd)"
FANOUT_JAR="$LT_DIR/fanout/target/fanout.jar"
CHORUS_JAR="$ROOT/target/chorus.jar"

: "${JAVA:=java}"
: "${PORT_A:=28281}"
: "${PORT_B:=28282}"
: "${HAZELCAST_A:=25801}"
: "${HAZELCAST_B:=25802}"
: "${SERVER_CPU:=0}"
: "${GEN_CPU:=1}"
: "${BUILD:=1}"
: "${RATE:=100k}"
: "${RAMP_TO:=4M}"
: "${OUT_DIR:=$LT_DIR/fanout/target/bench-cluster-$(date +%Y%m%d-%H%M%S)}"

STARTED=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a Chorus node pinned to the server CPU: node NAME PORT [flags...]; prints its PID. Its /metrics is on
# PORT + 1000, so that two nodes on this machine do not both ask for the default management port.
node() {
  local name=$1 port=$2
  shift 2
  taskset -c "$SERVER_CPU" "$JAVA" -XX:ActiveProcessorCount=1 -Xmx512m -jar "$CHORUS_JAR" --host 127.0.0.1 \
    --port "$port" --management-port "$((port + 1000))" --instances 1 --rate-limit 0 "$@" > "$OUT_DIR/$name.log" 2>&1 &
  echo $!
}

# Waits (at most 90 s) until /metrics of the node on PORT reports chorus_cluster_members >= MEMBERS.
await_members() {
  local port=$1 members=$2 _ seen
  for _ in $(seq 1 450); do
    seen=$(curl -s "http://127.0.0.1:$((port + 1000))/metrics" 2>/dev/null | sed -n 's/^chorus_cluster_members \([0-9.]*\)$/\1/p' || true)
    if [[ -n "$seen" ]] && awk -v s="$seen" -v m="$members" 'BEGIN { exit !(s >= m) }'; then
      return 0
    fi
    sleep 0.2
  done
  echo "the node on port $port did not see $members members within 90 s" >&2
  return 1
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# gen NAME MODE [options...]: the generator on its own CPU, its summary in $OUT_DIR/NAME.txt
gen() {
  local name=$1
  shift
  taskset -c "$GEN_CPU" "$JAVA" -jar "$FANOUT_JAR" "$@" --subscribers 1000 --publishers 10 --payload 64 \
    --max-runtime 10m --summary "$OUT_DIR/$name.txt" > "$OUT_DIR/$name.log" 2>&1 || true
  grep -E 'step|max sustained|deliveries |loss |latency ' "$OUT_DIR/$name.log" | sed 's/^/    /'
}

get() { sed -n "s/^$1=//p" "$2" 2>/dev/null | head -n 1; }

# scenario NAME URL PUBLISHER_URL PID...: ramp, then the fixed rate; prints the servers' CPU during the latter.
scenario() {
  local name=$1 url=$2 publisher_url=$3
  shift 3
  log "$name: ramp at 1,000 subscribers"
  gen "$name-ramp" ramp --url "$url" --publisher-url "$publisher_url" --ramp-from 50k --ramp-to "$RAMP_TO" \
    --ramp-factor 1.4 --warmup 3s --duration 5s --drain 2s --p99-max 100ms
  log "$name: $RATE deliveries/s"
  local before=0 after=0 pid start
  for pid in "$@"; do before=$((before + $(cpu_ticks "$pid"))); done
  start=$(date +%s%N)
  gen "$name-rate" fanout --url "$url" --publisher-url "$publisher_url" --delivery-rate "$RATE" --warmup 5s \
    --duration 20s --drain 2s
  for pid in "$@"; do after=$((after + $(cpu_ticks "$pid"))); done
  awk -v t=$((after - before)) -v ns=$(( $(date +%s%N) - start )) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "    server CPU over the run: %.1f %% of one core\n", 100 * t / hz / (ns / 1e9) }' \
    | tee "$OUT_DIR/$name-cpu.txt"
}

main() {
  mkdir -p "$OUT_DIR"
  ulimit -n 20000
  log "Chorus clustered fan-out benchmark; results in $OUT_DIR"
  if [[ "$BUILD" == 1 ]]; then
    log "building Chorus and the load generator"
    (cd "$ROOT" && mvn -B -q package -DskipTests) > "$OUT_DIR/build.log" 2>&1
    (cd "$LT_DIR/fanout" && mvn -B -q package) >> "$OUT_DIR/build.log" 2>&1
  fi

  local standalone
  standalone=$(node standalone "$PORT_A")
  STARTED+=("$standalone")
  await_members "$PORT_A" 1
  scenario standalone "ws://127.0.0.1:$PORT_A/ws/bench" "ws://127.0.0.1:$PORT_A/ws/bench" "$standalone"
  kill -KILL "$standalone"

  local members="127.0.0.1:$HAZELCAST_A,127.0.0.1:$HAZELCAST_B" name="bench-$$" a b
  a=$(node node-a "$PORT_A" --cluster --cluster-name "$name" --cluster-port "$HAZELCAST_A" --cluster-members "$members")
  b=$(node node-b "$PORT_B" --cluster --cluster-name "$name" --cluster-port "$HAZELCAST_B" --cluster-members "$members")
  STARTED+=("$a" "$b")
  await_members "$PORT_A" 2
  await_members "$PORT_B" 2
  scenario clustered "ws://127.0.0.1:$PORT_B/ws/bench" "ws://127.0.0.1:$PORT_A/ws/bench" "$a" "$b"

  local s c
  s=$(get max_deliveries_per_s "$OUT_DIR/standalone-ramp.txt")
  c=$(get max_deliveries_per_s "$OUT_DIR/clustered-ramp.txt")
  echo
  echo "Results (1,000 subscribers + 10 publishers, 64-byte messages; servers on CPU $SERVER_CPU, generator on CPU $GEN_CPU)"
  printf '%-11s %14s %12s %14s %12s %s\n' setup "max deliv/s" "loss@$RATE" "p99@$RATE" "server CPU" ""
  local setup
  for setup in standalone clustered; do
    printf '%-11s %14s %12s %11s ms %12s\n' "$setup" "$(get max_deliveries_per_s "$OUT_DIR/$setup-ramp.txt")" \
      "$(get loss_ratio "$OUT_DIR/$setup-rate.txt")" "$(get p99_ms "$OUT_DIR/$setup-rate.txt")" \
      "$(sed -n 's/.*: \([0-9.]*\) %.*/\1 %/p' "$OUT_DIR/$setup-cpu.txt")"
  done
  awk -v s="$s" -v c="$c" 'BEGIN { if (s > 0 && c > 0) printf "clustered / standalone max deliveries/s: %.2f\n", c / s }'
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

main "$@"
