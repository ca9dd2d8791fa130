#!/usr/bin/env bash
# Run the background worker (ZIP of a year, Excel summaries, bulk imports): `make worker`.
#
#   bash scripts/worker.sh [jobs_worker options]     (default: --no-reload --interval 2)
#
# Reads the same environment as the web server. With DATABASE_URL=postgres://… it is
# production, like scripts/serve.sh: DEBUG=false, so SECRET_KEY must be set. Without it
# (development, SQLite) it runs with the development defaults, next to `make run`'s
# runserver (which starts one itself, scripts/run.sh).
# PY=/path/to/python picks the interpreter (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY="${PY:-${VENV:-.venv}/bin/python}"
[[ -x "$PY" ]] || {
    printf 'worker: ERROR: %s not found (run: make setup)\n' "$PY" >&2
    exit 1
}
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
    export DEBUG=false
    [[ -n "${SECRET_KEY:-}" ]] || {
        printf 'worker: ERROR: set SECRET_KEY (the same as the web server'"'"'s)\n' >&2
        exit 1
    }
fi
(($# > 0)) || set -- --no-reload --interval 2
exec "$PY" manage.py jobs_worker "$@"
