#!/usr/bin/env bash
# Builds the xpuflow image from the Dockerfile with buildah on a machine that
# reaches no container registry: the base image the Dockerfile names
# (node:20-slim) is made here, once, from a Debian bookworm debootstrap
# (minbase) plus this machine's own node and npm and the image's user node
# (uid 1000), and stored in buildah's local storage under that name; the
# build then never pulls. The Debian mirror and the npm registry must be
# reachable (the Dockerfile's RUN lines use them).
#
#   scripts/image-build-local.sh [TAG]        default TAG: localhost/xpuflow:<package.json version>
#
# Needs root, buildah and debootstrap (apt-get install buildah debootstrap).
# Storage is vfs with chroot isolation, which work inside an unprivileged
# container; expect several minutes and ~2 GB in /var/lib/containers.
# npm inside the build trusts this machine's CA bundle (an egress proxy may
# re-sign TLS): it is bind-mounted for the build only, not copied into the image.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(node -p "require('$here/package.json').version")"
tag="${1:-localhost/xpuflow:$version}"
base="docker.io/library/node:20-slim"
bah=(buildah --storage-driver vfs)

for tool in buildah debootstrap node npm; do
  command -v "$tool" >/dev/null || {
    echo "image-build-local: $tool is missing (apt-get install buildah debootstrap; node 20 on PATH)" >&2
    exit 1
  }
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  echo "image-build-local: the base stands in for node:20-slim, but this machine's node is $(node --version)" >&2
  exit 1
fi

if ! "${bah[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  echo "image-build-local: making $base from debootstrap bookworm and node $(node --version)" >&2
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    exit 1
  }
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules"
  cp "$(readlink -f "$(command -v node)")" "$rootfs/usr/local/bin/node"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" sh -c 'groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/bash node'
  chroot "$rootfs" /usr/local/bin/node --version >/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  ctr="$("${bah[@]}" from scratch)"
  mnt="$("${bah[@]}" mount "$ctr")"
  cp -a "$rootfs/." "$mnt/"
  "${bah[@]}" umount "$ctr" >/dev/null
  "${bah[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$ctr"
  "${bah[@]}" commit --quiet "$ctr" "$base" >/dev/null
  "${bah[@]}" rm "$ctr" >/dev/null
fi

ca="$(npm config get cafile 2>/dev/null || true)"
[ -n "$ca" ] && [ "$ca" != null ] && [ -f "$ca" ] || ca=/etc/ssl/certs/ca-certificates.crt
npmrc="$(mktemp)"
printf 'cafile=/run/xpuflow-build-ca.crt\n' >"$npmrc"
# (buildah 1.28 reads -f relative to the context folder, so build from there.)
(cd "$here" && "${bah[@]}" bud --isolation chroot --network host --pull=never --layers=false \
  -v "$ca:/run/xpuflow-build-ca.crt:ro" -v "$npmrc:/usr/local/etc/npmrc:ro" \
  -t "$tag" -f Dockerfile .)
rm -f "$npmrc"
# The image starts: the xpuflow CLI, as its user, prints its help.
ctr="$("${bah[@]}" from --pull=never "$tag")"
"${bah[@]}" run --isolation chroot --user 1000:1000 "$ctr" -- node /app/dist/cli/main.js --help | head -1
"${bah[@]}" rm "$ctr" >/dev/null
echo "image-build-local: built $tag" >&2
