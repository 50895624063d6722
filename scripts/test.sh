#!/usr/bin/env bash
# The test command (npm test): installs what the tests need, builds, then runs
# jest with a JSON result in test-results.json. Extra arguments go to jest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/ensure-tools.sh
set +e
npx jest --json --outputFile=test-results.json "$@"
rc=$?
set -e
node scripts/jest-summary.js test-results.json || true
exit $rc
