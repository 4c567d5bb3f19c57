"""What the report's renderer gets and gives back: plain, picklable data.

The renderer (`afdrukken`) runs in a child process with a budget (`bounded.run`): drawing
the map and laying out the pages is seconds of CPU in pure-Python libraries, which would
hold the server's GIL and so every other request. The server reads the database and
writes the HTML; the child draws the figures and makes the PDF.
"""

from dataclasses import dataclass, field

from shapely import MultiPolygon, Polygon

# The stapelingsdiepte 1 .. 8+, light yellow to dark red: the map page's palette
# (frontend/static/js/gebiedsregie.js, DIEPTE_KLEUREN).
DIEPTE_KLEUREN = (
    "#ffffb2",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
MAX_PAGINAS = 6


def diepte_kleur(aantal: int) -> str:
    """Return the colour of a face covered by `aantal` opgaven."""
    return DIEPTE_KLEUREN[max(0, min(aantal, len(DIEPTE_KLEUREN)) - 1)]


def kaart_extent(
    bounds: tuple[float, float, float, float], breedte_mm: float, max_hoogte_mm: float
) -> tuple[float, float, float, float, float, float]:
    """Return the map's extent (RD) and its size (mm): the gebied's `bounds` with a margin,
    widened to the figure's proportions (one scale in x and y)."""
    xmin, ymin, xmax, ymax = bounds
    margin = 0.04 * max(xmax - xmin, ymax - ymin, 1.0)
    xmin, ymin, xmax, ymax = xmin - margin, ymin - margin, xmax + margin, ymax + margin
    hoogte_mm = min(
        max(breedte_mm * (ymax - ymin) / (xmax - xmin), 0.6 * breedte_mm), max_hoogte_mm
    )
    scale = max((xmax - xmin) / breedte_mm, (ymax - ymin) / hoogte_mm)  # metres per mm
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_x, half_y = scale * breedte_mm / 2, scale * hoogte_mm / 2
    return cx - half_x, cy - half_y, cx + half_x, cy + half_y, breedte_mm, hoogte_mm


@dataclass(frozen=True)
class Kaart:
    """What the map shows, in RD: the gebied on its background, the faces, the opgaven."""

    gebied: MultiPolygon
    gemeenten: list[tuple[str, str, MultiPolygon]]  # naam, provincie, geometry
    labels: list[str]  # the gemeenten named on the map
    vlakken: list[tuple[int, Polygon]]  # aantal, geometry
    opgaven: list[tuple[str, MultiPolygon]]  # thema kleur, geometry
    hotspots: list[tuple[int, float, float]]  # number in the report, x, y
    breedte_mm: float = 174.0
    max_hoogte_mm: float = 180.0


@dataclass(frozen=True)
class Staaf:
    """One bar of a chart, its label and value text already in Dutch."""

    label: str
    waarde: float
    kleur: str
    tekst: str


@dataclass(frozen=True)
class VraagDeel:
    """The vraag of one thema in the ruimtebalans' bar: given, and estimated (hatched)."""

    naam: str
    kleur: str
    opgegeven_ha: float
    geschat_ha: float


@dataclass(frozen=True)
class Balansstaaf:
    """The ruimtebalans as a stacked bar: the gebied (sturend, beschikbaar), and the vraag per
    thema from where beschikbaar starts."""

    gebied_ha: float
    sturend_ha: float
    vraag: list[VraagDeel]


@dataclass(frozen=True)
class Opdracht:
    """The report to make: the HTML of each variant (the first whose pages fit is taken;
    later ones list fewer opgaven), and what to draw for the images the HTML names."""

    varianten: list[str]
    kaart: Kaart
    grafieken: dict[str, list[Staaf]] = field(default_factory=dict)  # name -> bars
    titel: str = ""
    balans: Balansstaaf | None = None  # drawn as ruimtebalans.svg


@dataclass(frozen=True)
class Afdruk:
    pdf: bytes
    paginas: int
    variant: int  # which of the variants fitted


def afdrukken(opdracht: Opdracht) -> Afdruk:
    """Draw the figures and lay out the pages; return the PDF (run it through bounded.run)."""
    # Imported here, in the child: matplotlib and WeasyPrint take 1.5 s and some 60 MB to
    # import, which the server process never needs.
    from gebiedsregie.rapport import figuren, pdf

    bestanden = {"kaart.png": figuren.kaart_png(opdracht.kaart)}
    for naam, staven in opdracht.grafieken.items():
        bestanden[f"{naam}.svg"] = figuren.staven_svg(staven)
    if opdracht.balans is not None:
        bestanden["ruimtebalans.svg"] = figuren.balans_svg(opdracht.balans)
    return pdf.render(opdracht.varianten, bestanden, opdracht.titel, MAX_PAGINAS)
