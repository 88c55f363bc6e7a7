#!/usr/bin/env bash
# Static checks of the deployment files, no cluster needed: yamllint over k8s/ and deploy/, then a full kustomize
# render of k8s/, as it is and with its TLS component (k8s/tls/) added. Needs yamllint (apt-get install yamllint)
# and kubectl (its built-in kustomize) or kustomize.
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
objects=$("${render[@]}" k8s/ | grep -c '^kind: ')
# The component is switched on in a copy: k8s/ itself stays plain HTTP.
with_tls=$(mktemp -d)
trap 'rm -rf "$with_tls"' EXIT
cp -r k8s/. "$with_tls"
printf 'components:\n  - tls\n' >> "$with_tls/kustomization.yaml"
tls_objects=$("${render[@]}" "$with_tls" | grep -c '^kind: ')
echo "k8s/: yamllint clean, kustomize renders $objects objects, $tls_objects with the TLS component"
