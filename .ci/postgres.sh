#!/usr/bin/env bash
# Start a throw-away PostgreSQL server from Debian's packages on 127.0.0.1 for the tests.
#   source .ci/postgres.sh   → starts it and exports PORTAL_TEST_DATABASE_URL
#   pg_stop                  → stops it and removes its data
set -euo pipefail

PG_PORT="${PG_PORT:-54329}"

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ]; then
  echo "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(pg_bin_dir)"

PG_DATA="$(mktemp -d /tmp/portal-pg.XXXXXX)"
chown postgres:postgres "$PG_DATA"
as_postgres() { runuser -u postgres -- "$@"; }
as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
  -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null
export PORTAL_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

pg_stop() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null || true
  rm -rf "$PG_DATA"
}
