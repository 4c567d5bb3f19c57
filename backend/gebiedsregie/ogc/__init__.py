"""OGC API Features and vector tiles under /ogc."""
