"""Exports and imports: what goes in and out, through the other domains' services."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gebiedsregie import __version__
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.geometry import area_ha
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.uitwisseling.export import LAGEN, Export, Laag

BOUNDARY_SOURCE = (
    "Gemeentegrenzen: CBS Gebiedsindelingen 2024 (gemeente_gegeneraliseerd), "
    "\u00a9 CBS / PDOK, CC BY 4.0"
)


def build_export(
    session: Session, gebied: Gebied, flt: stapeling_service.StapelingFilter, max_opgaven: int
) -> Export:
    """Return the gebied, the opgaven meeting it and its stapeling, for `flt`."""
    gebied_rd = gebieden_service.gebied_shape(gebied)
    lagen = {naam: Laag(naam) for naam in LAGEN}
    lagen["gebied"].add(
        {
            "id": str(gebied.id),
            "slug": gebied.slug,
            "naam": gebied.naam,
            "soort": gebied.soort,
            "provincies": list(gebied.provincies),
            "gemeenten": list(gebied.gemeenten),
            "beschrijving": gebied.beschrijving,
            "bron": gebied.bron,
            "oppervlakte_ha": area_ha(gebied_rd),
        },
        gebied_rd,
    )

    themas = {t.code: t.naam for t in opgaven_service.list_themas(session)}
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    opgaven, _ = opgaven_service.list_opgaven(session, flt.opgaven_filter(area), max_opgaven)
    bronnen = {BOUNDARY_SOURCE}
    for opgave in opgaven:
        geom = opgaven_service.opgave_shape(opgave)
        if opgave.bron:
            bronnen.add(opgave.bron)
        lagen["opgave"].add(
            {
                "id": str(opgave.id),
                "titel": opgave.titel,
                "thema": opgave.thema,
                "thema_naam": themas.get(opgave.thema, opgave.thema),
                "beschrijving": opgave.beschrijving,
                "trekker": opgave.trekker,
                "status": opgave.status,
                "horizon": opgave.horizon,
                "ruimtevraag_ha": opgave.ruimtevraag_ha,
                "bron": opgave.bron,
                "extern_id": opgave.extern_id,
                "oppervlakte_ha": area_ha(geom),
                "oppervlakte_in_gebied_ha": area_ha(geom.intersection(gebied_rd)),
                "gewijzigd_op": opgave.gewijzigd_op.isoformat(timespec="seconds"),
            },
            geom,
        )

    view = stapeling_service.stored(session, gebied, flt)
    hotspots = {h["nr"] for h in view.samenvatting["hotspots"]}
    for face in stapeling_service.faces_with_geometry(session, view):
        lagen["stapeling"].add(
            {
                "nr": face.nr,
                "aantal": face.aantal,
                "aantal_themas": face.aantal_themas,
                "themas": list(face.themas),
                "opgaven": [str(o) for o in face.opgaven],
                "oppervlakte_ha": face.oppervlakte_ha,
                "hotspot": face.nr in hotspots,
            },
            face.geom,
        )

    return Export(
        gebied={"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam},
        filters=flt.as_dict(),
        bronnen=sorted(bronnen),
        generator={"naam": "Gebiedsregie", "versie": __version__},
        gegenereerd_op=datetime.now(UTC),
        lagen=lagen,
    )
