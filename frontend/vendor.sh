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
  cp "$work/node_modules/$pkg"/LICENSE* "$dest"/ 2>/dev/null || test "$pkg" = leaflet.vectorgrid
  node -e 'const p=require(process.argv[1]); console.log(`${p.name} ${p.version} (${p.license})`)' \
    "$work/node_modules/$pkg/package.json" > "$dest/VERSION"
}
copy leaflet leaflet dist/leaflet.js dist/leaflet.css dist/images
copy @geoman-io/leaflet-geoman-free leaflet-geoman dist/leaflet-geoman.min.js dist/leaflet-geoman.css
copy leaflet.vectorgrid leaflet.vectorgrid dist/Leaflet.VectorGrid.min.js
copy proj4 proj4 dist/proj4.js
copy proj4leaflet proj4leaflet src/proj4leaflet.js

# leaflet.vectorgrid ships no LICENSE file: its licence (Beerware) is its README's "Legalese".
# Its dist bundles pbf, ieee754, vector-tile, point-geometry, topojson-client and geojson-vt
# (in the slicer's worker): their licences go along (geojson-vt is in package.json for that).
vectorgrid=static/vendor/leaflet.vectorgrid
sed -n '/^## Legalese/,$p' "$work/node_modules/leaflet.vectorgrid/README.md" > "$vectorgrid/LICENSE"
test -s "$vectorgrid/LICENSE"
for dep in pbf ieee754 vector-tile point-geometry topojson-client geojson-vt; do
  if ! cp "$work/node_modules/$dep"/LICENSE* "$vectorgrid/LICENSE.$dep" 2>/dev/null; then
    # point-geometry ships no licence text, only its package.json's name for it
    node -e 'const p=require(process.argv[1]); console.log(`${p.name} ${p.version}: ` +
      `${p.license} licence, as its package.json says; the package ships no licence text.`)' \
      "$work/node_modules/$dep/package.json" > "$vectorgrid/LICENSE.$dep"
  fi
done
# proj4's dist bundles mgrs and wkt-parser: their licences go along.
for dep in mgrs wkt-parser; do
  cp "$work/node_modules/$dep"/[Ll][Ii][Cc][Ee][Nn][Ss][Ee]* "static/vendor/proj4/LICENSE.$dep"
done
echo "vendored:"; cat static/vendor/*/VERSION
