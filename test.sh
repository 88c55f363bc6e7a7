#!/usr/bin/env bash
# The README's test command: installs with apt-get what the tests drive and the machine lacks, then runs
# `mvn -B verify -Prolling-restart` (every test, the 1-2 minute rolling restart behind HAProxy included) with this
# script's arguments (./test.sh -Dit.test=TlsIT, say). Needs a JDK 17+ and Maven, and
# Debian's packages (Debian 12 or later); installing needs root, or sudo.
#   chromium                 browser tests (/usr/bin/chromium, headless)
#   prometheus               promtool checks the exposition and the alert rules; a real Prometheus scrapes Chorus
#   haproxy                  the load balancer in front of a cluster
#   python3-wsproto, nodejs, npm
#                            WebSocket peers of other implementations (npm fetches the ws client on first use)
#   procps                   kill, to signal server processes
#   openssl                  the README's shell one-liner for an API key, run as written
#   yamllint, shellcheck     .ci/run's static checks of the scripts and the deployment files
set -euo pipefail
cd "$(dirname "$0")"

fail() {
  echo "test.sh: $*" >&2
  exit 1
}

for tool in java mvn; do
  type -P "$tool" >/dev/null \
    || fail "$tool not found: the tests need a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven)"
done

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
{ [ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus ]; } || missing+=(prometheus)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import wsproto' 2>/dev/null; } || missing+=(python3-wsproto)
type -P node >/dev/null || missing+=(nodejs)
type -P npm >/dev/null || missing+=(npm)
type -P kill >/dev/null || missing+=(procps)
type -P openssl >/dev/null || missing+=(openssl)
type -P shellcheck >/dev/null || missing+=(shellcheck)
type -P yamllint >/dev/null || missing+=(yamllint)

if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    type -P sudo >/dev/null \
      || fail "the tests need ${missing[*]}; installing them needs root or sudo: run ./test.sh as root, or install them"
    as_root=(sudo)
  fi
  type -P apt-get >/dev/null || fail "the tests need ${missing[*]}, and apt-get is not here to install them"
  echo "test.sh: installing ${missing[*]} with apt-get"
  # No recommended packages: prometheus would bring prometheus-node-exporter, a service on port 9100.
  { "${as_root[@]}" apt-get update -qq \
    && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
    || fail "apt-get could not install ${missing[*]} (see above)"
  # The tests run these programs themselves. Debian starts their services on installing them, and Prometheus's on
  # port 9090 would take the port Chorus's management endpoint uses by default.
  if [ -d /run/systemd/system ]; then
    for service in prometheus haproxy; do
      if [[ " ${missing[*]} " == *" $service "* ]]; then
        if "${as_root[@]}" systemctl disable --now --quiet "$service"; then
          echo "test.sh: stopped and disabled the $service service that installing it started"
        fi
      fi
    done
  fi
fi

exec mvn -B verify -Prolling-restart "$@"
