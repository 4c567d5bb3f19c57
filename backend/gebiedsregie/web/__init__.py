"""The map pages: Folium builds the maps, our own JS (frontend/static/js) does the rest."""
