"""The difference faces of two situations: the overlay of their partitions, with both depths.

Pure, like `stapeling.compute`: opgaven in, faces out; no session.

Method
------
One stapeling of every opgave version in A or B: a version (key, thema, geometry) in both
situations is one input belonging to both; one in a single situation belongs to that one.
Each face of this partition then has, besides its set, the part of it in A (`aantal_a`,
`opgaven_a`) and in B. Within one situation a key has one version, so the set of a face and
its pair of sets determine each other: adjacent faces still differ in (A, B).

A face lies in one face of A's own partition and one of B's up to what the computation moves
(snap rounding, sliver absorption: `stapeling.analysis`), so the sum over the faces of
verschil x area is the difference of B's and A's sums of aantal x area within that.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import shapely
from shapely import Geometry, MultiPolygon

from gebiedsregie.stapeling.analysis import Faces, compute_faces, default_workers
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.merging import Members


@dataclass
class VerschilVlak:
    """A face of the overlay: the opgaven of A and of B covering it (sorted ids, as text: a
    million UUID objects cost more than the rest of storing them)."""

    nr: int
    opgaven_a: list[str]
    opgaven_b: list[str]
    oppervlakte_ha: float
    geom: Geometry | None  # RD; None when read back as text

    @property
    def aantal_a(self) -> int:
        return len(self.opgaven_a)

    @property
    def aantal_b(self) -> int:
        return len(self.opgaven_b)

    @property
    def verschil(self) -> int:
        return self.aantal_b - self.aantal_a

    @property
    def gewijzigd(self) -> bool:
        """Whether other opgaven cover it in B than in A (with the same number, too)."""
        return self.opgaven_a != self.opgaven_b


class Overzicht(TypedDict):
    """The overlay in figures (ha)."""

    aantal_vlakken: int
    gewijzigde_vlakken: int  # faces whose sets differ: the first ones (see `overlay`)
    meer_ha: float  # area where B stacks deeper than A
    minder_ha: float  # where less deep
    gewijzigd_ha: float  # where other opgaven cover it (deeper, less deep, or as deep)
    verschil_ha: float  # the sum of verschil x area: B's stacked area minus A's
    sliver_ha: float


@dataclass
class Overlay:
    """The difference faces, changed ones first, and their figures.

    Columnar, as `stapeling.analysis.Faces`: it crosses a process (`bounded.run`) as a few
    arrays and a list of WKB, not 80,000 objects (pickled as objects they took seconds), and
    a face (`VerschilVlak`) is made only when asked for.
    """

    keys: list[str]  # of the opgave versions: what `members_a` and `members_b` index
    members_a: Members  # per face (by nr), the versions in A covering it, sorted by key
    members_b: Members
    oppervlakte_ha: list[float]  # per face, rounded
    wkb: list[bytes]  # per face, its RD geometry
    overzicht: Overzicht
    rekentijd_ms: int = 0

    def __len__(self) -> int:
        return len(self.wkb)

    def vlakken_van(self, start: int = 0, stop: int | None = None) -> list[VerschilVlak]:
        """Return the faces `start` up to `stop` (by nr), each with its geometry."""
        stop = len(self) if stop is None else min(stop, len(self))
        geoms = shapely.from_wkb(self.wkb[start:stop]) if stop > start else []
        keys = self.keys
        return [
            VerschilVlak(
                nr,
                [keys[m] for m in self.members_a[nr]],
                [keys[m] for m in self.members_b[nr]],
                self.oppervlakte_ha[nr],
                geom,
            )
            for nr, geom in zip(range(start, stop), geoms, strict=True)
        ]

    @property
    def vlakken(self) -> list[VerschilVlak]:
        return self.vlakken_van()


def combine(
    a: Sequence[Invoer], b: Sequence[Invoer]
) -> tuple[list[Invoer], np.ndarray, np.ndarray]:
    """Return the distinct opgave versions of A and B, ordered by key, and for each whether A
    has it and whether B has it.

    Examples
    --------
    >>> import uuid
    >>> k = uuid.UUID(int=1)
    >>> versions, in_a, in_b = combine([(k, "wonen", b"x")], [(k, "wonen", b"x")])
    >>> len(versions), in_a.tolist(), in_b.tolist()
    (1, [True], [True])
    """
    owners: dict[Invoer, list[bool]] = {}
    for side, opgaven in enumerate((a, b)):
        for opgave in opgaven:
            owners.setdefault(opgave, [False, False])[side] = True
    versions = sorted(owners, key=lambda o: (o[0], not owners[o][0], o[1], o[2]))
    in_a = np.array([owners[v][0] for v in versions], dtype=bool)
    in_b = np.array([owners[v][1] for v in versions], dtype=bool)
    return versions, in_a, in_b


def overlay(
    area: MultiPolygon,
    a: Sequence[Invoer],
    b: Sequence[Invoer],
    workers: int | None = None,
    context: dict[str, Any] | None = None,
) -> Overlay:
    """Return the overlay of A's and B's stapeling inside `area` (RD).

    Parameters
    ----------
    area : MultiPolygon
        The gebied.
    a, b : sequence of (id, thema, RD WKB)
        The opgaven of each situation (a key at most once in each).
    workers : int, optional
        Threads for the computation (see `compute_faces`).
    context : dict, optional
        What names the comparison in the log, should the core's fallback fire.

    Returns
    -------
    Overlay
        Faces whose sets differ first (the largest difference in depth first, then the
        largest), then the others by area; `nr` is that position.
    """
    started = time.perf_counter()
    versions, in_a, in_b = combine(a, b)
    geoms = shapely.from_wkb([v[2] for v in versions]) if versions else np.array([], dtype=object)
    faces = compute_faces(geoms, area, workers=workers or default_workers(), context=context)
    keys = [str(v[0]) for v in versions]
    result = _columns(faces, keys, in_a, in_b)
    result.rekentijd_ms = int((time.perf_counter() - started) * 1000)
    return result


def _only(members: Members, keep: np.ndarray) -> Members:
    """The sets of `members` with only the versions `keep` (a boolean per version) holds."""
    mask = keep[members.flat]
    face = np.repeat(np.arange(len(members)), members.counts())
    sizes = np.bincount(face[mask], minlength=len(members))
    return Members(np.r_[0, np.cumsum(sizes)].astype(np.int64), members.flat[mask])


def _columns(faces: Faces, keys: list[str], in_a: np.ndarray, in_b: np.ndarray) -> Overlay:
    # Array work throughout: per face in Python it took seconds at 80,000 faces.
    n = len(faces)
    area = faces.area if n else np.zeros(0)
    members = faces.members
    count_a = _only(members, in_a).counts()
    verschil = _only(members, in_b).counts() - count_a
    # A face changed when a key covers it in one situation only. Not when two versions of a
    # key both cover it, one in A and one in B: its sets of keys are the same.
    _, key_of = np.unique(np.array(keys, dtype=object), return_inverse=True)
    face = np.repeat(np.arange(n), members.counts())
    pair = face * max(1, len(keys)) + key_of[members.flat]
    side = in_a[members.flat].astype(np.int64) - in_b[members.flat].astype(np.int64)
    pairs, which = np.unique(pair, return_inverse=True)
    gewijzigd = np.zeros(n, dtype=bool)
    gewijzigd[
        pairs[np.bincount(which, weights=side, minlength=len(pairs)) != 0] // max(1, len(keys))
    ] = True
    order = np.lexsort((-area, -np.abs(verschil), ~gewijzigd))
    ordered = members.take(order)
    # From the unrounded areas: the rounded ones would add up their rounding.
    ha = area / 10_000
    overzicht: Overzicht = {
        "aantal_vlakken": n,
        "gewijzigde_vlakken": int(gewijzigd.sum()),
        "meer_ha": round(float(ha[verschil > 0].sum()), 4),
        "minder_ha": round(float(ha[verschil < 0].sum()), 4),
        "gewijzigd_ha": round(float(ha[gewijzigd].sum()), 4),
        "verschil_ha": round(float((verschil * ha).sum()), 4),
        "sliver_ha": round(faces.sliver_m2 / 10_000, 6),
    }
    return Overlay(
        keys,
        _only(ordered, in_a),
        _only(ordered, in_b),
        [round(float(x), 4) for x in ha[order].tolist()],
        shapely.to_wkb(faces.geoms[order]).tolist() if n else [],
        overzicht,
    )
