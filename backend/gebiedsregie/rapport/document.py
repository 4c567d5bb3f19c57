"""The report as HTML (a Jinja template in this package) and the bars of its charts."""

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gebiedsregie import __version__
from gebiedsregie.rapport.inhoud import Inhoud, is_illustratief
from gebiedsregie.rapport.opdracht import (
    DIEPTE_KLEUREN,
    Balansstaaf,
    Opdracht,
    Staaf,
    VraagDeel,
    diepte_kleur,
)
from gebiedsregie.stapeling.samenvatting import Samenvatting
from gebiedsregie.web.pages import STATUSSEN, TREKKERS
from gebiedsregie.web.router import getal

TEMPLATES = Path(__file__).resolve().parent / "templates"
TIJDZONE = ZoneInfo("Europe/Amsterdam")
MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
GEMEENTEN_BRON = (
    "Gemeentegrenzen: CBS Gebiedsindelingen 2024 (gemeente_gegeneraliseerd), via PDOK; "
    "\u00a9 CBS / PDOK, CC BY 4.0."
)
PROVINCIES_BRON = (
    "Provinciegrenzen: de grenzen tussen CBS-gemeenten van verschillende provincies; de "
    "provincie van elke gemeente volgt de Kadaster Bestuurlijke Gebieden (Provinciegebied), "
    "\u00a9 Kadaster / PDOK."
)
# The opgaven listed in each variant of the report: all, and fewer when the pages do not fit.
LIJST_VARIANTEN: tuple[int | None, ...] = (None, 40, 20, 10, 0)


def datum_tekst(value: date) -> str:
    """5 december 2026"""
    return f"{value.day} {MAANDEN[value.month - 1]} {value.year}"


def tijd_tekst(value: datetime) -> str:
    """5 december 2026, 13:07 (Dutch time)"""
    local = value.astimezone(TIJDZONE)
    return f"{datum_tekst(local.date())}, {local:%H:%M}"


def ha(value: float | None) -> str:
    """Hectares rounded as a reader wants them: 12.345 / 12,3 / 0,12 (exact values are in
    the downloads)."""
    if value is None:
        return getal(None)
    if value == 0:
        return "0"
    decimals = 0 if abs(value) >= 100 else 1 if abs(value) >= 1 else 2
    return getal(value, decimals)


def procent(deel: float, geheel: float) -> str:
    return f"{getal(100 * deel / geheel, 1)}%" if geheel > 0 else getal(None)


def opgaven_woord(n: int) -> str:
    return f"{n} opgave" if n == 1 else f"{n} opgaven"


def titel(inhoud: Inhoud) -> str:
    """Return the report's title: the gebied's, and the variant's name when it is one."""
    tekst = f"Stapeling van ruimtelijke opgaven in {inhoud.gebied['naam']}"
    if inhoud.variant is not None:
        tekst += f", variant {inhoud.variant['naam']}"
    return tekst


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        getal=getal, ha=ha, datum=datum_tekst, tijd=tijd_tekst, opgaven=opgaven_woord
    )
    env.globals.update(procent=procent, diepte_kleur=diepte_kleur, illustratief=is_illustratief)
    return env


ENVIRONMENT = _environment()


def _kerncijfers(s: Samenvatting) -> list[tuple[str, str, str]]:
    """Return (label, value, note) for the key figures."""
    gebied_ha = s["gebied_ha"]

    def minstens(n: int) -> float:
        return sum(d["oppervlakte_ha"] for d in s["per_diepte"] if d["aantal"] >= n)

    return [
        ("Oppervlakte gebied", f"{ha(gebied_ha)} ha", ""),
        ("Bedekt door opgaven", f"{ha(s['bedekt_ha'])} ha", procent(s["bedekt_ha"], gebied_ha)),
        ("Opgaven", getal(s["aantal_opgaven"]), f"{getal(s['aantal_vlakken'])} vlakken"),
        ("Maximale stapeling", opgaven_woord(s["max_diepte"]), "op één plek"),
        ("2 of meer opgaven", f"{ha(minstens(2))} ha", procent(minstens(2), gebied_ha)),
        ("3 of meer opgaven", f"{ha(minstens(3))} ha", procent(minstens(3), gebied_ha)),
        ("4 of meer opgaven", f"{ha(minstens(4))} ha", procent(minstens(4), gebied_ha)),
        ("Ruimtedruk (zoekgebied)", getal(s["ruimtedruk"], 2), "zoekgebieden / oppervlakte"),
    ]


def _matrix(inhoud: Inhoud) -> dict[str, Any]:
    """The thema x thema overlap in the themas' own order: names, and per cell its text and
    a shade for its size."""
    s = inhoud.samenvatting
    volgorde = list(inhoud.themas)
    codes = s["themas"]
    order = sorted(
        range(len(codes)),
        key=lambda k: (
            volgorde.index(codes[k]) if codes[k] in volgorde else len(volgorde),
            codes[k],
        ),
    )
    overlap = [[s["overlap_ha"][a][b] for b in order] for a in order]
    namen = [inhoud.themas.get(codes[k], (codes[k], ""))[0] for k in order]
    off_diagonal = [v for i, row in enumerate(overlap) for j, v in enumerate(row) if i != j]
    top = max(off_diagonal, default=0.0) or 1.0
    rijen = []
    for i, row in enumerate(overlap):
        cellen = []
        for j, value in enumerate(row):
            if i == j:
                cellen.append({"tekst": ha(value), "kleur": "#e8e8e8", "eigen": True})
            else:
                # White to the depth palette's orange, after the cell's share of the largest.
                share = min(value / top, 1.0)
                cellen.append(
                    {"tekst": ha(value) if value > 0 else "", "kleur": _mix(share), "eigen": False}
                )
        rijen.append({"naam": namen[i], "cellen": cellen})
    return {"namen": namen, "rijen": rijen}


def _mix(share: float) -> str:
    start, end = (255, 255, 255), (253, 141, 60)  # white to #fd8d3c
    r, g, b = (round(a + (b - a) * share**0.6) for a, b in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _grafieken(inhoud: Inhoud) -> dict[str, list[Staaf]]:
    s = inhoud.samenvatting
    gebied_ha = s["gebied_ha"]
    per_diepte = [
        Staaf(
            opgaven_woord(d["aantal"]),
            d["oppervlakte_ha"],
            diepte_kleur(d["aantal"]),
            f"{ha(d['oppervlakte_ha'])} ha ({procent(d['oppervlakte_ha'], gebied_ha)})",
        )
        for d in s["per_diepte"]
    ]
    per_thema = [
        Staaf(
            inhoud.themas.get(code, (code, ""))[0],
            value,
            inhoud.themas.get(code, ("", "#999999"))[1],
            f"{ha(value)} ha ({procent(value, gebied_ha)})",
        )
        for code, value in sorted(s["per_thema"].items(), key=lambda item: (-item[1], item[0]))
    ]
    return {"per_diepte": per_diepte, "per_thema": per_thema}


def _balansstaaf(inhoud: Inhoud) -> Balansstaaf | None:
    """The ruimtebalans' bar: the vraag per thema in the themas' colours."""
    b = inhoud.ruimtebalans
    if b is None:
        return None
    vraag = [
        VraagDeel(
            inhoud.themas.get(t.thema, (t.thema, ""))[0],
            inhoud.themas.get(t.thema, ("", "#999999"))[1],
            t.vraag_ha - t.geschat_ha,
            t.geschat_ha,
        )
        for t in b.themas
    ]
    return Balansstaaf(b.gebied_ha, b.sturend_ha, vraag)


def _lijst(rijen: list[dict[str, Any]], aantal: int | None) -> list[dict[str, Any]]:
    """Return the opgaven to list: all, or the `aantal` with the highest stapeling (then the
    largest area in the gebied), in the table's order."""
    if aantal is None or aantal >= len(rijen):
        return rijen
    ranked = sorted(
        range(len(rijen)),
        key=lambda i: (
            -(rijen[i]["hoogste_stapeling"] or 0),
            -rijen[i]["oppervlakte_in_gebied_ha"],
            i,
        ),
    )
    return [rijen[i] for i in sorted(ranked[:aantal])]


def html(inhoud: Inhoud, aantal: int | None = None) -> str:
    """Return the report as HTML, listing `aantal` opgaven (None: all)."""
    s = inhoud.samenvatting
    template = ENVIRONMENT.get_template("rapport.html")
    legenda_dieptes = list(
        range(max(inhoud.min_aantal, 1), min(s["max_diepte"], len(DIEPTE_KLEUREN)) + 1)
    )
    themas_op_kaart = sorted({r["thema"] for r in inhoud.rijen}, key=list(inhoud.themas).index)
    return template.render(
        i=inhoud,
        s=s,
        titel=titel(inhoud),
        css=(TEMPLATES / "rapport.css").read_text(encoding="utf-8"),
        kerncijfers=_kerncijfers(s),
        matrix=_matrix(inhoud),
        lijst=_lijst(inhoud.rijen, aantal),
        legenda_dieptes=legenda_dieptes,
        meer_dan_max=s["max_diepte"] > len(DIEPTE_KLEUREN),
        themas_op_kaart=[(inhoud.themas[c][0], inhoud.themas[c][1]) for c in themas_op_kaart],
        bronnen_grenzen=[GEMEENTEN_BRON, PROVINCIES_BRON],
        versie=__version__,
        statussen={str(k): v for k, v in STATUSSEN.items()},
        trekkers={str(k): v for k, v in TREKKERS.items()},
    )


def opdracht(inhoud: Inhoud) -> Opdracht:
    """Return what the renderer needs: the HTML variants, the map and the charts."""
    varianten = [
        html(inhoud, aantal)
        for aantal in LIJST_VARIANTEN
        if aantal is None or aantal < len(inhoud.rijen)
    ]
    return Opdracht(
        varianten=varianten,
        kaart=inhoud.kaart,
        grafieken=_grafieken(inhoud),
        titel=titel(inhoud),
        balans=_balansstaaf(inhoud),
    )
