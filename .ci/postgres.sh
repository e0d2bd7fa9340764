#!/usr/bin/env bash
# Start a throw-away PostgreSQL server from Debian's packages on 127.0.0.1 for the tests.
#   source .ci/postgres.sh   → starts it and exports PORTAL_TEST_DATABASE_URL, PG_DATA, PG_BIN
#   pg_stop                  → stops it and removes its data
#   pg_restart [SECONDS]     → stops it (fast: committed work is flushed), waits, starts it
#   bash .ci/postgres.sh restart [SECONDS]
#                            → the same from a child process (the soak tests), using the
#                              exported PG_DATA and PG_BIN
set -euo pipefail

PG_PORT="${PG_PORT:-54329}"
# PG_CONF: a settings file to run with (the benchmark: docs/deploy/postgresql.conf, durable
# as in production). Without it, a test server: nothing is flushed to disk.
if [ -n "${PG_CONF:-}" ]; then
  PG_OPTIONS="-p $PG_PORT -c listen_addresses=127.0.0.1"
else
  PG_OPTIONS="-p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
fi

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
as_postgres() { runuser -u postgres -- "$@"; }

pg_start() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "$PG_OPTIONS -k $PG_DATA" start >/dev/null
}

pg_stop() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null || true
  rm -rf "$PG_DATA"
}

pg_restart() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  sleep "${1:-0}"
  pg_start
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = restart ]; then
  : "${PG_DATA:?PG_DATA is not set: source .ci/postgres.sh first}"
  : "${PG_BIN:?PG_BIN is not set: source .ci/postgres.sh first}"
  pg_restart "${2:-0}"
  exit 0
fi

if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ]; then
  echo "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(pg_bin_dir)"

PG_DATA="$(mktemp -d /tmp/portal-pg.XXXXXX)"
chown postgres:postgres "$PG_DATA"
as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
if [ -n "${PG_CONF:-}" ]; then
  install -o postgres -g postgres -m 0600 "$PG_CONF" "$PG_DATA/portal.conf"
  echo "include 'portal.conf'" >> "$PG_DATA/postgresql.conf"
fi
pg_start
export PG_DATA PG_BIN PG_PORT PG_CONF="${PG_CONF:-}"
export PORTAL_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
