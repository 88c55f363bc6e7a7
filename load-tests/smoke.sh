#!/usr/bin/env bash
# CI smoke load test: about 15 s of chat traffic (20 users, two rooms) against a running Chorus.
# Usage: load-tests/smoke.sh ws://127.0.0.1:PORT [extra -Dname=value ...]
# Exits non-zero when the simulation's assertions fail (or the run cannot start).
# The HTML report lands in load-tests/target/gatling/smokesimulation-*/index.html.
set -euo pipefail

if [[ $# -lt 1 || "$1" != ws://* && "$1" != wss://* ]]; then
  echo "usage: $0 ws://HOST:PORT [-Dname=value ...]" >&2
  exit 2
fi
base_url="$1"
shift

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# 10 minutes covers a cold Maven cache (first Gatling resolve is about 1 minute) with a wide
# margin; the simulation itself stops by its own maxDuration well before.
exec timeout --kill-after=30s 600s \
  mvn -B -ntp -f "$here/pom.xml" gatling:test \
  -Dgatling.simulationClass=chorus.load.simulations.SmokeSimulation \
  -DbaseUrl="$base_url" \
  "$@"
