"""The koppelkansen and conflicten of a stapeling, against an independent computation: shapely
on the hand-drawn opgaven and lagen themselves (not on the stapeling's faces)."""

import itertools
import uuid

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Geometry, MultiPolygon, Polygon, box

from gebiedsregie.combinaties.analysis import Invoer, Laag, Matrices, combineer, subdivide
from gebiedsregie.combinaties.samenvatting import Paar
from gebiedsregie.stapeling import compute
from gebiedsregie.stapeling.samenvatting import FilterWaarden

FILTERS: FilterWaarden = {"thema": [], "status": [], "trekker": [], "horizon": None}
# Areas are answered in ha to 4 decimals (1 m²); the faces are snap-rounded to 1 mm.
TOLERANCE_HA = 2e-4

MATRICES = Matrices(
    versie=7,
    voorbeeld=False,
    themas={
        ("natuur", "wonen"): "conflict",
        ("energie", "wonen"): "conflict",
        ("wonen", "wonen"): "conflict",  # the diagonal: two opgaven of one thema
        ("energie", "natuur"): "neutraal",
        ("natuur", "water-bodem"): "koppelkans",
        ("natuur", "natuur"): "koppelkans",
    },
    lagen={
        ("wonen", "natura-2000"): "conflict",
        ("energie", "natura-2000"): "conflict",
        ("natuur", "natura-2000"): "koppelkans",
        ("wonen", "beekdal"): "conflict",
        ("water-bodem", "beekdal"): "koppelkans",
    },
)


def _opgave(k: int, thema: str, geom: Geometry) -> compute.Invoer:
    return (uuid.UUID(int=k), thema, shapely.to_wkb(MultiPolygon([geom])))


# A gebied, five opgaven (one a circle: not axis-aligned) and two overlapping lagen, one
# sturend and one informatief. Hand-drawn in metres around a made-up origin.
GEBIED = Polygon([(0, 0), (1_000, 0), (1_000, 800), (0, 800)])
OPGAVEN = [
    _opgave(1, "wonen", box(100, 100, 500, 500)),
    _opgave(2, "natuur", box(300, 300, 700, 700)),
    _opgave(3, "wonen", Polygon([(400, 50), (900, 50), (650, 450)])),
    _opgave(4, "energie", shapely.Point(600, 600).buffer(150, 32)),
    _opgave(5, "water-bodem", box(-200, 600, 1_200, 780)),  # reaches outside the gebied
]
NATURA = box(450, 250, 1_100, 650)
BEEKDAL = Polygon([(0, 550), (1_000, 700), (1_000, 800), (0, 800)])
LAGEN = (
    Laag("natura-2000", "Natura 2000", "sturend", NATURA.intersection(GEBIED)),
    Laag("beekdal", "Beekdal", "informatief", BEEKDAL.intersection(GEBIED)),
)


def _shapes() -> list[tuple[str, str, Geometry]]:
    return [(str(o[0]), o[1], shapely.from_wkb(o[2]).intersection(GEBIED)) for o in OPGAVEN]


def _ha(geom: Geometry) -> float:
    return float(shapely.area(geom)) / 10_000


def _union(geoms: list[Geometry]) -> Geometry:
    return shapely.union_all(geoms) if geoms else Polygon()


def _independent(matrices: Matrices, lagen: tuple[Laag, ...]) -> dict[str, object]:
    """The figures straight from the opgaven and lagen, without the stapeling."""
    shapes = _shapes()
    laag_geom = {laag.slug: laag.geom for laag in lagen}
    regions: dict[str, list[Geometry]] = {"conflict": [], "koppelkans": []}
    pairs: dict[tuple[str, str], list[Geometry]] = {}
    for (_, ta, ga), (_, tb, gb) in itertools.combinations(shapes, 2):
        waarde = matrices.thema(ta, tb)
        both = ga.intersection(gb)
        pairs.setdefault((min(ta, tb), max(ta, tb)), []).append(both)
        if waarde in regions:
            regions[waarde].append(both)
    laag_pairs: dict[tuple[str, str], list[Geometry]] = {}
    for _, thema, geom in shapes:
        for slug, laag in laag_geom.items():
            part = geom.intersection(laag)
            laag_pairs.setdefault((thema, slug), []).append(part)
            waarde = matrices.laag(thema, slug)
            if waarde in regions:
                regions[waarde].append(part)
    conflict, koppel = _union(regions["conflict"]), _union(regions["koppelkans"])
    knelpunten = {}
    for i, (ida, ta, ga) in enumerate(shapes):
        met_opgaven = {
            idb: _ha(ga.intersection(gb))
            for j, (idb, tb, gb) in enumerate(shapes)
            if j != i and matrices.thema(ta, tb) == "conflict" and _ha(ga.intersection(gb)) > 0
        }
        met_lagen = {
            laag.slug: _ha(ga.intersection(laag.geom))
            for laag in lagen
            if laag.soort == "sturend"
            and matrices.laag(ta, laag.slug) == "conflict"
            and _ha(ga.intersection(laag.geom)) > 0
        }
        own = [
            ga.intersection(gb)
            for j, (_, tb, gb) in enumerate(shapes)
            if j != i and matrices.thema(ta, tb) == "conflict"
        ] + [
            ga.intersection(laag.geom)
            for laag in lagen
            if laag.soort == "sturend" and matrices.laag(ta, laag.slug) == "conflict"
        ]
        if _ha(_union(own)) > 0:
            knelpunten[ida] = (_ha(_union(own)), met_opgaven, met_lagen)
    return {
        "conflict_ha": _ha(conflict),
        "koppelkans_ha": _ha(koppel),
        "beide_ha": _ha(conflict.intersection(koppel)),
        "paren": {k: _ha(_union(v)) for k, v in pairs.items()},
        "laag_paren": {k: _ha(_union(v)) for k, v in laag_pairs.items()},
        "knelpunten": knelpunten,
    }


def _analyse(matrices: Matrices = MATRICES, lagen: tuple[Laag, ...] = LAGEN) -> compute.Result:
    return compute.analyse(
        MultiPolygon([GEBIED]), OPGAVEN, FILTERS, workers=1, combinaties=Invoer(matrices, lagen)
    )


def test_the_figures_match_an_independent_computation() -> None:
    result = _analyse()
    part = result.samenvatting["combinaties"]
    assert part is not None
    expected = _independent(MATRICES, LAGEN)
    for key in ("conflict_ha", "koppelkans_ha", "beide_ha"):
        assert part[key] == pytest.approx(expected[key], abs=TOLERANCE_HA), key
    assert part["conflict_ha"] > 0 and part["koppelkans_ha"] > 0 and part["beide_ha"] > 0

    paren = expected["paren"]
    assert isinstance(paren, dict)
    found = {(p["thema_a"], p["thema_b"]): p for p in part["paren"]}
    for (a, b), ha in paren.items():
        waarde = MATRICES.thema(a, b)
        if waarde == "neutraal" or ha == 0:
            assert (a, b) not in found
        else:
            assert found[(a, b)]["waarde"] == waarde
            assert found[(a, b)]["oppervlakte_ha"] == pytest.approx(ha, abs=TOLERANCE_HA)
    assert ("wonen", "wonen") in found  # opgaven 1 and 3 overlap: the diagonal counts

    laag_paren = expected["laag_paren"]
    assert isinstance(laag_paren, dict)
    found_laag = {(p["thema"], p["laag"]): p for p in part["laag_paren"]}
    for (thema, slug), ha in laag_paren.items():
        if MATRICES.laag(thema, slug) == "neutraal" or ha == 0:
            assert (thema, slug) not in found_laag
        else:
            assert found_laag[(thema, slug)]["oppervlakte_ha"] == pytest.approx(
                ha, abs=TOLERANCE_HA
            )
    assert {(laag["laag"], laag["soort"]) for laag in part["lagen"]} == {
        ("natura-2000", "sturend"),
        ("beekdal", "informatief"),
    }
    natura = next(laag for laag in part["lagen"] if laag["laag"] == "natura-2000")
    assert natura["oppervlakte_ha"] == pytest.approx(_ha(NATURA.intersection(GEBIED)), abs=1e-4)


def test_knelpunten_per_opgave_match() -> None:
    part = _analyse().samenvatting["combinaties"]
    assert part is not None
    expected = _independent(MATRICES, LAGEN)["knelpunten"]
    assert isinstance(expected, dict)
    found = {k["opgave"]: k for k in part["knelpunten"]}
    assert set(found) == set(expected)
    for opgave, (conflict_ha, met_opgaven, met_lagen) in expected.items():
        knelpunt = found[opgave]
        assert knelpunt["conflict_ha"] == pytest.approx(conflict_ha, abs=TOLERANCE_HA)
        assert {o["opgave"] for o in knelpunt["met_opgaven"]} == set(met_opgaven)
        for other in knelpunt["met_opgaven"]:
            assert other["oppervlakte_ha"] == pytest.approx(
                met_opgaven[other["opgave"]], abs=TOLERANCE_HA
            )
        # Only sturende lagen: the informatieve beekdal never shows.
        assert {
            m["laag"]: pytest.approx(v, abs=TOLERANCE_HA)
            for m in knelpunt["met_lagen"]
            for v in [m["oppervlakte_ha"]]
        } == {k: pytest.approx(v, abs=TOLERANCE_HA) for k, v in met_lagen.items()}
    conflicts = [k["conflict_ha"] for k in part["knelpunten"]]
    assert conflicts == sorted(conflicts, reverse=True)


def test_each_face_names_its_pairs() -> None:
    result = _analyse()
    themas = {str(o[0]): o[1] for o in OPGAVEN}
    for face in result.faces:
        own = [themas[str(o)] for o in face.opgaven]
        expected_conflicts = set()
        expected_koppel = set()
        for a, b in itertools.combinations(sorted(own), 2):
            waarde = MATRICES.thema(a, b)
            if waarde == "conflict":
                expected_conflicts.add(("thema", a, b))
            elif waarde == "koppelkans":
                expected_koppel.add(("thema", a, b))
        assert face.geom is not None
        in_lagen = {
            laag.slug
            for laag in LAGEN
            if shapely.area(face.geom.intersection(laag.geom)) > 1e-3
            and 2
            * shapely.area(face.geom.intersection(laag.geom))
            / shapely.length(face.geom.intersection(laag.geom))
            >= 0.5
        }
        for thema in set(own):
            for slug in in_lagen:
                waarde = MATRICES.laag(thema, slug)
                if waarde == "conflict":
                    expected_conflicts.add(("laag", thema, slug))
                elif waarde == "koppelkans":
                    expected_koppel.add(("laag", thema, slug))
        vlak = face.combinaties or {"conflicten": [], "koppelkansen": [], "lagen": []}
        assert {_key(p) for p in vlak["conflicten"]} == expected_conflicts
        assert {_key(p) for p in vlak["koppelkansen"]} == expected_koppel
        assert {d["laag"] for d in vlak["lagen"]} == in_lagen
        for deel in vlak["lagen"]:
            laag = next(laag for laag in LAGEN if laag.slug == deel["laag"])
            assert deel["oppervlakte_ha"] == pytest.approx(
                _ha(face.geom.intersection(laag.geom)), abs=TOLERANCE_HA
            )


def _key(pair: Paar) -> tuple[str, str, str]:
    if "laag" in pair:
        return ("laag", pair["thema"], pair["laag"])  # type: ignore[typeddict-item]
    return ("thema", pair["thema_a"], pair["thema_b"])


def test_conflict_hotspots_are_the_largest_conflict_faces() -> None:
    result = _analyse()
    part = result.samenvatting["combinaties"]
    assert part is not None
    spots = part["hotspots"]
    assert spots
    assert [s["conflict_ha"] for s in spots] == sorted(
        (s["conflict_ha"] for s in spots), reverse=True
    )
    by_nr = {f.nr: f for f in result.faces}
    for spot in spots:
        face = by_nr[spot["nr"]]
        assert face.geom is not None and face.combinaties is not None
        assert spot["conflicten"] == face.combinaties["conflicten"]
        assert spot["conflict_ha"] <= face.oppervlakte_ha + 1e-9
        assert face.geom.buffer(1e-6).contains(shapely.Point(spot["punt_rd"]))


def test_a_laag_along_an_opgaves_edge_is_no_conflict() -> None:
    """An opgave drawn along the laag's boundary meets it only in the trace the snap
    rounding leaves: no pair, no hectares; the trace is reported as sliver."""
    edge = box(450, 100, 800, 250)  # its top edge is NATURA's bottom edge
    opgaven = [_opgave(1, "wonen", edge), _opgave(2, "wonen", box(460, 100, 470, 110))]
    tilted = shapely.affinity.rotate(NATURA, 1e-7, origin=(450, 250))  # micrometres off
    lagen = (Laag("natura-2000", "Natura 2000", "sturend", tilted.intersection(GEBIED)),)
    result = compute.analyse(
        MultiPolygon([GEBIED]), opgaven, FILTERS, workers=1, combinaties=Invoer(MATRICES, lagen)
    )
    part = result.samenvatting["combinaties"]
    assert part is not None
    assert part["laag_paren"] == []
    assert all(f.combinaties is None or not f.combinaties["lagen"] for f in result.faces)
    assert part["conflict_ha"] == pytest.approx(_ha(box(460, 100, 470, 110)), abs=1e-6)


def test_without_opgaven_or_lagen() -> None:
    empty = compute.analyse(
        MultiPolygon([GEBIED]), [], FILTERS, workers=1, combinaties=Invoer(MATRICES, LAGEN)
    )
    part = empty.samenvatting["combinaties"]
    assert part is not None
    assert part["conflict_ha"] == part["koppelkans_ha"] == 0
    assert part["paren"] == part["laag_paren"] == part["knelpunten"] == part["hotspots"] == []
    assert len(part["lagen"]) == 2
    without = compute.analyse(MultiPolygon([GEBIED]), OPGAVEN, FILTERS, workers=1)
    assert without.samenvatting["combinaties"] is None
    assert all(f.combinaties is None for f in without.faces)


def test_the_fast_samenvatting_gives_the_same_part() -> None:
    invoer = Invoer(MATRICES, LAGEN)
    area = MultiPolygon([GEBIED])
    full = compute.analyse(area, OPGAVEN, FILTERS, workers=1, combinaties=invoer)
    assert compute.samenvatting(area, OPGAVEN, FILTERS, workers=1, combinaties=invoer) == (
        full.samenvatting
    )


def test_subdivide_conserves_the_area() -> None:
    ring = shapely.Point(0, 0).buffer(1_000, 512).difference(shapely.Point(100, 0).buffer(300, 64))
    pieces = subdivide(ring, 64)
    assert len(pieces) > 10
    assert all(shapely.get_num_coordinates(p) <= 64 for p in pieces)
    assert float(shapely.area(pieces).sum()) == pytest.approx(ring.area, rel=1e-12)
    # Interiors disjoint: the pieces' areas add up to the area of their union.
    assert float(shapely.area(shapely.union_all(pieces))) == pytest.approx(ring.area, rel=1e-9)


# --- symmetry ------------------------------------------------------------------------------

THEMAS = ("wonen", "natuur", "energie", "water-bodem")
WAARDEN = ("conflict", "koppelkans", "neutraal")


@st.composite
def situaties(draw: st.DrawFn) -> tuple[list[compute.Invoer], dict[tuple[str, str], str]]:
    opgaven = []
    for k in range(draw(st.integers(1, 8))):
        x, y = draw(st.integers(0, 30)), draw(st.integers(0, 30))
        w, h = draw(st.integers(1, 15)), draw(st.integers(1, 15))
        opgaven.append(
            _opgave(
                k + 1,
                draw(st.sampled_from(THEMAS)),
                box(x * 10, y * 10, (x + w) * 10, (y + h) * 10),
            )
        )
    cells = {}
    for a, b in itertools.combinations_with_replacement(sorted(THEMAS), 2):
        cells[(a, b)] = draw(st.sampled_from(WAARDEN))
    return opgaven, cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situaties(), st.randoms(use_true_random=False))
def test_pairs_do_not_depend_on_order(
    situatie: tuple[list[compute.Invoer], dict[tuple[str, str], str]], rnd: object
) -> None:
    """A pair's value is the same whichever thema comes first, and the figures do not
    depend on the order of the opgaven: the matrix is symmetric by construction."""
    opgaven, cells = situatie
    area = MultiPolygon([box(0, 0, 450, 450)])
    forward = Matrices(1, False, cells, {})
    mirrored = Matrices(1, False, {(b, a): w for (a, b), w in cells.items()}, {})
    for a, b in itertools.product(THEMAS, repeat=2):
        assert forward.thema(a, b) == forward.thema(b, a) == cells[(min(a, b), max(a, b))]
    shuffled = list(opgaven)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    one = compute.analyse(area, opgaven, FILTERS, workers=1, combinaties=Invoer(forward))
    two = compute.analyse(area, shuffled, FILTERS, workers=1, combinaties=Invoer(_sorted(mirrored)))
    first, second = one.samenvatting["combinaties"], two.samenvatting["combinaties"]
    assert first is not None and second is not None
    for key in ("conflict_ha", "koppelkans_ha", "beide_ha", "paren"):
        assert first[key] == second[key]
    assert sorted(first["knelpunten"], key=lambda k: k["opgave"]) == sorted(
        second["knelpunten"], key=lambda k: k["opgave"]
    )
    # Every conflict pair a face names is one of the pairs its opgaven make.
    themas = {str(o[0]): o[1] for o in opgaven}
    for face in one.faces:
        own = sorted(themas[str(o)] for o in face.opgaven)
        made = {(a, b) for a, b in itertools.combinations(own, 2)}
        for pair in face.combinaties["conflicten"] if face.combinaties else []:
            soort, a, b = _key(pair)
            assert soort == "thema" and (a, b) in made
            assert cells[(a, b)] == "conflict"


def _sorted(matrices: Matrices) -> Matrices:
    """A matrix given with pairs either way round, stored as the database does: a <= b."""
    return Matrices(
        matrices.versie,
        matrices.voorbeeld,
        {(min(a, b), max(a, b)): w for (a, b), w in matrices.themas.items()},
        matrices.lagen,
    )


def test_combineer_on_no_faces() -> None:
    faces = np.array([], dtype=object)
    vlakken, part = combineer(
        faces, np.array([0]), np.array([], dtype=np.int64), [], [], Invoer(MATRICES, LAGEN)
    )
    assert vlakken == []
    assert part["conflict_ha"] == 0 and part["knelpunten"] == []


def test_subdivide_cuts_by_overlays_when_clipping_goes_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gebiedsregie.combinaties import analysis

    ring = shapely.Point(0, 0).buffer(1_000, 256)
    before = analysis.CLIP_OVERLAYS.value
    assert float(shapely.area(subdivide(ring, 64)).sum()) == pytest.approx(ring.area, rel=1e-12)
    assert analysis.CLIP_OVERLAYS.value == before  # the fast cut holds on an ordinary shape

    # A clipping that loses a corner of every piece: the area check sees it.
    monkeypatch.setattr(
        analysis.shapely,
        "clip_by_rect",
        lambda g, *b: shapely.intersection(g, shapely.box(*b)).difference(
            shapely.box(b[0], b[1], b[0] + 5, b[1] + 5)
        ),
    )
    pieces = subdivide(ring, 64)
    assert analysis.CLIP_OVERLAYS.value == before + 1
    assert float(shapely.area(pieces).sum()) == pytest.approx(ring.area, rel=1e-12)


def test_the_types_name_what_is_built_and_documented() -> None:
    from gebiedsregie.combinaties import samenvatting, schemas

    result = _analyse()
    part = result.samenvatting["combinaties"]
    assert part is not None

    def fields(model: type[object]) -> set[str]:
        return set(model.model_fields)  # type: ignore[attr-defined]

    assert set(part) == samenvatting.Combinaties.__required_keys__ == fields(schemas.Combinaties)
    assert set(part["hotspots"][0]) == samenvatting.ConflictHotspot.__required_keys__
    assert fields(schemas.ConflictHotspot) == samenvatting.ConflictHotspotInCrs.__required_keys__
    assert set(part["knelpunten"][0]) == samenvatting.Knelpunt.__required_keys__
    assert fields(schemas.Knelpunt) == samenvatting.Knelpunt.__required_keys__
    assert set(part["lagen"][0]) == samenvatting.LaagInGebied.__required_keys__
    vlak = next(f.combinaties for f in result.faces if f.combinaties)
    assert vlak is not None
    assert set(vlak) == samenvatting.VlakCombinaties.__required_keys__
    assert fields(schemas.VlakCombinaties) == samenvatting.VlakCombinaties.__required_keys__
