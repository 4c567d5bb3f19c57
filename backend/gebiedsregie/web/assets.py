"""Static files of the map pages, with content-hashed URLs so browsers never run stale JS."""

import hashlib
from functools import cache
from pathlib import Path

STATIC_PREFIX = "/static"


class Assets:
    """Maps a path under frontend/static to its URL, with `?v=` the first bytes of its hash."""

    def __init__(self, static_dir: Path) -> None:
        self.static_dir = static_dir

    @cache  # noqa: B019 - one Assets per app, files do not change while it runs
    def url(self, path: str) -> str:
        file = self.static_dir / path
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
        return f"{STATIC_PREFIX}/{path}?v={digest}"
