#!/usr/bin/env bash
# Development: runserver with the background worker beside it (`make run`).
#
#   HOST=127.0.0.1 PORT=8000 bash scripts/run.sh
#
# The worker (scripts/worker.sh, same environment, so the same database) runs in the
# background and is stopped when runserver stops, however it stops (Ctrl+C, kill, an
# error). It is started here, not by runserver, so the autoreloader's restarts do not
# start a second one. Its output goes to the same terminal, prefixed by nothing: the
# lines "Starting worker …" and "Task id=… state=…" are its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY="${PY:-${VENV:-.venv}/bin/python}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

bash scripts/worker.sh --no-reload --interval 1 &
worker=$!
server=""

# stop PID...: SIGTERM, up to 5 s to finish, then SIGKILL.
stop() {
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait "$@" 2>/dev/null || true
}
# A job the worker is in the middle of is cut off: it shows as lost after
# JOBS_STALE_SECONDS and can be started again.
trap 'trap - EXIT INT TERM; stop $server $worker' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# In the background so that a signal to this script is handled at once (bash runs a
# trap only when the foreground command returns); its autoreloader kills its child
# when it gets SIGTERM.
"$PY" manage.py runserver "$HOST:$PORT" &
server=$!
wait "$server"
