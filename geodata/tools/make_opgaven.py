"""Generate illustrative spatial opgaven for the three IPO voorbeeldgebieden.

Writes geodata/opgaven.geojson: an RFC 7946 FeatureCollection (CRS84, lon/lat) with 14-18
opgaven per gebied (Food Valley, Zuidoost Drenthe, Chemelot). Every contour is drawn here from a
small recipe (irregular blobs, variable-width corridors along approximate real courses, halos
around other opgaven) with a fixed random seed. The contours are illustrative demo data, not
official planning. Method and grounding: geodata/tools/OPGAVEN.md.

Usage: .venv/bin/python geodata/tools/make_opgaven.py [--gemeenten PATH] [--out PATH] [-v]
"""

from __future__ import annotations

import argparse
import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon, mapping, shape

SEED = 20180502  # date of the IBP memo that names the voorbeeldgebieden
GEODATA = Path(__file__).resolve().parents[1]
SHARED_GEMEENTEN = Path("/work/shared/geodata/gemeenten_2024.geojson")

THEMAS = (
    "wonen",
    "energie",
    "landbouw",
    "natuur",
    "water-bodem",
    "bereikbaarheid",
    "economie",
    "leefbaarheid",
    "defensie",
    "erfgoed",
)
TREKKERS = ("rijk", "provincie", "gemeente", "waterschap", "samenwerkingsverband", "overig")
STATUSSEN = ("verkenning", "planvorming", "besluitvorming", "uitvoering", "gerealiseerd")

GEBIEDEN = {
    "food-valley": (
        "Barneveld",
        "Ede",
        "Nijkerk",
        "Renswoude",
        "Rhenen",
        "Scherpenzeel",
        "Veenendaal",
        "Wageningen",
    ),
    "zuidoost-drenthe": ("Emmen", "Coevorden", "Borger-Odoorn"),
    "chemelot": ("Sittard-Geleen", "Stein (L.)", "Beek (L.)"),
}

TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)

STEP_M = 120.0  # sampling distance along corridors
MIN_PART_M2 = 1e4  # drop crumbs smaller than 1 ha after clipping
MIN_IN_GEBIED_HA = 20.0
VERTICES = (20, 300)

IBP = "IPO-notitie Interbestuurlijk Programma (mei 2018)"
BP = "IPO Bestuursprogramma 2023-2027"
BRONNEN = {  # key -> (document, section) in /work/shared/seeds
    "ibp": (IBP, "§ Provinciale praktijk"),
    "ibp-vb": (IBP, "§ Voorbeelden ter illustratie"),
    "ibp-wonen": (IBP, "thema Toekomstbestendig wonen"),
    "kga": ("brief Kabinetsaanbod IPO (2021)", "focus op wonen en leefbaarheid"),
    "bp21": (BP, "§ 2.1 Klimaat en energie"),
    "bp22": (BP, "§ 2.2 Landelijk gebied"),
    "bp23": (BP, "§ 2.3 Bereikbaarheid en infrastructuur"),
    "bp24": (BP, "§ 2.4 Ruimte en Leefomgeving"),
    "bp25": (BP, "§ 2.5 Regionale economie en cultuur"),
}
BRON = (
    "Illustratief: contour getekend voor de Gebiedsregie-demo op basis van {docs}; geen "
    "officiële planvorming; ruimtevraag illustratief geschat, geen cijfer uit een plan. "
    "Gemeentegrenzen © CBS / PDOK (CC BY 4.0)."
)
ILLUSTRATIEF = " De contour is illustratief en geen weergave van vastgesteld beleid."
VRAAG = (
    " Ruimtevraag: geschat op {procent}% van de contour binnen het gebied ({soort}), ook "
    "illustratief."
)
VRAAG_GEEN = " Ruimtevraag: 0 ha ({soort}), ook illustratief."

LonLat = tuple[float, float]


@dataclass(frozen=True)
class Blob:
    """Star-shaped blob with smoothed random radii; radius in m, angle in degrees (CCW)."""

    lon: float
    lat: float
    radius: float
    aspect: float = 1.0
    angle: float = 0.0
    rough: float = 0.25


@dataclass(frozen=True)
class Corridor:
    """Polyline through approximate real points, buffered to a smoothly varying full width (m)."""

    path: tuple[LonLat, ...]
    width: tuple[float, float]
    meander: float = 0.0


@dataclass(frozen=True)
class Halo:
    """Ring of varying width (m) around an earlier opgave of the same gebied."""

    ref: int
    width: tuple[float, float]


Part = Blob | Corridor | Halo


@dataclass(frozen=True)
class Aandeel:
    """The share of its contour inside the gebied that an opgave itself needs (its illustrative
    ruimtevraag), and in Dutch why that share, for the bron."""

    deel: float
    soort: str


# The kinds of claim, from what the documents say an opgave does (OPGAVEN.md, "Ruimtevraag").
# The shares are our own illustrative estimates: no document gives a figure.
UITLEG = Aandeel(0.7, "nieuwe woonwijk op uitleglocatie, grotendeels bebouwd")
UITLEG_KRIMP = Aandeel(0.35, "gefaseerde uitleg in een krimpregio, deels bebouwd")
VERDICHTING = Aandeel(0.25, "verdichting en transformatie in bestaand stedelijk gebied")
HERSTRUCTURERING = Aandeel(0.15, "herstructurering bij krimp, weinig nieuwe grond")
TERREIN = Aandeel(0.6, "campus, bedrijven- of oefenterrein, grotendeels in gebruik")
SITE = Aandeel(0.9, "het bestaande industrieterrein zelf")
OP_TERREIN = Aandeel(0.1, "installaties op een bestaand terrein, weinig extra grond")
HERBESTEMMING = Aandeel(0.5, "herontwikkeling van een voormalig fabrieksterrein")
ZOEKGEBIED = Aandeel(0.3, "zoekgebied voor zon of een energiehub, ruimer dan nodig")
WIND = Aandeel(0.05, "windturbines met wegen en opstelplaatsen")
LEIDING = Aandeel(0.05, "leidingtracé met stations")
CORRIDOR = Aandeel(0.15, "verbreding en inpassing langs een bestaande weg of vaarweg")
INRICHTING = Aandeel(0.5, "herinrichting van beekdal, uiterwaard of verbinding")
HERSTEL = Aandeel(0.8, "natuurherstel in een begrensd kerngebied")
BERGING = Aandeel(0.3, "waterberging en vernatting op een deel van de zone")
OMSCHAKELING = Aandeel(0.2, "omschakeling van het grondgebruik op een deel van de bedrijven")
GEBIEDSPROCES = Aandeel(0.08, "gebiedsproces; alleen grond die van gebruik verandert")
ZONE = Aandeel(0.03, "milieu- of veiligheidszone, neemt zelf weinig grond in")
LANDSCHAP = Aandeel(0.01, "bescherming en beleving van het landschap, nauwelijks eigen grond")
GEEN = Aandeel(0.0, "maatregelen aan bestaande woningen en gebouwen, geen eigen grond")


@dataclass(frozen=True)
class Opgave:
    nr: int
    thema: str
    trekker: str
    status: str
    horizon: int
    titel: str
    parts: tuple[Part, ...]
    tekst: str
    bronnen: tuple[str, ...]
    vraag: Aandeel
    minus: tuple[int, ...] = ()  # earlier opgaven cut out of this contour
    clip_m: float = 500.0  # allowed reach outside the gebied


def op(
    nr: int,
    thema: str,
    trekker: str,
    status: str,
    horizon: int,
    bronnen: tuple[str, ...],
    titel: str,
    tekst: str,
    vraag: Aandeel,
    *parts: Part,
    minus: tuple[int, ...] = (),
    clip_m: float = 500.0,
) -> Opgave:
    return Opgave(
        nr, thema, trekker, status, horizon, titel, parts, tekst, bronnen, vraag, minus, clip_m
    )


def line(width: tuple[float, float], *path: LonLat, meander: float = 0.0) -> Corridor:
    return Corridor(tuple(path), width, meander)


# The data table. Coordinates are approximate real places (town centres, stream and road courses);
# shapes and sizes are invented. Halo/minus refer to an earlier nr within the same gebied.
# fmt: off
OPGAVEN: dict[str, tuple[Opgave, ...]] = {
    "food-valley": (
        op(1, "wonen", "gemeente", "uitvoering", 2032, ("ibp", "bp24"),
           "Woningbouw Ede-Oost en voormalige kazerneterreinen",
           "Nieuwe woonwijken op en rond de voormalige kazerneterreinen in Ede-Oost, als bijdrage "
           "aan de regionale woningbouwafspraken en aan een vestigingsklimaat dat talent "
           "vasthoudt.",
           UITLEG,
           Blob(5.695, 52.037, 900, 1.4, 20), Blob(5.706, 52.050, 600)),
        op(2, "wonen", "gemeente", "uitvoering", 2030, ("bp24",),
           "Woningbouw Veenendaal-Oost",
           "Afronding van de uitbreidingswijk tussen Veenendaal en het Valleikanaal, waar de "
           "woningbouw raakt aan water- en natuuropgaven in het Binnenveld.",
           UITLEG,
           Blob(5.585, 52.031, 900, 1.7, 75)),
        op(3, "wonen", "gemeente", "planvorming", 2035, ("bp24", "ibp"),
           "Uitbreiding Barneveld-Oost en -Zuid",
           "Woningbouw aan de randen van Barneveld, midden in het veedichte deel van de Gelderse "
           "Vallei, waar afstand tot veehouderijen de mogelijkheden mede bepaalt.",
           UITLEG,
           Blob(5.600, 52.132, 800, 1.5, -30), Blob(5.578, 52.128, 550)),
        op(4, "wonen", "gemeente", "uitvoering", 2032, ("bp24",),
           "Woningbouw Nijkerk-West (Doornsteeg)",
           "Uitleglocatie aan de westkant van Nijkerk binnen de regionale woondeal, grenzend aan "
           "het open weidegebied richting Arkemheen.",
           UITLEG,
           Blob(5.470, 52.216, 650, 1.3, 60), Blob(5.478, 52.226, 380)),
        op(5, "wonen", "gemeente", "planvorming", 2035, ("bp24", "kga"),
           "Binnenstedelijk bouwen Wageningen en Rhenen",
           "Verdichting en transformatie binnen de kernen van Wageningen en Rhenen, begrensd door "
           "uiterwaarden, Grebbeberg en campus.",
           VERDICHTING,
           Blob(5.655, 51.972, 480, 1.4, 10), Blob(5.565, 51.961, 420, 1.3, 0)),
        op(6, "landbouw", "provincie", "planvorming", 2035, ("ibp", "bp22"),
           "Transitie veehouderij Gelderse Vallei",
           "Gebiedsproces voor extensiveren, verplaatsen en innoveren van de intensieve "
           "veehouderij tussen Barneveld, Scherpenzeel en Ede-West: de transitie in de primaire "
           "landbouw die het IBP voor Food Valley noemt.",
           GEBIEDSPROCES,
           Blob(5.540, 52.110, 4200, 1.7, 65, 0.3), Blob(5.640, 52.160, 2300, 1.3, -10)),
        op(7, "leefbaarheid", "provincie", "verkenning", 2030, ("ibp", "bp24"),
           "Luchtkwaliteit en gezondheid in veedichte gebieden",
           "Aanpak van fijnstof, ammoniak en geur rond woonkernen in het veedichte hart van de "
           "Gelderse Vallei, met gezondheid als sturend principe.",
           ZONE,
           Blob(5.585, 52.140, 3000, 1.5, 30, 0.2)),
        op(8, "natuur", "waterschap", "uitvoering", 2030, ("bp22", "bp24"),
           "Beekherstel Lunterse Beek en Barneveldse Beek",
           "Herstel van beekdalen met natuurvriendelijke oevers en waterberging, van Lunteren via "
           "Barneveld tot de polder Arkemheen bij Nijkerk.",
           INRICHTING,
           line((200, 600), (5.628, 52.078), (5.612, 52.098), (5.590, 52.115), (5.572, 52.135),
                (5.560, 52.160), (5.535, 52.190), (5.515, 52.212), (5.495, 52.235),
                (5.465, 52.252), meander=120)),
        op(9, "natuur", "provincie", "planvorming", 2030, ("bp22",),
           "Natuurverbinding Valleikanaal",
           "Ecologische verbinding langs het Valleikanaal van Rhenen door het Binnenveld naar "
           "Renswoude en verder noordwaarts, als schakel in het natuurnetwerk.",
           INRICHTING,
           line((250, 700), (5.600, 51.968), (5.602, 51.995), (5.598, 52.020), (5.590, 52.045),
                (5.574, 52.064), (5.550, 52.082), (5.520, 52.100), (5.490, 52.118),
                (5.458, 52.135), meander=60)),
        op(10, "natuur", "rijk", "planvorming", 2035, ("bp22", "bp24"),
           "Uiterwaarden Nederrijn Wageningen-Rhenen",
           "Rivierverruiming en natuurontwikkeling in de uiterwaarden van de Nederrijn, in "
           "samenhang met waterveiligheid en recreatie aan de zuidrand van Wageningen en Rhenen.",
           INRICHTING,
           line((400, 1000), (5.745, 51.968), (5.710, 51.962), (5.680, 51.957), (5.650, 51.953),
                (5.620, 51.948), (5.590, 51.950), (5.560, 51.955), (5.530, 51.968),
                (5.505, 51.977), meander=80)),
        op(11, "natuur", "provincie", "verkenning", 2040, ("ibp-vb", "bp22"),
           "Overgangszone Veluwerand Bennekom-Lunteren",
           "Zone langs de westflank van de Veluwe waar stikstofgevoelige natuur, extensieve "
           "landbouw en recreatie samenkomen; het IBP noemt de Veluwe en Food Valley als gebieden "
           "waar heel veel tegelijk speelt.",
           GEBIEDSPROCES,
           line((1000, 2200), (5.700, 51.985), (5.712, 52.012), (5.712, 52.040), (5.700, 52.062),
                (5.678, 52.082), (5.660, 52.105), (5.652, 52.130), (5.660, 52.160),
                (5.685, 52.190)),
           clip_m=1500),
        op(12, "water-bodem", "waterschap", "planvorming", 2030, ("bp24",),
           "Waterberging en veenbodem Binnenveld",
           "Vasthouden van gebiedseigen water en beperken van bodemdaling in het laaggelegen "
           "Binnenveld tussen Wageningen, Bennekom, Ede en Veenendaal: water en bodem sturend.",
           BERGING,
           Blob(5.620, 52.003, 2400, 2.2, 140, 0.3)),
        op(13, "economie", "samenwerkingsverband", "uitvoering", 2030, ("ibp", "ibp-vb"),
           "Campus Wageningen University & Research",
           "Doorontwikkeling van de campus als kern van het innovatie-ecosysteem rond Wageningen "
           "University & Research; Gelderland en Utrecht delen de ambitie om Food Valley rond de "
           "universiteit economisch te versterken.",
           TERREIN,
           Blob(5.662, 51.987, 750, 1.6, 5, 0.2)),
        op(14, "economie", "gemeente", "uitvoering", 2028, ("ibp", "bp25"),
           "World Food Center en werklocaties Ede",
           "Ontwikkeling van het World Food Center en aangrenzende werklocaties bij station "
           "Ede-Wageningen, als schakel tussen kennis, bedrijfsleven en publiek.",
           TERREIN,
           Blob(5.683, 52.031, 500, 1.3, 30), Blob(5.671, 52.025, 350)),
        op(15, "bereikbaarheid", "rijk", "planvorming", 2035, ("bp23",),
           "Corridors A12, A30 en A1",
           "Doorstroming, verkeersveiligheid en inpassing langs de rijkswegen die Food Valley "
           "ontsluiten, in samenhang met woningbouw en werklocaties.",
           CORRIDOR,
           line((300, 800), (5.470, 52.049), (5.520, 52.045), (5.565, 52.043), (5.600, 52.046),
                (5.617, 52.049), (5.650, 52.053), (5.690, 52.055), (5.730, 52.045),
                (5.770, 52.027), (5.800, 52.012)),
           line((250, 650), (5.617, 52.049), (5.610, 52.075), (5.595, 52.100), (5.578, 52.125),
                (5.565, 52.150), (5.556, 52.163)),
           line((300, 700), (5.470, 52.172), (5.515, 52.165), (5.556, 52.163), (5.620, 52.170),
                (5.680, 52.184), (5.740, 52.195), (5.790, 52.200))),
        op(16, "energie", "samenwerkingsverband", "verkenning", 2030, ("bp21",),
           "Zonnevelden en netcapaciteit langs A12 en A30",
           "Zoekgebieden voor zonnevelden bij de knooppunten Maanderbroek en Barneveld, gekoppeld "
           "aan de aanpak van netcongestie in de regio.",
           ZOEKGEBIED,
           Blob(5.605, 52.066, 800, 1.8, 80), Blob(5.635, 52.058, 450),
           Blob(5.560, 52.152, 700, 1.6, 60)),
        op(17, "defensie", "rijk", "verkenning", 2035, ("bp24",),
           "Oefenterreinen Ginkelse Heide en Harskamp",
           "Ruimtebehoefte van Defensie op en rond de oefenterreinen ten oosten van Ede, in "
           "samenhang met natuur en recreatie op de Veluwe; het Bestuursprogramma noemt de "
           "ruimtebehoefte van defensie bij de inpassing van ruimtelijke opgaven.",
           TERREIN,
           Blob(5.722, 52.040, 1400, 1.5, 20), Blob(5.778, 52.118, 2400, 1.3, -30)),
        op(18, "erfgoed", "gemeente", "uitvoering", 2030, ("bp25",),
           "Herontwikkeling Enka-terrein Ede",
           "Transformatie van het voormalige Enka-fabrieksterrein met behoud van industrieel "
           "erfgoed als drager van de identiteit van Ede.",
           HERBESTEMMING,
           Blob(5.655, 52.031, 380, 1.3, 0, 0.2)),
    ),
    "zuidoost-drenthe": (
        op(1, "leefbaarheid", "gemeente", "uitvoering", 2030, ("ibp",),
           "Aanpak energiearmoede Emmen",
           "Wijkgerichte aanpak van energiearmoede met isolatie en ondersteuning van huishoudens "
           "in onder meer Emmerhout, Angelslo en Bargeres; het IBP noemt energiearmoede als "
           "vraagstuk dat in Zuidoost Drenthe samenkomt met andere.",
           GEEN,
           Blob(6.935, 52.790, 1100, 1.2, 20), Blob(6.922, 52.778, 950),
           Blob(6.885, 52.772, 1000, 1.3, -20), Blob(6.905, 52.800, 1000),
           Blob(6.900, 52.786, 1100)),
        op(2, "leefbaarheid", "gemeente", "planvorming", 2030, ("ibp", "ibp-vb"),
           "Voorzieningen in de kernen van Borger-Odoorn",
           "Behoud van school, zorg, winkel en ontmoeting in de Hondsrugdorpen en de Veenkoloniale "
           "linten, in een regio met krimp en een onder druk staand voorzieningenniveau.",
           GEEN,
           Blob(6.793, 52.924, 800), Blob(6.865, 52.881, 650), Blob(6.850, 52.850, 650),
           Blob(6.930, 52.880, 700, 3.5, 60), Blob(6.946, 52.912, 700, 3.5, 60),
           Blob(6.952, 52.958, 700, 3.5, 60)),
        op(3, "wonen", "gemeente", "uitvoering", 2030, ("ibp-wonen", "ibp-vb"),
           "Herstructurering woningvoorraad Klazienaveen en Nieuw-Amsterdam",
           "Vernieuwing en verduurzaming van de woningvoorraad, afgestemd op een krimpende en "
           "vergrijzende bevolking: krimp, kwaliteit en herstructurering uit het IBP-thema wonen.",
           HERSTRUCTURERING,
           Blob(6.990, 52.726, 900, 1.4, 0), Blob(6.855, 52.716, 800, 1.5, 20)),
        op(4, "wonen", "gemeente", "uitvoering", 2035, ("ibp-vb", "bp24"),
           "Woningbouw Emmen-Zuidwest (Delftlanden)",
           "Gefaseerde woningbouw aan de zuidwestkant van Emmen, met een aanbod dat past bij een "
           "veranderende bevolkingssamenstelling.",
           UITLEG_KRIMP,
           Blob(6.868, 52.764, 900, 1.5, -20)),
        op(5, "wonen", "gemeente", "planvorming", 2032, ("ibp-vb", "bp24"),
           "Wonen in de vestingstad Coevorden",
           "Binnenstedelijke woningbouw en transformatie in en rond de historische vesting, ter "
           "versterking van het centrum van Coevorden.",
           VERDICHTING,
           Blob(6.741, 52.661, 800, 1.2, 0)),
        op(6, "energie", "rijk", "uitvoering", 2026, ("ibp-vb", "bp21"),
           "Windenergie Drentse Monden",
           "Windturbines in de Veenkoloniale monden van Borger-Odoorn, met aandacht voor "
           "inpassing, lokaal eigendom en omwonenden; het IBP noemt energie als kans voor "
           "Zuidoost Drenthe.",
           WIND,
           Blob(6.962, 52.905, 1900, 3.2, 65), Blob(6.985, 52.950, 1200, 2.2, 65)),
        op(7, "energie", "provincie", "verkenning", 2030, ("bp21",),
           "Zonnevelden en netcongestie langs de A37",
           "Zoekgebieden voor zon op restgronden langs de A37 tussen Coevorden en Klazienaveen, "
           "gekoppeld aan de aanpak van netcongestie.",
           ZOEKGEBIED,
           Blob(6.800, 52.699, 900, 2.0, 10), Blob(6.918, 52.707, 800, 2.0, 0),
           Blob(7.020, 52.700, 700, 1.6, -10)),
        op(8, "economie", "gemeente", "uitvoering", 2030, ("ibp", "ibp-vb"),
           "Industriepark Emmtec en Bargermeer",
           "Versterking van het industriële cluster van Emmen, met aandacht voor werkgelegenheid "
           "en de aansluiting tussen onderwijs en arbeidsmarkt.",
           TERREIN,
           Blob(6.915, 52.772, 1000, 1.5, 20)),
        op(9, "energie", "samenwerkingsverband", "planvorming", 2030, ("bp21",),
           "Energiehub Emmtec",
           "Energiehub voor duurzame warmte, stroom en waterstof op het industriepark, om "
           "netcongestie op te vangen en de industrie te verduurzamen.",
           ZOEKGEBIED,
           Blob(6.906, 52.769, 600, 1.4, 30)),
        op(10, "economie", "samenwerkingsverband", "uitvoering", 2030, ("ibp-vb", "bp25"),
           "Europark Coevorden-Emlichheim",
           "Grensoverschrijdend bedrijventerrein met ruimte voor logistiek en maakindustrie, als "
           "motor voor werkgelegenheid in de regio.",
           TERREIN,
           Blob(6.780, 52.662, 850, 1.5, -10)),
        op(11, "landbouw", "provincie", "planvorming", 2035, ("ibp", "bp22"),
           "Transitie akkerbouw Veenkoloniën",
           "Gebiedsproces voor toekomstbestendige akkerbouw met aandacht voor bodem, water en "
           "verdienvermogen; het IBP noemt transities in de landbouw voor Zuidoost Drenthe.",
           GEBIEDSPROCES,
           Blob(6.955, 52.915, 3800, 1.8, 65), Blob(6.990, 52.870, 3200, 1.5, 45),
           Blob(7.030, 52.830, 2400)),
        op(12, "natuur", "provincie", "uitvoering", 2030, ("bp22",),
           "Hoogveenherstel Bargerveen",
           "Herstel van het hoogveen in het Natura 2000-gebied Bargerveen ten zuidoosten van "
           "Emmen, door vernatting en vergroting van het kerngebied.",
           HERSTEL,
           Blob(7.015, 52.676, 2200, 1.5, -30, 0.3)),
        op(13, "water-bodem", "waterschap", "planvorming", 2030, ("bp24", "bp22"),
           "Hydrologische bufferzone Bargerveen",
           "Randzone rond het Bargerveen waar het grondwaterpeil omhoog gaat en gebiedseigen "
           "water wordt vastgehouden: water en bodem sturend voor het grondgebruik.",
           BERGING,
           Halo(12, (500, 1200))),
        op(14, "landbouw", "provincie", "verkenning", 2035, ("bp22",),
           "Extensivering landbouw rond het Bargerveen",
           "Omschakeling naar natuurinclusieve en extensieve landbouw rond het Bargerveen, om "
           "stikstofdepositie en verdroging van het hoogveen te verminderen.",
           OMSCHAKELING,
           Blob(6.990, 52.690, 3000, 1.7, -20), minus=(12,)),
        op(15, "natuur", "waterschap", "uitvoering", 2030, ("bp22", "bp24"),
           "Beekdal Hunze",
           "Herinrichting van het Hunzedal langs de oostflank van de Hondsrug, met ruimte voor "
           "een meanderende beek, natuur en waterberging.",
           INRICHTING,
           line((250, 800), (6.920, 52.805), (6.905, 52.835), (6.895, 52.860), (6.880, 52.885),
                (6.860, 52.905), (6.840, 52.925), (6.820, 52.945), (6.800, 52.965),
                (6.780, 52.985), meander=150)),
        op(16, "natuur", "waterschap", "verkenning", 2035, ("bp22",),
           "Beekherstel Runde",
           "Herstel van de Runde als veenbeek en groenblauwe verbinding van het Bargerveen via "
           "Klazienaveen, Barger-Compascuum en Emmer-Compascuum naar Roswinkel.",
           INRICHTING,
           line((150, 450), (7.020, 52.700), (7.030, 52.718), (7.020, 52.738), (7.032, 52.755),
                (7.040, 52.778), (7.046, 52.797), (7.048, 52.815), (7.042, 52.835),
                (7.055, 52.858), (7.068, 52.875), meander=100)),
        op(17, "erfgoed", "samenwerkingsverband", "uitvoering", 2030, ("bp25",),
           "UNESCO Global Geopark De Hondsrug",
           "Bescherming en beleving van het landschap, de hunebedden en de ondergrond van de "
           "Hondsrug, als bron van regionale identiteit en gastvrijheidseconomie.",
           LANDSCHAP,
           line((2500, 4000), (6.905, 52.772), (6.885, 52.808), (6.860, 52.848), (6.830, 52.885),
                (6.800, 52.918), (6.772, 52.950), (6.748, 52.985))),
        op(18, "bereikbaarheid", "provincie", "planvorming", 2030, ("bp23",),
           "Corridor A37 en N34",
           "Doorstroming en verkeersveiligheid op de A37 en N34 en goede verbindingen voor de "
           "kernen; het Bestuursprogramma vraagt aandacht voor wegen waar het ov beperkt is.",
           CORRIDOR,
           line((250, 550), (6.640, 52.696), (6.700, 52.689), (6.760, 52.694), (6.820, 52.705),
                (6.880, 52.711), (6.940, 52.712), (7.000, 52.707), (7.060, 52.697)),
           line((200, 500), (6.872, 52.790), (6.862, 52.820), (6.847, 52.850), (6.822, 52.880),
                (6.796, 52.905), (6.770, 52.930), (6.746, 52.960), (6.728, 52.992)),
           line((200, 450), (6.900, 52.780), (6.893, 52.760), (6.884, 52.740), (6.876, 52.712))),
    ),
    "chemelot": (
        op(1, "economie", "samenwerkingsverband", "planvorming", 2040, ("ibp",),
           "Industriepark Chemelot",
           "Toekomst van Chemelot als economische motor: ruimte voor verduurzaming, circulaire "
           "productie en veilige bedrijfsvoering op het bestaande terrein tussen Geleen, Stein en "
           "Beek.",
           SITE,
           Blob(5.797, 50.975, 1450, 1.6, 35, 0.15)),
        op(2, "energie", "rijk", "planvorming", 2030, ("ibp", "bp21"),
           "Energietransitie Chemelot: elektrificatie en waterstof",
           "Elektrificatie, waterstof en netverzwaring voor de industrie; volgens het IBP grijpt "
           "de energietransitie hier heel direct in op bedrijfsvoering en sitebeheer.",
           OP_TERREIN,
           Blob(5.797, 50.975, 1350, 1.6, 35), Blob(5.812, 50.990, 500)),
        op(3, "economie", "samenwerkingsverband", "uitvoering", 2030, ("ibp-vb",),
           "Brightlands Chemelot Campus",
           "Doorgroei van de campus voor onderzoek, onderwijs en startende bedrijven in chemie en "
           "materialen; het IBP noemt voor Chemelot innovatie en arbeidsmarkt.",
           TERREIN,
           Blob(5.800, 50.982, 500, 1.4, 10)),
        op(4, "leefbaarheid", "provincie", "planvorming", 2030, ("bp24", "ibp"),
           "Veiligheids- en leefbaarheidszone rond Chemelot",
           "Ring rond het industriepark waar externe veiligheid, geluid, luchtkwaliteit en "
           "gezondheid van omwonenden worden afgewogen tegen de ontwikkeling van de site.",
           ZONE,
           Halo(1, (900, 1800))),
        op(5, "economie", "provincie", "planvorming", 2035, ("ibp-vb", "bp25"),
           "Maastricht Aachen Airport en omgeving",
           "Toekomst van de regionale luchthaven bij Beek en de aangrenzende bedrijventerreinen, "
           "in samenhang met bereikbaarheid, geluid en de economische structuur.",
           TERREIN,
           Blob(5.775, 50.913, 1100, 2.6, 60, 0.15)),
        op(6, "bereikbaarheid", "rijk", "planvorming", 2035, ("ibp-vb", "bp23"),
           "Knooppunt Kerensheide en corridors A2/A76",
           "Doorstroming en veiligheid op de A2 en A76 rond knooppunt Kerensheide, de "
           "toegangspoorten van Chemelot; het IBP noemt infrastructuur als reden voor "
           "rijkscommitment.",
           CORRIDOR,
           line((300, 700), (5.760, 50.880), (5.775, 50.905), (5.788, 50.930), (5.793, 50.955),
                (5.782, 50.975), (5.778, 50.995), (5.790, 51.020), (5.805, 51.042),
                (5.818, 51.065)),
           line((250, 550), (5.793, 50.955), (5.820, 50.952), (5.850, 50.946), (5.880, 50.936),
                (5.910, 50.925))),
        op(7, "bereikbaarheid", "samenwerkingsverband", "verkenning", 2035, ("bp23",),
           "Julianakanaal, haven Stein en spoor",
           "Meer vervoer over water en spoor via de haven van Stein en het Julianakanaal, om "
           "wegverkeer van en naar Chemelot te beperken.",
           CORRIDOR,
           line((150, 400), (5.757, 50.935), (5.760, 50.955), (5.758, 50.970), (5.765, 50.990),
                (5.775, 51.010), (5.790, 51.030), (5.800, 51.045)),
           line((150, 350), (5.759, 50.962), (5.775, 50.966), (5.795, 50.972))),
        op(8, "natuur", "samenwerkingsverband", "uitvoering", 2027, ("bp22", "bp24"),
           "Grensmaas Elsloo-Stein-Berg",
           "Rivierverruiming en natuurontwikkeling langs de Grensmaas, gecombineerd met "
           "hoogwaterbescherming van de Maasdorpen.",
           INRICHTING,
           line((400, 1100), (5.750, 50.932), (5.752, 50.950), (5.740, 50.966), (5.744, 50.980),
                (5.760, 50.995), (5.766, 51.010), (5.772, 51.025), (5.765, 51.040),
                (5.771, 51.055), (5.778, 51.070), meander=100)),
        op(9, "natuur", "waterschap", "uitvoering", 2030, ("bp22", "bp24"),
           "Beekdal Geleenbeek",
           "Herstel van het beekdal van de Geleenbeek met ruimte voor natuur, waterberging en een "
           "groene verbinding tussen Geleen en Sittard.",
           INRICHTING,
           line((150, 500), (5.872, 50.925), (5.860, 50.945), (5.862, 50.965), (5.855, 50.985),
                (5.843, 51.005), (5.834, 51.025), (5.826, 51.045), (5.830, 51.068),
                meander=100)),
        op(10, "water-bodem", "waterschap", "planvorming", 2028, ("bp24",),
           "Klimaatadaptatie Keutelbeek en Beek",
           "Waterberging en afkoppelen in het stroomgebied van de Keutelbeek, om wateroverlast bij "
           "hevige buien in Beek en Elsloo te beperken.",
           BERGING,
           line((150, 450), (5.835, 50.922), (5.818, 50.930), (5.802, 50.937), (5.786, 50.943),
                (5.770, 50.947), (5.752, 50.950), meander=80),
           Blob(5.797, 50.939, 450, 1.3, 0)),
        op(11, "water-bodem", "provincie", "verkenning", 2035, ("bp24", "bp22"),
           "Erosiebestrijding lössplateau Spaubeek-Neerbeek",
           "Maatregelen tegen bodemerosie en modderstromen op de hellingen van het lössplateau, "
           "samen met agrariërs.",
           GEBIEDSPROCES,
           Blob(5.838, 50.934, 1400, 1.6, 20)),
        op(12, "landbouw", "provincie", "verkenning", 2035, ("bp22",),
           "Toekomst landbouw Graetheide en lössplateau",
           "Perspectief voor grondgebonden landbouw op de Graetheide en het lössplateau, in "
           "samenhang met erosiebestrijding, natuur en de ruimtedruk rond Chemelot.",
           GEBIEDSPROCES,
           Blob(5.782, 50.998, 1000, 1.5, 60), Blob(5.848, 50.936, 1200, 1.4, -10),
           Blob(5.885, 50.975, 800, 1.3, 0)),
        op(13, "wonen", "gemeente", "uitvoering", 2030, ("kga", "bp24"),
           "Woningbouw en herstructurering Sittard-Geleen",
           "Woningbouw, herstructurering en verduurzaming van wijken in Sittard en Geleen; dicht "
           "bij Chemelot vraagt dit afstemming met veiligheid en geluid.",
           VERDICHTING,
           Blob(5.883, 51.006, 850, 1.4, 30), Blob(5.835, 50.960, 700, 1.3, 0),
           Blob(5.830, 50.982, 500, 1.2, 0)),
        op(14, "wonen", "gemeente", "planvorming", 2032, ("kga", "bp24"),
           "Woningbouw Stein en Beek",
           "Kleinschalige woningbouw en herstructurering in Stein, Elsloo en Beek, gericht op "
           "doorstroming en levensloopbestendig wonen.",
           VERDICHTING,
           Blob(5.768, 50.968, 550, 1.3, 80), Blob(5.795, 50.941, 550),
           Blob(5.772, 50.952, 450)),
        op(15, "erfgoed", "gemeente", "uitvoering", 2030, ("bp25",),
           "Historische binnenstad Sittard",
           "Behoud en herbestemming van monumenten in de historische binnenstad van Sittard, als "
           "basis voor identiteit, cultuur en gastvrijheidseconomie.",
           GEEN,
           Blob(5.869, 51.000, 330, 1.2, 0, 0.15)),
        op(16, "energie", "samenwerkingsverband", "verkenning", 2035, ("bp21",),
           "Warmtenet met restwarmte van Chemelot",
           "Benutting van restwarmte van het industriepark via een warmtenet naar wijken in Geleen "
           "en Sittard, als onderdeel van een samenhangend energiesysteem.",
           LEIDING,
           line((200, 450), (5.787, 50.972), (5.795, 50.976), (5.803, 50.982), (5.822, 50.986),
                (5.838, 50.989), (5.852, 50.994), (5.866, 51.000)),
           line((150, 350), (5.815, 50.975), (5.825, 50.968), (5.835, 50.962))),
        op(17, "natuur", "provincie", "planvorming", 2030, ("bp22", "bp24"),
           "Groene buffer Graetheide en Lexhy",
           "Groene zone tussen Chemelot en de Maasdorpen op de Graetheide en de Lexhy, waar "
           "natuur, landschap en de ruimtevraag van de site tegen elkaar worden afgewogen.",
           BERGING,
           Blob(5.783, 50.994, 1100, 1.6, 60, 0.3)),
    ),
}
# fmt: on


# --- geometry construction (all in RD New, metres) ---------------------------------------------


def project(geom: Any, transformer: Transformer) -> Any:
    def _xy(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    return shapely.transform(geom, _xy)


def wave(rng: np.random.Generator, t: np.ndarray, wavelengths: tuple[float, float]) -> np.ndarray:
    """Smooth random signal in [-1, 1] along t: a few sinusoids with random period and phase."""
    lo, hi = wavelengths
    waves = [
        np.sin(2 * np.pi * t / rng.uniform(lo, hi) + rng.uniform(0, 2 * np.pi)) for _ in range(3)
    ]
    return np.clip(1.6 * np.mean(waves, axis=0), -1.0, 1.0)


def chaikin(xy: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Corner-cutting smoothing of an open polyline, keeping its end points."""
    for _ in range(rounds):
        q = 0.75 * xy[:-1] + 0.25 * xy[1:]
        r = 0.25 * xy[:-1] + 0.75 * xy[1:]
        xy = np.vstack([xy[:1], np.column_stack([q, r]).reshape(-1, 2), xy[-1:]])
    return xy


def along(xy: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])


def draw_blob(b: Blob, rng: np.random.Generator) -> Polygon:
    theta = np.linspace(0.0, 2 * np.pi, 96, endpoint=False)
    wobble = np.zeros_like(theta)
    for k in range(2, 7):  # low harmonics only, so the outline stays smooth
        amp = b.rough * rng.uniform(0.3, 1.0) / k**0.7
        wobble += amp * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = b.radius * np.clip(1.0 + wobble, 0.45, None)
    x, y = r * np.cos(theta) * np.sqrt(b.aspect), r * np.sin(theta) / np.sqrt(b.aspect)
    a = np.radians(b.angle)
    cx, cy = TO_RD.transform(b.lon, b.lat)
    return Polygon(
        np.column_stack([cx + x * np.cos(a) - y * np.sin(a), cy + x * np.sin(a) + y * np.cos(a)])
    )


def sweep(xy: np.ndarray, width: tuple[float, float], rng: np.random.Generator) -> Any:
    """Sweep a disc of smoothly varying diameter (width range, m) along a polyline."""
    pts = shapely.get_coordinates(shapely.segmentize(LineString(xy), STEP_M))
    lo, hi = width
    diameter = lo + (hi - lo) * (wave(rng, along(pts), (1500.0, 6000.0)) + 1) / 2
    discs = shapely.buffer(shapely.points(pts), diameter / 2, quad_segs=6)
    return shapely.union_all(shapely.convex_hull(shapely.union(discs[:-1], discs[1:])))


def draw_corridor(c: Corridor, rng: np.random.Generator) -> Any:
    xy = chaikin(np.array([TO_RD.transform(lon, lat) for lon, lat in c.path]))
    if c.meander:
        xy = shapely.get_coordinates(shapely.segmentize(LineString(xy), STEP_M / 2))
        tangent = np.gradient(xy, axis=0)
        tangent /= np.linalg.norm(tangent, axis=1)[:, None]
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
        xy = xy + normal * (c.meander * wave(rng, along(xy), (700.0, 2500.0)))[:, None]
    return sweep(xy, c.width, rng)


def polygons(geom: Any) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [p for g in getattr(geom, "geoms", ()) for p in polygons(g)]


def draw_halo(h: Halo, ref: Any, rng: np.random.Generator) -> Any:
    lo, hi = h.width
    rims = [
        sweep(shapely.get_coordinates(p.exterior), (2 * lo, 2 * hi), rng) for p in polygons(ref)
    ]
    return shapely.union_all([ref, *rims]).difference(ref)


def draw(part: Part, earlier: dict[int, Any], rng: np.random.Generator) -> Any:
    if isinstance(part, Blob):
        return draw_blob(part, rng)
    if isinstance(part, Corridor):
        return draw_corridor(part, rng)
    return draw_halo(part, earlier[part.ref], rng)


def tidy(geom: Any) -> Any:
    """Valid (Multi)Polygon without crumbs, simplified to at most VERTICES[1] coordinates."""
    parts = [p for p in polygons(shapely.make_valid(geom)) if p.area >= MIN_PART_M2]
    geom = shapely.union_all(parts)
    out, tol = geom, 1.0
    while shapely.get_num_coordinates(out) > VERTICES[1]:
        tol *= 1.3
        out = shapely.make_valid(geom.simplify(tol, preserve_topology=True))
    return out


def to_lonlat(geom_rd: Any) -> Any:
    """Project to CRS84, snap to a 1e-7 degree grid (keeping validity), orient per RFC 7946."""
    geom = shapely.set_precision(project(geom_rd, TO_LONLAT), 1e-7)
    geom = shapely.union_all(polygons(geom))
    return shapely.orient_polygons(geom)


def rounded(coords: Any) -> Any:
    if isinstance(coords[0], float):
        return [round(v, 7) for v in coords]
    return [rounded(c) for c in coords]


# --- assembly, output, validation ----------------------------------------------------------------


def load_gebieden(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    by_name = {f["properties"]["statnaam"]: shape(f["geometry"]) for f in data["features"]}
    return {
        slug: project(shapely.union_all([by_name[n] for n in names]), TO_RD)
        for slug, names in GEBIEDEN.items()
    }


def bron(keys: tuple[str, ...]) -> str:
    sections: dict[str, list[str]] = {}
    for key in keys:
        document, section = BRONNEN[key]
        sections.setdefault(document, []).append(section)
    docs = "; ".join(f"{doc}, {' en '.join(secs)}" for doc, secs in sections.items())
    return BRON.format(docs=docs)


def beschrijving(o: Opgave) -> str:
    """The opgave's text, saying that its contour and its ruimtevraag (and why that much) are
    illustrative."""
    vraag = VRAAG.format(procent=f"{100 * o.vraag.deel:g}", soort=o.vraag.soort)
    if not o.vraag.deel:
        vraag = VRAAG_GEEN.format(soort=o.vraag.soort)
    return o.tekst + ILLUSTRATIEF + vraag


def ruimtevraag(vraag: Aandeel, ha_in_gebied: float) -> float:
    """The illustrative ruimtevraag: the share of the area inside the gebied, rounded down
    (to 1 ha below 20 ha, 5 ha below 200 ha, else 10 ha), so never more than that area."""
    ha = vraag.deel * ha_in_gebied
    step = 1 if ha < 20 else 5 if ha < 200 else 10
    return float(math.floor(ha / step) * step)


def build(slug: str, opgaven: tuple[Opgave, ...], gebied: Any) -> list[dict[str, Any]]:
    earlier: dict[int, Any] = {}
    masks: dict[float, Any] = {}
    features = []
    for o in opgaven:
        extern_id = f"seed:{slug}:{o.nr:02d}"
        rng = np.random.default_rng([SEED, zlib.crc32(extern_id.encode())])
        geom = shapely.union_all([draw(p, earlier, rng) for p in o.parts])
        for nr in o.minus:
            geom = geom.difference(earlier[nr])
        earlier[o.nr] = geom
        if o.clip_m not in masks:
            masks[o.clip_m] = gebied.buffer(o.clip_m).simplify(10.0)
        geom = to_lonlat(tidy(geom.intersection(masks[o.clip_m])))
        geometry = mapping(geom)
        geometry = {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}
        # The area inside the gebied of what is written (rounded), as validate measures it.
        ha_in = project(shape(geometry), TO_RD).intersection(gebied).area / 1e4
        properties = {
            "extern_id": extern_id,
            "gebied": slug,
            "titel": o.titel,
            "thema": o.thema,
            "beschrijving": beschrijving(o),
            "trekker": o.trekker,
            "status": o.status,
            "horizon": o.horizon,
            "ruimtevraag_ha": ruimtevraag(o.vraag, ha_in),
            "bron": bron(o.bronnen),
        }
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return features


def serialise(features: list[dict[str, Any]]) -> str:
    """FeatureCollection text with one feature per line (readable diffs)."""
    rows = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return '{"type":"FeatureCollection","features":[\n' + rows + "\n]}\n"


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def depth_stats(geoms: list[Any], gebied: Any) -> dict[str, float]:
    """Exact overlay: node all boundaries, polygonize, count opgaven covering each face."""
    edges = shapely.union_all([g.boundary for g in [*geoms, gebied]])
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(edges))))
    probes = shapely.point_on_surface(faces)
    inside = shapely.contains(gebied, probes)
    faces, probes = faces[inside], probes[inside]
    depth = np.sum([shapely.contains(g, probes) for g in geoms], axis=0)
    area = shapely.area(faces)
    covered = depth > 0
    return {
        "gebied_ha": gebied.area / 1e4,
        "coverage": area[covered].sum() / gebied.area,
        "mean": (area * depth)[covered].sum() / area[covered].sum(),
        "max": int(depth.max()),
        "ha_ge3": area[depth >= 3].sum() / 1e4,
        "ha_ge4": area[depth >= 4].sum() / 1e4,
    }


PROPERTY_KEYS = [
    "extern_id",
    "gebied",
    "titel",
    "thema",
    "beschrijving",
    "trekker",
    "status",
    "horizon",
    "ruimtevraag_ha",
    "bron",
]


def validate(features: list[dict[str, Any]], gebieden: dict[str, Any], verbose: bool) -> None:
    ids = [f["properties"]["extern_id"] for f in features]
    check(len(ids) == len(set(ids)), "extern_id not unique")
    for slug, gebied in gebieden.items():
        own = [f for f in features if f["properties"]["gebied"] == slug]
        geoms = []
        for f in own:
            p, fid = f["properties"], f["properties"]["extern_id"]
            check(list(p) == PROPERTY_KEYS, f"{fid}: property keys")
            check(p["thema"] in THEMAS, f"{fid}: thema")
            check(p["trekker"] in TREKKERS and p["status"] in STATUSSEN, f"{fid}: trekker/status")
            check(2025 <= p["horizon"] <= 2050, f"{fid}: horizon")
            check("illustratief" in p["beschrijving"], f"{fid}: beschrijving not illustratief")
            check(p["bron"].startswith("Illustratief"), f"{fid}: bron not illustratief")
            geom = shape(f["geometry"])
            check(geom.geom_type in ("Polygon", "MultiPolygon"), f"{fid}: geometry type")
            check(geom.is_valid and not geom.is_empty, f"{fid}: invalid or empty geometry")
            n = shapely.get_num_coordinates(geom)
            check(VERTICES[0] <= n <= VERTICES[1], f"{fid}: {n} vertices")
            rd = project(geom, TO_RD)
            ha_in = rd.intersection(gebied).area / 1e4
            check(ha_in > MIN_IN_GEBIED_HA, f"{fid}: only {ha_in:.1f} ha inside the gebied")
            vraag = p["ruimtevraag_ha"]
            check(
                isinstance(vraag, float) and 0 <= vraag <= ha_in,
                f"{fid}: ruimtevraag {vraag} not within 0..{ha_in:.1f} ha",
            )
            check("ruimtevraag illustratief" in p["bron"], f"{fid}: ruimtevraag not illustratief")
            geoms.append(rd)
            if verbose:
                print(
                    f"  {fid}  {p['thema']:<14} {rd.area / 1e4:7.0f} ha "
                    f"({ha_in:7.0f} in gebied, vraag {vraag:6.0f}) {n:3d} vtx  {p['titel']}"
                )
        themas = sorted({f["properties"]["thema"] for f in own})
        stats = depth_stats(geoms, gebied)
        check(14 <= len(own) <= 18, f"{slug}: {len(own)} opgaven")
        check(len(themas) >= 7, f"{slug}: only {len(themas)} themas")
        check(stats["max"] >= 4, f"{slug}: max overlap depth {stats['max']} < 4")
        print(
            f"{slug}: {len(own)} opgaven, {len(themas)} themas ({', '.join(themas)})\n"
            f"  gebied {stats['gebied_ha']:,.0f} ha, covered {stats['coverage']:.0%}; "
            f"depth where covered: mean {stats['mean']:.2f}, max {stats['max']}; "
            f"depth>=3: {stats['ha_ge3']:,.0f} ha, depth>=4: {stats['ha_ge4']:,.0f} ha"
        )


def main() -> None:
    repo_copy = GEODATA / "gemeenten_2024.geojson"
    parser = argparse.ArgumentParser(description="Generate illustrative opgaven (demo data).")
    parser.add_argument(
        "--gemeenten", type=Path, default=repo_copy if repo_copy.exists() else SHARED_GEMEENTEN
    )
    parser.add_argument("--out", type=Path, default=GEODATA / "opgaven.geojson")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every opgave")
    args = parser.parse_args()

    gebieden = load_gebieden(args.gemeenten)
    features = [f for slug, ops in OPGAVEN.items() for f in build(slug, ops, gebieden[slug])]
    text = serialise(features)
    # Validate exactly what will be written, i.e. after rounding and serialisation.
    validate(json.loads(text)["features"], gebieden, args.verbose)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(features)} opgaven to {args.out} ({len(text.encode()):,} bytes)")


if __name__ == "__main__":
    main()
