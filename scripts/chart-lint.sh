#!/usr/bin/env bash
# npm run chart:lint: helm lint both charts and render their templates
# (default values plus the required ones, and with Temporal TLS and an API
# key), with the helm that scripts/kube-assets.sh builds once into a cache
# outside the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm="$(bash "$here/scripts/kube-assets.sh")/helm"
chart="$here/charts/xpuflow"
dpu_chart="$here/charts/xpuflow-dpu-worker"
# The values every install must give (the DPU worker chart's repository; the DPU worker's Temporal).
required=(--set dpuWorker.chart.repoURL=https://charts.example.com/xpuflow)
dpu_required=(--set temporal.address=temporal.example.com:7233)
"$helm" lint --strict "$chart" "${required[@]}"
"$helm" lint --strict "$dpu_chart" "${dpu_required[@]}"
"$helm" template xpuflow "$chart" --namespace xpuflow --include-crds "${required[@]}" >/dev/null
"$helm" template xpuflow "$chart" --namespace xpuflow "${required[@]}" \
  --set temporal.tlsSecret=temporal-tls --set temporal.apiKeySecret.name=temporal-api-key >/dev/null
"$helm" template xpuflow-dpu-worker "$dpu_chart" --namespace xpuflow "${dpu_required[@]}" \
  --set temporal.tlsSecret=temporal-tls --set temporal.apiKeySecret.name=temporal-api-key >/dev/null
echo "charts: helm lint and template passed ($chart, $dpu_chart)"
