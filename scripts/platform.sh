#!/usr/bin/env bash
# What `make run` and `make test` do, step by step. Never prompts; a second run is fast and changes
# nothing already stored.
#   scripts/platform.sh setup   system packages, .venv, database (embedded unless DATABASE_URL), migrate
#   scripts/platform.sh run     setup + boundaries + demo data, then serve on $HOST:$PORT
#   scripts/platform.sh serve   setup + migrate + collectstatic, then gunicorn with production settings
#   scripts/platform.sh test    setup, then pytest against PostGIS (extra arguments go to pytest)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PROJECT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

system_packages() {
  scripts/system-deps.sh ${WITH_BROWSER:+--with-browser}
}

python_env() {
  local stamp=.venv/.installed-$(cat pyproject.toml | cksum | cut -d' ' -f1)
  if [ ! -f "$stamp" ]; then
    step "Entorno Python (.venv) desde pyproject.toml"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
    rm -f .venv/.installed-*; touch "$stamp"
  fi
}

node_env() {
  # MapLibre GL JS (and axe-core for the browser tests) from package-lock.json, served as static files.
  local stamp=node_modules/.installed-$(cksum < package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ]; then
    step "Paquetes de npm (package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

translations() {
  # Compiled catalogues (.mo) are build output: made from the committed .po files.
  step "Traducciones (compilemessages)"
  for app in geo web workbench participation reports notifications justice; do
    (cd "$app" && ../.venv/bin/python ../manage.py compilemessages -v0)
  done
}

database() {
  if [ -z "${DATABASE_URL:-}" ]; then
    EMBEDDED=1
    DATABASE_URL=$(scripts/pg.sh start)
    # Lets a bare `.venv/bin/python manage.py ...` find the embedded cluster too.
    (umask 077; printf '%s\n' "$DATABASE_URL" > .local/database_url)
  fi
  export DATABASE_URL
}

data_dir() {
  if [ -z "${BOGOTA_DATA_DIR:-}" ] && [ -d ../shared/data/bogota ]; then
    BOGOTA_DATA_DIR=$(cd ../shared/data/bogota && pwd)
  fi
  export BOGOTA_DATA_DIR=${BOGOTA_DATA_DIR:-}
}

setup() {
  system_packages
  python_env
  node_env
  translations
  data_dir
  database
}

manage() { .venv/bin/python manage.py "$@"; }

# Runs the web server given as arguments with the background worker (e-mails, digests, map rollups)
# beside it. Both are children of this shell, which waits for the server: when the server stops, or
# this shell is interrupted (Ctrl-C) or terminated, the EXIT trap stops whichever is still running.
with_worker() {
  step "Tareas en segundo plano (manage.py procrastinate worker)"
  .venv/bin/python manage.py procrastinate worker &
  worker_pid=$!
  "$@" &
  server_pid=$!
  trap 'kill "$server_pid" "$worker_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  wait "$server_pid"
}

case "${1:-}" in
  setup)
    setup
    manage migrate --noinput -v0
    ;;
  run)
    setup
    step "Migraciones"
    manage migrate --noinput -v0
    manage collectstatic --noinput -v0
    step "Categorías de reportes"
    manage load_categories
    step "Límites de localidades y UPZ"
    if [ -z "$BOGOTA_DATA_DIR" ] && [ ! -f .local/cache/bogota/localidades.geojson ]; then
      # No local copy of the official files: try the official portal once (needs internet).
      manage fetch_sources --only localidades --only upz --timeout 30 || true
    fi
    manage import_boundaries --commit --if-empty || echo "   (sin límites: configure BOGOTA_DATA_DIR o ejecute 'manage.py fetch_sources')"
    step "Servicios de justicia y policía (CAI, estaciones, comisarías, inspecciones, cuadrantes)"
    manage import_services --commit || echo "   (sin directorio de servicios: configure BOGOTA_DATA_DIR)"
    step "Población y reportes de demostración"
    manage import_population --commit || echo "   (sin población: configure BOGOTA_DATA_DIR)"
    manage seed_demo --reports 3000 --if-empty || echo "   (sin datos de demostración: faltan límites o BOGOTA_DATA_DIR)"
    manage seed_participation_demo --if-empty || echo "   (sin propuestas de demostración: faltan límites)"
    HOST=${HOST:-127.0.0.1}; PORT=${PORT:-8000}
    step "Convive Bogotá en http://$HOST:$PORT/"
    cat <<URLS
   App ciudadana       http://$HOST:$PORT/   (reportar, seguimiento, cuenta)
   Mapa público        http://$HOST:$PORT/mapa/
   Rendición de cuentas http://$HOST:$PORT/rendicion/   (propuestas, consejos, compromisos, percepción)
   API (OpenAPI)       http://$HOST:$PORT/api/docs/
   Localidades         http://$HOST:$PORT/api/localities/
   Ubicar un punto     http://$HOST:$PORT/api/locate/?lat=4.5981&lon=-74.0760
   Administración      http://$HOST:$PORT/admin/   (cree una cuenta: .venv/bin/python manage.py createsuperuser)
   Gestión (alcaldías) http://$HOST:$PORT/gestion/
     funcionario de Chapinero: .venv/bin/python manage.py create_staff --locality 02 --email nombre@chapinero.gov.co
   Tareas y correos    http://$HOST:$PORT/admin/procrastinate/procrastinatejob/   (trabajos en segundo plano; fallidos: status=failed)
URLS
    with_worker .venv/bin/python manage.py runserver "$HOST:$PORT"
    ;;
  serve)
    # The production shape on this machine: gunicorn (WEB_CONCURRENCY workers), geo.settings.production,
    # hashed and compressed static files served by WhiteNoise, JSON logs with the request id.
    setup
    export DJANGO_SETTINGS_MODULE=geo.settings.production
    HOST=${HOST:-127.0.0.1}; PORT=${PORT:-8000}; export HOST PORT
    if [ -z "${SECRET_KEY:-}" ]; then
      [ -s .local/secret_key ] || (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > .local/secret_key)
      SECRET_KEY=$(cat .local/secret_key); export SECRET_KEY
    fi
    export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
    case "$HOST" in
      127.*|localhost)
        # Plain HTTP on loopback (no TLS proxy in front): no HTTPS redirect, cookies without Secure.
        export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SECURE_COOKIES=${SECURE_COOKIES:-0} ;;
    esac
    step "Migraciones y archivos estáticos (collectstatic)"
    manage migrate --noinput -v0
    manage collectstatic --noinput -v0
    step "Convive Bogotá (gunicorn, ${WEB_CONCURRENCY:-auto} workers) en http://$HOST:$PORT/"
    with_worker .venv/bin/gunicorn -c geo/gunicorn.conf.py geo.wsgi
    ;;
  test)
    shift
    WITH_BROWSER=1  # tests/maps/test_browser.py drives Debian's chromium
    setup
    step "Estilo (ruff check y ruff format --check)"
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    step "Migraciones al día (makemigrations --check)"
    manage makemigrations --check --dry-run
    if [ -n "${EMBEDDED:-}" ] && [ -z "${DATABASE_REPLICA_URLS:-}" ]; then
      # A real streaming standby of the embedded cluster for the read-replica tests (tests/test_replicas.py).
      step "Réplica de lectura (pg_basebackup -R, streaming)"
      DATABASE_REPLICA_URLS=$(scripts/pg.sh standby)
      export DATABASE_REPLICA_URLS
    fi
    step "Pruebas (pytest sobre PostGIS)"
    export DJANGO_SETTINGS_MODULE=geo.settings.test
    set +e
    .venv/bin/python -m pytest --create-db "$@"
    rc=$?
    set -e
    exit $rc
    ;;
  *)
    echo "usage: scripts/platform.sh setup|run|test [pytest args]" >&2; exit 2 ;;
esac
