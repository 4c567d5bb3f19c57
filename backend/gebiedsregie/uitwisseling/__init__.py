"""Uitwisseling: the NOVEX export (GeoJSON, GeoPackage) and the import of real layers."""
