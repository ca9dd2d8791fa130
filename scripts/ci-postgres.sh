#!/usr/bin/env bash
# Make a throwaway PostgreSQL database for the test suite and print its DATABASE_URL.
#
#   export DATABASE_URL="$(scripts/ci-postgres.sh)"
#
# Starts the local Debian cluster if it is down, (re)creates role `selfeval` (LOGIN
# CREATEDB, a fresh random password each run; CREATEDB lets pytest-django create its
# test_ database) and database selfeval_ci owned by it (dropped first if it exists).
# Connects as the postgres superuser whichever way this machine allows: as the postgres
# OS user over the socket (peer or trust), else as postgres over TCP (trust).
# Only the URL goes to stdout; progress goes to stderr. Needs root (or the postgres user).
set -euo pipefail

DB_NAME="${SELFEVAL_CI_DB:-selfeval_ci}"
DB_ROLE="${SELFEVAL_CI_ROLE:-selfeval}"
DB_PASSWORD="${SELFEVAL_CI_PASSWORD:-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')}"

log() { printf 'ci-postgres: %s\n' "$*" >&2; }
die() {
    printf 'ci-postgres: ERROR: %s\n' "$*" >&2
    exit 1
}

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed (apt-get install postgresql)"
    log "PostgreSQL not installed: installing Debian's postgresql"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
        --no-install-recommends postgresql >&2
fi

# Columns of pg_lsclusters: Ver Cluster Port Status Owner ...  (this machine: 15 main 5432)
# Prefers the newest cluster named "main"; SELFEVAL_PG_CLUSTER="VER NAME" picks another one.
read -r PG_VER PG_CLUSTER PG_PORT PG_STATUS _ < <(
    pg_lsclusters --no-header | sort -k1,1nr | awk -v want="${SELFEVAL_PG_CLUSTER:-}" '
        want != "" { if ($1 " " $2 == want) { print; exit } ; next }
        $2 == "main" { print; exit }
        !first { first = $0 }
        END { if (want == "" && first != "") print first }' | head -n 1
) || die "pg_lsclusters lists no cluster${SELFEVAL_PG_CLUSTER:+ named $SELFEVAL_PG_CLUSTER}"
log "cluster $PG_VER/$PG_CLUSTER on port $PG_PORT is $PG_STATUS"
if [[ "$PG_STATUS" != online* ]]; then
    log "starting cluster $PG_VER/$PG_CLUSTER"
    pg_ctlcluster --skip-systemctl-redirect "$PG_VER" "$PG_CLUSTER" start >&2
fi
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p "$PG_PORT" >&2 || die "PostgreSQL not ready on 127.0.0.1:$PG_PORT after 60 s"

# Find a way in as superuser.
admin=()
try_admin() {
    "$@" -c 'select 1' >/dev/null 2>&1 </dev/null
}
if [[ "$(id -un)" == postgres ]] && try_admin psql -X -p "$PG_PORT" -d postgres; then
    admin=(psql -X -p "$PG_PORT" -d postgres)
elif [[ "$(id -u)" == 0 ]] && (cd / && try_admin runuser -u postgres -- psql -X -p "$PG_PORT" -d postgres); then
    admin=(runuser -u postgres -- psql -X -p "$PG_PORT" -d postgres)
elif try_admin psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -w; then
    admin=(psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -w)
elif try_admin psql -X -p "$PG_PORT" -U postgres -d postgres -w; then
    admin=(psql -X -p "$PG_PORT" -U postgres -d postgres -w)
else
    die "cannot connect to PostgreSQL as superuser (tried the postgres OS user, and -U postgres over TCP and the socket)"
fi
log "connected as superuser via: ${admin[*]}"

(cd / && "${admin[@]}" -q -v ON_ERROR_STOP=1 \
    -v role="$DB_ROLE" -v pw="$DB_PASSWORD" -v db="$DB_NAME" -v testdb="test_$DB_NAME") >&2 <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN CREATEDB NOSUPERUSER PASSWORD :'pw';
DROP DATABASE IF EXISTS :"testdb" WITH (FORCE);
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
SQL

url="postgres://$DB_ROLE:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
# Check the URL itself works (password over TCP), not just the superuser path.
PGPASSWORD="$DB_PASSWORD" psql -X -w -h 127.0.0.1 -p "$PG_PORT" -U "$DB_ROLE" -d "$DB_NAME" \
    -qtAc 'select current_user' >/dev/null </dev/null \
    || die "cannot connect as $DB_ROLE to $DB_NAME over 127.0.0.1"
log "database $DB_NAME ready (owner $DB_ROLE, CREATEDB)"
printf '%s\n' "$url"
