#!/usr/bin/env bash
# What the real-node tests (test/support/real-node.ts) need beside the kubelet
# (scripts/kube-assets.sh builds it): Debian's containerd, runc and
# busybox-static, installed when missing (as root, apt-get update first; the
# package's own containerd service is kept from starting: the tests run a
# private one), and two image archives made from busybox-static, since no
# registry is reachable: a pause image (the CRI sandbox image) and a test image.
# Both are docker-archive tarballs `ctr -n k8s.io images import` reads, built
# once into a cache outside the repository.
#
#   XPUFLOW_NODE_CACHE  cache root (default ~/.cache/xpuflow/kubelet-node)
#   --no-install        install and build nothing: fail, naming what is missing
#                       (test prerequisite checks)
#
# Progress goes to stderr; stdout is only the image directory.
set -euo pipefail
NO_INSTALL=0
if [[ "${1:-}" == --no-install ]]; then NO_INSTALL=1; fi

log() { echo "ensure-kubelet-node: $*" >&2; }

CACHE_ROOT="${XPUFLOW_NODE_CACHE:-$HOME/.cache/xpuflow/kubelet-node}"
IMAGES="$CACHE_ROOT/images"

pkgs=()
[[ -x /usr/bin/containerd && -x /usr/bin/ctr ]] || pkgs+=(containerd)
command -v runc >/dev/null 2>&1 || pkgs+=(runc)
[[ -x /bin/busybox ]] || pkgs+=(busybox-static)
if ((${#pkgs[@]})); then
  if ((NO_INSTALL)); then
    log "missing ${pkgs[*]}: run scripts/ensure-kubelet-node.sh as root (or apt-get install ${pkgs[*]})"
    exit 1
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${pkgs[*]}: run as root with apt-get (apt-get install ${pkgs[*]})"
    exit 1
  fi
  log "installing ${pkgs[*]} (apt-get)"
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1; fi
  status=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2; } || status=$?
  if [[ $made_policy == 1 ]]; then rm -f "$policy"; fi
  if ((status)); then
    log "apt-get install ${pkgs[*]} failed (exit $status)"
    exit 1
  fi
fi

# One docker-archive image: a single layer holding /bin/busybox and its
# applet links, the given default command. <name:tag> <out.tar> <cmd JSON array>
make_image() {
  local ref=$1 out=$2 cmd=$3 work
  work=$(mktemp -d)
  mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc" "$work/img"
  cp /bin/busybox "$work/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$work/rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
  echo 'root:x:0:' >"$work/rootfs/etc/group"
  tar -C "$work/rootfs" --numeric-owner --owner=0 --group=0 --mtime='2020-01-01' --sort=name -cf "$work/img/layer.tar" .
  local diff config_sha
  diff=$(sha256sum "$work/img/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"xpuflow scripts/ensure-kubelet-node.sh from Debian busybox-static"}]}' \
    "$cmd" "$diff" >"$work/img/config.json"
  config_sha=$(sha256sum "$work/img/config.json" | cut -d' ' -f1)
  mv "$work/img/config.json" "$work/img/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_sha" "$ref" >"$work/img/manifest.json"
  mkdir -p "$(dirname "$out")"
  tar -C "$work/img" -cf "$out.tmp.$$" .
  mv "$out.tmp.$$" "$out"
  rm -rf "$work"
  log "made $out ($ref)"
}

if ((NO_INSTALL)); then
  for image in pause busybox; do
    if [[ ! -f "$IMAGES/$image.tar" ]]; then
      log "no $IMAGES/$image.tar: run scripts/ensure-kubelet-node.sh"
      exit 1
    fi
  done
  echo "$IMAGES"
  exit 0
fi
mkdir -p "$IMAGES"
exec 9>"$IMAGES/.lock"
flock 9
# The pause image sleeps until the sandbox is stopped (containerd kills it).
[[ -f "$IMAGES/pause.tar" ]] || make_image xpuflow.local/pause:busybox "$IMAGES/pause.tar" '["/bin/sleep","2147483647"]'
[[ -f "$IMAGES/busybox.tar" ]] || make_image xpuflow.local/busybox:test "$IMAGES/busybox.tar" '["/bin/sh"]'

echo "$IMAGES"
