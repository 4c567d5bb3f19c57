"""The differences of two samenvattingen: per depth, per thema, per thema pair, and in the
key figures. Pure: samenvattingen in, differences (b - a) out.
"""

from itertools import combinations
from typing import TypedDict

from gebiedsregie.stapeling.samenvatting import Samenvatting

DECIMALS = 4  # as the samenvatting's hectares


class Getal(TypedDict):
    a: float | None
    b: float | None
    verschil: float | None


class Aantal(TypedDict):
    a: int
    b: int
    verschil: int


class DiepteVerschil(TypedDict):
    aantal: int
    a_ha: float
    b_ha: float
    verschil_ha: float


class ThemaVerschil(TypedDict):
    thema: str
    a_ha: float
    b_ha: float
    verschil_ha: float


class ThemapaarVerschil(TypedDict):
    themas: list[str]  # two codes, sorted
    a_ha: float
    b_ha: float
    verschil_ha: float


class Verschillen(TypedDict):
    ruimtedruk: Getal
    max_diepte: Aantal
    bedekt_ha: Getal
    aantal_opgaven: Aantal
    per_diepte: list[DiepteVerschil]
    per_thema: list[ThemaVerschil]
    per_themapaar: list[ThemapaarVerschil]


def getal_verschil(a: float | None, b: float | None) -> Getal:
    """A figure of A and B with B - A (None when either is missing)."""
    verschil = round(b - a, DECIMALS) if a is not None and b is not None else None
    return {"a": a, "b": b, "verschil": verschil}


def _aantal(a: int, b: int) -> Aantal:
    return {"a": a, "b": b, "verschil": b - a}


def _pairs(samenvatting: Samenvatting) -> dict[tuple[str, str], float]:
    """The overlap of each pair of different themas (ha), from the thema x thema matrix."""
    codes, matrix = samenvatting["themas"], samenvatting["overlap_ha"]
    return {(codes[i], codes[j]): matrix[i][j] for i, j in combinations(range(len(codes)), 2)}


def verschillen(a: Samenvatting, b: Samenvatting) -> Verschillen:
    """Return how B differs from A (b - a), in the samenvatting's own figures.

    Depths run from 1 to the larger maximum; themas and thema pairs are those with area in A
    or B, the pairs by the size of their difference.
    """
    depth_a = {d["aantal"]: d["oppervlakte_ha"] for d in a["per_diepte"]}
    depth_b = {d["aantal"]: d["oppervlakte_ha"] for d in b["per_diepte"]}
    per_diepte: list[DiepteVerschil] = [
        {
            "aantal": k,
            "a_ha": depth_a.get(k, 0.0),
            "b_ha": depth_b.get(k, 0.0),
            "verschil_ha": round(depth_b.get(k, 0.0) - depth_a.get(k, 0.0), DECIMALS),
        }
        for k in range(1, max(a["max_diepte"], b["max_diepte"]) + 1)
    ]
    thema_a, thema_b = a["per_thema"], b["per_thema"]
    per_thema: list[ThemaVerschil] = [
        {
            "thema": code,
            "a_ha": thema_a.get(code, 0.0),
            "b_ha": thema_b.get(code, 0.0),
            "verschil_ha": round(thema_b.get(code, 0.0) - thema_a.get(code, 0.0), DECIMALS),
        }
        for code in sorted(thema_a.keys() | thema_b.keys())
    ]
    pair_a, pair_b = _pairs(a), _pairs(b)
    per_paar: list[ThemapaarVerschil] = [
        {
            "themas": list(pair),
            "a_ha": pair_a.get(pair, 0.0),
            "b_ha": pair_b.get(pair, 0.0),
            "verschil_ha": round(pair_b.get(pair, 0.0) - pair_a.get(pair, 0.0), DECIMALS),
        }
        for pair in sorted(pair_a.keys() | pair_b.keys())
        if pair_a.get(pair, 0.0) or pair_b.get(pair, 0.0)
    ]
    per_paar.sort(key=lambda p: -abs(p["verschil_ha"]))  # stable: ties stay by thema
    return {
        "ruimtedruk": getal_verschil(a["ruimtedruk"], b["ruimtedruk"]),
        "max_diepte": _aantal(a["max_diepte"], b["max_diepte"]),
        "bedekt_ha": getal_verschil(a["bedekt_ha"], b["bedekt_ha"]),
        "aantal_opgaven": _aantal(a["aantal_opgaven"], b["aantal_opgaven"]),
        "per_diepte": per_diepte,
        "per_thema": per_thema,
        "per_themapaar": per_paar,
    }
