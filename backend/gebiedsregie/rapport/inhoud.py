"""What the report shows, read from the services: the opgaventabel, the samenvatting, the
faces and the background of the map."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from sqlalchemy.orm import Session

from gebiedsregie.errors import FieldError, PayloadTooLarge
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied, GebiedSoort
from gebiedsregie.rapport.bladen import filter_regels
from gebiedsregie.rapport.opdracht import Kaart, kaart_extent
from gebiedsregie.rapport.tabel import Gegevensstand, build_tabel
from gebiedsregie.ruimtebalans import service as ruimtebalans_service
from gebiedsregie.ruimtebalans.compute import Balans
from gebiedsregie.stapeling import reads as stapeling_reads
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.samenvatting import Samenvatting
from gebiedsregie.stapeling.situatie import HuidigeSituatie, Situatie
from gebiedsregie.varianten import service as varianten_service
from gebiedsregie.varianten.stapeling import VariantRef
from gebiedsregie.web.pages import SOORTEN

MAX_VLAKKEN = 50_000  # faces on one map: past this the drawing alone takes too long
ILLUSTRATIEF = "illustratief"  # a bron saying so marks an opgave as not a real plan


@dataclass
class Inhoud:
    """Everything the report shows, read and ready to be written as HTML and drawn."""

    gebied: dict[str, Any]
    datum: date
    filters: list[tuple[str, str]]
    min_aantal: int
    stand: Gegevensstand
    samenvatting: Samenvatting
    themas: dict[str, tuple[str, str]]  # code -> naam, kleur
    rijen: list[dict[str, Any]]  # the opgaventabel
    hotspots: list[dict[str, Any]]  # numbered as on the map, with the opgaven's titels
    bronnen: list[tuple[str, int]]  # each bron of the opgaven, and how many carry it
    illustratief: int  # how many opgaven' bron says they are illustrative
    kaart: Kaart
    variant: dict[str, Any] | None = None  # the variant shown (naam, status, ...), or None
    ruimtebalans: Balans | None = None


def is_illustratief(bron: str) -> bool:
    return ILLUSTRATIEF in bron.lower()


def build_inhoud(
    session: Session,
    gebied: Gebied,
    flt: StapelingFilter,
    min_aantal: int,
    datum: date,
    max_opgaven: int,
    bewaard_max: int = 500,
    situatie: Situatie | None = None,
) -> Inhoud:
    """Return the content of the report on `gebied` for `flt`, of the register or of
    `situatie` (a variant of the gebied); the map shows the faces at least `min_aantal` deep.
    PayloadTooLarge past `max_opgaven` opgaven or MAX_VLAKKEN faces.
    """
    tabel = build_tabel(session, gebied, flt, max_opgaven, bewaard_max, situatie)
    samenvatting = tabel.view.samenvatting
    if samenvatting["aantal_vlakken"] > MAX_VLAKKEN:
        raise PayloadTooLarge(
            f"De stapeling heeft {samenvatting['aantal_vlakken']} vlakken; een rapport tekent "
            f"er hoogstens {MAX_VLAKKEN}. Filter op thema, status, trekker of horizon.",
            [FieldError("gebied_id", "Te veel vlakken voor één kaart.", "te_veel_vlakken")],
        )
    faces = stapeling_reads.faces_with_geometry(session, tabel.view)
    gebied_rd = gebieden_service.gebied_shape(gebied)
    *view, _, _ = kaart_extent(gebied_rd.bounds, Kaart.breedte_mm, Kaart.max_hoogte_mm)
    gemeenten = gebieden_service.gemeenten_in(session, shapely.box(*view))
    titels = {rij["id"]: rij["titel"] for rij in tabel.rijen}
    hotspots: list[dict[str, Any]] = [
        {
            "nummer": nummer,
            "aantal": h["aantal"],
            "oppervlakte_ha": h["oppervlakte_ha"],
            "themas": [tabel.themas.get(t, (t, ""))[0] for t in h["themas"]],
            "opgaven": sorted(titels.get(o, o) for o in h["opgaven"]),
            "punt_rd": h["punt_rd"],
        }
        # A face of one opgave is no stapeling to point at.
        for nummer, h in enumerate((h for h in samenvatting["hotspots"] if h["aantal"] >= 2), 1)
    ]
    bronnen = Counter(rij["bron"] for rij in tabel.rijen if rij["bron"])
    kaart = Kaart(
        gebied=gebied_rd,
        gemeenten=gemeenten,
        labels=list(gebied.gemeenten),
        vlakken=[
            (f.aantal, f.geom) for f in faces if f.aantal >= min_aantal and f.geom is not None
        ],
        opgaven=[
            (tabel.themas.get(rij["thema"], ("", "#555555"))[1], geom)
            for rij, geom in zip(tabel.rijen, tabel.geometrieen, strict=True)
        ],
        hotspots=[(h["nummer"], *h["punt_rd"]) for h in hotspots],
    )
    namen = {code: naam for code, (naam, _) in tabel.themas.items()}
    return Inhoud(
        gebied={
            "naam": gebied.naam,
            "slug": gebied.slug,
            "soort": SOORTEN.get(GebiedSoort(gebied.soort), gebied.soort),
            "provincies": list(gebied.provincies),
            "gemeenten": list(gebied.gemeenten),
            "beschrijving": gebied.beschrijving,
            "bron": gebied.bron,
        },
        datum=datum,
        filters=filter_regels(tabel.filters, namen),
        min_aantal=min_aantal,
        stand=tabel.gegevensstand,
        samenvatting=samenvatting,
        themas=tabel.themas,
        rijen=tabel.rijen,
        hotspots=hotspots,
        bronnen=sorted(bronnen.items(), key=lambda item: (-item[1], item[0])),
        illustratief=sum(1 for rij in tabel.rijen if is_illustratief(rij["bron"])),
        kaart=kaart,
        variant=_variant(session, tabel.variant),
        ruimtebalans=ruimtebalans_service.ruimtebalans(
            session, situatie or HuidigeSituatie(gebied), flt, max_opgaven
        ).balans,
    )


def _variant(session: Session, variant: VariantRef | None) -> dict[str, Any] | None:
    """What the report says of the variant: its state and how many opgaven it changes."""
    if variant is None:
        return None
    aantallen = varianten_service.aantallen(session, [variant.id])[variant.id]
    return variant.as_dict() | {"aantallen": aantallen}
