"""How far the running imports are, for the page that waits on one (in this process only).

The page names its import with a random key (the form's `voortgang`); the import reports
after each batch, and `GET /api/v1/import/voortgang/{sleutel}` reads it back for the
beheerder who started it. The app runs in one process (`gebiedsregie serve`); behind more
workers a key unknown here answers 404, and the page shows only the elapsed time.
"""

import re
import threading
import time
from dataclasses import dataclass

SLEUTEL = re.compile(r"[A-Za-z0-9-]{16,64}")
MAX_LOPEND = 64  # imports tracked at once; the oldest make way
BEWAAR_S = 3_600.0  # an entry left behind (a crash) is dropped after this


@dataclass
class Stand:
    """One import's progress: features checked of all, and who started it."""

    door: str
    gedaan: int = 0
    totaal: int | None = None  # known once the file is open
    begonnen: float = 0.0

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "gedaan": self.gedaan,
            "totaal": self.totaal,
            "seconden": round(time.monotonic() - self.begonnen, 1),
        }


class Voortgang:
    """The progress of the running imports, by key; safe across the thread pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._standen: dict[str, Stand] = {}

    def start(self, sleutel: str, door: str) -> None:
        now = time.monotonic()
        with self._lock:
            for old in [k for k, s in self._standen.items() if now - s.begonnen > BEWAAR_S]:
                del self._standen[old]
            while len(self._standen) >= MAX_LOPEND:
                del self._standen[next(iter(self._standen))]
            self._standen[sleutel] = Stand(door=door, begonnen=now)

    def update(self, sleutel: str, gedaan: int, totaal: int) -> None:
        with self._lock:
            stand = self._standen.get(sleutel)
            if stand is not None:
                stand.gedaan, stand.totaal = gedaan, totaal

    def stop(self, sleutel: str) -> None:
        with self._lock:
            self._standen.pop(sleutel, None)

    def get(self, sleutel: str, door: str) -> Stand | None:
        """Return the import's Stand, if `door` started it and it still runs."""
        with self._lock:
            stand = self._standen.get(sleutel)
            return stand if stand is not None and stand.door == door else None
