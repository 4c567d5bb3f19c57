"""The opgaventabel and the samenvatting as sheets (`Blad`) for the CSV and XLSX downloads."""

from collections.abc import Mapping
from typing import Any

from gebiedsregie.crs import RD_NEW, Crs
from gebiedsregie.rapport.downloads import HA, PROCENT, Blad, Cel
from gebiedsregie.rapport.tabel import Tabel
from gebiedsregie.stapeling.samenvatting import SamenvattingInCrs
from gebiedsregie.web.pages import STATUSSEN, TREKKERS

ALLE = "alle"


def filter_regels(filters: Mapping[str, Any], themas: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return the filters as (label, Dutch text) lines; `themas` maps code to naam."""
    statussen = {str(k): v for k, v in STATUSSEN.items()}
    trekkers = {str(k): v for k, v in TREKKERS.items()}
    horizon = filters.get("horizon")
    return [
        ("Thema", ", ".join(themas.get(t, t) for t in filters.get("thema", [])) or ALLE),
        ("Status", ", ".join(statussen.get(s, s) for s in filters.get("status", [])) or ALLE),
        ("Trekker", ", ".join(trekkers.get(t, t) for t in filters.get("trekker", [])) or ALLE),
        ("Horizon", f"tot en met {horizon}" if horizon is not None else ALLE),
    ]


def tabel_blad(tabel: Tabel) -> Blad:
    """Return the opgaventabel as one sheet, with the Dutch headings."""
    kolommen = [naam for naam, _ in tabel.kolommen]
    return Blad(
        titel="Opgaven",
        kopjes=[titel for _, titel in tabel.kolommen],
        rijen=[[rij[k] for k in kolommen] for rij in tabel.rijen],
        formaten={
            kolommen.index("oppervlakte_in_gebied_ha"): HA,
            kolommen.index("ruimtevraag_ha"): HA,
        },
        vaste_kolommen=1,
    )


def _procent(ha: float, gebied_ha: float) -> float | None:
    return round(100 * ha / gebied_ha, 2) if gebied_ha > 0 else None


def samenvatting_bladen(
    gebied: Mapping[str, str],
    samenvatting: SamenvattingInCrs,
    themas: Mapping[str, str],
    titels: Mapping[str, str],
    crs: Crs,
) -> list[Blad]:
    """Return the samenvatting as sheets: gebied and filters, per diepte, per thema, the
    thema x thema matrix (names as headings) and the hotspots.

    Parameters
    ----------
    gebied : id, slug and naam
    samenvatting : as the API gives it (hotspot points in `crs`)
    themas : code -> naam
    titels : opgave id -> titel, for the hotspots
    crs : the CRS of the hotspot points
    """
    s = samenvatting
    gebied_ha = s["gebied_ha"]
    filters: list[list[Cel]] = [
        [f"Filter {label.lower()}", tekst] for label, tekst in filter_regels(s["filters"], themas)
    ]
    # GET …/samenvatting adds the vraag beside the stored figures.
    vraag: list[list[Cel]] = (
        [
            ["Gevraagd: som ruimtevraag (ha)", s["vraag_ha"]],
            ["Opgaven zonder ruimtevraag (zoekgebied telt)", s.get("vraag_aantal_geschat", 0)],
            ["Ruimtedruk (vraag)", s.get("ruimtedruk_vraag")],
        ]
        if "vraag_ha" in s
        else []
    )
    eigenschappen: list[list[Cel]] = [
        ["Gebied", gebied["naam"]],
        ["Slug", gebied["slug"]],
        ["Id", gebied["id"]],
        *filters,
        ["Oppervlakte gebied (ha)", gebied_ha],
        ["Bedekt door opgaven (ha)", s["bedekt_ha"]],
        ["Aantal opgaven", s["aantal_opgaven"]],
        ["Aantal vlakken", s["aantal_vlakken"]],
        ["Maximale stapeling", s["max_diepte"]],
        ["Ruimtedruk (zoekgebied)", s["ruimtedruk"]],
        *vraag,
        ["Splinters bij buurvlak gevoegd (ha)", s["sliver_ha"]],
    ]
    per_diepte = s["per_diepte"]
    diepte_rijen: list[list[Cel]] = []
    for i, d in enumerate(per_diepte):
        minstens = sum(x["oppervlakte_ha"] for x in per_diepte[i:])
        diepte_rijen.append(
            [
                d["aantal"],
                d["oppervlakte_ha"],
                _procent(d["oppervlakte_ha"], gebied_ha),
                round(minstens, 4),
                _procent(minstens, gebied_ha),
            ]
        )
    codes = list(s["themas"])
    namen = [themas.get(c, c) for c in codes]
    thema_rijen: list[list[Cel]] = sorted(
        (
            [code, themas.get(code, code), ha, _procent(ha, gebied_ha)]
            for code, ha in s["per_thema"].items()
        ),
        key=lambda rij: (-float(rij[2] or 0), str(rij[0])),
    )
    matrix_rijen: list[list[Cel]] = [
        [naam, *row] for naam, row in zip(namen, s["overlap_ha"], strict=True)
    ]
    x, y = ("X (RD, m)", "Y (RD, m)") if crs.epsg == RD_NEW else ("Lengtegraad", "Breedtegraad")
    hotspot_rijen: list[list[Cel]] = [
        [
            i,
            h["aantal"],
            h["oppervlakte_ha"],
            ", ".join(themas.get(t, t) for t in h["themas"]),
            ", ".join(sorted(titels.get(str(o), str(o)) for o in h["opgaven"])),
            h["punt"][0],
            h["punt"][1],
        ]
        for i, h in enumerate(s["hotspots"], start=1)
    ]
    return [
        Blad("Gebied en filters", ["Eigenschap", "Waarde"], eigenschappen, filter=False),
        Blad(
            "Per diepte",
            [
                "Aantal opgaven",
                "Oppervlakte (ha)",
                "Aandeel van gebied (%)",
                "Minstens zoveel opgaven (ha)",
                "Aandeel minstens zoveel (%)",
            ],
            diepte_rijen,
            {1: HA, 2: PROCENT, 3: HA, 4: PROCENT},
        ),
        Blad(
            "Per thema",
            ["Thema (code)", "Thema", "Oppervlakte (ha)", "Aandeel van gebied (%)"],
            thema_rijen,
            {2: HA, 3: PROCENT},
        ),
        Blad(
            "Thema x thema (ha)",
            ["Thema", *namen],
            matrix_rijen,
            dict.fromkeys(range(1, len(namen) + 1), HA),
            vaste_kolommen=1,
            filter=False,
        ),
        Blad(
            "Hotspots",
            ["Nr", "Aantal opgaven", "Oppervlakte (ha)", "Themas", "Opgaven", x, y],
            hotspot_rijen,
            {2: HA},
        ),
    ]
