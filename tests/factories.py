"""Small factories with literal geometries (RD New, around Ede unless said otherwise)."""

from typing import Any

from geoalchemy2.shape import from_shape
from shapely import MultiPolygon, Polygon, box
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Gebruiker, Rol
from gebiedsregie.crs import CRS84, RD_NEW, from_rd
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.settings import Settings

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
RD_HEADERS = {"Content-Crs": f"<{RD_URI}>"}
# A 1 km square east of Ede.
EDE = box(174_000, 448_000, 175_000, 449_000)


def multi(geom: Polygon | MultiPolygon) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


TEST_SETTINGS = Settings(database_url=None)
WACHTWOORD = "correct paard batterij niet"


def make_gebruiker(
    session: Session, naam: str = "anna", rol: Rol | str = Rol.PLANNER, wachtwoord: str = WACHTWOORD
) -> Gebruiker:
    """A local gebruiker with a password (committed within the test's savepoint)."""
    return auth_service.create_gebruiker(session, naam, Rol(rol), wachtwoord, TEST_SETTINGS)


def token_headers(session: Session, rol: Rol | str, naam: str | None = None) -> dict[str, str]:
    """Authorization headers of a fresh gebruiker with `rol`, by an API token."""
    gebruiker = make_gebruiker(session, naam or f"test-{Rol(rol).value}", rol)
    _token, value = auth_service.create_token(session, gebruiker, 1)
    return {"Authorization": f"Bearer {value}"}


def make_opgave(session: Session, geom: Polygon | MultiPolygon = EDE, **fields: Any) -> Opgave:
    values = {
        "titel": "Woningbouw Ede-Oost",
        "thema": "wonen",
        "trekker": "gemeente",
        "status": "planvorming",
        "horizon": 2030,
        **fields,
    }
    opgave = Opgave(**values, geom=from_shape(multi(geom), srid=RD_NEW))
    session.add(opgave)
    session.flush()
    return opgave


def make_gebied(session: Session, geom: Polygon | MultiPolygon = EDE, **fields: Any) -> Gebied:
    values = {
        "slug": "proefgebied",
        "naam": "Proefgebied",
        "soort": "eigen",
        "provincies": [],
        "gemeenten": [],
        **fields,
    }
    gebied = Gebied(**values, geom=from_shape(multi(geom), srid=RD_NEW))
    session.add(gebied)
    session.flush()
    return gebied


def feature(geom: Polygon | MultiPolygon | dict[str, Any], **properties: Any) -> dict[str, Any]:
    """A GeoJSON Feature; a shapely geometry is taken to be in RD and written in CRS84."""
    geometry = geom if isinstance(geom, dict) else mapping(from_rd(geom, CRS84))
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def opgave_properties(**overrides: Any) -> dict[str, Any]:
    return {
        "titel": "Natuurverbinding Grift",
        "thema": "natuur",
        "trekker": "provincie",
        "status": "verkenning",
        "horizon": 2035,
        **overrides,
    }
