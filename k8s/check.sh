#!/usr/bin/env bash
# Static checks of the deployment files, no cluster needed: yamllint over k8s/ and deploy/, then a kustomize render
# of every variant, each checked for what a user of it relies on:
#   k8s/                      built-in kinds only (it applies on a plain cluster), every object in namespace chorus
#   + prometheus-operator     one ServiceMonitor more
#   + tls                     an Ingress, the client Service ClusterIP
#   + both components
#   overlays/dev/             one pod, no autoscaler
# Needs yamllint (apt-get install yamllint; it brings python3-yaml, used here) and kubectl or kustomize, recent
# enough for kustomize's `labels` field (checked with kubectl 1.32; Debian's 1.20 is too old, see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

yamllint --strict -c .yamllint.yml k8s/ deploy/

if command -v kubectl >/dev/null 2>&1; then
  render=(kubectl kustomize)
elif command -v kustomize >/dev/null 2>&1; then
  render=(kustomize build)
else
  echo "k8s/check.sh: neither kubectl nor kustomize found; one is needed to render k8s/" >&2
  exit 1
fi

# The API versions a cluster serves without any CRD installed.
BUILT_IN="v1 apps/v1 policy/v1 autoscaling/v2 networking.k8s.io/v1"

# One line per rendered object: apiVersion, kind, name, namespace, spec.replicas, spec.type (- for none).
objects() {
  "${render[@]}" "$1" | /usr/bin/python3 -c '
import sys, yaml
for o in yaml.safe_load_all(sys.stdin):
    m = o["metadata"]
    spec = o.get("spec", {})
    print(o["apiVersion"], o["kind"], m["name"], m.get("namespace", "-"), spec.get("replicas", "-"),
          spec.get("type", "-"))
'
}

fail() {
  echo "k8s/check.sh: $1" >&2
  exit 1
}

count() {
  awk -v kind="$2" '$2 == kind' <<<"$1" | wc -l
}

# Components are switched on in a copy: k8s/ itself stays the plain variant.
variants=$(mktemp -d)
trap 'rm -rf "$variants"' EXIT
with_components() {
  local copy="$variants/$1"
  shift
  cp -r k8s/. "$copy"
  printf 'components:\n' >>"$copy/kustomization.yaml"
  printf '  - components/%s\n' "$@" >>"$copy/kustomization.yaml"
  objects "$copy"
}

plain=$(objects k8s/)
awk -v built_in=" $BUILT_IN " 'index(built_in, " " $1 " ") == 0 {print "  " $1, $2; bad = 1} END {exit bad}' \
  <<<"$plain" || fail "k8s/ needs CRDs for the kinds above: a plain cluster would refuse them"
awk '$2 != "Namespace" && $4 != "chorus"' <<<"$plain" | grep . && fail "objects above are not in namespace chorus"
[ "$(count "$plain" Deployment)" = 1 ] || fail "k8s/ renders no Deployment"

operator=$(with_components operator prometheus-operator)
[ "$(count "$operator" ServiceMonitor)" = 1 ] || fail "components/prometheus-operator adds no ServiceMonitor"
[ "$(wc -l <<<"$operator")" = $(($(wc -l <<<"$plain") + 1)) ] \
  || fail "components/prometheus-operator adds more than the ServiceMonitor"
grep -q '^monitoring.coreos.com/v1 ServiceMonitor chorus chorus ' <<<"$operator" \
  || fail "the ServiceMonitor is not in namespace chorus"

tls=$(with_components tls tls)
grep -q '^networking.k8s.io/v1 Ingress chorus chorus ' <<<"$tls" || fail "components/tls adds no Ingress in chorus"
grep -q '^v1 Service chorus chorus - ClusterIP$' <<<"$tls" || fail "components/tls leaves the client Service's type"
both=$(with_components both prometheus-operator tls)

dev=$(objects k8s/overlays/dev)
grep -q '^apps/v1 Deployment chorus chorus 1 ' <<<"$dev" || fail "overlays/dev does not run one pod"
[ "$(count "$dev" HorizontalPodAutoscaler)" = 0 ] || fail "overlays/dev keeps the autoscaler"

echo "k8s/: yamllint clean; kustomize renders $(wc -l <<<"$plain") objects (built-in kinds only)," \
  "$(wc -l <<<"$operator") with components/prometheus-operator, $(wc -l <<<"$tls") with components/tls," \
  "$(wc -l <<<"$both") with both, $(wc -l <<<"$dev") for overlays/dev (one pod, no autoscaler)"
