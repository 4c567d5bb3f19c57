"""Folium elements of the map pages: the map with local assets, background layers, JS wiring.

Each element's template only wires up JS that lives in frontend/static/js; no JS is written
in Python strings beyond that one call.
"""

from typing import Any

import folium
from branca.element import Figure
from folium.elements import JSCSSMixin
from folium.template import Template

from gebiedsregie.web.assets import Assets

PDOK_BRT = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/{laag}/{crs}/{{z}}/{{x}}/{{y}}.png"
)
# The map in RD: Leaflet's CRS for NetherlandsRDNewQuad (L.CRS.RDNew, made in rdkaart.js).
RD_CRS = "RDNew"
RD_MAX_ZOOM = 16  # the last level of NetherlandsRDNewQuad (5 cm a pixel)
# PDOK's BRT tiles in EPSG:28992 go to level 14 (21 cm a pixel); beyond, Leaflet enlarges.
BRT_RD_MAX_NATIVE_ZOOM = 14
PDOK_ATTRIBUTION = (
    'Achtergrond: <a href="https://www.pdok.nl/">PDOK</a> BRT-Achtergrondkaart, '
    '&copy; <a href="https://www.kadaster.nl/">Kadaster</a>'
)
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bijdragers'
)
BRT_LAGEN = {
    "standaard": "BRT-Achtergrondkaart",
    "grijs": "BRT-Achtergrondkaart grijs",
    "pastel": "BRT-Achtergrondkaart pastel",
}
NEDERLAND_CENTRUM = (52.15, 5.4)


class Kaart(folium.Map):
    """A folium Map whose Leaflet comes from our own static files, never from a CDN; in Web
    Mercator, or with `rd` in RD (the grid of PDOK's RD tiles)."""

    def __init__(self, assets: Assets, rd: bool = False, **kwargs: Any) -> None:
        # Instance attributes: folium's class lists point at CDNs (jsdelivr, cdnjs, ...).
        self.default_js = [("leaflet", assets.url("vendor/leaflet/dist/leaflet.js"))]
        self.default_css = [
            ("leaflet_css", assets.url("vendor/leaflet/dist/leaflet.css")),
        ]
        if rd:  # about the same scale as Web Mercator's zoom 8 over the Netherlands
            kwargs |= {"crs": RD_CRS, "zoom_start": 3, "max_zoom": RD_MAX_ZOOM}
        super().__init__(
            location=NEDERLAND_CENTRUM,
            zoom_start=kwargs.pop("zoom_start", 8),
            tiles=None,
            control_scale=True,
            prefer_canvas=False,
            **kwargs,
        )
        self._name = "kaart"  # a stable JS name: tests and our scripts can find the map


def add_achtergrond(kaart: Kaart, rd: bool = False) -> None:
    """Add the PDOK BRT-Achtergrondkaart variants (the first one shown) and OpenStreetMap; in
    RD, the BRT's tiles in EPSG:28992 only (OpenStreetMap has none)."""
    for i, (laag, naam) in enumerate(BRT_LAGEN.items()):
        folium.TileLayer(
            tiles=PDOK_BRT.format(laag=laag, crs="EPSG:28992" if rd else "EPSG:3857"),
            attr=PDOK_ATTRIBUTION,
            name=naam,
            max_zoom=RD_MAX_ZOOM if rd else 19,
            max_native_zoom=BRT_RD_MAX_NATIVE_ZOOM if rd else 19,
            show=i == 0,
            class_name="achtergrond",
        ).add_to(kaart)
    if rd:
        return
    folium.TileLayer(
        tiles=OSM_TILES,
        attr=OSM_ATTRIBUTION,
        name="OpenStreetMap",
        max_zoom=19,
        show=False,
        class_name="achtergrond",
    ).add_to(kaart)


class PaginaScript(JSCSSMixin):
    """Calls `Gebiedsregie.<entry>(map, layerControl, config)` from our own scripts.

    `scripts` and `stylesheets` are paths under frontend/static; they are linked in the page
    head, in order, before the map is built.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Gebiedsregie.{{ this.entry }}(
                {{ this._parent.get_name() }},
                {{ this.layer_control.get_name() }},
                {{ this.config|tojson }}
            );
        {% endmacro %}
        """
    )

    def __init__(
        self,
        assets: Assets,
        entry: str,
        layer_control: folium.LayerControl,
        config: dict[str, Any],
        scripts: list[str],
        stylesheets: list[str],
    ) -> None:
        super().__init__()
        self._name = "PaginaScript"
        self.entry = entry
        self.layer_control = layer_control
        self.config = config
        self.default_js = [(path, assets.url(path)) for path in scripts]
        self.default_css = [(path, assets.url(path)) for path in stylesheets]


def render_parts(kaart: Kaart) -> dict[str, str]:
    """Render the map into the three parts our page templates place: head, body and script.

    Folium's own map header is dropped: it sets page-wide styles and a viewport that forbids
    zooming (WCAG 1.4.4); our templates and kaart.css bring their own.
    """
    figure = kaart.get_root()
    assert isinstance(figure, Figure)
    figure.render()
    figure.header._children.pop(kaart.get_name(), None)
    return {
        "head": figure.header.render(),
        "body": figure.html.render(),
        "script": figure.script.render(),
    }
