"""What the map pages show: the folium map and the figures around it, from the services."""

from dataclasses import dataclass
from typing import Any

import folium
from sqlalchemy.orm import Session

from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied, GebiedSoort
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import HORIZON_MAX, HORIZON_MIN, Status, Trekker
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from gebiedsregie.web.assets import Assets
from gebiedsregie.web.elements import Kaart, PaginaScript, add_achtergrond, render_parts

API = "/api/v1"
COMMON_JS = [
    "js/gebiedsregie.js",
    "js/melding.js",
    "js/kaartbediening.js",
    "js/indeling.js",
    "js/tekenen.js",
    "js/formulier.js",
]
COMMON_CSS = ["vendor/leaflet-geoman/dist/leaflet-geoman.css", "css/kaart.css"]
GEOMAN_JS = "vendor/leaflet-geoman/dist/leaflet-geoman.min.js"
VECTORGRID_JS = "vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.min.js"
# The map in RD (`?kaart=rd`): proj4 and proj4leaflet, then our CRS of NetherlandsRDNewQuad.
RD_JS = ["vendor/proj4/dist/proj4.js", "vendor/proj4leaflet/src/proj4leaflet.js"]
KAART_KEUZE_JS = "js/rdkaart.js"  # the CRS, and the switch between the two maps
# The referentielagen (Natura 2000, ...) as overlays of their vector tiles, on both map pages.
REFERENTIELAGEN_JS = ["js/referentielagen.js"]
# Above this many opgaven (with the filters set), the gebied page draws the thema layers from
# vector tiles instead of GeoJSON; `?tegeldrempel=N` in the page's URL overrides it.
TEGEL_DREMPEL = 2_000

TREKKERS = {
    Trekker.RIJK: "Rijk",
    Trekker.PROVINCIE: "Provincie",
    Trekker.GEMEENTE: "Gemeente",
    Trekker.WATERSCHAP: "Waterschap",
    Trekker.SAMENWERKINGSVERBAND: "Samenwerkingsverband",
    Trekker.OVERIG: "Overig",
}
STATUSSEN = {
    Status.VERKENNING: "Verkenning",
    Status.PLANVORMING: "Planvorming",
    Status.BESLUITVORMING: "Besluitvorming",
    Status.UITVOERING: "Uitvoering",
    Status.GEREALISEERD: "Gerealiseerd",
}
SOORTEN = {
    GebiedSoort.VOORBEELDGEBIED: "Voorbeeldgebied",
    GebiedSoort.NOVEX_GEBIED: "NOVEX-gebied",
    GebiedSoort.DEELGEBIED: "Deelgebied",
    GebiedSoort.EIGEN: "Eigen gebied",
}


@dataclass(frozen=True)
class GebiedKaartje:
    """The key figures of a gebied on the overview."""

    slug: str
    naam: str
    soort: str
    provincies: list[str]
    oppervlakte_ha: float
    aantal_opgaven: int
    ruimtedruk: float | None
    max_diepte: int


def vocabulary(session: Session) -> dict[str, Any]:
    """The lists the pages' forms and filters offer, as the API knows them."""
    return {
        "themas": [
            {"code": t.code, "naam": t.naam, "kleur": t.kleur}
            for t in opgaven_service.list_themas(session)
        ],
        "statussen": [{"code": str(k), "naam": v} for k, v in STATUSSEN.items()],
        "trekkers": [{"code": str(k), "naam": v} for k, v in TREKKERS.items()],
        "soorten": [{"code": str(k), "naam": v} for k, v in SOORTEN.items()],
        "horizon": {"min": HORIZON_MIN, "max": HORIZON_MAX},
    }


def _kaart(
    assets: Assets,
    entry: str,
    config: dict[str, Any],
    scripts: list[str],
    stylesheets: list[str] | None = None,
    rd: bool = False,
) -> dict[str, str]:
    kaart = Kaart(assets, rd=rd)
    add_achtergrond(kaart, rd=rd)
    if KAART_KEUZE_JS in scripts:  # before the map is made: it may need the RD CRS
        scripts = [
            *(RD_JS if rd else []),
            KAART_KEUZE_JS,
            *(s for s in scripts if s != KAART_KEUZE_JS),
        ]
    # Leaflet's own collapsing opens on hover and says nothing to a screen reader: the control
    # is folded by a button of ours instead (kaartbediening.js), folded from the start on a phone.
    control = folium.LayerControl(collapsed=False, position="topright")
    control.add_to(kaart)
    PaginaScript(
        assets,
        entry,
        control,
        {"api": API, **config},
        [GEOMAN_JS, *COMMON_JS, *scripts],
        [*COMMON_CSS, *(stylesheets or [])],
    ).add_to(kaart)
    return render_parts(kaart)


def kaartje(session: Session, gebied: Gebied) -> GebiedKaartje:
    view = stapeling_service.stored(session, HuidigeSituatie(gebied), StapelingFilter())
    samenvatting = view.samenvatting
    return GebiedKaartje(
        slug=gebied.slug,
        naam=gebied.naam,
        soort=SOORTEN.get(GebiedSoort(gebied.soort), gebied.soort),
        provincies=list(gebied.provincies),
        oppervlakte_ha=samenvatting["gebied_ha"],
        aantal_opgaven=samenvatting["aantal_opgaven"],
        ruimtedruk=samenvatting["ruimtedruk"],
        max_diepte=samenvatting["max_diepte"],
    )


def overzicht(session: Session, assets: Assets, rd: bool = False) -> dict[str, Any]:
    """Context of the overview page: all gebieden on the map, a card with figures for each;
    with `rd` the map is in RD."""
    gebieden, _ = gebieden_service.list_gebieden(session, limit=1000)
    woorden = vocabulary(session)
    return {
        "kaartjes": [kaartje(session, g) for g in gebieden],
        "woorden": woorden,
        "kaart": _kaart(
            assets,
            "overzichtPagina",
            woorden,
            # The referentielagen are vector tiles, with a legend of their own.
            [
                KAART_KEUZE_JS,
                VECTORGRID_JS,
                "js/vectortegels.js",
                "js/legenda.js",
                *REFERENTIELAGEN_JS,
                "js/overzicht.js",
            ],
            ["css/referentielagen.css"],
            rd=rd,
        ),
    }


def gebied_pagina(
    session: Session, assets: Assets, gebied: Gebied, rd: bool = False
) -> dict[str, Any]:
    """Context of a gebied's map page; its data comes from the API as the page needs it. With
    `rd` the map is in RD, its vector tiles from NetherlandsRDNewQuad."""
    woorden = vocabulary(session)
    config = {
        **woorden,
        "gebied": {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam},
        "tegelDrempel": TEGEL_DREMPEL,
    }
    # One module per concern of the page; gebied.js wires them (the order is the load order).
    scripts = [
        KAART_KEUZE_JS,
        "js/grafieken.js",
        VECTORGRID_JS,
        "js/vectortegels.js",
        "js/filters.js",
        "js/opgavenlaag.js",
        "js/stapeling.js",
        "js/conflictkaart.js",
        "js/legenda.js",
        "js/samenvatting.js",
        "js/combinatieblok.js",
        "js/ruimtebalans.js",
        "js/adhoc.js",
        "js/tabel.js",
        "js/downloads.js",
        "js/varianten.js",
        "js/variantpaneel.js",
        *REFERENTIELAGEN_JS,
        "js/gebied.js",
    ]
    return {
        "gebied": gebied,
        "soort": SOORTEN.get(GebiedSoort(gebied.soort), gebied.soort),
        "woorden": woorden,
        "kaart": _kaart(
            assets,
            "gebiedPagina",
            config,
            scripts,
            [
                "css/varianten.css",
                "css/ruimtebalans.css",
                "css/combinaties.css",
                "css/referentielagen.css",
            ],
            rd=rd,
        ),
    }


def vergelijk_pagina(session: Session, assets: Assets, gebied: Gebied) -> dict[str, Any]:
    """Context of a gebied's vergelijken page: two situations side by side (issue #16). Which
    two is in the page's URL (`a`, `b`, `a_horizon`, `b_horizon`, the filters `thema`,
    `status`, `trekker` of both, `weergave`), read by vergelijken.js, so a comparison can be
    shared as a link."""
    woorden = vocabulary(session)
    config = {
        **woorden,
        "gebied": {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam},
    }
    scripts = [
        "js/grafieken.js",
        "js/stapeling.js",
        "js/legenda.js",
        "js/filters.js",
        "js/vergelijkfilters.js",
        "js/vergelijkkaarten.js",
        "js/swipe.js",
        "js/verschilkaart.js",
        "js/verschiltabel.js",
        "js/vergelijken.js",
    ]
    return {
        "gebied": gebied,
        "woorden": woorden,
        "kaart": _kaart(assets, "vergelijkPagina", config, scripts, ["css/vergelijken.css"]),
    }


def ogc_kaart(assets: Assets, geojson_url: str) -> dict[str, str]:
    """The map on the OGC API's HTML pages: the features of `geojson_url` (CRS84)."""
    return _kaart(assets, "ogcPagina", {"url": geojson_url}, ["js/ogc.js"])


# The properties of an opgave an import fills from the file's fields, as the page names them.
IMPORT_EIGENSCHAPPEN = {
    "titel": "Titel",
    "thema": "Thema",
    "trekker": "Trekker",
    "status": "Status",
    "horizon": "Horizon (jaar)",
    "beschrijving": "Beschrijving",
    "bron": "Bron",
    "ruimtevraag_ha": "Ruimtevraag (ha)",
    "extern_id": "Extern id",
}


def import_pagina(session: Session, settings: Settings) -> dict[str, Any]:
    """Context of the import page: the lists its form offers and the import's limits."""
    return {
        "woorden": vocabulary(session),
        "eigenschappen": IMPORT_EIGENSCHAPPEN,
        "max_upload_bytes": settings.max_upload_bytes,
        "max_import_features": settings.max_import_features,
        "import_seconds": settings.import_seconds,
    }
