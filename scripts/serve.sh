#!/usr/bin/env bash
# Start selfeval in production mode: gunicorn + whitenoise against PostgreSQL (docs/deploy.md).
#
#   DATABASE_URL=postgres://… SECRET_KEY=… ALLOWED_HOSTS=selfeval.example bash scripts/serve.sh
#
# Needs: DATABASE_URL (postgres://), SECRET_KEY (50+ random characters), ALLOWED_HOSTS.
# Optional: HOST/PORT (127.0.0.1:8000), WEB_CONCURRENCY, GUNICORN_THREADS, CSRF_TRUSTED_ORIGINS,
#   SECURE_PROXY_SSL_HEADER=true behind a TLS-terminating proxy, FORWARDED_ALLOW_IPS,
#   SERVE_MIGRATE=false / SERVE_COLLECTSTATIC=false on every app server but the first.
#   SERVE_CHECK_LEVEL=ERROR lets a plain-http trial on 127.0.0.1 start despite the warnings.
#   PY=/path/to/python picks the interpreter (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
    printf 'serve: ERROR: %s\n' "$*" >&2
    exit 1
}
PY="${PY:-${VENV:-.venv}/bin/python}"
[[ -x "$PY" ]] || die "$PY not found (run: make setup)"
[[ "${DATABASE_URL:-}" == postgres* ]] || die "set DATABASE_URL=postgres://user:password@host:5432/db"
[[ -n "${SECRET_KEY:-}" ]] || die "set SECRET_KEY (e.g. \$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'))"
[[ -n "${ALLOWED_HOSTS:-}" ]] || die "set ALLOWED_HOSTS (the host names users type, comma-separated)"
"$PY" -c 'import gunicorn, whitenoise, csp' 2>/dev/null \
    || die "gunicorn/whitenoise/django-csp missing in $PY's environment"

export DEBUG=false
# Plain http on the loopback (bench/loadtest) sets SERVE_CHECK_LEVEL=ERROR: it turns off the
# secure-cookie and redirect settings on purpose, which check --deploy warns about.
"$PY" manage.py check --deploy --fail-level "${SERVE_CHECK_LEVEL:-WARNING}"
if [[ "${SERVE_MIGRATE:-true}" == true ]]; then
    "$PY" manage.py migrate --noinput
fi
if [[ "${SERVE_COLLECTSTATIC:-true}" == true ]]; then
    "$PY" manage.py collectstatic --noinput --verbosity 0
fi
exec "$PY" -m gunicorn -c scripts/gunicorn.conf.py selfeval.wsgi:application
