"""For load.py: the clients. Writers PATCH hot opgaven, with or without If-Match, and retry
after a 412; readers GET lists, opgaven, samenvattingen, tiles and historie."""

import http.client
import json
import math
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

import shapely
import shapely.geometry

TELLER = re.compile(r"^teller=(\d+) ")


@dataclass
class Answer:
    status: int  # 0: no answer (connection error or timeout)
    headers: dict[str, str]
    body: bytes
    ms: float

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive connection with a bearer token; reconnects after a failure."""

    def __init__(self, port: int, token: str | None) -> None:
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/geo+json"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, data, headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return Answer(0, {}, b"", (time.perf_counter() - start) * 1000)
        ms = (time.perf_counter() - start) * 1000
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, content, ms
        )


@dataclass
class Stats:
    """What one client thread saw: latencies and statuses per kind of request."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    stale_reads: int = 0  # a reader saw an opgave's versie go back
    etag_mismatches: int = 0  # an ETag that differs from properties.versie
    berekend: int = 0  # samenvattingen computed on request, not served stored

    def record(self, kind: str, answer: Answer) -> None:
        self.ms[kind].append(answer.ms)
        self.statuses[kind][answer.status] += 1


@dataclass
class Write:
    """One logical write: every attempt (request id, status) until it succeeded."""

    writer: int
    seq: int
    opgave: str
    marker: str
    attempts: list[tuple[str, int]] = field(default_factory=list)
    versie: int | None = None  # from the ETag of the 200

    @property
    def succeeded(self) -> bool:
        return bool(self.attempts) and self.attempts[-1][1] == 200


def versie_of(answer: Answer) -> int:
    return int(answer.headers["etag"].strip('"'))


@dataclass(frozen=True)
class Hot:
    """An opgave the writers share, with what the readers ask about it."""

    id: str
    gebied: str  # slug
    tiles: tuple[str, ...]


def hot_candidates(port: int) -> list[Hot]:
    """Every opgave of the voorbeeldgebieden, taking the gebieden in turn (by titel within)."""
    client = Client(port, None)
    per_gebied = []
    for gebied in client.call("GET", "/api/v1/gebieden").json()["features"]:
        slug = gebied["properties"]["slug"]
        listing = client.call("GET", f"/api/v1/opgaven?gebied={slug}&limit=1000").json()
        features = sorted(listing["features"], key=lambda f: f["properties"]["titel"])
        per_gebied.append([(slug, f) for f in features])
    hot: list[Hot] = []
    for slug, feature in (pair for turn in zip_longest(*per_gebied) for pair in turn if pair):
        if feature["id"] not in {h.id for h in hot}:
            hot.append(Hot(feature["id"], slug, tile_paths(feature)))
    return hot


def tile_paths(feature: dict[str, Any]) -> tuple[str, ...]:
    """The vector tiles at zoom 10, 12 and 14 that hold a point of the opgave."""
    point = shapely.geometry.shape(feature["geometry"]).point_on_surface()
    paths = []
    for z in (10, 12, 14):
        x = int((point.x + 180) / 360 * 2**z)
        y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * 2**z)
        paths.append(f"/ogc/collections/opgaven/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt")
    return tuple(paths)


def writer(
    k: int, port: int, token: str, hot: list[str], if_match: bool, stop: threading.Event,
    stats: Stats, writes: list[Write],
) -> None:  # fmt: skip
    client = Client(port, token)
    rng = random.Random(k)
    seq = 0
    while not stop.is_set():
        seq += 1
        write = Write(k, seq, rng.choice(hot), f"writer-{k}/seq-{seq}")
        writes.append(write)
        # A write that started goes on until it succeeds, also past the end of the phase:
        # otherwise the conflicts of the last seconds would go uncounted.
        for attempt in range(1, 1000):
            current = client.call("GET", f"/api/v1/opgaven/{write.opgave}")
            stats.record("GET opgave (writer)", current)
            if current.status != 200:
                break
            teller_match = TELLER.match(current.json()["properties"]["beschrijving"])
            teller = int(teller_match.group(1)) if teller_match else 0
            request_id = f"w{k}-s{seq}-a{attempt}"
            headers = {"X-Request-ID": request_id}
            if if_match:
                headers["If-Match"] = current.headers["etag"]
            body = {
                "type": "Feature",
                "properties": {"beschrijving": f"teller={teller + 1} {write.marker}"},
            }
            answer = client.call("PATCH", f"/api/v1/opgaven/{write.opgave}", body, headers)
            write.attempts.append((request_id, answer.status))
            stats.record(
                f"PATCH {answer.status}" if answer.status in (200, 412) else "PATCH", answer
            )
            if answer.status == 200:
                write.versie = versie_of(answer)
                if (
                    answer.json()["properties"]["beschrijving"]
                    != body["properties"]["beschrijving"]
                ):
                    stats.etag_mismatches += 1
                break
            if answer.status != 412:
                break


def reader(
    k: int, port: int, token: str, hot: list[Hot], stop: threading.Event, stats: Stats,
) -> None:  # fmt: skip
    client = Client(port, token)
    rng = random.Random(1000 + k)
    seen: dict[str, int] = {}
    kinds = ["list", "opgave", "samenvatting", "tile", "historie"]  # GET each in turn
    turn = k
    while not stop.is_set():
        kind = kinds[turn % len(kinds)]
        turn += 1
        hot_opgave = rng.choice(hot)
        opgave = hot_opgave.id
        if kind == "list":
            answer = client.call("GET", f"/api/v1/opgaven?gebied={hot_opgave.gebied}&limit=100")
        elif kind == "opgave":
            answer = client.call("GET", f"/api/v1/opgaven/{opgave}")
            if answer.status == 200:
                versie = versie_of(answer)
                stats.etag_mismatches += versie != answer.json()["properties"]["versie"]
                stats.stale_reads += versie < seen.get(opgave, 0)
                seen[opgave] = versie
        elif kind == "samenvatting":
            path = f"/api/v1/gebieden/{hot_opgave.gebied}/stapeling/samenvatting"
            answer = client.call("GET", path)
            stats.berekend += answer.headers.get("gebiedsregie-stapeling") == "berekend"
        elif kind == "tile":
            answer = client.call("GET", rng.choice(hot_opgave.tiles))
        else:
            answer = client.call("GET", f"/api/v1/opgaven/{opgave}/historie?limit=10")
        stats.record(f"GET {kind}", answer)
