"""Small factories for referentielagen, with literal RD geometries (around Ede)."""

from typing import Any

from shapely import MultiPolygon, Polygon, box
from sqlalchemy.orm import Session

from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.models import Referentielaag
from gebiedsregie.referentielagen.service import NieuwObject
from tests.factories import multi

# Two overlapping squares and one apart, east of Ede.
VAKKEN = [
    box(174_000, 448_000, 175_000, 449_000),
    box(174_500, 448_500, 175_500, 449_500),
    box(177_000, 448_000, 177_400, 448_400),
]


def make_laag(
    session: Session,
    objecten: list[Polygon | MultiPolygon] | None = None,
    **fields: Any,
) -> Referentielaag:
    """A laag (committed within the test's savepoint) with objecten named Object 1, 2, ..."""
    values = {"naam": "Beschermd gebied", "soort": "sturend", "kleur": "#2e7d32", **fields}
    laag = service.create_laag(session, values)
    nieuw = [
        NieuwObject(multi(geom), f"Object {nr}", str(nr), {"nr": nr, "klasse": "A"})
        for nr, geom in enumerate(VAKKEN if objecten is None else objecten, start=1)
    ]
    return service.replace_objecten(session, laag, [nieuw])
