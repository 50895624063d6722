#!/usr/bin/env bash
# npm run chart:lint: helm lint the chart and render its templates (default
# values, and with Temporal TLS and an API key), with the helm that
# scripts/kube-assets.sh builds once into a cache outside the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm="$(bash "$here/scripts/kube-assets.sh")/helm"
chart="$here/charts/xpuflow"
"$helm" lint --strict "$chart"
"$helm" template xpuflow "$chart" --namespace xpuflow --include-crds >/dev/null
"$helm" template xpuflow "$chart" --namespace xpuflow \
  --set temporal.tlsSecret=temporal-tls --set temporal.apiKeySecret.name=temporal-api-key >/dev/null
echo "chart: helm lint and template passed ($chart)"
