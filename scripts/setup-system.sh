#!/usr/bin/env bash
# Install the system packages Gebiedsregie needs on Debian (bookworm or newer), only those
# that are missing: a Python >= 3.11 with venv and its headers, a C compiler (for the
# stapeling's noder, `backend/gebiedsregie/stapeling/_noder.c`), PostgreSQL with PostGIS, and
# Pango with a font for the PDF report (WeasyPrint lays out its pages with them).
# With --browser also Debian's chromium, which the browser tests drive headless; with --qgis
# also Debian's QGIS (python3-qgis and qgis-providers: QGIS 3.22 on bookworm, for Debian's own
# /usr/bin/python3), which tests/ogc/test_qgis.py drives headless (about 200 MB to download,
# 960 MB installed, under a minute).
set -euo pipefail

browser=false
qgis=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    --qgis) qgis=true ;;
    *) echo "Unknown option: $arg (known: --browser, --qgis)" >&2; exit 2 ;;
  esac
done

missing=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || missing+=("$1"); }

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || {
  echo "Gebiedsregie needs Python >= 3.11 as python3." >&2; need python3; }
python3 -c 'import ensurepip, venv' 2>/dev/null || need python3-venv
command -v gcc >/dev/null || need gcc
python3 -c 'import os, sysconfig; sys_inc = sysconfig.get_paths()["include"]
raise SystemExit(not os.path.exists(os.path.join(sys_inc, "Python.h")))' 2>/dev/null || need python3-dev

need libpango-1.0-0
need libpangoft2-1.0-0
need fonts-dejavu-core

# PostgreSQL: use the newest installed major version, else Debian's default.
pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1 || true)
if [ -z "$pg_version" ]; then
  need postgresql
fi

if $browser && [ ! -x /usr/bin/chromium ]; then
  need chromium
fi

if $qgis; then
  need python3-qgis
  need qgis-providers
fi

if [ -n "$pg_version" ] && [ ! -f "/usr/share/postgresql/$pg_version/extension/postgis.control" ]; then
  need "postgresql-$pg_version-postgis-3"
fi

if [ ${#missing[@]} -gt 0 ] || { [ -z "$pg_version" ]; }; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "Missing packages: ${missing[*]}. Install them as root (apt-get install ...)." >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # A PostgreSQL installed just now: add PostGIS for its version too.
  pg_version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  if [ ! -f "/usr/share/postgresql/$pg_version/extension/postgis.control" ]; then
    echo "Installing PostGIS for PostgreSQL $pg_version"
    $sudo apt-get install -y -qq --no-install-recommends "postgresql-$pg_version-postgis-3" >/dev/null
  fi
fi
