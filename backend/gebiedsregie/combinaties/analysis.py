"""Koppelkansen and conflicten in a stapeling: faces, matrices and lagen in, figures out.

Pure, like `stapeling.analysis`: shapely and numpy, no database. The faces are a stapeling's
(each with the opgaven covering it); the lagen are referentielagen clipped to the same area.

Definitions
-----------
- A thema pair (a, b) is *in* a face when an opgave of a and another of b cover it (for
  a == b: two opgaven of that thema). A thema and a laag are in a face when an opgave of the
  thema covers it and part of it lies in the laag.
- A face's conflicten (koppelkansen) are its pairs whose cell says conflict (koppelkans).
- The area in conflict of a face is the whole face when a thema pair of it is in conflict,
  else the part of it in the lagen that are in conflict with one of its themas (their union:
  lagen may overlap). Likewise for koppelkans; `beide` is where both hold.
- A thema pair's hectares are the area of the faces it is in; a thema and laag's, the area of
  those faces inside the laag.
- An opgave's knelpunten: per other opgave, the area both cover when their themas are in
  conflict; per sturende laag in conflict with its thema, the area of it inside the laag; and
  its area in conflict with any of these, counted once.

Exactness
---------
A face's part in a laag is the exact intersection (GEOS, no simplification). A large laag is
first cut into pieces of at most `PIECE_VERTICES` vertices by halving its box (as PostGIS's
ST_Subdivide), so each face meets a few small pieces instead of the whole laag; the pieces'
interiors are disjoint, so their parts add up. A part whose mean width (2 * area / perimeter)
is below the stapeling's sliver width is the trace of two boundaries that run together (an
opgave drawn along the laag's edge: the snap rounding moved it by up to 0.71 mm), not a real
overlap: it is left out and its area reported as `sliver_ha`.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import Geometry

from gebiedsregie.combinaties.samenvatting import (
    Combinaties,
    ConflictHotspot,
    Knelpunt,
    LaagDeel,
    LaagInGebied,
    LaagPaar,
    LaagPaarOppervlak,
    Paar,
    ThemaPaar,
    ThemaPaarOppervlak,
    VlakCombinaties,
)

KOPPELKANS, NEUTRAAL, CONFLICT = "koppelkans", "neutraal", "conflict"
_CODE = {NEUTRAAL: 0, KOPPELKANS: 1, CONFLICT: 2}
STUREND = "sturend"
SLIVER_WIDTH_M = 0.5  # the stapeling's (stapeling.analysis.SLIVER_WIDTH_M)
PIECE_VERTICES = 256
MIN_PIECE_M = 1.0  # a piece this narrow is not cut further, however many vertices it has
HOTSPOTS = 10
HOTSPOT_MIN_HA = 1.0  # as the stapeling's hotspots: smaller faces are no place to direct
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


class _Counter:
    def __init__(self) -> None:
        self.value = 0

    def add(self) -> None:
        self.value += 1


CLIP_OVERLAYS = _Counter()  # lagen rectangle clipping cut wrongly: cut by overlays
AREA_RTOL = 1e-9


@dataclass(frozen=True)
class Laag:
    """A referentielaag, clipped to the area of the stapeling (RD)."""

    slug: str
    naam: str
    soort: str
    geom: Geometry


@dataclass(frozen=True)
class Matrices:
    """The cells (missing ones are neutraal): thema pairs keyed (a, b) with a <= b, thema
    and laag keyed (thema, slug)."""

    versie: int
    voorbeeld: bool
    themas: Mapping[tuple[str, str], str]
    lagen: Mapping[tuple[str, str], str]

    def thema(self, a: str, b: str) -> str:
        return self.themas.get((min(a, b), max(a, b)), NEUTRAAL)

    def laag(self, thema: str, slug: str) -> str:
        return self.lagen.get((thema, slug), NEUTRAAL)


@dataclass(frozen=True)
class Invoer:
    """What combineer needs besides the faces: the matrices and the lagen in the area."""

    matrices: Matrices
    lagen: Sequence[Laag] = field(default_factory=tuple)


def subdivide(geom: Geometry, max_vertices: int = PIECE_VERTICES) -> np.ndarray:
    """Return the polygons of `geom` cut into pieces of at most `max_vertices` vertices.

    Parameters
    ----------
    geom : Geometry
        Polygonal (other parts are ignored).
    max_vertices : int

    Returns
    -------
    array of Polygon
        Interiors disjoint; their union is `geom`, their areas add up to its area.

    Examples
    --------
    >>> import shapely
    >>> pieces = subdivide(shapely.Point(0, 0).buffer(100, 64), 64)
    >>> len(pieces) > 1, round(float(shapely.area(pieces).sum()))
    (True, 31413)
    """
    polygons = _polygons(geom)
    # GEOS's rectangle clipping: exact and linear, four times faster than an overlay on
    # Natura 2000 in Food Valley; but its output is not promised valid. Checked at the end
    # (valid pieces, the area kept), else cut again by overlays.
    pieces = _halve(polygons, max_vertices, lambda g, b: shapely.clip_by_rect(g, *b))
    area = float(shapely.area(shapely.multipolygons(polygons))) if polygons else 0.0
    kept = float(shapely.area(pieces).sum()) if len(pieces) else 0.0
    if shapely.is_valid(pieces).all() and abs(kept - area) <= AREA_RTOL * area:
        return pieces
    CLIP_OVERLAYS.add()
    return _halve(polygons, max_vertices, lambda g, b: shapely.intersection(g, shapely.box(*b)))


def _halve(
    polygons: list[Geometry],
    max_vertices: int,
    cut: Callable[[Geometry, tuple[float, float, float, float]], Geometry],
) -> np.ndarray:
    done: list[Geometry] = []
    todo = list(polygons)
    while todo:
        polygon = todo.pop()
        xmin, ymin, xmax, ymax = polygon.bounds
        width, height = xmax - xmin, ymax - ymin
        if shapely.get_num_coordinates(polygon) <= max_vertices or max(width, height) < MIN_PIECE_M:
            done.append(polygon)
            continue
        if width >= height:
            mid = (xmin + xmax) / 2
            halves = [(xmin - 1, ymin - 1, mid, ymax + 1), (mid, ymin - 1, xmax + 1, ymax + 1)]
        else:
            mid = (ymin + ymax) / 2
            halves = [(xmin - 1, ymin - 1, xmax + 1, mid), (xmin - 1, mid, xmax + 1, ymax + 1)]
        for half in halves:
            todo.extend(_polygons(cut(polygon, half)))
    return np.array(done, dtype=object)


def _polygons(geom: Geometry) -> list[Geometry]:
    """The non-empty polygons of `geom` (an intersection may add lines and points)."""
    parts = shapely.get_parts(geom)
    return [p for p in parts if shapely.get_type_id(p) == 3 and not p.is_empty]


def _polygonal(geom: Geometry) -> Geometry:
    if shapely.get_type_id(geom) in _POLYGONAL:
        return geom
    polygons = _polygons(geom)
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


@dataclass
class _Delen:
    """The faces' parts in one laag (counted ones only): per face its area, and the pieces
    it is made of (interiors disjoint; their union is the part)."""

    area: np.ndarray  # per face, m² (0 where none)
    pieces: dict[int, list[Geometry]]
    sliver_m2: float


def _delen(geoms: np.ndarray, tree: shapely.STRtree, laag: Geometry) -> _Delen:
    """Intersect every face with `laag` (exactly, piece by piece)."""
    area = np.zeros(len(geoms))
    pieces = subdivide(laag)
    if not len(pieces) or not len(geoms):
        return _Delen(area, {}, 0.0)
    shapely.prepare(pieces)
    piece_i, face_i = tree.query(pieces, predicate="intersects")
    order = np.argsort(face_i, kind="stable")
    piece_i, face_i = piece_i[order], face_i[order]
    # A face inside a piece is its own part: no overlay (most faces, inside a large laag).
    inside = shapely.contains(pieces[piece_i], geoms[face_i])
    parts = geoms[face_i].copy()
    crossing = np.flatnonzero(~inside)
    parts[crossing] = shapely.intersection(geoms[face_i[crossing]], pieces[piece_i[crossing]])
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(parts), _POLYGONAL))
    parts[odd] = [_polygonal(p) for p in parts[odd]]
    part_area, part_length = shapely.area(parts), shapely.length(parts)
    faces, first, counts = np.unique(face_i, return_index=True, return_counts=True)
    sums = np.add.reduceat(part_area, first) if len(first) else np.zeros(0)
    lengths = np.add.reduceat(part_length, first) if len(first) else np.zeros(0)
    kept: dict[int, list[Geometry]] = {}
    sliver = 0.0
    for face, start, count, m2, length in zip(
        faces.tolist(),
        first.tolist(),
        counts.tolist(),
        sums.tolist(),
        lengths.tolist(),
        strict=True,
    ):
        if m2 <= 0:
            continue
        # The pieces' perimeters add up to at least the part's: a mean width that passes
        # with their sum passes; one that does not is measured on the part itself.
        if 2 * m2 / length < SLIVER_WIDTH_M and (
            count == 1
            or 2 * m2 / float(shapely.length(shapely.union_all(parts[start : start + count])))
            < SLIVER_WIDTH_M
        ):
            sliver += m2
            continue
        kept[face] = [p for p in parts[start : start + count] if not p.is_empty]
        area[face] = m2
    return _Delen(area, kept, sliver)


def _in_lagen(delen: list[_Delen], lagen: list[int], face: int) -> float:
    """The area of a face inside any of `lagen` (m²): their union, where they overlap."""
    if not lagen:
        return 0.0
    if len(lagen) == 1:
        return float(delen[lagen[0]].area[face])
    return float(shapely.area(_union(delen, lagen, face)))


def _union(delen: list[_Delen], lagen: list[int], face: int) -> Geometry:
    """The part of a face inside any of `lagen`."""
    pieces = [p for j in lagen for p in delen[j].pieces[face]]
    return pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)


def _ha(m2: float) -> float:
    return round(m2 / 10_000, 4)


def combineer(
    geoms: np.ndarray,
    start: np.ndarray,
    flat: np.ndarray,
    themas: Sequence[str],
    ids: Sequence[str],
    invoer: Invoer,
) -> tuple[list[VlakCombinaties | None], Combinaties]:
    """Return the combinaties of each face (None where it has none) and of the whole.

    Parameters
    ----------
    geoms : array of Polygon
        The faces (RD), in the stapeling's order: face i is nr i.
    start, flat : array of int
        The faces' opgaven: face i is covered by the inputs flat[start[i]:start[i + 1]].
    themas, ids : sequence of str
        The thema and the id of each input.
    invoer : Invoer

    Returns
    -------
    (list of VlakCombinaties or None, Combinaties)

    Examples
    --------
    >>> import numpy as np, shapely
    >>> faces = np.array([shapely.box(0, 0, 100, 100)], dtype=object)
    >>> m = Matrices(1, True, {("natuur", "wonen"): "conflict"}, {})
    >>> vlakken, samen = combineer(
    ...     faces, np.array([0, 2]), np.array([0, 1]), ["wonen", "natuur"], ["a", "b"], Invoer(m)
    ... )
    >>> vlakken[0]["conflicten"], samen["conflict_ha"]
    ([{'thema_a': 'natuur', 'thema_b': 'wonen'}], 1.0)
    """
    matrices = invoer.matrices
    n = len(geoms)
    area = shapely.area(geoms) if n else np.zeros(0)
    counts = np.diff(start)
    codes = sorted(set(themas))
    position = {c: i for i, c in enumerate(codes)}
    tix = np.array([position[t] for t in themas], dtype=np.int64)
    rows = np.repeat(np.arange(n), counts)
    per_thema = np.zeros((n, len(codes)), dtype=np.int64)  # opgaven of each thema per face
    np.add.at(per_thema, (rows, tix[flat]), 1)
    thema_w = np.array(
        [[_CODE[matrices.thema(a, b)] for b in codes] for a in codes], dtype=np.int8
    ).reshape(len(codes), len(codes))

    lagen = list(invoer.lagen)
    tree = shapely.STRtree(geoms)
    delen = [_delen(geoms, tree, laag.geom) for laag in lagen]
    laag_area = (
        np.column_stack([d.area for d in delen]) if lagen else np.zeros((n, 0))
    )  # faces x lagen, m²
    laag_w = np.array(
        [[_CODE[matrices.laag(t, laag.slug)] for laag in lagen] for t in codes], dtype=np.int8
    ).reshape(len(codes), len(lagen))
    in_laag = laag_area > 0

    # Faces with the same themas (one or two and more of each) and lagen have the same pairs.
    signature = np.hstack([np.minimum(per_thema, 2), in_laag.astype(np.int64)])
    unique, inverse = (
        np.unique(signature, axis=0, return_inverse=True)
        if n
        else (np.zeros((0, signature.shape[1]), dtype=np.int64), np.zeros(0, dtype=np.int64))
    )
    inverse = inverse.reshape(-1)
    kinds = [_pairs(row, codes, lagen, thema_w, laag_w) for row in unique]

    vlakken: list[VlakCombinaties | None] = []
    conflict_m2 = np.zeros(n)
    koppel_m2 = np.zeros(n)
    beide_m2 = np.zeros(n)
    conflict_lagen: dict[int, list[int]] = {}  # where only a face's part in lagen is
    for f in range(n):
        kind = kinds[inverse[f]]
        laag_delen: list[LaagDeel] = [
            {"laag": lagen[j].slug, "oppervlakte_ha": _ha(float(laag_area[f, j]))}
            for j in np.flatnonzero(in_laag[f]).tolist()
        ]
        if not (kind.conflicten or kind.koppelkansen or laag_delen):
            vlakken.append(None)
            continue
        vlakken.append(
            {
                "conflicten": kind.conflicten,
                "koppelkansen": kind.koppelkansen,
                "lagen": laag_delen,
            }
        )
        c_lagen, k_lagen = kind.conflict_lagen, kind.koppel_lagen
        face_area = float(area[f])
        conflict_m2[f] = face_area if kind.thema_conflict else _in_lagen(delen, c_lagen, f)
        koppel_m2[f] = face_area if kind.thema_koppel else _in_lagen(delen, k_lagen, f)
        if kind.thema_conflict and kind.thema_koppel:
            beide_m2[f] = face_area
        elif kind.thema_conflict:
            beide_m2[f] = koppel_m2[f]
        elif kind.thema_koppel:
            beide_m2[f] = conflict_m2[f]
        elif c_lagen and k_lagen:
            both = shapely.intersection(_union(delen, c_lagen, f), _union(delen, k_lagen, f))
            beide_m2[f] = float(shapely.area(both))
        if c_lagen and not kind.thema_conflict:
            conflict_lagen[f] = c_lagen

    samenvatting: Combinaties = {
        "versie": matrices.versie,
        "voorbeeld": matrices.voorbeeld,
        "lagen": [_laag_in_gebied(laag) for laag in lagen],
        "conflict_ha": _ha(float(conflict_m2.sum())),
        "koppelkans_ha": _ha(float(koppel_m2.sum())),
        "beide_ha": _ha(float(beide_m2.sum())),
        "paren": _thema_paren(codes, per_thema, area, thema_w),
        "laag_paren": _laag_paren(codes, lagen, per_thema, laag_area, laag_w),
        "hotspots": _hotspots(
            geoms,
            start,
            flat,
            codes,
            tix,
            ids,
            area,
            conflict_m2,
            kinds,
            inverse,
            lambda f: _union(delen, conflict_lagen[f], f) if f in conflict_lagen else geoms[f],
        ),
        "knelpunten": _knelpunten(
            start, flat, themas, ids, codes, tix, per_thema, area, thema_w, lagen, delen, laag_w
        ),
        "sliver_ha": round(sum(d.sliver_m2 for d in delen) / 10_000, 6),
    }
    return vlakken, samenvatting


@dataclass
class _Soort:
    """The pairs of faces with one signature."""

    conflicten: list[Paar]
    koppelkansen: list[Paar]
    thema_conflict: bool
    thema_koppel: bool
    conflict_lagen: list[int]  # lagen in conflict with one of the face's themas
    koppel_lagen: list[int]


def _pairs(
    row: np.ndarray,
    codes: list[str],
    lagen: list[Laag],
    thema_w: np.ndarray,
    laag_w: np.ndarray,
) -> _Soort:
    t = len(codes)
    present = [i for i in range(t) if row[i] >= 1]
    in_lagen = [j for j in range(len(lagen)) if row[t + j]]
    found: dict[int, list[Paar]] = {1: [], 2: []}
    thema_found = {1: False, 2: False}
    for x, i in enumerate(present):
        for k in present[x:]:
            if k == i and row[i] < 2:
                continue
            w = int(thema_w[i, k])
            if w:
                pair: ThemaPaar = {"thema_a": codes[i], "thema_b": codes[k]}
                found[w].append(pair)
                thema_found[w] = True
    laag_found: dict[int, list[int]] = {1: [], 2: []}
    for j in in_lagen:
        seen = set()
        for i in present:
            w = int(laag_w[i, j])
            if w:
                laag_pair: LaagPaar = {"thema": codes[i], "laag": lagen[j].slug}
                found[w].append(laag_pair)
                seen.add(w)
        for w in seen:
            laag_found[w].append(j)
    return _Soort(
        conflicten=found[2],
        koppelkansen=found[1],
        thema_conflict=thema_found[2],
        thema_koppel=thema_found[1],
        conflict_lagen=laag_found[2],
        koppel_lagen=laag_found[1],
    )


def _laag_in_gebied(laag: Laag) -> LaagInGebied:
    return {
        "laag": laag.slug,
        "naam": laag.naam,
        "soort": laag.soort,
        "oppervlakte_ha": _ha(float(shapely.area(laag.geom))),
    }


_ORDER = {CONFLICT: 0, KOPPELKANS: 1}


def _thema_paren(
    codes: list[str], per_thema: np.ndarray, area: np.ndarray, thema_w: np.ndarray
) -> list[ThemaPaarOppervlak]:
    paren: list[ThemaPaarOppervlak] = []
    waarden = {1: KOPPELKANS, 2: CONFLICT}
    for i in range(len(codes)):
        for k in range(i, len(codes)):
            w = int(thema_w[i, k])
            if not w:
                continue
            both = per_thema[:, i] >= 2 if i == k else (per_thema[:, i] > 0) & (per_thema[:, k] > 0)
            m2 = float(area[both].sum())
            if m2 > 0:
                paren.append(
                    {
                        "thema_a": codes[i],
                        "thema_b": codes[k],
                        "waarde": waarden[w],
                        "oppervlakte_ha": _ha(m2),
                    }
                )
    paren.sort(
        key=lambda p: (_ORDER[p["waarde"]], -p["oppervlakte_ha"], p["thema_a"], p["thema_b"])
    )
    return paren


def _laag_paren(
    codes: list[str],
    lagen: list[Laag],
    per_thema: np.ndarray,
    laag_area: np.ndarray,
    laag_w: np.ndarray,
) -> list[LaagPaarOppervlak]:
    paren: list[LaagPaarOppervlak] = []
    waarden = {1: KOPPELKANS, 2: CONFLICT}
    for i, thema in enumerate(codes):
        for j, laag in enumerate(lagen):
            w = int(laag_w[i, j])
            if not w:
                continue
            m2 = float(laag_area[per_thema[:, i] > 0, j].sum())
            if m2 > 0:
                paren.append(
                    {
                        "thema": thema,
                        "laag": laag.slug,
                        "waarde": waarden[w],
                        "oppervlakte_ha": _ha(m2),
                    }
                )
    paren.sort(key=lambda p: (_ORDER[p["waarde"]], -p["oppervlakte_ha"], p["thema"], p["laag"]))
    return paren


def _hotspots(
    geoms: np.ndarray,
    start: np.ndarray,
    flat: np.ndarray,
    codes: list[str],
    tix: np.ndarray,
    ids: Sequence[str],
    area: np.ndarray,
    conflict_m2: np.ndarray,
    kinds: list[_Soort],
    inverse: np.ndarray,
    in_conflict: Callable[[int], Geometry],
) -> list[ConflictHotspot]:
    """The faces with the largest area in conflict, as the stapeling's hotspots: those of at
    least HOTSPOT_MIN_HA first, or else any."""
    ha = np.round(conflict_m2 / 10_000, 4)
    candidates = np.flatnonzero(conflict_m2 > 0)
    large = candidates[ha[candidates] >= HOTSPOT_MIN_HA]
    chosen = large if len(large) else candidates
    # Largest first, then by nr (the stapeling's order: deepest first).
    chosen = chosen[np.lexsort((chosen, -ha[chosen]))][:HOTSPOTS]
    spots: list[ConflictHotspot] = []
    for f in chosen.tolist():
        members = flat[start[f] : start[f + 1]]
        point = shapely.point_on_surface(in_conflict(f))
        spots.append(
            {
                "nr": f,
                "aantal": len(members),
                "themas": sorted({codes[tix[m]] for m in members.tolist()}),
                "opgaven": [ids[m] for m in members.tolist()],
                "oppervlakte_ha": _ha(float(area[f])),
                "conflict_ha": float(ha[f]),
                "conflicten": kinds[inverse[f]].conflicten,
                "punt_rd": [round(point.x, 3), round(point.y, 3)],
            }
        )
    return spots


def _knelpunten(
    start: np.ndarray,
    flat: np.ndarray,
    themas: Sequence[str],
    ids: Sequence[str],
    codes: list[str],
    tix: np.ndarray,
    per_thema: np.ndarray,
    area: np.ndarray,
    thema_w: np.ndarray,
    lagen: list[Laag],
    delen: list[_Delen],
    laag_w: np.ndarray,
) -> list[Knelpunt]:
    n, inputs = len(area), len(themas)
    counts = np.diff(start)
    conflict = thema_w == 2
    # Per opgave pair in conflict: the area both cover, from the faces of each depth at once.
    pair_key: list[np.ndarray] = []
    pair_m2: list[np.ndarray] = []
    for depth in np.unique(counts[counts >= 2]).tolist():
        faces = np.flatnonzero(counts == depth)
        members = flat[start[faces][:, None] + np.arange(depth)]
        left, right = np.triu_indices(depth, 1)
        a, b = members[:, left].ravel(), members[:, right].ravel()
        m2 = np.repeat(area[faces], len(left))
        keep = conflict[tix[a], tix[b]]
        pair_key.append(np.minimum(a, b)[keep].astype(np.int64) * inputs + np.maximum(a, b)[keep])
        pair_m2.append(m2[keep])
    met_opgaven: dict[int, dict[int, float]] = {}
    if pair_key:
        keys = np.concatenate(pair_key)
        unique, inverse = np.unique(keys, return_inverse=True)
        sums = np.bincount(inverse.reshape(-1), weights=np.concatenate(pair_m2))
        for key, m2 in zip(unique.tolist(), sums.tolist(), strict=True):
            a, b = divmod(key, inputs)
            met_opgaven.setdefault(a, {})[b] = m2
            met_opgaven.setdefault(b, {})[a] = m2

    # Per opgave and sturende laag in conflict with its thema: its faces' parts in the laag.
    rows = np.repeat(np.arange(n), counts)
    sturend = [j for j, laag in enumerate(lagen) if laag.soort == STUREND]
    met_lagen: dict[int, dict[int, float]] = {}
    for j in sturend:
        hits = (delen[j].area[rows] > 0) & (laag_w[tix[flat], j] == 2)
        if hits.any():
            sums = np.bincount(flat[hits], weights=delen[j].area[rows[hits]], minlength=inputs)
            for i in np.flatnonzero(sums).tolist():
                met_lagen.setdefault(i, {})[j] = float(sums[i])

    # The area in conflict of each opgave, once: all of a face where another opgave's thema
    # conflicts with its own, else the face's part in the sturende lagen in conflict with it.
    thema_conflict = np.zeros((n, len(codes)), dtype=bool)  # some *other* opgave conflicts
    for t in range(len(codes)):
        others = per_thema.copy()
        others[:, t] -= 1
        thema_conflict[:, t] = ((others > 0) & conflict[t]).any(axis=1)
    whole = thema_conflict[rows, tix[flat]]
    m2 = np.where(whole, area[rows], 0.0)
    union_m2: dict[tuple[int, int], float] = {}  # (face, thema) -> m² in lagen in conflict
    for x in np.flatnonzero(~whole & np.isin(flat, list(met_lagen))).tolist():
        f, t = int(rows[x]), int(tix[flat[x]])
        if (f, t) not in union_m2:
            hit = [j for j in sturend if laag_w[t, j] == 2 and f in delen[j].pieces]
            union_m2[(f, t)] = _in_lagen(delen, hit, f)
        m2[x] = union_m2[(f, t)]
    conflict_m2 = np.bincount(flat, weights=m2, minlength=inputs) if len(flat) else np.zeros(inputs)

    knelpunten: list[Knelpunt] = []
    for i in np.flatnonzero(conflict_m2 > 0).tolist():
        andere = sorted(met_opgaven.get(i, {}).items(), key=lambda kv: (-kv[1], ids[kv[0]]))
        lagen_i = sorted(met_lagen.get(i, {}).items(), key=lambda kv: (-kv[1], lagen[kv[0]].slug))
        knelpunten.append(
            {
                "opgave": ids[i],
                "thema": themas[i],
                "conflict_ha": _ha(float(conflict_m2[i])),
                "met_opgaven": [
                    {"opgave": ids[j], "thema": themas[j], "oppervlakte_ha": _ha(v)}
                    for j, v in andere
                ],
                "met_lagen": [
                    {"laag": lagen[j].slug, "oppervlakte_ha": _ha(v)} for j, v in lagen_i
                ],
            }
        )
    knelpunten.sort(key=lambda k: (-k["conflict_ha"], k["opgave"]))
    return knelpunten
