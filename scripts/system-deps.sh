#!/usr/bin/env bash
# Installs the system packages the platform needs (PostgreSQL + PostGIS, GDAL/GEOS/PROJ, Python venv)
# when they are missing. Uses apt-get as root, or through sudo when it works without a password;
# otherwise prints exactly what to install and fails. Never prompts.
set -euo pipefail
# --with-browser (make test): also Debian's chromium, for the headless browser test of the map pages.
with_browser=false
[ "${1:-}" = "--with-browser" ] && with_browser=true

missing=()
have_postgis() {
  local v
  for v in /usr/lib/postgresql/*/bin/initdb; do
    [ -x "$v" ] || continue
    v=${v#/usr/lib/postgresql/}; v=${v%%/*}
    [ -f "/usr/share/postgresql/$v/extension/postgis.control" ] && return 0
  done
  return 1
}

pg_major() {
  # Newest PostgreSQL major version the distribution offers (15 on Debian 12, 16 on Ubuntu 24.04).
  local v
  v=$(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' 2>/dev/null \
      | sed -E 's/^postgresql-([0-9]+)-postgis-3.*/\1/' | sort -n | tail -n1)
  echo "${v:-15}"
}

have_postgis || missing+=(postgis)
# The library cache read once: `ldconfig -p | grep -q` under pipefail fails at random (grep stops at the
# first match, ldconfig dies of SIGPIPE) and sent set-up down the install path for present libraries.
libs=$(ldconfig -p 2>/dev/null || true)
grep -q 'libgdal\.so' <<<"$libs" || missing+=(gdal)
grep -q 'libgeos_c\.so' <<<"$libs" || missing+=(geos)
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v msgfmt >/dev/null || missing+=(gettext)  # compilemessages (web/ translations)
command -v npm >/dev/null || missing+=(npm)  # front-end libraries from package-lock.json
if $with_browser && ! command -v chromium >/dev/null; then missing+=(chromium); fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "Faltan paquetes del sistema / missing system packages: ${missing[*]}" >&2
  echo "Instálelos como administrador / install them as root:" >&2
  echo "  apt-get install postgresql postgresql-15-postgis-3 gdal-bin python3-venv gettext npm" >&2
  $with_browser && echo "  apt-get install chromium   (prueba de navegador / browser test)" >&2
  exit 1
fi

echo "==> Instalando paquetes del sistema (${missing[*]})"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
major=$(pg_major)
"${SUDO[@]}" apt-get install -y -q --no-install-recommends \
  "postgresql-$major" "postgresql-$major-postgis-3" postgresql-contrib \
  gdal-bin proj-bin python3 python3-venv util-linux ca-certificates gettext npm
if $with_browser; then
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium
fi
