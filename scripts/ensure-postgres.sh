#!/usr/bin/env bash
# Installs Debian's PostgreSQL server (package postgresql) when missing and
# prints its bin directory (initdb, pg_ctl, postgres), e.g.
# /usr/lib/postgresql/15/bin. The package's own cluster service is kept from
# starting (policy-rc.d): the Temporal cluster tests run a private instance
# (test/support/temporal-cluster.ts). Idempotent and quick when installed.
#
#   XPUFLOW_POSTGRES_BIN   use initdb, pg_ctl and postgres from this directory instead
#
#   scripts/ensure-postgres.sh              installs when missing
#   scripts/ensure-postgres.sh --no-install only says whether it is there (exit 1 if not)
#
# Progress goes to stderr; stdout is only the bin directory.
set -euo pipefail
log() { echo "ensure-postgres: $*" >&2; }

bin_dir() {
  if [[ -n "${XPUFLOW_POSTGRES_BIN:-}" ]]; then
    [[ -x "$XPUFLOW_POSTGRES_BIN/initdb" && -x "$XPUFLOW_POSTGRES_BIN/postgres" ]] && echo "$XPUFLOW_POSTGRES_BIN"
    return 0
  fi
  # The newest major version installed (Debian puts each under /usr/lib/postgresql/<major>/bin).
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$d" && -x "$d/initdb" && -x "$d/postgres" ]]; then echo "$d"; fi
}

dir=$(bin_dir)
if [[ -z "$dir" ]]; then
  if [[ -n "${XPUFLOW_POSTGRES_BIN:-}" ]]; then
    log "XPUFLOW_POSTGRES_BIN=$XPUFLOW_POSTGRES_BIN has no initdb and postgres"
    exit 1
  fi
  if [[ "${1:-}" == "--no-install" ]]; then
    log "PostgreSQL is not installed: run scripts/ensure-postgres.sh (or scripts/ensure-tools.sh) as root, or apt-get install postgresql"
    exit 1
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL is not installed and this is not root with apt-get: apt-get install postgresql (or set XPUFLOW_POSTGRES_BIN)"
    exit 1
  fi
  exec 9>/tmp/xpuflow-ensure-postgres.lock
  flock 9
  dir=$(bin_dir)
  if [[ -z "$dir" ]]; then
    log "installing postgresql (apt-get)"
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1; fi
    ok=1
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 || ok=0
    if [[ $made_policy == 1 ]]; then rm -f "$policy"; fi
    if [[ $ok == 0 ]]; then
      log "apt-get install postgresql failed"
      exit 1
    fi
    dir=$(bin_dir)
    if [[ -z "$dir" ]]; then
      log "postgresql is installed but no /usr/lib/postgresql/*/bin has initdb and postgres"
      exit 1
    fi
  fi
fi
echo "$dir"
