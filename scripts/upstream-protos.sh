#!/usr/bin/env bash
# Prints a directory holding the upstream .proto files xpuflow's subsets are
# checked against, downloaded once from the Go module proxy (through `go mod
# download`, so GOPROXY/GOFLAGS settings apply) into a cache outside the repo:
#   gnoi/               github.com/openconfig/gnoi@v0.8.0 (os, system, types, common)
#                       with the imports it needs (gnmi, bootz, gnsi) beside it
#   kubelet/            k8s.io/kubelet@v0.36.3, pkg/apis/deviceplugin/v1beta1/api.proto
# opi-api is not served by a registry reachable here: test/contract holds its facts.
#
#   XPUFLOW_PROTO_CACHE   cache root (default ~/.cache/xpuflow/upstream-protos)
set -euo pipefail
GNOI_VERSION="${XPUFLOW_GNOI_VERSION:-v0.8.0}"
KUBELET_VERSION="${XPUFLOW_KUBELET_VERSION:-v0.36.3}"
CACHE_ROOT="${XPUFLOW_PROTO_CACHE:-$HOME/.cache/xpuflow/upstream-protos}"
OUT="$CACHE_ROOT/gnoi-$GNOI_VERSION-kubelet-$KUBELET_VERSION"
log() { echo "upstream-protos: $*" >&2; }
if [[ -f "$OUT/.complete" ]]; then echo "$OUT"; exit 0; fi
command -v go >/dev/null 2>&1 || { log "Go is needed to download the upstream protos (go mod download) and is not on PATH"; exit 1; }
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock"
flock 9
if [[ -f "$OUT/.complete" ]]; then echo "$OUT"; exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dir_of() { # <module@version> -> its extracted directory in the module cache
  (cd "$work" && go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or ""); sys.exit(1 if d.get("Error") else 0)')
}
log "downloading github.com/openconfig/gnoi@$GNOI_VERSION and k8s.io/kubelet@$KUBELET_VERSION"
gnoi="$(dir_of "github.com/openconfig/gnoi@$GNOI_VERSION")"
kubelet="$(dir_of "k8s.io/kubelet@$KUBELET_VERSION")"
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp/github.com/openconfig/gnoi" "$OUT.tmp/kubelet"
cp -r "$gnoi/." "$OUT.tmp/github.com/openconfig/gnoi/"
# gnoi's protos import the gnmi extension and (system) bootz/gnsi by their Go module path.
for dep in $(cd "$gnoi" && go list -m -f '{{.Path}}@{{.Version}}' github.com/openconfig/gnmi github.com/openconfig/bootz github.com/openconfig/gnsi 2>/dev/null); do
  d="$(dir_of "$dep")"
  mkdir -p "$OUT.tmp/${dep%@*}"
  cp -r "$d/." "$OUT.tmp/${dep%@*}/"
done
cp "$kubelet/pkg/apis/deviceplugin/v1beta1/api.proto" "$OUT.tmp/kubelet/api.proto"
chmod -R u+w "$OUT.tmp"
touch "$OUT.tmp/.complete"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
log "upstream protos in $OUT"
echo "$OUT"
