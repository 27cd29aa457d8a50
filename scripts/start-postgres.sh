#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on 127.0.0.1 for the tests, and prints the line to eval:
#   eval "$(bash scripts/start-postgres.sh)"      # sets GATEHOUSE_TEST_POSTGRES_URL (and _DIR)
#   bash scripts/start-postgres.sh --stop         # stops it and removes its files (or: stop)
# Installs Debian's postgresql when missing. PostgreSQL refuses to run as root, so as root the
# cluster runs as the `postgres` system user. Port: $GATEHOUSE_PG_PORT, or a free one.
# Everything but the export lines goes to stderr.
set -euo pipefail

DIR="${GATEHOUSE_PG_DIR:-/tmp/gatehouse-pg}"
log() { echo "start-postgres: $*" >&2; }

find_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN="$(find_bin || true)"

if [ "${1:-}" = stop ] || [ "${1:-}" = --stop ]; then
  if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$DIR"
  log "stopped"
  exit 0
fi

if [ -z "$BIN" ]; then
  log "installing postgresql from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi

# A previous run's cluster in the same place is stopped and replaced.
if [ -f "$DIR/data/postmaster.pid" ]; then
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi

PORT="${GATEHOUSE_PG_PORT:-}"
if [ -z "$PORT" ]; then
  PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
fi
PASSWORD="gatehouse-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

as_owner bash -c "umask 077; printf '%s\n' '$PASSWORD' > '$DIR/pwfile'"
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=scram-sha-256 --pwfile="$DIR/pwfile" -E UTF8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" start >&2 \
  || { cat "$DIR/server.log" >&2; exit 1; }
PGPASSWORD="$PASSWORD" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -q -c 'CREATE DATABASE gatehouse_test' >&2

log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $DIR)"
echo "export GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres:$PASSWORD@127.0.0.1:$PORT/gatehouse_test"
echo "export GATEHOUSE_TEST_POSTGRES_DIR=$DIR"
