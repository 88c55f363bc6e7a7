#!/usr/bin/env bash
# Static checks of the deployment files, no cluster needed: yamllint over k8s/ and deploy/, then a full kustomize
# render of k8s/. Needs yamllint (apt-get install yamllint) and kubectl (its built-in kustomize) or kustomize.
set -euo pipefail
cd "$(dirname "$0")/.."

yamllint --strict -c .yamllint.yml k8s/ deploy/

if command -v kubectl >/dev/null 2>&1; then
  render=(kubectl kustomize k8s/)
elif command -v kustomize >/dev/null 2>&1; then
  render=(kustomize build k8s/)
else
  echo "k8s/check.sh: neither kubectl nor kustomize found; one is needed to render k8s/" >&2
  exit 1
fi
objects=$("${render[@]}" | grep -c '^kind: ')
echo "k8s/: yamllint clean, kustomize renders $objects objects"
