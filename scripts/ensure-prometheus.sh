#!/usr/bin/env bash
# Prints a directory holding Debian's `prometheus` and `promtool` binaries
# (the alert rules' unit tests and end-to-end test run them), extracting the
# package once into a cache outside the repository. Nothing is installed
# system-wide and no service is started: `apt-get download` fetches the .deb
# and `dpkg -x` unpacks it. The two binaries are Go programs linked against
# libc6 only (`ldd`); the package's other dependencies (adduser, the web console's JavaScript libraries,
# init-system-helpers) are for the Debian service and its console, which the
# tests do not use.
#
#   XPUFLOW_PROMETHEUS_CACHE  cache root (default ~/.cache/xpuflow/prometheus)
#   PROMETHEUS_BIN_DIR        use prometheus and promtool from here when both exist
#
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail

log() { echo "ensure-prometheus: $*" >&2; }

if [[ -n "${PROMETHEUS_BIN_DIR:-}" && -x "$PROMETHEUS_BIN_DIR/prometheus" && -x "$PROMETHEUS_BIN_DIR/promtool" ]]; then
  echo "$PROMETHEUS_BIN_DIR"
  exit 0
fi

CACHE_ROOT="${XPUFLOW_PROMETHEUS_CACHE:-$HOME/.cache/xpuflow/prometheus}"
BIN="$CACHE_ROOT/root/usr/bin"
if [[ -x "$BIN/prometheus" && -x "$BIN/promtool" ]]; then
  echo "$BIN"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  log "apt-get and dpkg are needed to fetch Debian's prometheus package; or set PROMETHEUS_BIN_DIR to a directory with prometheus and promtool"
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# The package index may not know the package yet (a fresh container): update it once and try again.
if ! apt-get download prometheus >&2 2>/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    log "apt-get download prometheus failed and apt-get update needs root; run 'apt-get update' as root, or set PROMETHEUS_BIN_DIR"
    exit 1
  fi
  log "apt-get update (the package index does not know prometheus yet)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  apt-get download prometheus >&2
fi
deb="$(ls prometheus_*.deb)"
rm -rf "$CACHE_ROOT/root"
mkdir -p "$CACHE_ROOT"
dpkg -x "$deb" "$CACHE_ROOT/root"
for b in prometheus promtool; do
  if [[ ! -x "$BIN/$b" ]]; then
    log "$deb holds no usr/bin/$b"
    exit 1
  fi
done
log "extracted $deb into $CACHE_ROOT/root ($("$BIN/prometheus" --version 2>&1 | head -1))"
echo "$BIN"
