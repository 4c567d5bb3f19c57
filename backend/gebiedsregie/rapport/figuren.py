"""The report's map (PNG) and bar charts (SVG), drawn with matplotlib's Agg and SVG backends.

Deterministic: the same data give the same bytes (fixed SVG ids, no dates in the files). The
map is drawn in RD New, from the database alone: no tiles, nothing from the network.
"""

import io
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib
import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.path import Path

from gebiedsregie.rapport.opdracht import Balansstaaf, Kaart, Staaf, diepte_kleur, kaart_extent

DPI = 200
MM = 1 / 25.4  # inch
RC: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "svg.fonttype": "none",  # text stays text in the PDF: searchable and sharp
    "svg.hashsalt": "gebiedsregie",  # fixed ids: the same chart, the same bytes
    "axes.unicode_minus": False,
    "text.parse_math": False,  # a name with $ signs is a name, not mathtext
}
BUITEN = "#dddcd6"  # no CBS gemeente there: abroad, or a large water
GEMEENTE = "#f2f0e9"
GEMEENTE_RAND = "#b9b4a7"
GEBIED = "#ffffff"
GEBIED_RAND = "#1a1a1a"
PROVINCIE_RAND = "#4d4d4d"
SCHAALSTAPPEN_KM = (0.5, 1, 2, 5, 10, 20, 50, 100)


def _rings(geom: shapely.Geometry) -> Iterable[np.ndarray]:
    for polygon in shapely.get_parts(geom):
        yield np.asarray(polygon.exterior.coords)
        for interior in polygon.interiors:
            yield np.asarray(interior.coords)


def _path(geom: shapely.Geometry) -> Path:
    """Return a polygonal geometry as one path; oriented so the nonzero rule keeps holes."""
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    return Path.make_compound_path(*(Path(ring, closed=True) for ring in _rings(oriented)))


def _collection(geoms: Sequence[shapely.Geometry], ax: Any, **style: Any) -> None:
    paths = [_path(g) for g in geoms if not g.is_empty]
    if paths:
        collection = PathCollection(paths, transform=ax.transData, **style)
        ax.add_collection(collection, autolim=False)


def _province_borders(gemeenten: Sequence[tuple[str, str, shapely.Geometry]]) -> list[Any]:
    """Return the lines where gemeenten of different provincies meet."""
    by_provincie: dict[str, list[shapely.Geometry]] = {}
    for _naam, provincie, geom in gemeenten:
        by_provincie.setdefault(provincie, []).append(geom)
    outlines = {p: shapely.union_all(g).boundary for p, g in sorted(by_provincie.items())}
    names = list(outlines)
    borders: list[np.ndarray] = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            shared = shapely.intersection(outlines[a], outlines[b])
            lines = [
                part
                for part in shapely.get_parts(shapely.line_merge(shapely.union_all([shared])))
                if isinstance(part, shapely.LineString) and part.length > 0
            ]
            borders.extend(np.asarray(line.coords) for line in lines)
    return borders


def _scale_bar(ax: Any, extent: tuple[float, float, float, float]) -> None:
    xmin, ymin, xmax, ymax = extent
    target_km = (xmax - xmin) / 5 / 1000
    km = max([s for s in SCHAALSTAPPEN_KM if s <= target_km] or [SCHAALSTAPPEN_KM[0]])
    x0, y0 = xmin + 0.03 * (xmax - xmin), ymin + 0.035 * (ymax - ymin)
    height = 0.008 * (ymax - ymin)
    half = km * 500
    for i, kleur in enumerate(("#1a1a1a", "#ffffff")):
        ax.add_patch(
            Rectangle(
                (x0 + i * half, y0), half, height, facecolor=kleur, edgecolor="#1a1a1a", lw=0.6
            )
        )
    label = f"{km:g} km".replace(".", ",")
    style = {"fontsize": 6.5, "va": "bottom", "color": "#1a1a1a"}
    ax.text(x0, y0 + 1.6 * height, "0", ha="center", **style)
    ax.text(x0 + 2 * half, y0 + 1.6 * height, label, ha="center", **style)
    ax.annotate(
        "N",
        xy=(0.965, 0.955),
        xytext=(0.965, 0.895),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=8,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#1a1a1a", "lw": 1.0},
    )


def _spread(
    points: Sequence[tuple[int, float, float]], radius: float
) -> list[tuple[int, float, float, float, float]]:
    """Return (number, x, y, marker x, marker y): markers moved apart where they would
    overlap, each to the nearest free place on rings around its point."""
    placed: list[tuple[int, float, float, float, float]] = []
    angles = np.radians(np.arange(0, 360, 30) + 90)
    for nummer, x, y in points:
        candidates = [(x, y)] + [
            (x + ring * 2.2 * radius * np.cos(a), y + ring * 2.2 * radius * np.sin(a))
            for ring in range(1, 8)
            for a in angles
        ]
        for cx, cy in candidates:
            if all(np.hypot(cx - px, cy - py) >= 2.1 * radius for _, _, _, px, py in placed):
                break
        placed.append((nummer, x, y, float(cx), float(cy)))
    return placed


def _hotspots(ax: Any, points: Sequence[tuple[int, float, float]], m_per_mm: float) -> None:
    """Draw the hotspots as numbered circles; a moved one points at its place."""
    radius = 1.9 * m_per_mm
    for nummer, x, y, mx, my in _spread(points, radius):
        if (mx, my) != (x, y):
            ax.plot([x, mx], [y, my], color="#1a1a1a", linewidth=0.6, zorder=5)
            ax.plot([x], [y], marker="o", markersize=1.6, color="#1a1a1a", zorder=5)
        ax.text(
            mx,
            my,
            str(nummer),
            ha="center",
            va="center",
            fontsize=6,
            fontweight="bold",
            color="#1a1a1a",
            zorder=6,
            bbox={
                "boxstyle": "circle,pad=0.25",
                "facecolor": "#ffffff",
                "edgecolor": "#1a1a1a",
                "linewidth": 0.8,
            },
        )


def kaart_png(kaart: Kaart) -> bytes:
    """Return the map of the gebied as a PNG (DPI dots per inch)."""
    xmin, ymin, xmax, ymax, width_mm, height_mm = kaart_extent(
        kaart.gebied.bounds, kaart.breedte_mm, kaart.max_hoogte_mm
    )
    view = shapely.box(xmin, ymin, xmax, ymax)
    tolerance = (xmax - xmin) / (width_mm * MM * DPI) / 3  # a third of a pixel, in metres

    def fit(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.simplify(
            shapely.clip_by_rect(geom, *view.buffer(tolerance * 50).bounds), tolerance
        )

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width_mm * MM, height_mm * MM), dpi=DPI)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal")
        ax.set_facecolor(BUITEN)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#8c8c8c")
            spine.set_linewidth(0.8)

        gemeenten = [(n, p, fit(g)) for n, p, g in kaart.gemeenten]
        _collection([g for _, _, g in gemeenten], ax, facecolors=GEMEENTE, edgecolors="none")
        gebied = fit(kaart.gebied)
        _collection([gebied], ax, facecolors=GEBIED, edgecolors="none")
        vlakken = sorted(kaart.vlakken, key=lambda v: v[0])  # deepest drawn last, on top
        _collection(
            [fit(g) for _, g in vlakken],
            ax,
            facecolors=[diepte_kleur(a) for a, _ in vlakken],
            edgecolors=[diepte_kleur(a) for a, _ in vlakken],
            linewidths=0.15,  # no hairline gaps between neighbouring faces
        )
        # Gemeente borders over the faces, faintly: where am I, inside the gebied too.
        _collection(
            [g for _, _, g in gemeenten],
            ax,
            facecolors="none",
            edgecolors=GEMEENTE_RAND,
            linewidths=0.35,
            alpha=0.9,
        )
        _collection(
            [fit(g) for _, g in kaart.opgaven],
            ax,
            facecolors="none",
            edgecolors=[k for k, _ in kaart.opgaven],
            linewidths=0.75,
        )
        ax.add_collection(
            LineCollection(
                _province_borders(kaart.gemeenten),
                colors=PROVINCIE_RAND,
                linewidths=1.1,
                linestyles=(0, (5, 2.5)),
            )
        )
        _collection([gebied], ax, facecolors="none", edgecolors=GEBIED_RAND, linewidths=1.6)
        for naam, _p, geom in gemeenten:
            point = shapely.point_on_surface(geom)
            inside = naam in kaart.labels
            if geom.is_empty or not view.buffer(-0.02 * (xmax - xmin)).contains(point):
                continue
            ax.text(
                point.x,
                point.y,
                naam,
                ha="center",
                va="center",
                fontsize=6.5 if inside else 5.5,
                color="#3d3d3d" if inside else "#8a867c",
                fontstyle="normal" if inside else "italic",
                alpha=0.9,
            )
        _hotspots(ax, kaart.hotspots, (xmax - xmin) / width_mm)
        _scale_bar(ax, (xmin, ymin, xmax, ymax))
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def staven_svg(staven: Sequence[Staaf], breedte_mm: float = 174.0) -> bytes:
    """Return a horizontal bar chart as SVG: labels on the left, the value text at each bar."""
    hoogte_mm = 6 + 5.2 * max(len(staven), 1)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(breedte_mm * MM, hoogte_mm * MM), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(staven))
        waarden = [s.waarde for s in staven]
        ax.barh(
            y,
            waarden,
            color=[s.kleur for s in staven],
            edgecolor="#6b6b6b",
            linewidth=0.4,
            height=0.7,
        )
        ax.set_yticks(y, [s.label for s in staven])
        ax.invert_yaxis()
        top = max(waarden, default=0) or 1.0
        ax.set_xlim(0, top * 1.28)  # room for the value text after the longest bar
        for i, s in enumerate(staven):
            ax.text(s.waarde + top * 0.012, i, s.tekst, va="center", fontsize=7.5, color="#1a1a1a")
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0, labelsize=8)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


STUREND = "#7b8794"
BESCHIKBAAR = "#eef3e8"
TEKORT = "#b3261e"


def _ha_tick(value: float, _pos: float) -> str:
    return f"{value:,.0f}".replace(",", ".") + " ha"


def balans_svg(staaf: Balansstaaf, breedte_mm: float = 174.0) -> bytes:
    """Return the ruimtebalans as a stacked bar (SVG): the gebied as sturend + beschikbaar,
    below it the vraag per thema from where beschikbaar starts (hatched where estimated from
    the zoekgebied); past the gebied's end, outlined in red, the tekort."""
    vraag_ha = sum(d.opgegeven_ha + d.geschat_ha for d in staaf.vraag)
    beschikbaar_ha = staaf.gebied_ha - staaf.sturend_ha
    eind = staaf.sturend_ha + vraag_ha
    schaal = max(staaf.gebied_ha, eind, 1.0)
    kolommen = 4
    rijen = -(-(len(staaf.vraag) + 4) // kolommen)  # legend rows, with its four fixed items
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(breedte_mm * MM, (30 + 4.2 * rijen) * MM), layout="constrained")
        ax = fig.add_subplot()
        bar: dict[str, Any] = {"height": 0.62, "linewidth": 0.4}
        handles: list[Any] = [
            ax.barh(1, staaf.sturend_ha, color=STUREND, edgecolor="#4d4d4d", **bar),
            ax.barh(
                1,
                beschikbaar_ha,
                left=staaf.sturend_ha,
                color=BESCHIKBAAR,
                edgecolor="#6a8f4e",
                **bar,
            ),
        ]
        labels = ["Sturende lagen", "Beschikbaar"]
        left, geschat = staaf.sturend_ha, False
        for deel in staaf.vraag:
            handles.append(
                ax.barh(
                    0, deel.opgegeven_ha, left=left, color=deel.kleur, edgecolor="#6b6b6b", **bar
                )
            )
            labels.append(deel.naam)
            if deel.geschat_ha > 0:
                geschat = True
                ax.barh(
                    0,
                    deel.geschat_ha,
                    left=left + deel.opgegeven_ha,
                    color=deel.kleur,
                    edgecolor="#6b6b6b",
                    hatch="////",
                    **bar,
                )
            left += deel.opgegeven_ha + deel.geschat_ha
        if geschat:
            handles.append(ax.barh(0, 0, color="#ffffff", edgecolor="#6b6b6b", hatch="////"))
            labels.append("geschat uit zoekgebied")
        if eind > staaf.gebied_ha:
            handles.append(
                ax.barh(
                    0,
                    eind - staaf.gebied_ha,
                    left=staaf.gebied_ha,
                    fill=False,
                    edgecolor=TEKORT,
                    linestyle="--",
                    height=0.62,
                    linewidth=1.0,
                )
            )
            labels.append("tekort")
        ax.axvline(staaf.gebied_ha, color="#1a1a1a", linewidth=0.6, linestyle=(0, (3, 2)))
        # The figures at the bars: inside a segment wide enough, else after it.
        tekst: dict[str, Any] = {"fontsize": 6.5, "va": "center", "color": "#1a1a1a"}
        for begin, ha, label in (
            (0.0, staaf.sturend_ha, "sturend"),
            (staaf.sturend_ha, beschikbaar_ha, "beschikbaar"),
        ):
            if ha / schaal > 0.18:
                ax.text(begin + ha / 2, 1, f"{label} {_ha_tick(ha, 0)}", ha="center", **tekst)
        saldo = beschikbaar_ha - vraag_ha
        saldo_tekst = f"tekort {_ha_tick(-saldo, 0)}" if saldo < 0 else f"over {_ha_tick(saldo, 0)}"
        vraag_tekst = f"vraag {_ha_tick(vraag_ha, 0)}; {saldo_tekst}"
        if eind / schaal < 0.6:
            ax.text(eind + schaal * 0.01, 0, vraag_tekst, ha="left", **tekst)
        else:
            ax.text(staaf.sturend_ha - schaal * 0.01, 0, vraag_tekst, ha="right", **tekst)
        ax.set_yticks([1, 0], ["Gebied", "Vraag"])
        ax.set_xlim(0, schaal * 1.01)
        ax.xaxis.set_major_formatter(_ha_tick)
        ax.tick_params(axis="both", length=2, labelsize=7)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncol=kolommen,
            fontsize=6.5,
            frameon=False,
            handlelength=1.2,
            columnspacing=1.2,
        )
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
