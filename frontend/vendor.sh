#!/usr/bin/env bash
# Refresh static/vendor from the npm registry, as pinned in package-lock.json.
# The copies are committed, so running the app never needs npm or the internet.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work"/ 2>/dev/null || cp package.json "$work"/
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --silent)
cp "$work"/package-lock.json .

copy() {  # copy PACKAGE DEST FILE...: the named files and the package's licence
  local pkg=$1 dest=static/vendor/$2; shift 2
  rm -rf "$dest"; mkdir -p "$dest"
  for f in "$@"; do
    mkdir -p "$dest/$(dirname "$f")"; cp -r "$work/node_modules/$pkg/$f" "$dest/$f"
  done
  cp "$work/node_modules/$pkg"/LICENSE* "$dest"/
  node -e 'const p=require(process.argv[1]); console.log(`${p.name} ${p.version} (${p.license})`)' \
    "$work/node_modules/$pkg/package.json" > "$dest/VERSION"
}
copy leaflet leaflet dist/leaflet.js dist/leaflet.css dist/images
copy @geoman-io/leaflet-geoman-free leaflet-geoman dist/leaflet-geoman.min.js dist/leaflet-geoman.css
echo "vendored:"; cat static/vendor/*/VERSION
