#!/usr/bin/env bash
# Clustered fan-out against standalone: what crossing the Vert.x clustered event bus costs Chorus.
#
#   load-tests/bench-cluster.sh                    about 12 minutes (plain, then chorus.v1)
#   PROTOCOLS=plain load-tests/bench-cluster.sh    about 6 minutes
#
# Standalone: one Chorus node; 1,000 subscribers and 10 publishers on it. Clustered: two Chorus nodes that form a
# Hazelcast cluster; plain: the publishers on node A, the 1,000 subscribers on node B; chorus.v1 (history on, the
# default 100 per room): the publishers on node B, the subscribers on node A. Either way every message crosses the
# event bus, and with chorus.v1 it is also sequenced and stored in the cluster's history first.
# Both setups get the same CPU: every server JVM pinned to CPU $SERVER_CPU, the generator to CPU $GEN_CPU.
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
: "${PAYLOAD:=128}"          # bytes of data per message, as bench.sh
: "${P99_MAX:=50ms}"         # a ramp step passes while p99 stays at or below this, as bench.sh
: "${RAMP_TO:=4M}"
: "${PROTOCOLS:=plain chorus.v1}"
: "${RAMP_WARMUP:=3s}" "${RAMP_STEP:=5s}" "${RAMP_DRAIN:=2s}"   # each ramp step
: "${RATE_WARMUP:=5s}" "${RATE_DURATION:=20s}"                  # the fixed-rate run
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
  taskset -c "$GEN_CPU" "$JAVA" -jar "$FANOUT_JAR" "$@" --subscribers 1000 --publishers 10 --payload "$PAYLOAD" \
    --max-runtime 10m --summary "$OUT_DIR/$name.txt" > "$OUT_DIR/$name.log" 2>&1 || true
  # Every line that says what happened, or the whole log when none does (no connection became ready, say).
  grep -E 'step|max sustained|deliveries |loss |latency |acks |room seq ' "$OUT_DIR/$name.log" | sed 's/^/    /' \
    || sed 's/^/    /' "$OUT_DIR/$name.log"
}

get() { sed -n "s/^$1=//p" "$2" 2>/dev/null | head -n 1; }

# val KEY FILE: the value, or - when the run did not produce it
val() { local v; v=$(get "$1" "$2"); echo "${v:--}"; }

# scenario NAME PROTOCOL URL PUBLISHER_URL PID...: ramp, then the fixed rate; prints the servers' CPU during the latter.
scenario() {
  local name=$1 protocol=$2 url=$3 publisher_url=$4
  shift 4
  log "$name: ramp at 1,000 subscribers ($protocol)"
  gen "$name-ramp" ramp --protocol "$protocol" --url "$url" --publisher-url "$publisher_url" --ramp-from 50k \
    --ramp-to "$RAMP_TO" --ramp-factor 1.4 --warmup "$RAMP_WARMUP" --duration "$RAMP_STEP" --drain "$RAMP_DRAIN" \
    --p99-max "$P99_MAX"
  log "$name: $RATE deliveries/s ($protocol)"
  local before=0 after=0 pid start
  for pid in "$@"; do before=$((before + $(cpu_ticks "$pid"))); done
  start=$(date +%s%N)
  gen "$name-rate" fanout --protocol "$protocol" --url "$url" --publisher-url "$publisher_url" --delivery-rate "$RATE" \
    --warmup "$RATE_WARMUP" --duration "$RATE_DURATION" --drain 2s
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
  if wants plain; then
    scenario standalone plain "ws://127.0.0.1:$PORT_A/ws/bench" "ws://127.0.0.1:$PORT_A/ws/bench" "$standalone"
  fi
  if wants chorus.v1; then
    scenario standalone-v1 chorus.v1 "ws://127.0.0.1:$PORT_A/ws/bench-v1" "ws://127.0.0.1:$PORT_A/ws/bench-v1" \
      "$standalone"
  fi
  kill -KILL "$standalone"

  local members="127.0.0.1:$HAZELCAST_A,127.0.0.1:$HAZELCAST_B" name="bench-$$" a b
  a=$(node node-a "$PORT_A" --cluster --cluster-name "$name" --cluster-port "$HAZELCAST_A" --cluster-members "$members")
  b=$(node node-b "$PORT_B" --cluster --cluster-name "$name" --cluster-port "$HAZELCAST_B" --cluster-members "$members")
  STARTED+=("$a" "$b")
  await_members "$PORT_A" 2
  await_members "$PORT_B" 2
  if wants plain; then
    scenario clustered plain "ws://127.0.0.1:$PORT_B/ws/bench" "ws://127.0.0.1:$PORT_A/ws/bench" "$a" "$b"
  fi
  if wants chorus.v1; then
    scenario clustered-v1 chorus.v1 "ws://127.0.0.1:$PORT_A/ws/bench-v1" "ws://127.0.0.1:$PORT_B/ws/bench-v1" "$a" "$b"
  fi
  report
}

wants() { [[ " $PROTOCOLS " == *" $1 "* ]]; }

report() {
  echo
  echo "Results (1,000 subscribers + 10 publishers, $PAYLOAD bytes of data per message, ramp steps pass at p99 <= $P99_MAX;"
  echo "servers on CPU $SERVER_CPU, generator on CPU $GEN_CPU)"
  printf '%-14s %14s %12s %14s %12s %14s\n' setup "max deliv/s" "loss@$RATE" "p99@$RATE" "server CPU" "ack p99@$RATE"
  local setup
  for setup in standalone clustered standalone-v1 clustered-v1; do
    [[ -f "$OUT_DIR/$setup-cpu.txt" ]] || continue
    printf '%-14s %14s %12s %11s ms %12s %11s ms\n' "$setup" "$(val max_deliveries_per_s "$OUT_DIR/$setup-ramp.txt")" \
      "$(val loss_ratio "$OUT_DIR/$setup-rate.txt")" "$(val p99_ms "$OUT_DIR/$setup-rate.txt")" \
      "$(sed -n 's/.*: \([0-9.]*\) %.*/\1 %/p' "$OUT_DIR/$setup-cpu.txt")" \
      "$(val ack_p99_ms "$OUT_DIR/$setup-rate.txt")"
  done
  cost "plain" standalone clustered
  cost "chorus.v1 (history on)" standalone-v1 clustered-v1
  echo "server CPU: all server processes together during the fixed-rate run, in % of one core."
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# cost LABEL STANDALONE CLUSTERED: the clustered run against the standalone one, as ratios.
cost() {
  local label=$1 s=$OUT_DIR/$2 c=$OUT_DIR/$3
  [[ -f "$s-cpu.txt" && -f "$c-cpu.txt" ]] || return 0
  awk -v label="$label" -v sm="$(get max_deliveries_per_s "$s-ramp.txt")" -v cm="$(get max_deliveries_per_s "$c-ramp.txt")" \
    -v sp="$(get p99_ms "$s-rate.txt")" -v cp="$(get p99_ms "$c-rate.txt")" \
    -v sc="$(sed -n 's/.*: \([0-9.]*\) %.*/\1/p' "$s-cpu.txt")" -v cc="$(sed -n 's/.*: \([0-9.]*\) %.*/\1/p' "$c-cpu.txt")" '
    function r(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "-" }
    BEGIN { printf "%s, clustered / standalone: max deliveries/s %s, p99 %s, server CPU %s\n", label, r(cm, sm), r(cp, sp), r(cc, sc) }'
}

main "$@"
