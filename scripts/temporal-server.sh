#!/usr/bin/env bash
# Prints a directory holding the Temporal server (temporal-server) and its SQL
# schema tool (temporal-sql-tool), built once at a pinned version from the Go
# module proxy into a cache outside the repository (like scripts/kube-assets.sh),
# so the second run takes a moment. test/support/temporal-cluster.ts runs them.
#
#   XPUFLOW_TEMPORAL_SERVER_VERSION  go.temporal.io/server version (default below)
#   XPUFLOW_TEMPORAL_GOTOOLCHAIN     Go toolchain the server needs (default below;
#                                    v1.32 needs Go >= 1.26.10)
#   XPUFLOW_TEMPORAL_SERVER_CACHE    cache root (default ~/.cache/xpuflow/temporal-server)
#
#   scripts/temporal-server.sh            the bin directory (building what is missing)
#   scripts/temporal-server.sh --no-build the bin directory if both are built; else says so, exit 1
#
# Beside bin/ the file `module` names the module's source directory in the Go
# module cache (its schema/postgresql/v12/ and config/ are what the tests use).
#
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail

VERSION="${XPUFLOW_TEMPORAL_SERVER_VERSION:-v1.32.2}"
TOOLCHAIN="${XPUFLOW_TEMPORAL_GOTOOLCHAIN:-go1.27.3}"
CACHE_ROOT="${XPUFLOW_TEMPORAL_SERVER_CACHE:-$HOME/.cache/xpuflow/temporal-server}"
OUT="$CACHE_ROOT/$VERSION"
BIN="$OUT/bin"
MOD="$OUT/src"

log() { echo "temporal-server: $*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is needed to build the Temporal server ($VERSION) and is not on PATH; install Go >= 1.21 (it fetches $TOOLCHAIN itself)"
  exit 1
fi
if [[ "${1:-}" == "--no-build" ]]; then
  if [[ -x "$BIN/temporal-server" && -x "$BIN/temporal-sql-tool" && -s "$OUT/module" && -d "$(cat "$OUT/module")" ]]; then
    echo "$BIN"
    exit 0
  fi
  log "the Temporal server $VERSION is not built in $BIN: run scripts/temporal-server.sh (or scripts/ensure-tools.sh)"
  exit 1
fi
mkdir -p "$BIN" "$MOD"
# One build at a time: parallel test files and CI share the cache.
exec 9>"$OUT/.lock"
flock 9

# A throwaway module requiring the server, so both binaries build from the
# same pinned dependency graph.
gomod() {
  (cd "$MOD" && GOTOOLCHAIN="$TOOLCHAIN" GOFLAGS=-mod=mod "$@")
}
if [[ ! -f "$MOD/go.mod" ]] || ! grep -q "go.temporal.io/server $VERSION\$" "$MOD/go.mod"; then
  printf 'module xpuflow.local/temporal-server-build\n\ngo 1.26\n\nrequire go.temporal.io/server %s\n' "$VERSION" >"$MOD/go.mod"
  rm -f "$MOD/go.sum"
  log "resolving go.temporal.io/server@$VERSION"
  gomod go get "go.temporal.io/server@$VERSION" >&2
fi

build() { # <output name> <package>
  local name=$1 pkg=$2 out="$BIN/$1"
  if [[ -x "$out" ]]; then return 0; fi
  log "building $name ($pkg@$VERSION, $TOOLCHAIN) — the first time this takes several minutes"
  gomod go build -trimpath -o "$out.tmp.$$" "$pkg" >&2
  mv "$out.tmp.$$" "$out"
  log "built $out"
}
build temporal-server go.temporal.io/server/cmd/server
build temporal-sql-tool go.temporal.io/server/cmd/tools/sql

if [[ ! -s "$OUT/module" || ! -d "$(cat "$OUT/module")" ]]; then
  gomod go list -m -f '{{.Dir}}' go.temporal.io/server >"$OUT/module.tmp.$$"
  mv "$OUT/module.tmp.$$" "$OUT/module"
fi
echo "$BIN"
