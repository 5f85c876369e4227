#!/usr/bin/env bash
# Give baseplate-context-sqlalchemy's integration tests a role and a database of their own on
# the machine's PostgreSQL (127.0.0.1:5432, started by tools/services.sh): role baseplate_test
# (password baseplate_test) owning database baseplate_test. Creates whichever is missing,
# as the postgres superuser (through runuser when root, else over TCP as user postgres);
# safe to run again. Does nothing, and says so, when PostgreSQL or psql is not there: the
# tests then skip with the reason (or fail, under BASEPLATE_REQUIRE_SERVICES=1).
# Called by tools/services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

role=baseplate_test
database=baseplate_test

up() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/5432" 2>/dev/null; }

# A server tools/services.sh has just started may take a few seconds to answer.
for _ in $(seq 20); do up && break; sleep 0.5; done
if ! command -v psql >/dev/null || ! up; then
  echo "postgres.sh: no PostgreSQL on 127.0.0.1:5432 (or no psql); test database not made" >&2
  exit 0
fi

admin() {
  if [ "$(id -u)" -eq 0 ] && getent passwd postgres >/dev/null; then
    (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@")
  else
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d postgres "$@"
  fi
}

if [ -z "$(admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" ]; then
  admin -c "CREATE ROLE $role LOGIN PASSWORD '$role'"
fi
if [ -z "$(admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
  admin -c "CREATE DATABASE $database OWNER $role"
fi
