"""Made tiles kept in memory under their ETag, least recently used out past a byte budget.

A tile's ETag names its collection's laag versies, its tile matrix set and address (the same
numbers in WebMercatorQuad and NetherlandsRDNewQuad are two tiles) and its filter, for a
variant's stapeling the variant and its inhoud_versie, and for a referentielaag the laag and
its versie (tile_service.etag), so a kept tile is right for as long as its key is asked for:
a write bumps a versie (an edit of a variant its inhoud_versie, an import of a referentielaag
its versie), and from then on every request asks for a new key. Making a busy tile took
PostGIS 250 ms at 100,000 opgaven (zoom 10 over Food Valley); a kept one costs a dictionary
look-up. functools.lru_cache counts entries, not bytes, and tiles range from a few bytes to
megabytes: hence this small class.
"""

import threading
from collections import OrderedDict


class TileCache:
    """Tile bytes by ETag, at most `max_bytes` in all; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            data = self._tiles.get(etag)
            if data is not None:
                self._tiles.move_to_end(etag)
            return data

    def put(self, etag: str, data: bytes) -> None:
        if len(data) > self.max_bytes // 8:  # one tile never pushes out most of the others
            return
        with self._lock:
            old = self._tiles.pop(etag, None)
            self._bytes += len(data) - (len(old) if old is not None else 0)
            self._tiles[etag] = data
            while self._bytes > self.max_bytes:
                _, dropped = self._tiles.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def size_bytes(self) -> int:
        return self._bytes
