#!/usr/bin/env bash
# Broadcast benchmark: Chorus against the servers it is meant to beat, one at a time, same scenarios.
#
#   load-tests/bench.sh              full run, about 30 minutes
#   QUICK=1 load-tests/bench.sh      smaller and shorter, a few minutes
#   SERVERS="ws chorus" load-tests/bench.sh
#   SERVERS="chorus-base chorus" BASELINE=chorus-base CHORUS_BASE_JAR=/tmp/old/chorus.jar load-tests/bench.sh
#                                    Chorus before and after a change, in one run (build the old jar from a
#                                    checkout of the older commit first)
#   SERVERS="chorus chorus-v1-nohistory chorus-v1" load-tests/bench.sh
#                                    what the structured protocol chorus.v1 costs against plain, same jar
#                                    (history off, then on with the default 100 messages per room)
#   SERVERS="chorus-v1 chorus-sse" BASELINE=chorus-v1 load-tests/bench.sh
#                                    SSE subscribers against WebSocket ones (chorus.v1, history on, same jar),
#                                    and HTTP publish requests/s on each
#   SERVERS="chorus chorus-tls" load-tests/bench.sh
#                                    what TLS costs: the same jar with ws:// and with wss:// (a self-signed
#                                    certificate made with keytool into $OUT_DIR; the generator trusts any)
#   SERVERS="chorus chorus-deflate uws uws-deflate" PAYLOAD=1024 load-tests/bench.sh
#                                    permessage-deflate: Chorus with --compression and uWebSockets.js with its
#                                    shared compressor, against both without, in one run; the generator offers
#                                    the extension to the *-deflate servers (as Chromium does) and inflates what
#                                    they compress; the Compression table gives wire bytes and server CPU per
#                                    delivery (messages below Chorus's compression-min-size, 128 bytes, go
#                                    uncompressed: use PAYLOAD >= 128)
#
# Each server runs alone on BENCH_PORT (Chorus's /metrics on BENCH_MANAGEMENT_PORT), pinned to CPU $SERVER_CPU (JVMs with
# -XX:ActiveProcessorCount=1); the load generator (fanout/, Netty epoll) is pinned to CPU $GEN_CPU.
# Scenarios: (1) ramp at 1,000 subscribers to the highest sustained deliveries/s, (2) p99 latency at
# a fixed 100,000 deliveries/s, (3) 10,000 subscribers at a low rate, (4) ~19,000 idle connections
# with the server's memory per connection, (5) HTTP publish: PUB_CONNS keep-alive connections POSTing to
# /api/rooms/bench/messages, each its next request once answered (Chorus only). SCENARIOS picks some; the
# chorus.v1 servers and chorus-sse (chorus.v1 publishers, SSE subscribers) run V1_SCENARIOS, by default (1), (2)
# and (5); chorus-tls runs TLS_SCENARIOS, by default (1), (2) and (4). All traffic goes to 127.0.0.1; every run is
# bounded.
# Results: one table at the end; raw logs and key=value summaries in $OUT_DIR.
set -euo pipefail

LT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LT_DIR/.." && pwd)"
PEERS="$LT_DIR/peers"
FANOUT_JAR="$LT_DIR/fanout/target/fanout.jar"
TEXTBOOK_JAR="$PEERS/vertx-textbook/target/vertx-textbook.jar"
CHORUS_JAR="$ROOT/target/chorus.jar"

: "${JAVA:=java}"
: "${BENCH_PORT:=8080}"
: "${BENCH_MANAGEMENT_PORT:=9090}"
: "${SERVERS:=ws socketio uws vertx-textbook chorus chorus-nodelay chorus-v1-nohistory chorus-v1}"
: "${BASELINE:=ws}"          # the server the ratio columns compare with
: "${CHORUS_BASE_JAR:=}"     # the jar that server chorus-base runs
: "${SERVER_CPU:=0}"
: "${GEN_CPU:=1}"
: "${BUILD:=1}"
: "${SCENARIOS:=ramp latency wide idle}"
: "${V1_SCENARIOS:=ramp latency publish}"  # chorus-v1*, chorus-sse: what they change is the cost per message
: "${TLS_SCENARIOS:=ramp latency idle}"  # chorus-tls: the cost per message, and the memory per connection
: "${DEFLATE_SCENARIOS:=ramp latency}"  # *-deflate: the cost per message and its bytes on the wire
: "${KEYTOOL:=keytool}"
# JVM options of the Chorus servers (chorus*, chorus-base); empty: the JVM's defaults, as the README's run command.
# The Dockerfile's, in a 2 GiB container: CHORUS_JVM_OPTS="-XX:MaxRAM=2g -XX:MaxRAMPercentage=40 -XX:+UseSerialGC
# -Xmn8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:+ExitOnOutOfMemoryError"
: "${CHORUS_JVM_OPTS:=}"
read -ra CHORUS_JVM <<< "$CHORUS_JVM_OPTS"
: "${OUT_DIR:=$LT_DIR/fanout/target/bench-$(date +%Y%m%d-%H%M%S)}"

if [[ "${QUICK:-0}" == 1 ]]; then
  : "${RAMP_FACTOR:=2}" "${RAMP_WARMUP:=2s}" "${RAMP_STEP:=3s}" "${RAMP_DRAIN:=1s}" "${RAMP_TO:=1.3M}"
  : "${LAT_WARMUP:=2s}" "${LAT_DURATION:=5s}"
  : "${WIDE_WARMUP:=2s}" "${WIDE_DURATION:=5s}"
  : "${IDLE_CONNS:=10000}" "${IDLE_RATE:=4000}" "${IDLE_HOLD:=5s}"
  : "${PUB_DURATION:=5s}"
fi
: "${FANOUT_SUBS:=1000}"      # subscribers in the ramp and latency scenarios
: "${FANOUT_PUBS:=10}"        # publishers (they receive too)
: "${PAYLOAD:=64}"            # bytes per message
: "${RAMP_FROM:=10k}"         # deliveries/s of the first ramp step
: "${RAMP_TO:=4M}"
: "${RAMP_FACTOR:=1.5}"
: "${RAMP_WARMUP:=3s}"
: "${RAMP_STEP:=5s}"
: "${RAMP_DRAIN:=2s}"
: "${P99_MAX:=100ms}"         # a ramp step passes with p99 below this and loss below LOSS_MAX;
                              # a server that falls behind goes to seconds, while scheduler noise on a
                              # shared 2-core machine alone reaches 50-100 ms
: "${LOSS_MAX:=0.001}"
: "${LAT_RATE:=100k}"         # deliveries/s of the fixed-rate latency scenario
: "${LAT_WARMUP:=5s}"
: "${LAT_DURATION:=20s}"
: "${WIDE_SUBS:=10000}"
: "${WIDE_PUBS:=2}"
: "${WIDE_RATE:=20k}"         # deliveries/s: 2 messages/s to 10,000 subscribers
: "${WIDE_WARMUP:=5s}"
: "${WIDE_DURATION:=20s}"
: "${IDLE_CONNS:=19000}"      # the server may hold 20,000 descriptors, so ~19,000 connections fit
: "${IDLE_RATE:=2000}"        # new connections per second
: "${IDLE_HOLD:=20s}"
: "${IDLE_PROCS:=$(( (IDLE_CONNS + 9499) / 9500 ))}"  # generator processes: 20,000 descriptors each
: "${PUB_CONNS:=50}"          # HTTP publish: keep-alive connections, one request in flight each
: "${PUB_WARMUP:=20s}"         # the JIT compiles the HTTP path on the server's one core: after 5, 10 and 20 s of
                              # warm-up a 5 s window gave 18k, 26k and 59k requests/s (even with QUICK=1)
: "${PUB_DURATION:=10s}"

STARTED=()        # PIDs this script started; the only ones it ever signals
SERVER_PID=""
CHORUS_SKIP=""    # why Chorus cannot run, once the build has said so
NOTES=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$BENCH_PORT") 2>/dev/null; }

# Waits (at most 60 s) until the server answers on the port; fails if it exits first.
wait_port() {
  local pid=$1 _
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    if port_open; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# Stops a process this script started: TERM, then KILL after 15 s.
stop_pid() {
  local pid=$1 _
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 75); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

get() { sed -n "s/^$1=//p" "$2" 2>/dev/null | head -n 1; }

build() {
  log "building the load generator and the Vert.x textbook peer"
  (cd "$LT_DIR/fanout" && mvn -B -q package) > "$OUT_DIR/build-fanout.log" 2>&1 \
    || { echo "fanout build failed, see $OUT_DIR/build-fanout.log"; exit 1; }
  if ! (cd "$PEERS/vertx-textbook" && mvn -B -q package) > "$OUT_DIR/build-textbook.log" 2>&1; then
    NOTES+=("vertx-textbook: build failed, see $OUT_DIR/build-textbook.log")
  fi
  log "installing the Node peers (npm ci)"
  if ! (cd "$PEERS" && npm ci --no-audit --no-fund) > "$OUT_DIR/npm-ci.log" 2>&1; then
    NOTES+=("Node peers: npm ci failed, see $OUT_DIR/npm-ci.log")
  fi
  if [[ " $SERVERS " == *" chorus"* ]]; then
    if [[ ! -f "$ROOT/pom.xml" ]]; then
      CHORUS_SKIP="chorus: skipped, no pom.xml in $ROOT yet (the server is not there)"
    else
      log "building Chorus in $ROOT"
      if ! (cd "$ROOT" && mvn -B -q package -DskipTests) > "$OUT_DIR/build-chorus.log" 2>&1; then
        CHORUS_SKIP="chorus: skipped, its build failed (see $OUT_DIR/build-chorus.log)"
      fi
    fi
  fi
}

# Starts server $1 on CPU $SERVER_CPU; sets SERVER_PID, PROTOCOL, TRANSPORT, URL, METRICS, JVM. Fails when it cannot.
start_server() {
  local name=$1 cmd=()
  PROTOCOL=plain TRANSPORT=ws URL="ws://127.0.0.1:$BENCH_PORT/ws/bench" METRICS="" JVM=0 DEFLATE=0 COMPRESSION=""
  case "$name" in
    ws) cmd=(node "$PEERS/ws-server.js") ;;
    socketio) cmd=(node "$PEERS/socketio-server.js"); PROTOCOL=socketio; URL="ws://127.0.0.1:$BENCH_PORT/" ;;
    uws) cmd=(node "$PEERS/uws-server.js") ;;
    uws-deflate) cmd=(node "$PEERS/uws-server.js"); COMPRESSION=shared DEFLATE=1 ;;
    vertx-textbook)
      [[ -f "$TEXTBOOK_JAR" ]] || { NOTES+=("vertx-textbook: skipped, no jar"); return 1; }
      cmd=("$JAVA" -XX:ActiveProcessorCount=1 -jar "$TEXTBOOK_JAR"); JVM=1
      METRICS="http://127.0.0.1:$BENCH_PORT/metrics" ;;
    chorus-base)
      [[ -n "$CHORUS_BASE_JAR" && -f "$CHORUS_BASE_JAR" ]] \
        || { NOTES+=("chorus-base: skipped, CHORUS_BASE_JAR names no jar"); return 1; }
      cmd=("$JAVA" -XX:ActiveProcessorCount=1 "${CHORUS_JVM[@]}" -jar "$CHORUS_BASE_JAR" --port "$BENCH_PORT" --instances 1
        --rate-limit 0 --management-port "$BENCH_MANAGEMENT_PORT")
      JVM=1
      METRICS="http://127.0.0.1:$BENCH_MANAGEMENT_PORT/metrics" ;;
    chorus | chorus-nodelay | chorus-v1 | chorus-v1-nohistory | chorus-sse | chorus-tls | chorus-deflate)
      if [[ -z "$CHORUS_SKIP" && ! -f "$CHORUS_JAR" ]]; then
        CHORUS_SKIP="chorus: skipped, the build did not produce $CHORUS_JAR"
      fi
      if [[ -n "$CHORUS_SKIP" ]]; then
        NOTES+=("$CHORUS_SKIP")
        return 1
      fi
      # No rate limit: the ramp's publishers send far above the default 100 messages/s each, and the HTTP
      # publish scenario's connections share a few source addresses, which the API limits per address.
      cmd=("$JAVA" -XX:ActiveProcessorCount=1 "${CHORUS_JVM[@]}" -jar "$CHORUS_JAR" --port "$BENCH_PORT" --instances 1 --rate-limit 0
        --management-port "$BENCH_MANAGEMENT_PORT")
      # chorus-nodelay: every broadcast written at the end of its event-loop turn, instead of within 1 ms.
      if [[ "$name" == chorus-nodelay ]]; then cmd+=(--write-delay 0ms); fi
      # chorus-deflate: permessage-deflate for the clients that offer it, each broadcast compressed once.
      if [[ "$name" == chorus-deflate ]]; then cmd+=(--compression true); DEFLATE=1; fi
      # chorus-v1*: the clients speak chorus.v1 (acked publishes, sequenced deliveries); history off, or the default 100.
      if [[ "$name" == chorus-v1* ]]; then PROTOCOL=chorus.v1; fi
      if [[ "$name" == chorus-v1-nohistory ]]; then cmd+=(--history-size 0); fi
      # chorus-sse: as chorus-v1, but the subscribers read GET /sse/bench; the publishers stay chorus.v1 WebSockets.
      if [[ "$name" == chorus-sse ]]; then PROTOCOL=chorus.v1 TRANSPORT=sse; fi
      # chorus-tls: https/wss on the same port, the clients over wss://.
      if [[ "$name" == chorus-tls ]]; then
        tls_keystore || { NOTES+=("chorus-tls: skipped, $KEYTOOL could not make a certificate"); return 1; }
        cmd+=(--tls-keystore "$OUT_DIR/tls/chorus.p12")
        URL="wss://127.0.0.1:$BENCH_PORT/ws/bench"
      fi
      JVM=1
      METRICS="http://127.0.0.1:$BENCH_MANAGEMENT_PORT/metrics" ;;
    *) NOTES+=("$name: unknown server, skipped"); return 1 ;;
  esac
  if port_open; then
    echo "port $BENCH_PORT is already in use by a process this script did not start; set BENCH_PORT" >&2
    exit 1
  fi
  (cd "$ROOT" && PORT="$BENCH_PORT" COMPRESSION="$COMPRESSION" CHORUS_TLS_KEYSTORE_PASSWORD="$TLS_PASSWORD" exec taskset -c "$SERVER_CPU" "${cmd[@]}") \
    > "$OUT_DIR/$name-server.log" 2>&1 &
  SERVER_PID=$!
  STARTED+=("$SERVER_PID")
  if ! wait_port "$SERVER_PID"; then
    local code=0
    wait "$SERVER_PID" 2>/dev/null || code=$?
    if [[ "$name" == uws* && "$code" == 3 ]]; then
      NOTES+=("uws: skipped, no loadable uWebSockets.js addon: $(tail -n 1 "$OUT_DIR/$name-server.log")")
    else
      NOTES+=("$name: skipped, did not answer on port $BENCH_PORT (exit $code, see $OUT_DIR/$name-server.log)")
    fi
    stop_pid "$SERVER_PID"
    return 1
  fi
  log "$name started (pid $SERVER_PID, CPU $SERVER_CPU)"
}

# A self-signed EC P-256 certificate for 127.0.0.1 in a PKCS#12 keystore, made once per run in $OUT_DIR/tls.
TLS_PASSWORD="bench-only-$$"
tls_keystore() {
  [[ -f "$OUT_DIR/tls/chorus.p12" ]] && return 0
  mkdir -p "$OUT_DIR/tls"
  "$KEYTOOL" -genkeypair -alias chorus -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext san=ip:127.0.0.1 \
    -validity 2 -storetype PKCS12 -keystore "$OUT_DIR/tls/chorus.p12" -storepass "$TLS_PASSWORD" \
    > "$OUT_DIR/tls/keytool.log" 2>&1
}

# Runs the generator on CPU $GEN_CPU: gen SERVER SCENARIO MODE [options...]
gen() {
  local name=$1 scenario=$2 mode=$3 pid
  shift 3
  local out="$OUT_DIR/$name-$scenario"
  local extra=() target=(--url "$URL" --protocol "$PROTOCOL" --transport "$TRANSPORT")
  if [[ "$mode" == http-publish ]]; then target=(--url "http://127.0.0.1:$BENCH_PORT/api/rooms/bench/messages"); fi
  if [[ -n "$METRICS" ]]; then extra+=(--metrics-url "$METRICS"); fi
  if [[ "$JVM" == 1 && "$mode" == connections ]]; then extra+=(--server-gc); fi
  if [[ "$DEFLATE" == 1 && "$mode" != connections && "$mode" != http-publish ]]; then extra+=(--deflate); fi
  taskset -c "$GEN_CPU" "$JAVA" -jar "$FANOUT_JAR" "$mode" "${target[@]}" \
    --server-pid "$SERVER_PID" --max-runtime 10m --summary "$out.txt" "${extra[@]}" "$@" > "$out.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait "$pid" || true
  sed 's/^/    /' "$out.log"
}

run_server() {
  local name=$1 scenarios=" $SCENARIOS "
  if [[ "$name" == chorus-v1* || "$name" == chorus-sse ]]; then scenarios=" $V1_SCENARIOS "; fi
  if [[ "$name" == chorus-tls ]]; then scenarios=" $TLS_SCENARIOS "; fi
  if [[ "$name" == *-deflate ]]; then scenarios=" $DEFLATE_SCENARIOS "; fi
  log "---- $name (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  start_server "$name" || return 0
  if [[ "$scenarios" == *" ramp "* ]]; then
    log "$name: ramp at $FANOUT_SUBS subscribers, $RAMP_FROM -> $RAMP_TO deliveries/s"
    gen "$name" ramp ramp --subscribers "$FANOUT_SUBS" --publishers "$FANOUT_PUBS" --payload "$PAYLOAD" \
      --ramp-from "$RAMP_FROM" --ramp-to "$RAMP_TO" --ramp-factor "$RAMP_FACTOR" --p99-max "$P99_MAX" \
      --loss-max "$LOSS_MAX" --warmup "$RAMP_WARMUP" --duration "$RAMP_STEP" --drain "$RAMP_DRAIN"
  fi
  if [[ "$scenarios" == *" latency "* ]]; then
    log "$name: latency at $LAT_RATE deliveries/s"
    gen "$name" latency fanout --subscribers "$FANOUT_SUBS" --publishers "$FANOUT_PUBS" --payload "$PAYLOAD" \
      --delivery-rate "$LAT_RATE" --warmup "$LAT_WARMUP" --duration "$LAT_DURATION"
  fi
  if [[ "$scenarios" == *" wide "* ]]; then
    log "$name: $WIDE_SUBS subscribers at $WIDE_RATE deliveries/s"
    gen "$name" wide fanout --subscribers "$WIDE_SUBS" --publishers "$WIDE_PUBS" --payload "$PAYLOAD" \
      --delivery-rate "$WIDE_RATE" --warmup "$WIDE_WARMUP" --duration "$WIDE_DURATION"
  fi
  if [[ "$scenarios" == *" publish "* && "$name" == chorus* ]]; then
    log "$name: HTTP publish over $PUB_CONNS keep-alive connections"
    gen "$name" publish http-publish --connections "$PUB_CONNS" --payload "$PAYLOAD" \
      --warmup "$PUB_WARMUP" --duration "$PUB_DURATION"
  fi
  stop_pid "$SERVER_PID"
  if [[ "$scenarios" == *" idle "* ]]; then
    # A fresh server for the memory scenario, so that the baseline is not what the others left behind.
    start_server "$name" || return 0
    log "$name: $IDLE_CONNS idle connections ($IDLE_PROCS generator processes)"
    gen "$name" idle connections --connections "$IDLE_CONNS" --connect-rate "$IDLE_RATE" --hold "$IDLE_HOLD" \
      --processes "$IDLE_PROCS"
    stop_pid "$SERVER_PID"
  fi
  RAN+=("$name")
}

num() { local v; v=$(get "$1" "$2"); echo "${v:-}"; }

# ratio VALUE BASE -> "1.23x" or "-"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0 || a + 0 < 0) print "-"; else printf "%.2fx", a / b }'; }

int() { awk -v a="$1" 'BEGIN { if (a == "") print "-"; else printf "%.0f", a }'; }

kib() { awk -v a="$1" 'BEGIN { if (a == "" || a + 0 < 0) print "-"; else printf "%.1f", a / 1024 }'; }

report() {
  local base_max base_rss name f
  base_max=$(num max_deliveries_per_s "$OUT_DIR/$BASELINE-ramp.txt")
  base_rss=$(num rss_per_conn_bytes "$OUT_DIR/$BASELINE-idle.txt")
  echo
  echo "Results ($FANOUT_SUBS subscribers + $FANOUT_PUBS publishers, ${PAYLOAD}-byte messages; server on CPU $SERVER_CPU, generator on CPU $GEN_CPU)"
  printf '%-19s %12s %6s %7s %5s %10s %9s %11s %9s %12s %9s %6s %10s\n' \
    server "max deliv/s" "vs base" "gen CPU" "f/rd" "p99@$LAT_RATE" "loss" "$WIDE_SUBS subs" "p99" "idle open" \
    "RSS/conn" "vs base" "heap+dir"
  for name in "${RAN[@]}"; do
    f="$OUT_DIR/$name"
    local max lat loss wide widep99 open rss heap cpu fpr
    max=$(num max_deliveries_per_s "$f-ramp.txt")
    cpu=$(num best_generator_cpu_pct "$f-ramp.txt")
    fpr=$(num best_frames_per_read "$f-ramp.txt")
    lat=$(num p99_ms "$f-latency.txt")
    loss=$(num loss_ratio "$f-latency.txt")
    wide=$(num deliveries_per_s "$f-wide.txt")
    widep99=$(num p99_ms "$f-wide.txt")
    open=$(num open "$f-idle.txt")
    rss=$(num rss_per_conn_bytes "$f-idle.txt")
    heap=$(num heap_direct_per_conn_bytes "$f-idle.txt")
    printf '%-19s %12s %6s %6s%% %5s %7s ms %9s %9s/s %6s ms %12s %5s KiB %6s %6s KiB\n' \
      "$name" "$(int "$max")" "$(ratio "$max" "$base_max")" "${cpu:--}" "${fpr:--}" "${lat:--}" "${loss:--}" "$(int "$wide")" \
      "${widep99:--}" "${open:--}/$IDLE_CONNS" "$(kib "$rss")" "$(ratio "$rss" "$base_rss")" "$(kib "$heap")"
  done
  echo
  echo "vs base: the ratio to $BASELINE."
  echo "max deliv/s: highest ramp step with loss <= $LOSS_MAX, p99 <= $P99_MAX and >= 97 % of the target rate;"
  echo "  gen CPU is the generator's CPU in that step (near 100 % means the generator, not the server, was the limit);"
  echo "  f/rd is frames per socket read there (above 1: the server writes several frames per send, cheaper to receive)."
  echo "loss: fraction of expected deliveries missing at $LAT_RATE deliveries/s. RSS/conn and heap+dir/conn:"
  echo "  growth from a fresh server's baseline to $IDLE_CONNS idle connections, divided by the connections"
  echo "  still open (JVM servers get 'jcmd GC.run' before each sample; heap+direct needs a /metrics endpoint)."
  report_structured
  report_fallbacks
  report_compression
  report_tls
  echo
  echo "Notes"
  echo "  - uws uses @trufflesuite/uws-js-unofficial (uWebSockets.js v20.30.0 copied to the npm registry, addons"
  echo "    for Node 16/18/20): the official uWebSockets.js is not published there; newer mirrors such as"
  echo "    @btc-vision/uwebsockets.js need glibc 2.38, which Debian 12 does not have."
  local n
  for n in "${NOTES[@]}"; do echo "  - $n"; done
  echo "  - load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (anything above ~0.2 before the run means"
  echo "    other processes competed for the 2 cores and the numbers are pessimistic)"
  echo "  raw logs and key=value summaries: $OUT_DIR"
}

# chorus.v1 against plain on the same jar: chorus, chorus-v1-nohistory, chorus-v1, whichever ran.
report_structured() {
  local ran=" ${RAN[*]} " plain="$OUT_DIR/chorus" name f
  [[ "$ran" == *" chorus "* && "$ran" == *" chorus-v1"* ]] || return 0
  local pmax pp99 pcpu
  pmax=$(num max_deliveries_per_s "$plain-ramp.txt")
  pp99=$(num p99_ms "$plain-latency.txt")
  pcpu=$(num server_cpu_pct "$plain-latency.txt")
  echo
  echo "chorus.v1 against plain, same jar ($FANOUT_SUBS subscribers + $FANOUT_PUBS publishers, ${PAYLOAD} bytes of data per message)"
  printf '%-20s %12s %8s %10s %8s %10s %8s %8s %9s %10s\n' \
    server "max deliv/s" "vs plain" "p99@$LAT_RATE" "vs plain" "srv CPU" "vs plain" "gen CPU" "ack p99" "gaps/dups"
  for name in chorus chorus-v1-nohistory chorus-v1; do
    [[ "$ran" == *" $name "* ]] || continue
    f="$OUT_DIR/$name"
    local max p99 cpu gen ack gaps dups
    max=$(num max_deliveries_per_s "$f-ramp.txt")
    p99=$(num p99_ms "$f-latency.txt")
    cpu=$(num server_cpu_pct "$f-latency.txt")
    gen=$(num generator_cpu_pct "$f-latency.txt")
    ack=$(num ack_p99_ms "$f-latency.txt")
    gaps=$(num gaps "$f-latency.txt")
    dups=$(num seq_duplicates "$f-latency.txt")
    printf '%-20s %12s %8s %7s ms %8s %8s %% %8s %6s %% %6s ms %10s\n' \
      "$name" "$(int "$max")" "$(ratio "$max" "$pmax")" "${p99:--}" "$(ratio "$p99" "$pp99")" "${cpu:--}" \
      "$(ratio "$cpu" "$pcpu")" "${gen:--}" "${ack:--}" "${gaps:--}/${dups:--}"
  done
  echo "  max deliv/s from the ramp; p99, server and generator CPU at a fixed $LAT_RATE deliveries/s. vs plain above 1"
  echo "  is more for max deliv/s (better) and for p99 and CPU (worse). ack p99: publish command to its ack."
  echo "  gaps/dups: room sequence numbers skipped without a gap push / received twice, at $LAT_RATE deliveries/s."
}

# SSE subscribers against WebSocket ones, and HTTP publish requests/s, for the servers that ran them.
report_fallbacks() {
  local name f any_sse=0 any_pub=0
  for name in "${RAN[@]}"; do
    if [[ "$(run_field "$name" transport)" == sse ]]; then any_sse=1; fi
    if [[ -f "$OUT_DIR/$name-publish.txt" ]]; then any_pub=1; fi
  done
  local b="$OUT_DIR/$BASELINE"
  if [[ "$any_sse" == 1 ]]; then
    local bmax bus
    bmax=$(num max_deliveries_per_s "$b-ramp.txt")
    bus=$(per_delivery "$b-latency.txt")
    echo
    echo "SSE and WebSocket subscribers ($FANOUT_SUBS subscribers + $FANOUT_PUBS chorus.v1 WebSocket publishers, ${PAYLOAD} bytes of data per message)"
    printf '%-20s %5s %12s %7s %10s %8s %10s %7s %8s %6s %10s\n' \
      server subs "max deliv/s" "vs base" "p99@$LAT_RATE" "srv CPU" "us/deliv" "vs base" "gen CPU" "ev/rd" "gaps/dups"
    for name in "${RAN[@]}"; do
      f="$OUT_DIR/$name"
      [[ "$(run_field "$name" protocol)" == chorus.v1 ]] || continue
      local max p99 cpu us gen fpr gaps dups
      max=$(num max_deliveries_per_s "$f-ramp.txt")
      p99=$(num p99_ms "$f-latency.txt")
      cpu=$(num server_cpu_pct "$f-latency.txt")
      us=$(per_delivery "$f-latency.txt")
      gen=$(num generator_cpu_pct "$f-latency.txt")
      fpr=$(num frames_per_read "$f-latency.txt")
      gaps=$(num gaps "$f-latency.txt")
      dups=$(num seq_duplicates "$f-latency.txt")
      printf '%-20s %5s %12s %7s %7s ms %6s %% %10s %7s %6s %% %6s %10s\n' \
        "$name" "$(run_field "$name" transport)" "$(int "$max")" "$(ratio "$max" "$bmax")" "${p99:--}" "${cpu:--}" \
        "${us:--}" "$(ratio "$us" "$bus")" "${gen:--}" "${fpr:--}" "${gaps:--}/${dups:--}"
    done
    echo "  max deliv/s from the ramp; at a fixed $LAT_RATE deliveries/s: p99, server CPU, us/deliv (µs of server CPU"
    echo "  per delivery), generator CPU, ev/rd (events, or frames, per socket read). vs base: the ratio to $BASELINE."
  fi
  if [[ "$any_pub" == 1 ]]; then
    local bpub bureq
    bpub=$(num created_per_s "$b-publish.txt")
    bureq=$(num server_us_per_request "$b-publish.txt")
    echo
    echo "HTTP publish (POST /api/rooms/bench/messages, $PUB_CONNS keep-alive connections, one request in flight each, a JSON string of ${PAYLOAD} characters)"
    printf '%-20s %11s %7s %9s %9s %8s %8s %7s %8s %s\n' \
      server "created/s" "vs base" "p50" "p99" "srv CPU" "us/req" "vs base" "gen CPU" statuses
    for name in "${RAN[@]}"; do
      f="$OUT_DIR/$name-publish.txt"
      [[ -f "$f" ]] || continue
      local created p50 p99 cpu us gen statuses
      created=$(num created_per_s "$f")
      p50=$(num p50_ms "$f")
      p99=$(num p99_ms "$f")
      cpu=$(num server_cpu_pct "$f")
      us=$(num server_us_per_request "$f")
      gen=$(num generator_cpu_pct "$f")
      statuses=$(sed -n 's/^status_\(.*\)=\(.*\)/\1:\2/p' "$f" | paste -sd ' ' -)
      printf '%-20s %11s %7s %6s ms %6s ms %6s %% %8s %7s %6s %% %s\n' \
        "$name" "$(int "$created")" "$(ratio "$created" "$bpub")" "${p50:--}" "${p99:--}" "${cpu:--}" "${us:--}" \
        "$(ratio "$us" "$bureq")" "${gen:--}" "${statuses:--}"
    done
    echo "  created/s: 201 answers per second of the window (each connection sends its next POST once answered);"
    echo "  us/req: µs of server CPU per answered request. vs base: the ratio to $BASELINE."
  fi
}

# A setting of server $1's fan-out runs (protocol, transport), from its ramp or latency summary.
run_field() {
  local v
  v=$(num "$2" "$OUT_DIR/$1-ramp.txt")
  [[ -n "$v" ]] || v=$(num "$2" "$OUT_DIR/$1-latency.txt")
  echo "$v"
}

# µs of server CPU per delivery in a fixed-rate summary, or nothing.
per_delivery() {
  awk -v c="$(num server_cpu_pct "$1")" -v d="$(num deliveries_per_s "$1")" \
    'BEGIN { if (c == "" || d == "" || c + 0 < 0 || d + 0 == 0) print ""; else printf "%.2f", c * 1e4 / d }'
}

# TLS against plain on the same jar: chorus and chorus-tls, when both ran.
report_tls() {
  local ran=" ${RAN[*]} " name f
  [[ "$ran" == *" chorus "* && "$ran" == *" chorus-tls "* ]] || return 0
  local pmax pcpu prss
  pmax=$(num max_deliveries_per_s "$OUT_DIR/chorus-ramp.txt")
  pcpu=$(num server_cpu_pct "$OUT_DIR/chorus-latency.txt")
  prss=$(num rss_per_conn_bytes "$OUT_DIR/chorus-idle.txt")
  echo
  echo "TLS against plain, same jar ($FANOUT_SUBS subscribers + $FANOUT_PUBS publishers, ${PAYLOAD}-byte messages; $(sed -n 's/.*TLS client: \([^|]*\) |.*/\1/p' "$OUT_DIR/chorus-tls-ramp.log" | head -n 1) client)"
  printf '%-12s %12s %8s %10s %8s %8s %8s %9s %8s\n' \
    server "max deliv/s" "vs plain" "p99@$LAT_RATE" "srv CPU" "vs plain" "gen CPU" "RSS/conn" "vs plain"
  for name in chorus chorus-tls; do
    f="$OUT_DIR/$name"
    local max p99 cpu gen rss
    max=$(num max_deliveries_per_s "$f-ramp.txt")
    p99=$(num p99_ms "$f-latency.txt")
    cpu=$(num server_cpu_pct "$f-latency.txt")
    gen=$(num generator_cpu_pct "$f-latency.txt")
    rss=$(num rss_per_conn_bytes "$f-idle.txt")
    printf '%-12s %12s %8s %7s ms %6s %% %8s %6s %% %5s KiB %8s\n' \
      "$name" "$(int "$max")" "$(ratio "$max" "$pmax")" "${p99:--}" "${cpu:--}" "$(ratio "$cpu" "$pcpu")" \
      "${gen:--}" "$(kib "$rss")" "$(ratio "$rss" "$prss")"
  done
  echo "  max deliv/s from the ramp; p99, server and generator CPU at a fixed $LAT_RATE deliveries/s (the server's"
  echo "  CPU there is what TLS costs at that rate); RSS/conn from the idle scenario ($IDLE_CONNS connections)."
  echo "  The server's TLS engine is in $OUT_DIR/chorus-tls-server.log (OpenSSL engine when netty-tcnative loads)."
}

# permessage-deflate: every server of the run at the fixed rate, with the bytes each delivery took on the wire.
report_compression() {
  local ran=" ${RAN[*]} " name f
  [[ "$ran" == *"-deflate "* ]] || return 0
  echo
  echo "Compression ($FANOUT_SUBS subscribers + $FANOUT_PUBS publishers, ${PAYLOAD}-byte messages at $LAT_RATE deliveries/s)"
  printf '%-16s %12s %10s %12s %8s %12s %10s %12s
' \
    server "max deliv/s" "p99" "bytes/frame" "compr." "srv CPU" "µs/deliv" "gen CPU"
  for name in "${RAN[@]}"; do
    f="$OUT_DIR/$name"
    [[ -f "$f-latency.txt" ]] || continue
    local max p99 bytes compressed cpu gen
    max=$(num max_deliveries_per_s "$f-ramp.txt")
    p99=$(num p99_ms "$f-latency.txt")
    bytes=$(num bytes_per_frame "$f-latency.txt")
    compressed=$(num compressed_frames "$f-latency.txt")
    cpu=$(num server_cpu_pct "$f-latency.txt")
    gen=$(num generator_cpu_pct "$f-latency.txt")
    printf '%-16s %12s %7s ms %12s %8s %10s %% %10s %10s %%\n' \
      "$name" "$(int "$max")" "${p99:--}" "${bytes:--}" "${compressed:--}" "${cpu:--}" \
      "$(per_delivery "$f-latency.txt")" "${gen:--}"
  done
  echo "  bytes/frame: what the generator read from the socket per frame received (headers included), compr.: how"
  echo "  many frames of the step were permessage-deflate ones; µs/deliv: server CPU per delivery at that rate. The"
  echo "  generator inflates like a browser, so its own CPU rises with compression: check gen CPU in the ramp."
}

main() {
  mkdir -p "$OUT_DIR"
  ulimit -n 20000
  log "Chorus broadcast benchmark; repository $ROOT; results in $OUT_DIR"
  log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $("$JAVA" -version 2>&1 | head -n 1), node $(node --version 2>/dev/null || echo missing)"
  if [[ "$BUILD" == 1 ]]; then build; fi
  [[ -f "$FANOUT_JAR" ]] || { echo "no $FANOUT_JAR (run with BUILD=1)"; exit 1; }
  RAN=()
  local name
  for name in $SERVERS; do
    run_server "$name"
  done
  report
}

main "$@"
