#!/usr/bin/env bash
# Embedded PostGIS cluster kept inside the project (.local/pg), for development and tests.
#   scripts/pg.sh start   initialise if needed, start if stopped, create the database; prints its URL
#   scripts/pg.sh stop    stop the cluster
#   scripts/pg.sh url     print the URL without starting anything
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

case "${1:-}" in
  start) start ;;
  stop) BIN=$(pick_bindir); if [ -s "$DATA/PG_VERSION" ] && pgctl status >/dev/null 2>&1; then pgctl -m fast stop; fi ;;
  url) url ;;
  *) echo "usage: scripts/pg.sh start|stop|url" >&2; exit 2 ;;
esac
