#!/usr/bin/env bash
# The test command (npm test): installs what the tests need, builds, type-checks, then runs
# jest with a JSON result in test-results.json. Extra arguments go to jest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/ensure-tools.sh
# jest transpiles test files one by one without types (tsconfig.jest.json);
# the whole tree, tests included, is type-checked here, once.
if ! npm run --silent typecheck; then
  echo "type errors (above): fix them, then run the tests again" >&2
  exit 1
fi
set +e
npx jest --json --outputFile=test-results.json "$@"
rc=$?
set -e
node scripts/jest-summary.js test-results.json || true
exit $rc
