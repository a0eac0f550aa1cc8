#!/usr/bin/env bash
# Embedded PostGIS cluster kept inside the project (.local/pg), for development and tests.
#   scripts/pg.sh start   initialise if needed, start if stopped, create the database; prints its URL
#   scripts/pg.sh stop    stop the cluster
#   scripts/pg.sh url     print the URL without starting anything
#   scripts/pg.sh standby       start the primary, then a streaming standby of it (pg_basebackup -R into a
#                               second data directory, second port); prints the standby's URL
#   scripts/pg.sh standby-stop  stop the standby (the primary keeps running)
# PostgreSQL refuses to run as root, so under root the cluster belongs to an unprivileged system user.
# The port is derived from the project path (and moved on if taken), so two checkouts on one machine
# get different clusters; `make test` next to `make run` shares the cluster but not the database.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$PROJECT/.local"
DATA="$LOCAL/pg"
PGHOME="$LOCAL"  # folder for the data directory and the server log, reachable by the server's user
DBNAME=${PGDATABASE_NAME:-convive}
SUPERUSER=convive
mkdir -p "$LOCAL"

log() { echo "$*" >&2; }

pick_bindir() {
  local best="" v
  for v in /usr/lib/postgresql/*/bin/initdb; do
    [ -x "$v" ] || continue
    v=${v#/usr/lib/postgresql/}; v=${v%%/*}
    [ -f "/usr/share/postgresql/$v/extension/postgis.control" ] || continue
    if [ -z "$best" ] || [ "$v" -gt "$best" ]; then best=$v; fi
  done
  if [ -z "$best" ]; then
    log "No se encontró PostgreSQL con PostGIS / PostgreSQL with PostGIS not found."
    log "Run scripts/system-deps.sh as root, or set DATABASE_URL to an existing PostGIS server."
    exit 1
  fi
  echo "/usr/lib/postgresql/$best/bin"
}

# Who runs the server: the current user, or an unprivileged one when we are root.
RUN=()
OWNER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then OWNER=postgres; else
    id convive-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin convive-pg
    OWNER=convive-pg
  fi
  RUN=(runuser -u "$OWNER" --)
  # The data directory lives in the project when that user can reach it; otherwise (a checkout under
  # a private home such as /root) in a per-checkout folder under /var/tmp, linked from .local/pg.
  if ! "${RUN[@]}" test -x "$LOCAL" 2>/dev/null; then
    PGHOME="/var/tmp/convive-pg-$(printf '%s' "$PROJECT" | cksum | cut -d' ' -f1)"
    DATA="$PGHOME/data"
    [ -s "$LOCAL/checkout.id" ] || od -An -tx1 -N8 /dev/urandom | tr -d ' \n' > "$LOCAL/checkout.id"
    if [ -d "$PGHOME" ] && ! cmp -s "$LOCAL/checkout.id" "$PGHOME/checkout.id"; then
      # Left by an earlier clone at the same path: its password and databases are not ours.
      log "==> Eliminando un clúster huérfano de otro clon en $PGHOME"
      "${RUN[@]}" /usr/lib/postgresql/*/bin/pg_ctl -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$PGHOME"
    fi
    mkdir -p "$PGHOME"; cp "$LOCAL/checkout.id" "$PGHOME/checkout.id"
    chown "$OWNER" "$PGHOME"; chmod 700 "$PGHOME"
    [ -L "$LOCAL/pg" ] || ln -s "$DATA" "$LOCAL/pg"
  fi
fi

port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

choose_port() {
  if [ -f "$LOCAL/pg.port" ]; then cat "$LOCAL/pg.port"; return; fi
  local p=$(( 20000 + $(printf '%s' "$PROJECT" | cksum | cut -d' ' -f1) % 20000 ))
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p" > "$LOCAL/pg.port"
  echo "$p"
}

password() {
  if [ ! -s "$LOCAL/pg.password" ]; then
    (umask 077; od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$LOCAL/pg.password")
  fi
  cat "$LOCAL/pg.password"
}

url() { echo "postgres://$SUPERUSER:$(password)@127.0.0.1:$(choose_port)/$DBNAME"; }

pgctl() { "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" "$@"; }

start() {
  BIN=$(pick_bindir)
  local port pw
  port=$(choose_port); pw=$(password)
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "==> Inicializando clúster PostGIS en $DATA (puerto $port)"
    mkdir -p "$DATA"; chmod 700 "$DATA"
    [ -n "${RUN[*]}" ] && chown "$OWNER" "$DATA"
    local pwfile; pwfile=$(mktemp); printf '%s\n' "$pw" > "$pwfile"
    [ -n "${RUN[*]}" ] && chown "$OWNER" "$pwfile"
    "${RUN[@]}" "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --pwfile="$pwfile" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$LOCAL/initdb.log" 2>&1 || { rm -f "$pwfile"; cat "$LOCAL/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
    cat >> "$DATA/postgresql.conf" <<CONF
# convive: embedded development/test cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 512MB
synchronous_commit = off
max_connections = 200
jit = off
CONF
  fi
  if ! pgctl status >/dev/null 2>&1; then
    log "==> Iniciando PostGIS en 127.0.0.1:$port"
    [ -n "${RUN[*]}" ] && { touch "$PGHOME/pg.log"; chown "$OWNER" "$PGHOME/pg.log"; }
    pgctl -l "$PGHOME/pg.log" -w -t 120 start >/dev/null || { tail -n 30 "$PGHOME/pg.log" >&2; exit 1; }
  fi
  export PGPASSWORD="$pw"
  local psql=("$BIN/psql" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -v ON_ERROR_STOP=1 -qtA)
  if [ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $DBNAME"
  fi
  "${psql[@]}" -d "$DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  url
}

# The standby: a read-only copy fed by streaming replication, for the read-replica router and its tests.
# It runs as the same user as the primary, beside it (STANDBY), on its own port. It is rebuilt from a
# fresh base backup whenever it cannot start or does not stream (e.g. the primary was re-initialised,
# or recycled WAL the standby still needed while it was stopped).
STANDBY="$PGHOME/standby"
STANDBY_LOG="$PGHOME/standby.log"

standby_port() {
  if [ -f "$LOCAL/pg-standby.port" ]; then cat "$LOCAL/pg-standby.port"; return; fi
  local p=$(( $(choose_port) + 1 ))
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p" > "$LOCAL/pg-standby.port"
  echo "$p"
}

standby_url() { echo "postgres://$SUPERUSER:$(password)@127.0.0.1:$(standby_port)/$DBNAME"; }

standby_streaming() {
  # The primary sees a walsender in state 'streaming' for the standby.
  local i
  for i in $(seq 1 20); do
    [ "$(PGPASSWORD=$(password) "$BIN/psql" -h 127.0.0.1 -p "$(choose_port)" -U "$SUPERUSER" -d postgres -qtA \
      -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" -gt 0 ] 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}

standby_build() {
  local sport; sport=$(standby_port)
  log "==> Copia base del primario para la réplica en $STANDBY (puerto $sport)"
  "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$STANDBY"; mkdir -p "$STANDBY"; chmod 700 "$STANDBY"
  [ -n "${RUN[*]}" ] && chown "$OWNER" "$STANDBY"
  "${RUN[@]}" env PGPASSWORD="$(password)" "$BIN/pg_basebackup" -h 127.0.0.1 -p "$(choose_port)" -U "$SUPERUSER" \
    -D "$STANDBY" -R -X stream -c fast >"$LOCAL/basebackup.log" 2>&1 || { cat "$LOCAL/basebackup.log" >&2; exit 1; }
  # postgresql.auto.conf is read last: the standby's own port; feedback keeps long public reads
  # (exports) from being cancelled by the primary's vacuum.
  "${RUN[@]}" sh -c "printf '%s\n' 'port = $sport' 'hot_standby = on' 'hot_standby_feedback = on' >> '$STANDBY/postgresql.auto.conf'"
}

standby_start() {
  "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" status >/dev/null 2>&1 && return 0
  [ -n "${RUN[*]}" ] && { touch "$STANDBY_LOG"; chown "$OWNER" "$STANDBY_LOG"; }
  "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" -l "$STANDBY_LOG" -w -t 60 start >/dev/null
}

standby() {
  start >/dev/null
  if [ ! -s "$STANDBY/PG_VERSION" ] || ! standby_start || ! standby_streaming; then
    standby_build
    standby_start || { tail -n 30 "$STANDBY_LOG" >&2; exit 1; }
    standby_streaming || { log "La réplica no recibe WAL del primario / the standby is not streaming"; tail -n 30 "$STANDBY_LOG" >&2; exit 1; }
  fi
  standby_url
}

case "${1:-}" in
  start) start ;;
  standby) standby ;;
  standby-stop) BIN=$(pick_bindir); if [ -s "$STANDBY/PG_VERSION" ] && "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" status >/dev/null 2>&1; then "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" -m fast stop >/dev/null; fi ;;
  stop)
    BIN=$(pick_bindir)
    if [ -s "$STANDBY/PG_VERSION" ] && "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" status >/dev/null 2>&1; then
      "${RUN[@]}" "$BIN/pg_ctl" -D "$STANDBY" -m fast stop >/dev/null
    fi
    if [ -s "$DATA/PG_VERSION" ] && pgctl status >/dev/null 2>&1; then pgctl -m fast stop; fi ;;
  url) url ;;
  *) echo "usage: scripts/pg.sh start|stop|url|standby|standby-stop" >&2; exit 2 ;;
esac
