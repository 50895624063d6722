#!/usr/bin/env bash
# Prints a directory holding third-party Go tools the tests drive xpuflow with,
# building whatever is missing once from the Go module proxy into a cache
# outside the repository (like scripts/kube-assets.sh):
#   grpcurl                     github.com/fullstorydev/grpcurl   (gRPC client)
#   cnitool                     github.com/containernetworking/cni (libcni's reference runtime)
#   host-local, static, dhcp,   github.com/containernetworking/plugins
#   bridge, loopback
#
#   XPUFLOW_GO_TOOLS_CACHE   cache root (default ~/.cache/xpuflow/go-tools)
#
# Progress goes to stderr; stdout is only the bin directory.
set -euo pipefail

GRPCURL_VERSION="${XPUFLOW_GRPCURL_VERSION:-v1.9.3}"
CNI_VERSION="${XPUFLOW_CNI_VERSION:-v1.3.0}"
PLUGINS_VERSION="${XPUFLOW_CNI_PLUGINS_VERSION:-v1.10.0}"
CACHE_ROOT="${XPUFLOW_GO_TOOLS_CACHE:-$HOME/.cache/xpuflow/go-tools}"
BIN="$CACHE_ROOT/bin"
log() { echo "go-tools: $*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is needed to build grpcurl, cnitool and the CNI reference plugins and is not on PATH; install Go >= 1.22"
  exit 1
fi
mkdir -p "$BIN"
exec 9>"$CACHE_ROOT/.lock"
flock 9

# go install <module>/<pkg>@<version>: each tool builds in its own module
# context, pinned to the exact version.
install_tool() { # <binary name> <package@version>
  local name=$1 pkg=$2 stamp="$BIN/.$1.version"
  if [[ -x "$BIN/$name" && -f "$stamp" && "$(cat "$stamp")" == "$pkg" ]]; then return 0; fi
  log "building $name ($pkg) — the first time this takes a minute or two"
  GOBIN="$BIN" GOFLAGS=-mod=mod CGO_ENABLED=0 go install -trimpath "$pkg" >&2
  echo "$pkg" >"$stamp"
}

install_tool grpcurl "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
install_tool cnitool "github.com/containernetworking/cni/cnitool@$CNI_VERSION"
for p in ipam/host-local ipam/static ipam/dhcp main/bridge main/loopback; do
  install_tool "$(basename "$p")" "github.com/containernetworking/plugins/plugins/$p@$PLUGINS_VERSION"
done
echo "$BIN"
