#!/usr/bin/env bash
# Installs headless Chromium from Debian for the Temporal UI browser test
# (test/e2e/temporal-ui.test.ts). Quick when it is already there; runs
# apt-get update only when the package is not known yet.
#   scripts/ensure-chromium.sh
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ "$(id -u)" != 0 ]]; then
  echo "chromium is missing and this is not root: install Debian's chromium package to run the UI test" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1; then
  apt-get update -qq >&2
fi
echo "installing chromium (Debian) for the Temporal UI test" >&2
apt-get install -y -qq --no-install-recommends chromium >&2
