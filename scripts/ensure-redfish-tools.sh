#!/usr/bin/env bash
# Prints a directory holding DMTF's and OpenStack's Redfish tools the tests drive the
# BlueField BMC simulator (sim/bmc) and the Redfish client with, installing them once
# from PyPI into one virtualenv in a cache outside the repository:
#   rf_protocol_validator    redfish-protocol-validator (DMTF: sessions, auth, headers, status codes, ETags)
#   rf_update.py, rf_power_reset.py, rf_firmware_inventory.py, …
#                               redfish-utilities (DMTF's client tools)
#   sushy-emulator              sushy-tools (OpenStack's Redfish emulator; --fake driver)
#
#   XPUFLOW_REDFISH_TOOLS_CACHE   venv root (default ~/.cache/xpuflow/redfish-tools)
#
# Idempotent: a stamp holding the pinned requirement list skips pip when nothing changed.
# Progress goes to stderr; stdout is only the venv's bin directory.
set -euo pipefail

VALIDATOR_VERSION="${XPUFLOW_REDFISH_VALIDATOR_VERSION:-1.3.2}"
UTILITIES_VERSION="${XPUFLOW_REDFISH_UTILITIES_VERSION:-3.5.2}"
SUSHY_TOOLS_VERSION="${XPUFLOW_SUSHY_TOOLS_VERSION:-2.2.0}"
VENV="${XPUFLOW_REDFISH_TOOLS_CACHE:-$HOME/.cache/xpuflow/redfish-tools}"
BIN="$VENV/bin"
log() { echo "redfish-tools: $*" >&2; }

reqs=(
  "redfish-protocol-validator==$VALIDATOR_VERSION"
  "redfish-utilities==$UTILITIES_VERSION"
  "sushy-tools==$SUSHY_TOOLS_VERSION"
)
stamp="$VENV/.xpuflow-requirements"

if ! command -v python3 >/dev/null 2>&1; then
  log "python3 (>= 3.9, with venv) is needed for DMTF's Redfish tools and is not on PATH; install python3 and python3-venv"
  exit 1
fi
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9

if [[ -x "$BIN/rf_protocol_validator" && -x "$BIN/rf_update.py" && -x "$BIN/sushy-emulator" &&
  -f "$stamp" && "$(cat "$stamp")" == "${reqs[*]}" ]]; then
  echo "$BIN"
  exit 0
fi

if [[ ! -x "$BIN/python" ]]; then
  log "creating the virtualenv $VENV"
  python3 -m venv "$VENV" >&2 || {
    log "python3 -m venv $VENV failed: install python3-venv (apt-get install python3-venv)"
    exit 1
  }
fi
log "installing ${reqs[*]} into $VENV"
"$BIN/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}" >&2
for tool in rf_protocol_validator rf_update.py rf_power_reset.py rf_firmware_inventory.py sushy-emulator; do
  if [[ ! -x "$BIN/$tool" ]]; then
    log "$tool is missing from $BIN after installing ${reqs[*]}: a package changed its entry points; check its release notes and the pins above"
    exit 1
  fi
done
echo "${reqs[*]}" >"$stamp"
echo "$BIN"
