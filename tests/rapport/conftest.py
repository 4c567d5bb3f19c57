"""A small gebied with hand-drawn opgaven, whose table and stapeling are known by heart."""

import pytest
from shapely import box
from sqlalchemy.orm import Session

from tests.factories import make_gebied, make_opgave

GEBIED = box(170_000, 440_000, 180_000, 450_000)  # 10,000 ha
FORMULA = '=HYPERLINK("http://example.org","klik")'
ILLUSTRATIEF = "Illustratief: getekend voor de test; geen officiële planvorming."


@pytest.fixture
def vallei(session: Session) -> dict[str, str]:
    """The gebied `vallei` and its opgaven; returns titel -> id of those meeting it."""
    make_gebied(session, GEBIED, slug="vallei", naam="Vallei")
    opgaven = [
        make_opgave(
            session,
            box(170_000, 440_000, 174_000, 450_000),
            titel="Wonen west",
            thema="wonen",
            trekker="gemeente",
            status="planvorming",
            horizon=2030,
            ruimtevraag_ha=40.0,
            bron=ILLUSTRATIEF,
        ),
        make_opgave(
            session,
            box(172_000, 440_000, 176_000, 450_000),
            titel="Natuur midden",
            thema="natuur",
            trekker="provincie",
            status="uitvoering",
            horizon=2040,
            bron="Provinciaal natuurbeheerplan 2024",
        ),
        # Partly outside: 7 km x 5 km of it lies in the gebied.
        make_opgave(
            session,
            box(173_000, 440_000, 185_000, 445_000),
            titel="Energie zuid",
            thema="energie",
            trekker="rijk",
            status="verkenning",
            horizon=None,
        ),
        # A titel a spreadsheet would take for a formula; 1 km x 1 km inside.
        make_opgave(
            session,
            box(179_000, 449_000, 181_000, 451_000),
            titel=FORMULA,
            thema="economie",
            trekker="overig",
            status="verkenning",
            horizon=2028,
            ruimtevraag_ha=0.5,
        ),
    ]
    # Outside, and only touching the boundary: neither is in the table.
    make_opgave(session, box(190_000, 440_000, 191_000, 441_000), titel="Elders")
    make_opgave(session, box(180_000, 440_000, 181_000, 441_000), titel="Raakt de grens")
    session.commit()
    return {o.titel: str(o.id) for o in opgaven}
