#!/usr/bin/env bash
# Prints a directory holding kube-apiserver, kube-controller-manager (its CSR
# and bootstrap-token controllers serve the DPU join tests), kube-scheduler and
# the kubelet (the real-node tests, test/support/real-node.ts), etcd and helm
# binaries, building whatever is missing once from the Go module proxy into a
# cache outside the repository, so the second run takes seconds.
#
#   KUBEBUILDER_ASSETS   use kube-apiserver and etcd from here when both exist
#   XPUFLOW_KUBE_CACHE   cache root (default ~/.cache/xpuflow/kube-assets)
#   XPUFLOW_K8S_VERSION  Kubernetes version (default below)
#   XPUFLOW_ETCD_VERSION etcd version (default below)
#   XPUFLOW_HELM_VERSION helm version (default below)
#
#   --no-build           build nothing: fail, naming what is missing (test prerequisite checks)
#
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail
NO_BUILD=0
if [[ "${1:-}" == --no-build ]]; then NO_BUILD=1; fi

K8S_VERSION="${XPUFLOW_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${XPUFLOW_ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${XPUFLOW_HELM_VERSION:-v3.22.0}"
CACHE_ROOT="${XPUFLOW_KUBE_CACHE:-$HOME/.cache/xpuflow/kube-assets}"
OUT="$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-helm-$HELM_VERSION"
BIN="$OUT/bin"

log() { echo "kube-assets: $*" >&2; }

need_go() {
  if ((NO_BUILD)); then
    log "$1 is not built yet: run scripts/kube-assets.sh (or scripts/ensure-tools.sh)"
    exit 1
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "Go is needed to build $1 and is not on PATH; install Go >= 1.26 or set KUBEBUILDER_ASSETS to a directory with kube-apiserver and etcd"
    exit 1
  fi
}

mkdir -p "$BIN"
# One build at a time: parallel test files and CI share the cache. A check
# (--no-build) does not wait for a build: binaries appear whole (mv).
if ((!NO_BUILD)); then
  exec 9>"$OUT/.lock"
  flock 9
fi

if [[ -n "${KUBEBUILDER_ASSETS:-}" && -x "$KUBEBUILDER_ASSETS/kube-apiserver" && -x "$KUBEBUILDER_ASSETS/etcd" ]]; then
  ln -sf "$KUBEBUILDER_ASSETS/kube-apiserver" "$BIN/kube-apiserver"
  ln -sf "$KUBEBUILDER_ASSETS/etcd" "$BIN/etcd"
  if [[ -x "$KUBEBUILDER_ASSETS/kube-controller-manager" ]]; then
    ln -sf "$KUBEBUILDER_ASSETS/kube-controller-manager" "$BIN/kube-controller-manager"
  fi
fi

# One throwaway Go module per tool, so the staging replaces of one do not
# leak into another.
build_in_module() { # <name> <module dir> <go.mod body> <package> <version> <output>
  local name=$1 dir=$2 gomod=$3 pkg=$4 version=$5 out=$6
  mkdir -p "$dir"
  printf '%s\n' "$gomod" >"$dir/go.mod"
  log "building $name ($pkg) — the first time this takes several minutes"
  (cd "$dir" && GOFLAGS=-mod=mod go get "$pkg@$version" >&2 && GOFLAGS=-mod=mod go build -trimpath -o "$out.tmp.$$" "$pkg" >&2)
  mv "$out.tmp.$$" "$out"
  log "built $out"
}

if [[ ! -x "$BIN/etcd" ]]; then
  need_go etcd
  build_in_module etcd "$OUT/src/etcd" "module xpuflow.local/etcd-build

go 1.26

require go.etcd.io/etcd/server/v3 $ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$BIN/etcd"
fi

# k8s.io/kubernetes points its staging modules at ./staging; as a dependency
# they must be pinned to the matching v0.x releases. One module builds
# kube-apiserver, kube-controller-manager, kube-scheduler and the kubelet
# (kube-scheduler, added last, took 26 s here with the others' build cache warm).
k8s_module() {
  local moddir="$OUT/src/kube-apiserver"
  if [[ ! -f "$moddir/go.mod" ]] || ! grep -q "^require k8s.io/kubernetes" "$moddir/go.mod"; then
    mkdir -p "$moddir"
    local kmod staging_version replaces
    kmod=$(cd "$moddir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    staging_version="v0.${K8S_VERSION#v1.}"
    replaces=$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9.-]*\) => \./staging/.*#\1#p' "$kmod" |
      while read -r m; do echo "replace $m => $m $staging_version"; done)
    printf '%s\n' "module xpuflow.local/kube-apiserver-build

go 1.26

require k8s.io/kubernetes $K8S_VERSION

$replaces" >"$moddir/go.mod"
  fi
  echo "$moddir"
}

for tool in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
  if [[ ! -x "$BIN/$tool" ]]; then
    need_go "$tool"
    moddir=$(k8s_module)
    log "building $tool (k8s.io/kubernetes/cmd/$tool) — the first time this takes several minutes"
    (cd "$moddir" && GOFLAGS=-mod=mod go get "k8s.io/kubernetes@$K8S_VERSION" >&2 &&
      GOFLAGS=-mod=mod go build -trimpath -o "$BIN/$tool.tmp.$$" "k8s.io/kubernetes/cmd/$tool" >&2)
    mv "$BIN/$tool.tmp.$$" "$BIN/$tool"
    log "built $BIN/$tool"
  fi
done

if [[ ! -x "$BIN/helm" ]]; then
  if command -v helm >/dev/null 2>&1; then
    ln -sf "$(command -v helm)" "$BIN/helm"
  else
    need_go helm
    build_in_module helm "$OUT/src/helm" "module xpuflow.local/helm-build

go 1.26

require helm.sh/helm/v3 $HELM_VERSION" helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$BIN/helm"
  fi
fi

echo "$BIN"
