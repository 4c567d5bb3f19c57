"""Statistics of a stapeling in tegels: per tegel from its faces, for a run their sum.

Kept in m², unrounded, so that a sum over tegels equals the whole within float error;
`kerncijfers` rounds them as `stapeling.summary.summarize` does.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from gebiedsregie.stapeling.analysis import Faces
from gebiedsregie.stapeling.samenvatting import Kerncijfers
from gebiedsregie.stapeling.summary import thema_matrix


@dataclass
class Statistiek:
    """Areas (m²) of a stapeling: of one tegel, or summed over tegels.

    Attributes
    ----------
    per_diepte_m2 : dict of int to float
        Area per depth (`aantal` >= 1).
    per_themapaar_m2 : dict of (str, str) to float
        Area where both themas meet, per pair (a, b) with a <= b; (t, t) is thema t's area.
    bedekt_m2 : float
        Area covered by at least one input.
    invoer_m2 : float
        Sum of the (clipped) inputs' areas: depth times area, the numerator of ruimtedruk.
    gebied_m2 : float
        Area of the extent (within the tegel): the denominator of ruimtedruk.
    sliver_m2 : float
        Area of slivers absorbed into neighbouring faces.
    aantal_vlakken : int
        Faces, counted per tegel (a face cut by a border counts once per tegel).
    aantal_tegels : int
    """

    per_diepte_m2: dict[int, float] = field(default_factory=dict)
    per_themapaar_m2: dict[tuple[str, str], float] = field(default_factory=dict)
    bedekt_m2: float = 0.0
    invoer_m2: float = 0.0
    gebied_m2: float = 0.0
    sliver_m2: float = 0.0
    aantal_vlakken: int = 0
    aantal_tegels: int = 0

    @property
    def per_thema_m2(self) -> dict[str, float]:
        return {a: v for (a, b), v in sorted(self.per_themapaar_m2.items()) if a == b}

    @property
    def max_diepte(self) -> int:
        return max((k for k, v in self.per_diepte_m2.items() if v > 0), default=0)

    def kerncijfers(self) -> Kerncijfers:
        """Return the figures of a samenvatting, rounded as `summarize` rounds them."""
        codes = sorted(self.per_thema_m2)
        overlap = [
            [
                round(self.per_themapaar_m2.get((min(a, b), max(a, b)), 0.0) / 10_000, 4)
                for b in codes
            ]
            for a in codes
        ]
        return {
            "gebied_ha": round(self.gebied_m2 / 10_000, 4),
            "bedekt_ha": round(self.bedekt_m2 / 10_000, 4),
            "max_diepte": self.max_diepte,
            "per_diepte": [
                {"aantal": k, "oppervlakte_ha": round(self.per_diepte_m2.get(k, 0.0) / 10_000, 4)}
                for k in range(1, self.max_diepte + 1)
            ],
            "per_thema": {c: round(v / 10_000, 4) for c, v in self.per_thema_m2.items()},
            "themas": codes,
            "overlap_ha": overlap,
            "ruimtedruk": (
                round(self.invoer_m2 / self.gebied_m2, 4) if self.gebied_m2 > 0 else None
            ),
            "aantal_vlakken": self.aantal_vlakken,
            "sliver_ha": round(self.sliver_m2 / 10_000, 6),
        }


def of_faces(faces: Faces, themas: Sequence[str], gebied_m2: float) -> Statistiek:
    """Return the statistics of one tegel's faces (`themas`: per input, as indexed by the
    faces' members)."""
    if not len(faces):
        return Statistiek(gebied_m2=gebied_m2, sliver_m2=faces.sliver_m2, aantal_tegels=1)
    area, aantal = faces.area, faces.aantal
    per_diepte = np.bincount(aantal, weights=area)
    codes, matrix = thema_matrix(faces, themas)
    overlap = (matrix.T * area) @ matrix
    pairs = {
        (a, b): float(overlap[i, k])
        for i, a in enumerate(codes)
        for k, b in enumerate(codes)
        if i <= k and overlap[i, k] > 0
    }
    return Statistiek(
        per_diepte_m2={k: float(v) for k, v in enumerate(per_diepte) if k > 0 and v > 0},
        per_themapaar_m2=pairs,
        bedekt_m2=float(area.sum()),
        invoer_m2=float((aantal * area).sum()),
        gebied_m2=gebied_m2,
        sliver_m2=faces.sliver_m2,
        aantal_vlakken=len(faces),
        aantal_tegels=1,
    )


def total(parts: Iterable[Statistiek]) -> Statistiek:
    """Return the sum of `parts` (exactly rounded sums: the order of the tegels, as Dask
    returns them, does not change a bit of it)."""
    parts = list(parts)
    depths: defaultdict[int, list[float]] = defaultdict(list)
    pairs: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for part in parts:
        for k, v in part.per_diepte_m2.items():
            depths[k].append(v)
        for p, v in part.per_themapaar_m2.items():
            pairs[p].append(v)
    return Statistiek(
        per_diepte_m2={k: math.fsum(v) for k, v in sorted(depths.items())},
        per_themapaar_m2={p: math.fsum(v) for p, v in sorted(pairs.items())},
        bedekt_m2=math.fsum(p.bedekt_m2 for p in parts),
        invoer_m2=math.fsum(p.invoer_m2 for p in parts),
        gebied_m2=math.fsum(p.gebied_m2 for p in parts),
        sliver_m2=math.fsum(p.sliver_m2 for p in parts),
        aantal_vlakken=sum(p.aantal_vlakken for p in parts),
        aantal_tegels=sum(p.aantal_tegels for p in parts),
    )
