#!/usr/bin/env bash
# The demo (npm run demo): installs and builds what it needs, starts the local
# Temporal dev server unless TEMPORAL_ADDRESS points elsewhere, then runs
# `xpuflow demo` with any arguments given (e.g. npm run demo -- --hosts 4 --dpus 2).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/ensure-tools.sh --no-test-server
if [[ -z "${TEMPORAL_ADDRESS:-}" ]]; then
  ./temporal-dev.sh start
fi
exec node dist/cli/main.js demo "$@"
