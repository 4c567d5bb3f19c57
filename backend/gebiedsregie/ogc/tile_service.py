"""Mapbox Vector Tiles of the OGC collections, made in PostGIS (ST_AsMVT), and their ETags,
in both tile matrix sets: WebMercatorQuad (transformed) and NetherlandsRDNewQuad (the stored
RD geometry as it is).

A tile is one SQL statement over the tables of four domains (gebied, opgave, stapeling_vlak,
referentieobject):
PostGIS clips, simplifies, transforms and encodes, so no geometry passes through Python. This
is why this module reads those tables itself, read-only, instead of going through their
services; the stored stapeling is still made by the stapeling service, a variant's too.
"""

import hashlib
import math
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.orm import Session

from gebiedsregie import __version__
from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import FieldError, InvalidInput, NotFound
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.ogc.collections import REFERENTIELAAG, referentielaag_id, variant_situatie
from gebiedsregie.ogc.models import LaagVersie
from gebiedsregie.ogc.tilematrixsets import TILE_MATRIX_SETS, WEB_MERCATOR_QUAD, TileMatrixSet
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import Referentieobject
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.models import Stapeling, StapelingVlak
from gebiedsregie.varianten.stapeling import VariantSituatie

GEBIEDEN = "gebieden"
OPGAVEN = "opgaven"
STAPELING = "stapeling"

WEB_MERCATOR = 3857
EXTENT = 4096  # tile coordinates per side
BUFFER = 64  # tile coordinates kept beyond each side, so strokes do not end at the edge
MERCATOR_RADIUS = 6_378_137.0
# Web Mercator stretches ground distances by 1/cos(latitude): at the middle of the
# Netherlands a tile pixel covers this fraction of its Web Mercator size on the ground.
NL_SCALE = math.cos(math.radians(52.2))
# Where data can lie (it must be inside the Netherlands), with a wide margin, in lon/lat.
# Tiles are cut to it before their outline goes to RD, which is undefined far from here.
DATA_LONLAT = (0.0, 48.0, 10.0, 58.0)
# Bump when what a tile holds changes for the same data (properties, simplification, ...).
TILE_FORMAT = "mvt-2"

OPGAVE_FILTERS = ("thema", "status", "trekker", "horizon", "gebied")
STAPELING_FILTERS = ("gebied", "min_aantal", "variant")


class CollectieNotFound(NotFound):
    def __init__(self, collection_id: str) -> None:
        super().__init__(f"Collectie '{collection_id}' bestaat niet.")


class TileMatrixSetNotFound(NotFound):
    def __init__(self, tms_id: str) -> None:
        known = ", ".join(TILE_MATRIX_SETS)
        super().__init__(f"Tegelschema '{tms_id}' bestaat niet; er zijn: {known}.")


def get_tile_matrix_set(tms_id: str) -> TileMatrixSet:
    """Return the tile matrix set with this id; raise TileMatrixSetNotFound."""
    try:
        return TILE_MATRIX_SETS[tms_id]
    except KeyError:
        raise TileMatrixSetNotFound(tms_id) from None


@dataclass(frozen=True)
class Collectie:
    """A collection served as tiles: which table, which laag versies its ETag follows."""

    id: str
    titel: str
    soort: str  # GEBIEDEN, OPGAVEN, STAPELING or REFERENTIELAAG
    lagen: tuple[str, ...]
    thema: str | None = None
    # A referentielaag's id and versie: an import or edit moves the versie, and the ETag.
    laag_id: uuid.UUID | None = None
    laag_versie: int | None = None

    @property
    def filters(self) -> tuple[str, ...]:
        return {OPGAVEN: OPGAVE_FILTERS, STAPELING: STAPELING_FILTERS}.get(self.soort, ())


@dataclass(frozen=True)
class TileFilter:
    """The optional query filters of a tile; empty means all."""

    themas: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    trekker: tuple[str, ...] = ()
    horizon: int | None = None
    gebied: str | None = None
    min_aantal: int | None = None
    variant: str | None = None  # the stapeling of this variant (its id) instead of the register

    def given(self) -> list[str]:
        """Return the names of the filters that are set."""
        values = {
            "thema": self.themas,
            "status": self.status,
            "trekker": self.trekker,
            "horizon": self.horizon,
            "gebied": self.gebied,
            "min_aantal": self.min_aantal,
            "variant": self.variant,
        }
        return [name for name, value in values.items() if value not in ((), None)]

    def key(self) -> str:
        """A canonical text of the filter (the order of repeated values does not count)."""
        return repr(
            (
                sorted(set(self.themas)),
                sorted(set(self.status)),
                sorted(set(self.trekker)),
                self.horizon,
                self.gebied,
                self.min_aantal,
                self.variant,
            )
        )


@dataclass(frozen=True)
class TileAddress:
    """A tile: tile matrix (level) z, row and column, in a tile matrix set."""

    z: int
    row: int
    col: int
    tms: TileMatrixSet = WEB_MERCATOR_QUAD

    def check(self) -> None:
        """Raise InvalidInput, naming each bad part (as the URL names it), unless the tile
        exists."""
        errors = []
        last_z = self.tms.max_zoom
        if not 0 <= self.z <= last_z:
            errors.append(
                FieldError(
                    "tileMatrix",
                    f"De tegelmatrix (het zoomniveau) moet tussen 0 en {last_z} liggen.",
                    "buiten_bereik",
                )
            )
        else:
            last = 2**self.z - 1
            for name, value in (("tileRow", self.row), ("tileCol", self.col)):
                if not 0 <= value <= last:
                    errors.append(
                        FieldError(
                            name,
                            f"Bij tegelmatrix {self.z} moet {name} tussen 0 en {last} liggen.",
                            "buiten_bereik",
                        )
                    )
        if errors:
            raise InvalidInput(f"Deze tegel bestaat niet in {self.tms.id}.", errors)

    @property
    def in_rd(self) -> bool:
        return self.tms.srid == RD_NEW

    @property
    def size_m(self) -> float:
        """The width of the tile in the units (metres) of its CRS."""
        return self.tms.tile_size(self.z)

    def bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """Return the tile's bounds in its CRS, widened by `margin` tile widths per side."""
        return self.tms.bounds(self.z, self.row, self.col, margin)

    def tolerance_m(self) -> float:
        """The simplification tolerance: about one screen pixel, in RD metres on the ground."""
        pixel = self.tms.cell_size(self.z)
        # Web Mercator stretches ground distances; RD does not (to within a fraction).
        return pixel if self.in_rd else pixel * NL_SCALE

    def envelope(self) -> Any:
        """The tile's outline (without buffer) in its CRS, as ST_AsMVTGeom takes it."""
        if self.in_rd:
            return func.ST_MakeEnvelope(*self.bounds(), RD_NEW)
        return func.ST_TileEnvelope(self.z, self.col, self.row)


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    x = MERCATOR_RADIUS * math.radians(lon)
    y = MERCATOR_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return x, y


DATA_BOUNDS = (*_mercator(*DATA_LONLAT[:2]), *_mercator(*DATA_LONLAT[2:]))


def collecties(session: Session) -> list[Collectie]:
    """All collections with tiles: gebieden, opgaven (also per thema), the live
    referentielagen and the stapeling."""
    result = [
        Collectie(GEBIEDEN, "Gebieden", GEBIEDEN, ("gebied",)),
        Collectie(OPGAVEN, "Opgaven", OPGAVEN, ("opgave",)),
    ]
    result.extend(
        Collectie(f"{OPGAVEN}-{t.code}", f"Opgaven {t.naam}", OPGAVEN, ("opgave",), t.code)
        for t in opgaven_service.list_themas(session)
    )
    result.extend(
        Collectie(
            referentielaag_id(laag.slug),
            laag.naam,
            REFERENTIELAAG,
            (),
            laag_id=laag.id,
            laag_versie=laag.versie,
        )
        for laag in referentielagen_service.list_lagen(session)
    )
    # The faces change whenever an opgave or a gebied does.
    result.append(Collectie(STAPELING, "Stapeling", STAPELING, ("gebied", "opgave")))
    return result


def get_collectie(session: Session, collection_id: str) -> Collectie:
    """Return the collection with this id; raise CollectieNotFound."""
    for collectie in collecties(session):
        if collectie.id == collection_id:
            return collectie
    raise CollectieNotFound(collection_id)


def check_filter(session: Session, collectie: Collectie, flt: TileFilter) -> None:
    """Raise InvalidInput for filters the collection does not have, or unknown values."""
    errors = [
        FieldError(
            name,
            f"De collectie '{collectie.id}' kent het filter '{name}' niet.",
            "onbekend_filter",
        )
        for name in flt.given()
        if name not in collectie.filters
    ]
    if "thema" in collectie.filters:
        errors.extend(opgaven_service.check_themas(session, flt.themas, "thema"))
    if flt.gebied is not None and gebieden_service.find_gebied(session, flt.gebied) is None:
        errors.append(FieldError("gebied", "Onbekend gebied (id of slug).", "onbekend_gebied"))
    if errors:
        raise InvalidInput("Ongeldig filter voor deze tegels.", errors)


def variant_van(session: Session, flt: TileFilter) -> VariantSituatie | None:
    """Return the variant whose stapeling the tile shows, as it is now, or None (the register).

    Its inhoud_versie is read here: make it before the ETag, and the tile from it.
    """
    if flt.variant is None:
        return None
    return variant_situatie(session, flt.variant, [flt.gebied] if flt.gebied else [])


def etag(
    session: Session,
    collectie: Collectie,
    tile: TileAddress,
    flt: TileFilter,
    variant: VariantSituatie | None = None,
) -> str:
    """Return the strong ETag of a tile: it changes with every write to the collection's tables,
    for a variant's stapeling (`variant_van`) with every change of the variant, and for a
    referentielaag with its versie (read with the collection, before the tile).

    Read it before the tile: a write committed in between then gives newer data under an older
    ETag (one needless download later), never older data under a newer one.
    """
    versies = session.execute(
        select(LaagVersie.laag, LaagVersie.versie)
        .where(LaagVersie.laag.in_(collectie.lagen))
        .order_by(LaagVersie.laag)
    ).all()
    state = ".".join(f"{laag}{versie}" for laag, versie in versies)
    if collectie.laag_id is not None:
        # Its objecten change only with an import, which moves its versie (no laag_versie
        # row: that would make every tile of every laag stale at each import).
        state += f".referentielaag{collectie.laag_id}:{collectie.laag_versie}"
    if variant is not None:
        # Its changes are in no laag: its inhoud_versie counts them (the register's edits in
        # the gebied move the opgave laag).
        state += f".variant{variant.variant.id}:{variant.variant.inhoud_versie}"
    address = f"{collectie.id}/{tile.tms.id}/{tile.z}/{tile.row}/{tile.col}?{flt.key()}"
    digest = hashlib.sha256(f"{TILE_FORMAT}|{__version__}|{address}|{state}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def tile(
    session: Session,
    collectie: Collectie,
    address: TileAddress,
    flt: TileFilter,
    variant: VariantSituatie | None = None,
) -> bytes:
    """Return the tile as Mapbox Vector Tile bytes, one layer named after the collection; the
    stapeling of `variant` (the one its ETag was read for) when given.

    Empty (b"") when nothing lies in it.
    """
    area_rd = _area_rd(address)
    if area_rd is None:
        return b""
    if collectie.soort == GEBIEDEN:
        features = _gebieden(address, area_rd)
    elif collectie.soort == OPGAVEN:
        features = _opgaven(session, collectie, address, area_rd, flt)
    elif collectie.soort == REFERENTIELAAG:
        features = _referentieobjecten(collectie, address, area_rd)
    else:
        features = _stapeling(session, address, area_rd, flt, variant)
    rows = features.subquery("features")
    # ST_AsMVT skips the rows whose geometry fell away in ST_AsMVTGeom (NULL).
    encoded = session.scalar(
        select(func.ST_AsMVT(rows.table_valued(), collectie.id, EXTENT, "geom"))
    )
    return bytes(encoded or b"")


def _area_rd(address: TileAddress) -> Any:
    """The tile and its buffer in RD: where its features are read from; None when no data can
    lie there."""
    if address.in_rd:
        return func.ST_MakeEnvelope(*address.bounds(BUFFER / EXTENT), RD_NEW)
    box = _data_box(address)
    if box is None:
        return None
    # Densified first: the straight edges of the tile curve in RD.
    envelope = func.ST_Segmentize(func.ST_MakeEnvelope(*box, WEB_MERCATOR), address.size_m / 16)
    return func.ST_Transform(envelope, RD_NEW)


def _data_box(address: TileAddress) -> tuple[float, float, float, float] | None:
    """The Web Mercator tile and its buffer, cut to where data can lie; None if outside."""
    xmin, ymin, xmax, ymax = address.bounds(BUFFER / EXTENT)
    dxmin, dymin, dxmax, dymax = DATA_BOUNDS
    box = max(xmin, dxmin), max(ymin, dymin), min(xmax, dxmax), min(ymax, dymax)
    return box if box[0] < box[2] and box[1] < box[3] else None


def _mvt_geom(geom: Any, address: TileAddress, area_rd: Any) -> ColumnElement[Any]:
    """The geometry in tile coordinates: cut to the tile's area and simplified to about a
    pixel in RD, then (for Web Mercator) transformed, and clipped with the buffer."""
    clipped = func.ST_ClipByBox2D(geom, func.Box2D(area_rd))
    simplified = func.ST_SimplifyPreserveTopology(clipped, address.tolerance_m())
    projected = simplified if address.in_rd else func.ST_Transform(simplified, WEB_MERCATOR)
    return func.ST_AsMVTGeom(projected, address.envelope(), EXTENT, BUFFER, True).label("geom")


def _gebieden(address: TileAddress, area_rd: Any) -> Select[Any]:
    return select(
        cast(Gebied.id, Text).label("id"),
        Gebied.slug,
        Gebied.naam,
        Gebied.soort,
        _mvt_geom(Gebied.geom, address, area_rd),
    ).where(Gebied.geom.op("&&")(area_rd), gebieden_service.LIVE)


def _referentieobjecten(collectie: Collectie, address: TileAddress, area_rd: Any) -> Select[Any]:
    # The source's attributes as one JSON text: their names vary per laag, and may be any.
    return select(
        cast(Referentieobject.id, Text).label("id"),
        Referentieobject.naam,
        Referentieobject.extern_id,
        cast(Referentieobject.eigenschappen, Text).label("eigenschappen"),
        _mvt_geom(Referentieobject.geom, address, area_rd),
    ).where(
        Referentieobject.laag_id == collectie.laag_id,
        Referentieobject.geom.op("&&")(area_rd),
    )


def _opgaven(
    session: Session, collectie: Collectie, address: TileAddress, area_rd: Any, flt: TileFilter
) -> Select[Any]:
    # The same filter as the API's opgaven list (gebied: the interior meets it).
    same_as_api = opgaven_service.OpgaveFilter(
        gebied=flt.gebied,
        themas=flt.themas,  # on a thema's collection, this can only keep all or nothing
        status=flt.status,
        trekker=flt.trekker,
        horizon_tot=flt.horizon,
    )
    conditions: list[ColumnElement[Any]] = [
        Opgave.geom.op("&&")(area_rd),
        *opgaven_service.filter_conditions(session, same_as_api),
    ]
    if collectie.thema:
        conditions.append(Opgave.thema == collectie.thema)
    return select(
        cast(Opgave.id, Text).label("id"),
        Opgave.titel,
        Opgave.thema,
        Opgave.status,
        Opgave.trekker,
        Opgave.horizon,
        _mvt_geom(Opgave.geom, address, area_rd),
    ).where(*conditions)


def _stapeling(
    session: Session,
    address: TileAddress,
    area_rd: Any,
    flt: TileFilter,
    variant: VariantSituatie | None,
) -> Select[Any]:
    stapeling_ids = (
        _stored_stapelingen(session, area_rd, flt.gebied)
        if variant is None
        else _variant_stapeling(session, area_rd, variant)
    )
    return (
        select(
            StapelingVlak.nr,
            StapelingVlak.aantal,
            StapelingVlak.aantal_themas,
            func.array_to_string(StapelingVlak.themas, ",").label("themas"),
            Gebied.slug.label("gebied"),
            _mvt_geom(StapelingVlak.geom, address, area_rd),
        )
        .join(Stapeling, Stapeling.id == StapelingVlak.stapeling_id)
        .join(Gebied, Gebied.id == Stapeling.gebied_id)
        .where(
            StapelingVlak.stapeling_id.in_(stapeling_ids),
            StapelingVlak.aantal >= (flt.min_aantal or 1),
            StapelingVlak.geom.op("&&")(area_rd),
        )
    )


def _stored_stapelingen(session: Session, area_rd: Any, gebied: str | None) -> list[uuid.UUID]:
    """Return the ids of the unfiltered stored stapelingen of the gebieden meeting the area,
    computing and storing those that are missing."""
    query = (
        select(Gebied)
        .where(Gebied.geom.op("&&")(area_rd), gebieden_service.LIVE)
        .order_by(Gebied.id)
    )
    if gebied is not None:
        query = query.where(Gebied.id == gebieden_service.get_gebied(session, gebied).id)
    # A gebied whose data changed while it was computed has none: then the ETag read
    # before already differs from the current one.
    return list(stapeling_service.unfiltered(session, session.scalars(query).all()))


def _variant_stapeling(session: Session, area_rd: Any, variant: VariantSituatie) -> list[uuid.UUID]:
    """Return the id of the variant's unfiltered stored stapeling, computing and storing it
    when missing; none when its gebied does not meet the area."""
    meets = session.scalar(
        select(Gebied.id).where(
            Gebied.id == variant.gebied.id, Gebied.geom.op("&&")(area_rd), gebieden_service.LIVE
        )
    )
    if meets is None:
        return []
    # Under the key of the inhoud_versie the ETag was read with: a newer result, never older.
    stapeling_id = stapeling_service.stored_id(session, variant, StapelingFilter())
    return [stapeling_id] if stapeling_id is not None else []
