"""The samenvatting of a stapeling: areas per depth and thema, overlap matrix, pressure.

Pure, like `analysis`: faces in, numbers out.
"""

from collections.abc import Sequence

import numpy as np

from gebiedsregie.stapeling.analysis import Faces
from gebiedsregie.stapeling.samenvatting import Kerncijfers


def thema_matrix(faces: Faces, themas: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Return the thema codes and a boolean (faces x themas) membership matrix."""
    codes = sorted(set(themas))
    position = {c: i for i, c in enumerate(codes)}
    column = np.array([position[t] for t in themas], dtype=np.int64)
    matrix = np.zeros((len(faces), len(codes)), dtype=bool)
    aantal = faces.aantal
    matrix[np.repeat(np.arange(len(faces)), aantal), column[faces.members.flat]] = True
    return codes, matrix


def summarize(faces: Faces, themas: Sequence[str], area_m2: float, input_m2: float) -> Kerncijfers:
    """Return the figures of a samenvatting: areas per depth and thema, overlap, pressure.

    Parameters
    ----------
    faces : Faces
    themas : sequence of str
        The thema of each input (indexed like the inputs).
    area_m2 : float
        Area of the gebied (or drawn area).
    input_m2 : float
        Sum of the clipped inputs' areas.
    """
    ha = faces.area / 10_000
    aantal = faces.aantal
    codes, matrix = thema_matrix(faces, themas)
    overlap = (matrix.T * ha) @ matrix if len(codes) else np.zeros((0, 0))
    max_depth = int(aantal.max()) if len(aantal) else 0
    per_depth = np.bincount(aantal, weights=ha, minlength=max_depth + 1)
    return {
        "gebied_ha": round(area_m2 / 10_000, 4),
        "bedekt_ha": round(float(ha.sum()), 4),
        "max_diepte": max_depth,
        "per_diepte": [
            {"aantal": k, "oppervlakte_ha": round(float(per_depth[k]), 4)}
            for k in range(1, max_depth + 1)
        ],
        "per_thema": {c: round(float(overlap[i, i]), 4) for i, c in enumerate(codes)},
        "themas": codes,
        "overlap_ha": [[round(float(v), 4) for v in row] for row in overlap],
        "ruimtedruk": round(input_m2 / area_m2, 4) if area_m2 > 0 else None,
        "aantal_vlakken": len(faces),
        "sliver_ha": round(faces.sliver_m2 / 10_000, 6),
    }
