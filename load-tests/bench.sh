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
#   SERVERS="chorus chorus-container" load-tests/bench.sh
#                                    the same jar with the JVM's defaults (the README's run command) and with the
#                                    Dockerfile's JVM options in a 2 GiB container (CONTAINER_JVM_OPTS): memory per
#                                    idle connection (CONTAINER_SCENARIOS, by default only the idle one)
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
#   SERVERS="uws chorus" BASELINE=uws REPEATS=3 load-tests/bench.sh
#                                    a comparison to trust: each server 3 times, alternating (uws chorus uws
#                                    chorus ...), medians and ranges; one run alone differs from the next by more
#                                    than most changes are worth, so compare with REPEATS=3 or more
#
# Each server runs alone on BENCH_PORT (Chorus's /metrics on BENCH_MANAGEMENT_PORT), pinned to CPU $SERVER_CPU (JVMs with
# -XX:ActiveProcessorCount=1); the load generator (fanout/, Netty epoll) is pinned to CPU $GEN_CPU.
# Scenarios: (1) ramp at 1,000 subscribers to the highest deliveries/s with p99 <= 50 ms, going on past the first
# failure to draw the latency-vs-rate curve, (2) server CPU per million deliveries, p99 and loss at fixed rates
# (100k and 500k deliveries/s), (3) 10,000 subscribers at a low rate, (4) ~19,000 idle connections
# with the server's memory per connection (on a fresh server, or with IDLE_WARMUP on a warmed one), (5) HTTP
# publish: PUB_CONNS keep-alive connections POSTing to /api/rooms/bench/messages, each its next request once
# answered (Chorus only). SCENARIOS picks some; the
# chorus.v1 servers and chorus-sse (chorus.v1 publishers, SSE subscribers) run V1_SCENARIOS, by default (1), (2)
# and (5); chorus-tls runs TLS_SCENARIOS, by default (1), (2) and (4). All traffic goes to 127.0.0.1; every run is
# bounded.
# REPEATS=n runs the whole list of servers n times in turn, so that a burst of load from a neighbour hits every
# server alike instead of one; the tables give each figure's median, its range (min-max) and the ratio of medians.
# Results: markdown tables at the end (also in $OUT_DIR/report.md); the curve in $OUT_DIR/curve.csv and curve.svg
# (python3, standard library only); raw logs and key=value summaries in $OUT_DIR/r1, r2, ... (one per repeat).
set -euo pipefail

# The settings this run was given, before the defaults below fill in the rest: the report's command line.
COMMAND=""
for _v in SERVERS BASELINE REPEATS QUICK SCENARIOS V1_SCENARIOS TLS_SCENARIOS RAMP_FROM RAMP_TO RAMP_FACTOR \
    RAMP_WARMUP RAMP_STEP RAMP_DRAIN RAMP_THROUGH P99_MAX LOSS_MAX LAT_RATES LAT_WARMUP LAT_DURATION PAYLOAD \
    FANOUT_SUBS FANOUT_PUBS WIDE_WARMUP WIDE_DURATION IDLE_CONNS IDLE_HOLD IDLE_WARMUP BUILD BENCH_PORT \
    BENCH_MANAGEMENT_PORT CHORUS_BASE_JAR CHORUS_JVM_OPTS WIDE_SUBS DEFLATE_SCENARIOS CONTAINER_SCENARIOS \
    CONTAINER_JVM_OPTS; do
  if [[ "${!_v-}" == *" "* ]]; then COMMAND+="$_v=\"${!_v}\" "; elif [[ -n "${!_v+x}" ]]; then COMMAND+="$_v=${!_v} "; fi
done
COMMAND+="load-tests/bench.sh"

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
: "${CONTAINER_SCENARIOS:=idle}"  # chorus-container: what the container's JVM options change is memory
: "${KEYTOOL:=keytool}"
: "${REPEATS:=1}"            # rounds over SERVERS, alternating; medians and ranges from 2 on
: "${PYTHON:=python3}"       # draws the curve; without it the CSV is still written
# JVM options of the Chorus servers (chorus*, chorus-base); empty: the JVM's defaults, as the README's run command.
: "${CHORUS_JVM_OPTS:=}"
read -ra CHORUS_JVM <<< "$CHORUS_JVM_OPTS"
# chorus-container's: the JVM options of the Dockerfile's ENTRYPOINT (read from it, between "java" and "-jar"), in a
# container limited to 2 GiB (MaxRAM stands in for the cgroup limit the JVM would read there).
: "${CONTAINER_JVM_OPTS:=-XX:MaxRAM=2g $(sed -n '/^ENTRYPOINT/,/]/p' "$ROOT/Dockerfile" | grep -o '"[^"]*"' | tr -d '"' \
  | sed -n '2,/^-jar$/p' | sed '$d' | tr '\n' ' ')}"
read -ra CONTAINER_JVM <<< "$CONTAINER_JVM_OPTS"
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
: "${PAYLOAD:=128}"           # bytes per message
: "${RAMP_FROM:=10k}"         # deliveries/s of the first ramp step
: "${RAMP_TO:=4M}"
: "${RAMP_FACTOR:=1.5}"
: "${RAMP_WARMUP:=3s}"
: "${RAMP_STEP:=5s}"
: "${RAMP_DRAIN:=2s}"
: "${RAMP_THROUGH:=1}"        # 1: past the first failing step, go on to RAMP_TO for the curve (the maximum
                              # stays the last step before that failure); 0: stop there
: "${P99_MAX:=50ms}"          # a ramp step passes with p99 at most this and loss at most LOSS_MAX (issue 16:
                              # the criterion users feel; scheduler noise on a busy 2-core machine can reach it)
: "${LOSS_MAX:=0.001}"
: "${LAT_RATES:=100k 500k}"   # deliveries/s of the fixed-rate scenario, one run each: CPU per delivery, p99
LAT_RATE=${LAT_RATES%% *}     # the first: the rate the chorus.v1, SSE and TLS tables compare at
: "${LAT_WARMUP:=10s}"         # each fixed rate connects its clients anew: a JVM server compiles their handshake paths
                              # for some seconds after (C2 took 0.17 s of a 10 s window after a 3 s warm-up)
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
: "${IDLE_WARMUP:=0}"         # connections opened first and held before the baseline (0: none, a cold server).
                              # A JVM compiles its connection path and loads classes while the first thousands arrive
                              # (about 6.5 MiB with Chorus, paid once); the cost of the IDLE_CONNS - IDLE_WARMUP
                              # that follow, on a warmed server, leaves that out. Held, not closed: memory they would
                              # leave behind, committed, would make the next connections look cheaper than they are
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

get() {
  [[ -f "$2" ]] || return 0  # a scenario that did not run: no value, which the tables show as –
  awk -v key="$1=" 'index($0, key) == 1 { print substr($0, length(key) + 1); exit }' "$2"
}

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
    chorus | chorus-nodelay | chorus-v1 | chorus-v1-nohistory | chorus-sse | chorus-tls | chorus-deflate | chorus-container)
      if [[ -z "$CHORUS_SKIP" && ! -f "$CHORUS_JAR" ]]; then
        CHORUS_SKIP="chorus: skipped, the build did not produce $CHORUS_JAR"
      fi
      if [[ -n "$CHORUS_SKIP" ]]; then
        NOTES+=("$CHORUS_SKIP")
        return 1
      fi
      # No rate limit: the ramp's publishers send far above the default 100 messages/s each, and the HTTP
      # publish scenario's connections share a few source addresses, which the API limits per address.
      local jvm=("${CHORUS_JVM[@]}")
      # chorus-container: the Dockerfile's JVM options instead of the JVM's defaults.
      if [[ "$name" == chorus-container ]]; then jvm+=("${CONTAINER_JVM[@]}"); fi
      cmd=("$JAVA" -XX:ActiveProcessorCount=1 "${jvm[@]}" -jar "$CHORUS_JAR" --port "$BENCH_PORT" --instances 1 --rate-limit 0
        --management-port "$BENCH_MANAGEMENT_PORT")
      # chorus-nodelay: --write-delay 0ms, every flush at the end of its event-loop turn, never after the delay.
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
    > "$RUN_DIR/$name-server.log" 2>&1 &
  SERVER_PID=$!
  STARTED+=("$SERVER_PID")
  if ! wait_port "$SERVER_PID"; then
    local code=0
    wait "$SERVER_PID" 2>/dev/null || code=$?
    if [[ "$name" == uws* && "$code" == 3 ]]; then
      NOTES+=("uws: skipped, no loadable uWebSockets.js addon: $(tail -n 1 "$RUN_DIR/$name-server.log")")
    else
      NOTES+=("$name: skipped, did not answer on port $BENCH_PORT (exit $code, see $RUN_DIR/$name-server.log)")
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

# CPU ticks (utime + stime) of process $1 so far.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Waits until the server has been quiet (at most 5 % of a core) for a second, at most 20 s: a server that could not
# keep up with the previous scenario (the ramp's last steps, 500k deliveries/s for the slower servers) may still be
# flushing or collecting, and that work would be counted against the next one.
settle() {
  local hz before after _
  hz=$(getconf CLK_TCK)
  for _ in $(seq 1 20); do
    before=$(cpu_ticks "$SERVER_PID")
    sleep 1
    after=$(cpu_ticks "$SERVER_PID")
    if (( (after - before) * 20 <= hz )); then return 0; fi
  done
  log "the server still used $(( (after - before) * 100 / hz )) % of a core after 20 s; measuring anyway"
}

# Runs the generator on CPU $GEN_CPU: gen SERVER SCENARIO MODE [options...]; writes $RUN_DIR/SERVER-SCENARIO.{log,txt}
gen() {
  local name=$1 scenario=$2 mode=$3 pid
  shift 3
  settle
  local out="$RUN_DIR/$name-$scenario"
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

# Opens IDLE_WARMUP idle connections to server $1 and holds them while the idle scenario measures the ones after;
# prints the generator's PID once they are all open, fails (and stops it) when they are not within 5 minutes.
warm_up() {
  local name=$1 pid out="$RUN_DIR/$1-idle-warmup" _
  log "$name: warming up: $IDLE_WARMUP connections opened first and held; the figures are the next ones'" >&2
  taskset -c "$GEN_CPU" "$JAVA" -jar "$FANOUT_JAR" connections --url "$URL" --protocol "$PROTOCOL" \
    --transport "$TRANSPORT" --connections "$IDLE_WARMUP" --connect-rate "$IDLE_RATE" --hold 15m --max-runtime 16m \
    --processes "$(( (IDLE_WARMUP + 9499) / 9500 ))" > "$out.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  for _ in $(seq 1 1500); do
    if grep -q '^opened in' "$out.log" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  NOTES+=("$name: the warm-up connections did not open, see $out.log")
  stop_pid "$pid"
  return 1
}

run_server() {
  local name=$1 scenarios=" $SCENARIOS " rate through=()
  if [[ "$name" == chorus-v1* || "$name" == chorus-sse ]]; then scenarios=" $V1_SCENARIOS "; fi
  if [[ "$name" == chorus-tls ]]; then scenarios=" $TLS_SCENARIOS "; fi
  if [[ "$name" == *-deflate ]]; then scenarios=" $DEFLATE_SCENARIOS "; fi
  if [[ "$name" == chorus-container ]]; then scenarios=" $CONTAINER_SCENARIOS "; fi
  log "---- $name, round $ROUND of $REPEATS (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  start_server "$name" || return 0
  if [[ "$scenarios" == *" ramp "* ]]; then
    if [[ "$RAMP_THROUGH" == 1 ]]; then through=(--ramp-through); fi
    log "$name: ramp at $FANOUT_SUBS subscribers, $RAMP_FROM -> $RAMP_TO deliveries/s"
    gen "$name" ramp ramp --subscribers "$FANOUT_SUBS" --publishers "$FANOUT_PUBS" --payload "$PAYLOAD" \
      --ramp-from "$RAMP_FROM" --ramp-to "$RAMP_TO" --ramp-factor "$RAMP_FACTOR" --p99-max "$P99_MAX" \
      --loss-max "$LOSS_MAX" --warmup "$RAMP_WARMUP" --duration "$RAMP_STEP" --drain "$RAMP_DRAIN" \
      --steps-csv "$RUN_DIR/$name-ramp-steps.csv" "${through[@]}"
  fi
  if [[ "$scenarios" == *" latency "* ]]; then
    for rate in $LAT_RATES; do
      log "$name: $rate deliveries/s"
      gen "$name" "latency-$rate" fanout --subscribers "$FANOUT_SUBS" --publishers "$FANOUT_PUBS" \
        --payload "$PAYLOAD" --delivery-rate "$rate" --warmup "$LAT_WARMUP" --duration "$LAT_DURATION"
    done
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
    local warm_pid=""
    if (( IDLE_WARMUP > 0 )); then
      warm_pid=$(warm_up "$name") || { stop_pid "$SERVER_PID"; return 0; }
    fi
    log "$name: $(( IDLE_CONNS - IDLE_WARMUP )) idle connections ($IDLE_PROCS generator processes)"
    gen "$name" idle connections --connections "$(( IDLE_CONNS - IDLE_WARMUP ))" --connect-rate "$IDLE_RATE" \
      --hold "$IDLE_HOLD" --processes "$IDLE_PROCS"
    if [[ -n "$warm_pid" ]]; then stop_pid "$warm_pid"; fi
    stop_pid "$SERVER_PID"
  fi
  [[ " ${RAN[*]} " == *" $name "* ]] || RAN+=("$name")
}

# values KEY RESULT: KEY's value in every round's summary RESULT.txt (e.g. chorus-latency-100k), one a line;
# missing ones and -1 (unknown: no server pid, no /metrics) left out. Other negative values are measurements: memory
# per connection can come out below zero when a GC frees more than a few thousand connections take.
values() {
  local d
  for d in "$OUT_DIR"/r*/; do get "$1" "$d$2.txt"; done | awk '$1 + 0 != -1'
}

# median KEY RESULT: the median over the rounds, or nothing.
median() {
  values "$1" "$2" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR) printf "%.6f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cell FORMAT KEY RESULT [FACTOR]: the median (times FACTOR), and with several rounds that differ the range:
# "18.8 ms (16.4–21.0)". FORMAT is a printf number format, %n for an integer with thousands separators, then
# optionally a space and a unit.
cell() {
  values "$2" "$3" | sort -g | awk -v f="$1" -v k="${4:-1}" '
    function show(x) {
      if (nf != "%n") return sprintf(nf, x)
      x = sprintf("%.0f", x)
      while (x ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", x)
      return x
    }
    { v[NR] = $1 * k }
    END {
      if (!NR) { print "–"; exit }
      nf = f; unit = ""
      if (index(f, " ")) { nf = substr(f, 1, index(f, " ") - 1); unit = substr(f, index(f, " ")) }
      s = show(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) unit
      if (show(v[1]) != show(v[NR])) s = s " (" show(v[1]) "–" show(v[NR]) ")"
      print s }'
}

# vs KEY RESULT BASE_RESULT: the ratio of the medians, "1.23×", or "–".
vs() {
  awk -v a="$(median "$1" "$2")" -v b="$(median "$1" "$3")" \
    'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.2f×\n", a / b }'
}

# thousands N: "19000" -> "19,000".
thousands() { printf '%s\n' "$1" | sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta'; }

# A markdown table row of the arguments.
row() {
  printf '| %s ' "$@"
  printf '|\n'
}

ran() { [[ " ${RAN[*]} " == *" $1 "* ]]; }

# A setting of server $1's fan-out runs (protocol, transport), from its first round's ramp or fixed-rate summary.
run_field() {
  local v
  v=$(get "$2" "$OUT_DIR/r1/$1-ramp.txt")
  [[ -n "$v" ]] || v=$(get "$2" "$OUT_DIR/r1/$1-latency-$LAT_RATE.txt")
  echo "$v"
}

rounds_note() {
  if [[ "$REPEATS" -gt 1 ]]; then
    echo "Each figure is the median of $REPEATS rounds (the servers alternating), its range (min–max) in brackets; ratios are of medians."
  else
    echo "One round: no range. Compare servers with REPEATS=3 or more; one run alone differs from the next by more than most changes are worth."
  fi
}

# The headline: server CPU per million deliveries at each fixed rate, p99 and loss there, and the ramp's maximum.
report_fanout() {
  local name rate head=(server) b="$BASELINE"
  for rate in $LAT_RATES; do
    head+=("CPU s per 1M deliveries at $rate/s" "vs $b" "p99 at $rate/s" "loss at $rate/s")
  done
  head+=("max deliveries/s, p99 ≤ $P99_MAX" "vs $b" "generator CPU there" "frames per read there")
  echo "### Fan-out: $(thousands "$FANOUT_SUBS") subscribers + $FANOUT_PUBS publishers, ${PAYLOAD}-byte messages, server on CPU $SERVER_CPU"
  echo
  row "${head[@]}"
  row "${head[@]//*/---}"
  for name in "${RAN[@]}"; do
    [[ -n "$(run_field "$name" transport)" ]] || continue
    local cells=("$name")
    for rate in $LAT_RATES; do
      cells+=("$(cell %.2f server_us_per_delivery "$name-latency-$rate")"
        "$(vs server_us_per_delivery "$name-latency-$rate" "$b-latency-$rate")"
        "$(cell '%.1f ms' p99_ms "$name-latency-$rate")" "$(cell '%.2f %' loss_ratio "$name-latency-$rate" 100)")
    done
    cells+=("$(cell %n max_deliveries_per_s "$name-ramp")" "$(vs max_deliveries_per_s "$name-ramp" "$b-ramp")"
      "$(cell '%.0f %' best_generator_cpu_pct "$name-ramp")" "$(cell %.1f best_frames_per_read "$name-ramp")")
    row "${cells[@]}"
  done
  echo
  echo "CPU s per 1M deliveries: the server's CPU time (/proc/PID/stat) over $LAT_DURATION at a fixed rate, per million"
  echo "deliveries received (= µs per delivery); lower is better, and unlike the maximum it does not sit at the generator's"
  echo "ceiling. Loss above 0.1 % means the server did not keep up with that rate. max deliveries/s: the highest ramp step"
  echo "(×$RAMP_FACTOR from $RAMP_FROM) with loss ≤ $(awk -v l="$LOSS_MAX" 'BEGIN { printf "%g", 100 * l }') %, p99 ≤ $P99_MAX and ≥ 97 % of the target, below the first"
  echo "step that failed; generator CPU near 100 % there means the generator, not the server, was the limit; frames per"
  echo "read above 1: the server writes several frames per send. vs $b: ratio to $BASELINE."
  local d saturated=()
  for name in "${RAN[@]}"; do
    for rate in $LAT_RATES; do
      for d in "$OUT_DIR"/r*/; do
        if [[ "$(get generator_saturated "$d$name-latency-$rate.txt")" == true ]]; then
          saturated+=("$name at $rate/s in round $(basename "$d" | tr -d r)")
        fi
      done
    done
  done
  if [[ ${#saturated[@]} -gt 0 ]]; then
    local joined
    joined=$(IFS=,; echo "${saturated[*]}")
    echo "The generator used more than 85 % of its core, and may have been the limit, for: ${joined//,/, }."
  fi
}

# 10,000 subscribers at a low rate, and memory per idle connection.
report_connections() {
  local name b="$BASELINE" any=0
  for name in "${RAN[@]}"; do
    if [[ -n "$(values open "$name-idle")$(values deliveries_per_s "$name-wide")" ]]; then any=1; fi
  done
  [[ "$any" == 1 ]] || return 0
  local head=(server "$(thousands "$WIDE_SUBS") subscribers: deliveries/s" "p99" "loss"
    "idle connections held of $(thousands "$(( IDLE_CONNS - IDLE_WARMUP ))")"
    "RSS per connection" "vs $b" "heap + direct per connection")
  echo
  echo "### Many subscribers and idle connections"
  echo
  row "${head[@]}"
  row "${head[@]//*/---}"
  for name in "${RAN[@]}"; do
    [[ -n "$(values open "$name-idle")$(values deliveries_per_s "$name-wide")" ]] || continue
    row "$name" "$(cell %n deliveries_per_s "$name-wide")" "$(cell '%.0f ms' p99_ms "$name-wide")" \
      "$(cell '%.2f %' loss_ratio "$name-wide" 100)" "$(cell %n open "$name-idle")" \
      "$(cell '%.1f KiB' rss_per_conn_bytes "$name-idle" 0.0009765625)" \
      "$(vs rss_per_conn_bytes "$name-idle" "$b-idle")" \
      "$(cell '%.1f KiB' heap_direct_per_conn_bytes "$name-idle" 0.0009765625)"
  done
  echo
  if [[ " $SCENARIOS " == *" wide "* ]]; then
    echo "$(thousands "$WIDE_SUBS") subscribers: $WIDE_RATE deliveries/s for $WIDE_DURATION."
  fi
  if (( IDLE_WARMUP > 0 )); then
    echo "Memory: WARMED SERVER: growth from the baseline of a server already holding $(thousands "$IDLE_WARMUP") idle"
    echo "connections (opened first, so that the JVM has compiled and loaded what connections need; a fresh server's"
    echo "figure adds that, paid once) to $(thousands "$IDLE_CONNS") idle connections, divided by the"
  else
    echo "Memory: growth from a fresh server's baseline to $(thousands "$IDLE_CONNS") idle connections, divided by the"
  fi
  echo "connections still open (JVM servers get 'jcmd GC.run' before each sample; heap + direct needs a /metrics"
  echo "endpoint; below a few thousand connections a GC can make it negative)."
}

# Columns for CPU per delivery and p99 of RESULT-PREFIX against BASE-PREFIX at every fixed rate.
rate_cells() {
  local name=$1 base=$2 rate
  for rate in $LAT_RATES; do
    printf '%s\n' "$(cell %.2f server_us_per_delivery "$name-latency-$rate")" \
      "$(vs server_us_per_delivery "$name-latency-$rate" "$base-latency-$rate")" \
      "$(cell '%.1f ms' p99_ms "$name-latency-$rate")"
  done
}

rate_heads() {
  local vs_what=$1 rate
  for rate in $LAT_RATES; do
    printf '%s\n' "CPU s per 1M deliveries at $rate/s" "vs $vs_what" "p99 at $rate/s"
  done
}

# chorus.v1 against plain on the same jar: chorus, chorus-v1-nohistory, chorus-v1, whichever ran.
report_structured() {
  local name
  ran chorus && { ran chorus-v1 || ran chorus-v1-nohistory; } || return 0
  local head=(server) cells
  mapfile -t cells < <(rate_heads plain)
  head+=("${cells[@]}" "max deliveries/s" "vs plain" "ack p99 at $LAT_RATE/s" "gaps / duplicates")
  echo
  echo "### chorus.v1 against plain, same jar ($(thousands "$FANOUT_SUBS") subscribers + $FANOUT_PUBS publishers, ${PAYLOAD} bytes of data per message)"
  echo
  row "${head[@]}"
  row "${head[@]//*/---}"
  for name in chorus chorus-v1-nohistory chorus-v1; do
    ran "$name" || continue
    mapfile -t cells < <(rate_cells "$name" chorus)
    row "$name" "${cells[@]}" "$(cell %n max_deliveries_per_s "$name-ramp")" \
      "$(vs max_deliveries_per_s "$name-ramp" chorus-ramp)" "$(cell '%.1f ms' ack_p99_ms "$name-latency-$LAT_RATE")" \
      "$(cell %.0f gaps "$name-latency-$LAT_RATE") / $(cell %.0f seq_duplicates "$name-latency-$LAT_RATE")"
  done
  echo
  echo "vs plain above 1 is worse for CPU and p99, better for max deliveries/s. ack p99: publish command to its ack."
  echo "gaps / duplicates: room sequence numbers skipped without a gap push / received twice."
}

# SSE subscribers against WebSocket ones, and HTTP publish requests/s, for the servers that ran them.
report_fallbacks() {
  local name any_sse=0 any_pub=0 b="$BASELINE" cells
  for name in "${RAN[@]}"; do
    if [[ "$(run_field "$name" transport)" == sse ]]; then any_sse=1; fi
    if [[ -n "$(values created_per_s "$name-publish")" ]]; then any_pub=1; fi
  done
  if [[ "$any_sse" == 1 ]]; then
    local head=(server subscribers)
    mapfile -t cells < <(rate_heads "$b")
    head+=("${cells[@]}" "max deliveries/s" "vs $b" "events per read at $LAT_RATE/s" "gaps / duplicates")
    echo
    echo "### SSE and WebSocket subscribers ($(thousands "$FANOUT_SUBS") subscribers + $FANOUT_PUBS chorus.v1 WebSocket publishers, ${PAYLOAD} bytes of data per message)"
    echo
    row "${head[@]}"
    row "${head[@]//*/---}"
    for name in "${RAN[@]}"; do
      [[ "$(run_field "$name" protocol)" == chorus.v1 ]] || continue
      mapfile -t cells < <(rate_cells "$name" "$b")
      row "$name" "$(run_field "$name" transport)" "${cells[@]}" "$(cell %n max_deliveries_per_s "$name-ramp")" \
        "$(vs max_deliveries_per_s "$name-ramp" "$b-ramp")" "$(cell %.1f frames_per_read "$name-latency-$LAT_RATE")" \
        "$(cell %.0f gaps "$name-latency-$LAT_RATE") / $(cell %.0f seq_duplicates "$name-latency-$LAT_RATE")"
    done
  fi
  if [[ "$any_pub" == 1 ]]; then
    local head=(server "created/s" "vs $b" p50 p99 "µs of server CPU per request" "vs $b" "generator CPU"
      "statuses (round 1)")
    echo
    echo "### HTTP publish (POST /api/rooms/bench/messages, $PUB_CONNS keep-alive connections, one request in flight each, a JSON string of ${PAYLOAD} characters)"
    echo
    row "${head[@]}"
    row "${head[@]//*/---}"
    for name in "${RAN[@]}"; do
      [[ -n "$(values created_per_s "$name-publish")" ]] || continue
      row "$name" "$(cell %n created_per_s "$name-publish")" "$(vs created_per_s "$name-publish" "$b-publish")" \
        "$(cell '%.2f ms' p50_ms "$name-publish")" "$(cell '%.2f ms' p99_ms "$name-publish")" \
        "$(cell %.1f server_us_per_request "$name-publish")" \
        "$(vs server_us_per_request "$name-publish" "$b-publish")" "$(cell '%.0f %' generator_cpu_pct "$name-publish")" \
        "$(sed -n 's/^status_\(.*\)=\(.*\)/\1:\2/p' "$OUT_DIR/r1/$name-publish.txt" 2>/dev/null | paste -sd ' ' -)"
    done
    echo
    echo "created/s: 201 answers per second of the window (each connection sends its next POST once answered)."
  fi
}

# TLS against plain on the same jar: chorus and chorus-tls, when both ran.
report_tls() {
  local name cells
  ran chorus && ran chorus-tls || return 0
  local head=(server)
  mapfile -t cells < <(rate_heads plain)
  head+=("${cells[@]}" "max deliveries/s" "vs plain" "RSS per idle connection" "vs plain")
  echo
  echo "### TLS against plain, same jar ($(sed -n 's/.*TLS client: \([^|]*\) |.*/\1/p' "$OUT_DIR"/r1/chorus-tls-*.log | head -n 1) client)"
  echo
  row "${head[@]}"
  row "${head[@]//*/---}"
  for name in chorus chorus-tls; do
    mapfile -t cells < <(rate_cells "$name" chorus)
    row "$name" "${cells[@]}" "$(cell %n max_deliveries_per_s "$name-ramp")" \
      "$(vs max_deliveries_per_s "$name-ramp" chorus-ramp)" \
      "$(cell '%.1f KiB' rss_per_conn_bytes "$name-idle" 0.0009765625)" "$(vs rss_per_conn_bytes "$name-idle" chorus-idle)"
  done
  echo
  echo "The server's TLS engine is in its log (OpenSSL engine when netty-tcnative loads)."
}

# Every round's ramp steps in $OUT_DIR/curve.csv (server and round first), its p50/p99 per step as a table, and
# the plot in curve.svg.
report_curve() {
  local out="$OUT_DIR/curve.csv" f d name any=0
  for name in "${RAN[@]}"; do
    for d in "$OUT_DIR"/r*/; do
      f="$d$name-ramp-steps.csv"
      [[ -f "$f" ]] || continue
      d=$(basename "$d")
      if [[ "$any" == 0 ]]; then echo "server,round,$(head -n 1 "$f")" > "$out"; any=1; fi
      tail -n +2 "$f" | sed "s/^/$name,${d#r},/" >> "$out"
    done
  done
  [[ "$any" == 1 ]] || return 0
  echo
  echo "### Latency against rate (ramp steps, $(thousands "$FANOUT_SUBS") subscribers, ${PAYLOAD}-byte messages)"
  echo
  if "$PYTHON" "$LT_DIR/curve.py" --p99-max "$P99_MAX" "$out" "$OUT_DIR/curve.svg" \
      --title "p99 (solid) and p50 (dashed) per ramp step: $(thousands "$FANOUT_SUBS") subscribers, ${PAYLOAD}-byte messages, server on one core, $(date -u +%Y-%m-%d)$([[ "$REPEATS" == 1 ]] || echo ", median of $REPEATS rounds")" \
      2> "$OUT_DIR/curve.log"; then
    echo
    echo "Plot: $OUT_DIR/curve.svg; every step of every round: $out."
  else
    echo "No plot ($PYTHON failed, see $OUT_DIR/curve.log); every step of every round: $out."
  fi
}

report() {
  echo "## Chorus broadcast benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Command: \`$COMMAND\`"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $("$JAVA" -version 2>&1 | head -n 1), node $(node --version 2>/dev/null || echo missing); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (above ~0.2 before the run, other processes competed for the cores and the figures are pessimistic)."
  echo
  rounds_note
  echo
  report_fanout
  report_connections
  report_curve
  report_structured
  report_fallbacks
  report_compression
  report_tls
  echo
  echo "Notes"
  echo "- uws uses @trufflesuite/uws-js-unofficial (uWebSockets.js v20.30.0 copied to the npm registry, addons"
  echo "  for Node 16/18/20): the official uWebSockets.js is not published there; newer mirrors such as"
  echo "  @btc-vision/uwebsockets.js need glibc 2.38, which Debian 12 does not have."
  printf -- '- %s\n' "${NOTES[@]}" | awk 'NF > 1 && !seen[$0]++'
  echo "- raw logs and key=value summaries: $OUT_DIR/r1$([[ "$REPEATS" == 1 ]] || echo " … r$REPEATS")"
}

# permessage-deflate: every server of the run at the fixed rates, with the bytes each delivery took on the wire.
report_compression() {
  local name rate head=(server) cells
  [[ " ${RAN[*]} " == *"-deflate "* ]] || return 0
  for rate in $LAT_RATES; do
    head+=("CPU s per 1M deliveries at $rate/s" "bytes per frame at $rate/s" "compressed frames at $rate/s"
      "p99 at $rate/s")
  done
  head+=("max deliveries/s" "generator CPU there")
  echo
  echo "### Compression ($(thousands "$FANOUT_SUBS") subscribers + $FANOUT_PUBS publishers, ${PAYLOAD}-byte messages)"
  echo
  row "${head[@]}"
  row "${head[@]//*/---}"
  for name in "${RAN[@]}"; do
    cells=("$name")
    for rate in $LAT_RATES; do
      cells+=("$(cell %.2f server_us_per_delivery "$name-latency-$rate")" "$(cell %.1f bytes_per_frame "$name-latency-$rate")"
        "$(cell %.0f compressed_frames "$name-latency-$rate")" "$(cell '%.1f ms' p99_ms "$name-latency-$rate")")
    done
    cells+=("$(cell %n max_deliveries_per_s "$name-ramp")" "$(cell '%.0f %' best_generator_cpu_pct "$name-ramp")")
    row "${cells[@]}"
  done
  echo
  echo "bytes per frame: what the generator read from the socket per frame received (headers included); compressed"
  echo "frames: how many of the run's frames were permessage-deflate ones. The generator inflates like a browser, so its"
  echo "own CPU rises with compression: check the generator CPU column."
}

main() {
  [[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || { echo "REPEATS must be a whole number from 1, got '$REPEATS'" >&2; exit 2; }
  mkdir -p "$OUT_DIR"
  ulimit -n 20000
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  log "Chorus broadcast benchmark; repository $ROOT; results in $OUT_DIR"
  log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $("$JAVA" -version 2>&1 | head -n 1), node $(node --version 2>/dev/null || echo missing)"
  if [[ "$BUILD" == 1 ]]; then build; fi
  [[ -f "$FANOUT_JAR" ]] || { echo "no $FANOUT_JAR (run with BUILD=1)"; exit 1; }
  RAN=()
  local name
  for ROUND in $(seq 1 "$REPEATS"); do
    RUN_DIR="$OUT_DIR/r$ROUND"
    mkdir -p "$RUN_DIR"
    for name in $SERVERS; do
      run_server "$name"
    done
  done
  echo
  report | tee "$OUT_DIR/report.md"
}

main "$@"
