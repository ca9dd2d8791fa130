#!/usr/bin/env bash
# Load test: gunicorn + PostgreSQL on 127.0.0.1, Locust with 100 users for 5 minutes.
# The users arrive one a second (each logs in: Argon2 is slow on purpose), then Locust
# resets its figures and measures 5 minutes with all 100 at work (--reset-stats).
#
#   DATABASE_URL=postgres://…/selfeval_bench bash bench/loadtest/run.sh
#
# Use a database of its own: prepare.py adds synthetic forms and lt_* users to it.
# Environment: USERS (100), SPAWN_RATE (1/s), DURATION (400s: arrival + 5 min), FORMS (5000), PORT (8765),
# LOADTEST_WAIT (think time in seconds, "5,15"; "2,5" to stress),
# PY (.venv/bin/python; locust is taken from the same folder), OUT (bench/loadtest/out).
# Prints Locust's summary, writes OUT/loadtest_stats.csv etc., then checks that every
# save answered 302 is in the database exactly once (check_saves.py). Bounded in time:
# Locust stops itself after DURATION; gunicorn is stopped on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PY="${PY:-.venv/bin/python}"
LOCUST="${LOCUST:-$(dirname "$PY")/locust}"
OUT="${OUT:-bench/loadtest/out}"
PORT="${PORT:-8765}"
HOST_URL="http://127.0.0.1:$PORT"
[[ "${DATABASE_URL:-}" == postgres* ]] || { echo "set DATABASE_URL=postgres://… (a bench database)" >&2; exit 2; }
[[ -x "$LOCUST" ]] || { echo "locust not found at $LOCUST (pip install locust)" >&2; exit 2; }
mkdir -p "$OUT"
export DJANGO_SETTINGS_MODULE=selfeval.settings

"$PY" bench/loadtest/prepare.py --forms "${FORMS:-5000}" --users "${USERS:-100}" --out "$OUT/plan.json"

# Production settings, plain http on the loopback (no TLS proxy in front).
export SECRET_KEY="${SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
    CSRF_COOKIE_SECURE=false SERVE_CHECK_LEVEL=ERROR STATIC_ROOT="$OUT/static" \
    HOST=127.0.0.1 PORT="$PORT" GUNICORN_ACCESS_LOG="$OUT/access.log" PY="$PY"
export GUNICORN_CMD_ARGS="--pid $OUT/gunicorn.pid"
rm -f "$OUT/gunicorn.pid"
: >"$OUT/access.log"
bash scripts/serve.sh >"$OUT/gunicorn.log" 2>&1 &
stop_server() {
    if [[ -f "$OUT/gunicorn.pid" ]]; then
        kill "$(cat "$OUT/gunicorn.pid")" 2>/dev/null || true
        rm -f "$OUT/gunicorn.pid"
    fi
}
trap stop_server EXIT
for _ in $(seq 1 60); do
    curl -fsS "$HOST_URL/healthz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS "$HOST_URL/healthz" >/dev/null || { tail -20 "$OUT/gunicorn.log"; exit 1; }
echo "loadtest: gunicorn up on $HOST_URL ($(grep -c 'Booting worker' "$OUT/gunicorn.log") workers)"

# CPU seconds used by gunicorn (master and workers) so far: the app's own cost per
# request, whatever else the machine is doing at the same time.
app_cpu() {
    local master
    master="$(cat "$OUT/gunicorn.pid")"
    ps -o times= -p "$master" --ppid "$master" | awk '{s += $1} END {print s}'
}
cpu_before="$(app_cpu)"
# The machine's load while Locust runs (other work on the machine shows up here).
(for _ in $(seq 1 200); do echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 5; done) \
    >"$OUT/loadavg.txt" &
sampler=$!
LOADTEST_PLAN="$OUT/plan.json" LOADTEST_SAVES="$OUT/saves.jsonl" \
    "$LOCUST" -f bench/loadtest/locustfile.py --headless --host "$HOST_URL" \
    --users "${USERS:-100}" --spawn-rate "${SPAWN_RATE:-1}" --run-time "${DURATION:-400s}" --reset-stats \
    --stop-timeout 30 --csv "$OUT/loadtest" --only-summary --loglevel WARNING \
    || echo "loadtest: locust exited non-zero (failures above)"
kill "$sampler" 2>/dev/null || true
cpu_used=$(($(app_cpu) - cpu_before))
requests="$(grep -vc '/healthz' "$OUT/access.log" || true)"
stop_server
echo "loadtest: gunicorn used ${cpu_used} CPU s for ${requests} requests" \
    "($(awk -v c="$cpu_used" -v r="$requests" 'BEGIN {printf "%.0f", r ? 1000 * c / r : 0}') ms CPU per request)"
echo "loadtest: load average during the run (1/5/15 min): $(awk 'NR%6==1 {printf "%s ", $2}' "$OUT/loadavg.txt")"

"$PY" bench/loadtest/check_saves.py "$OUT/plan.json" "$OUT/saves.jsonl"
