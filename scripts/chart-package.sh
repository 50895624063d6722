#!/usr/bin/env bash
# Packages the two charts released together into one Helm repository folder:
# charts/xpuflow (host cluster) and charts/xpuflow-dpu-worker (DPU clusters,
# installed by the DPUService the first one creates), at the same version,
# with an index.yaml. Serve the folder over http(s) (or `helm push` the two
# .tgz files to an OCI registry) and give its URL as dpuWorker.chart.repoURL.
#   scripts/chart-package.sh [OUT_DIR] [REPO_URL]   (default OUT_DIR: dist/charts)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/dist/charts}"
url="${2:-}"
helm="$(bash "$here/scripts/kube-assets.sh")/helm"
version_of() { sed -n 's/^version: *//p' "$1/Chart.yaml" | tr -d '"'; }
host_v="$(version_of "$here/charts/xpuflow")"
dpu_v="$(version_of "$here/charts/xpuflow-dpu-worker")"
if [ "$host_v" != "$dpu_v" ]; then
  echo "chart versions differ: charts/xpuflow is $host_v, charts/xpuflow-dpu-worker is $dpu_v; release them together" >&2
  exit 1
fi
mkdir -p "$out"
"$helm" package "$here/charts/xpuflow" "$here/charts/xpuflow-dpu-worker" --destination "$out" >/dev/null
"$helm" repo index "$out" ${url:+--url "$url"}
echo "$out: xpuflow-$host_v.tgz, xpuflow-dpu-worker-$dpu_v.tgz, index.yaml"
