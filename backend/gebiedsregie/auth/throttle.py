"""Login throttling, in this process: per source address, per address and name, and overall.

Every attempt costs an argon2id hash (64 MiB, about 0.4 s), so a flood of them eats the
service, whatever the names. Three limits, checked before any hash:
- an address gets `per_adres` attempts per `venster_s` seconds (429 with Retry-After);
- a name that failed `max_fouten` times from one address is refused from that address for
  `blokkade_s` seconds, with the same answer as a wrong password. The block is per address:
  an attacker elsewhere cannot keep the real user out;
- at most `tegelijk` hashes run at once (503 with Retry-After), so logins never take more
  than that many cores and `tegelijk` times 64 MiB.
What it keeps is bounded: the oldest addresses go first past `MAX_ADDRESSES`.
Behind a reverse proxy the address is the proxy's unless uvicorn is told to trust it
(`--forwarded-allow-ips`; see docs/beheer.md).
"""

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from gebiedsregie.settings import Settings

MAX_ADDRESSES = 10_000


class TooMany(Exception):
    """An attempt over a limit: wait `retry_after` seconds; `busy` if all hash slots are
    taken (else the address's own limit)."""

    def __init__(self, retry_after: int, busy: bool) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
        self.busy = busy


@dataclass
class _Address:
    attempts: deque[float] = field(default_factory=deque)
    failures: dict[str, list[float]] = field(default_factory=dict)  # per name: times
    blocked: dict[str, float] = field(default_factory=dict)  # per name: until


class LoginThrottle:
    """The three limits above; `clock` is time.monotonic but for the tests."""

    def __init__(
        self,
        per_adres: int,
        venster_s: float,
        max_fouten: int,
        blokkade_s: float,
        tegelijk: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_adres, self.venster_s = per_adres, venster_s
        self.max_fouten, self.blokkade_s = max_fouten, blokkade_s
        self._slots = threading.BoundedSemaphore(tegelijk)
        self._clock = clock
        self._lock = threading.Lock()
        self._addresses: OrderedDict[str, _Address] = OrderedDict()

    @classmethod
    def of(cls, settings: Settings) -> "LoginThrottle":
        """A throttle with the limits of `settings` (one per app)."""
        return cls(
            per_adres=settings.login_per_adres,
            venster_s=60.0,
            max_fouten=settings.max_mislukte_pogingen,
            blokkade_s=settings.blokkade_minuten * 60.0,
            tegelijk=settings.login_tegelijk,
        )

    def _address(self, adres: str) -> _Address:
        found = self._addresses.pop(adres, None) or _Address()
        self._addresses[adres] = found  # the most recent last
        while len(self._addresses) > MAX_ADDRESSES:
            self._addresses.popitem(last=False)
        return found

    def blocked(self, adres: str, naam: str) -> bool:
        """Whether `naam` is blocked from `adres`."""
        with self._lock:
            until = self._address(adres).blocked.get(naam)
            return until is not None and until > self._clock()

    @contextmanager
    def attempt(self, adres: str) -> Iterator[None]:
        """Count an attempt from `adres` and hold a hash slot for it, or raise TooMany."""
        now = self._clock()
        with self._lock:
            attempts = self._address(adres).attempts
            while attempts and attempts[0] <= now - self.venster_s:
                attempts.popleft()
            if len(attempts) >= self.per_adres:
                raise TooMany(math.ceil(attempts[0] + self.venster_s - now), busy=False)
            attempts.append(now)
        if not self._slots.acquire(blocking=False):
            raise TooMany(2, busy=True)
        try:
            yield
        finally:
            self._slots.release()

    def failed(self, adres: str, naam: str) -> None:
        """Record a failure; the `max_fouten`-th within the block time blocks the name."""
        now = self._clock()
        with self._lock:
            address = self._address(adres)
            times = [t for t in address.failures.get(naam, []) if t > now - self.blokkade_s]
            times.append(now)
            if len(times) >= self.max_fouten:
                address.blocked[naam] = now + self.blokkade_s
                times = []
            address.failures[naam] = times
            if len(address.failures) > 100:  # one address trying many names
                address.failures.pop(next(iter(address.failures)))

    def succeeded(self, adres: str, naam: str) -> None:
        with self._lock:
            address = self._address(adres)
            address.failures.pop(naam, None)
