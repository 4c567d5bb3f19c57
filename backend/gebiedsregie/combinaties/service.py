"""The combinatiematrices: read as a whole, replaced as a whole (one versie), and what a
stapeling computes its koppelkansen and conflicten from."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely import MultiPolygon
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gebiedsregie.combinaties import voorbeeld
from gebiedsregie.combinaties.analysis import Invoer, Laag, Matrices
from gebiedsregie.combinaties.models import (
    SET_ID,
    Combinatieset,
    LaagCombinatie,
    ThemaCombinatie,
    Waarde,
)
from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import Referentielaag, Referentieobject

# A cell no one set yet (a thema or laag added after the set was made): neutraal.
NIET_VASTGESTELD = "Nog niet vastgesteld."


@dataclass(frozen=True)
class Stand:
    """The whole set as the API shows it: every pair of the themas there are, and every
    thema with every live referentielaag (missing cells as neutraal)."""

    versie: int
    voorbeeld: bool
    toelichting: str
    gewijzigd_op: datetime | None
    themas: list[dict[str, str]]  # code, naam
    lagen: list[dict[str, str]]  # slug, naam, soort
    thema_thema: list[dict[str, str]]
    thema_laag: list[dict[str, str]]


def _set(session: Session, lock: bool = False) -> Combinatieset | None:
    query = select(Combinatieset).where(Combinatieset.id == SET_ID)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def versie(session: Session) -> int:
    """Return the set's versie (0 before there is one)."""
    found = _set(session)
    return found.versie if found is not None else 0


def _cells(session: Session) -> tuple[dict[tuple[str, str], tuple[str, str]], ...]:
    themas = {
        (c.thema_a, c.thema_b): (c.waarde, c.reden)
        for c in session.scalars(select(ThemaCombinatie))
    }
    lagen = {
        (c.thema, c.laag): (c.waarde, c.reden) for c in session.scalars(select(LaagCombinatie))
    }
    return themas, lagen


def stand(session: Session) -> Stand:
    """Return the set as it is now."""
    found = _set(session)
    themas = opgaven_service.list_themas(session)
    lagen = referentielagen_service.list_lagen(session)
    thema_cells, laag_cells = _cells(session)
    codes = [t.code for t in themas]
    neutraal = (Waarde.NEUTRAAL.value, NIET_VASTGESTELD)
    thema_thema = []
    for x, a in enumerate(codes):
        for b in codes[x:]:
            first, second = min(a, b), max(a, b)
            waarde, reden = thema_cells.get((first, second), neutraal)
            thema_thema.append(
                {"thema_a": first, "thema_b": second, "waarde": waarde, "reden": reden}
            )
    thema_laag = []
    for laag in lagen:
        for code in codes:
            waarde, reden = laag_cells.get((code, laag.slug), neutraal)
            thema_laag.append({"thema": code, "laag": laag.slug, "waarde": waarde, "reden": reden})
    return Stand(
        versie=found.versie if found is not None else 0,
        voorbeeld=found.voorbeeld if found is not None else True,
        toelichting=found.toelichting if found is not None else voorbeeld.toelichting(),
        gewijzigd_op=found.gewijzigd_op if found is not None else None,
        themas=[{"code": t.code, "naam": t.naam} for t in themas],
        lagen=[{"slug": laag.slug, "naam": laag.naam, "soort": laag.soort} for laag in lagen],
        thema_thema=thema_thema,
        thema_laag=thema_laag,
    )


def matrices(session: Session) -> Matrices:
    """Return the cells that are not neutraal, for an analysis."""
    found = _set(session)
    thema_cells, laag_cells = _cells(session)
    neutraal = Waarde.NEUTRAAL.value
    return Matrices(
        versie=found.versie if found is not None else 0,
        voorbeeld=found.voorbeeld if found is not None else True,
        themas={k: w for k, (w, _) in thema_cells.items() if w != neutraal},
        lagen={k: w for k, (w, _) in laag_cells.items() if w != neutraal},
    )


def invoer(session: Session, area: MultiPolygon) -> Invoer:
    """Return what a stapeling inside `area` (RD) computes its combinaties from: the
    matrices, and each live referentielaag that meets the area, clipped to it (the union of
    its objecten there: they may overlap)."""
    return Invoer(matrices(session), tuple(_lagen_in(session, area)))


def _lagen_in(session: Session, area: MultiPolygon) -> list[Laag]:
    # The referentielagen's tables, read here and not through their service: its
    # union_binnen unions a laag's objecten before clipping them, which took 1.1 s for
    # Natura 2000 in Food Valley (154,000 vertices of the Veluwe); clipped first, 0.2 s.
    shape = func.ST_GeomFromWKB(area.wkb, RD_NEW)
    clipped = func.ST_CollectionExtract(func.ST_Intersection(Referentieobject.geom, shape), 3)
    union = func.ST_CollectionExtract(func.ST_Union(clipped), 3)
    rows = session.execute(
        select(
            Referentielaag.slug,
            Referentielaag.naam,
            Referentielaag.soort,
            func.ST_AsBinary(union),
        )
        .join(Referentieobject, Referentieobject.laag_id == Referentielaag.id)
        .where(
            Referentielaag.verwijderd_op.is_(None), func.ST_Intersects(Referentieobject.geom, shape)
        )
        .group_by(Referentielaag.id)
        .order_by(Referentielaag.soort.desc(), Referentielaag.slug)
    ).all()
    lagen = []
    for slug, naam, soort, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        if geom is not None and not geom.is_empty and geom.area > 0:
            lagen.append(Laag(slug, naam, soort, geom))
    return lagen


@dataclass(frozen=True)
class Wijziging:
    """A PUT, validated: the whole set."""

    voorbeeld: bool | None
    toelichting: str | None
    thema_thema: dict[tuple[str, str], tuple[str, str]]  # (a, b) a <= b -> (waarde, reden)
    thema_laag: dict[tuple[str, str], tuple[str, str]]  # (thema, slug) -> (waarde, reden)


def check(session: Session, body: dict[str, Any]) -> Wijziging:
    """Return the set a PUT asks for (its fields validated by the schema), or raise
    InvalidInput naming every field in error: an unknown thema or laag; a pair given twice,
    or given both ways round with different values (the matrix is symmetric: a pair both
    ways round with the same value is one cell); a cell missing."""
    codes = {t.code for t in opgaven_service.list_themas(session)}
    slugs = {laag.slug for laag in referentielagen_service.list_lagen(session)}
    errors: list[FieldError] = []
    thema_thema = _thema_cells(body["thema_thema"], codes, errors)
    thema_laag = _laag_cells(body["thema_laag"], codes, slugs, errors)
    if not errors:  # a cell in error would be reported missing too
        ordered = sorted(codes)
        for x, a in enumerate(ordered):
            errors.extend(
                FieldError("thema_thema", f"Het paar {a} en {b} ontbreekt.", "ontbreekt")
                for b in ordered[x:]
                if (a, b) not in thema_thema
            )
        errors.extend(
            FieldError("thema_laag", f"Thema {code} met laag {slug} ontbreekt.", "ontbreekt")
            for slug in sorted(slugs)
            for code in ordered
            if (code, slug) not in thema_laag
        )
    if errors:
        raise InvalidInput(f"De matrices bevatten {len(errors)} fout(en).", errors)
    return Wijziging(body.get("voorbeeld"), body.get("toelichting"), thema_thema, thema_laag)


def _thema_cells(
    cells: list[dict[str, str]], codes: set[str], errors: list[FieldError]
) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = {}
    first: dict[tuple[str, str], tuple[int, tuple[str, str]]] = {}  # pair -> index, as given
    for i, cel in enumerate(cells):
        name = f"thema_thema[{i}]"
        unknown = [k for k in ("thema_a", "thema_b") if cel[k] not in codes]
        for key in unknown:
            errors.append(
                FieldError(f"{name}.{key}", f"Onbekend thema '{cel[key]}'.", "onbekend_thema")
            )
        if unknown:
            continue
        given = (cel["thema_a"], cel["thema_b"])
        pair = (min(given), max(given))
        value = (cel["waarde"], cel["reden"])
        if pair not in first:
            first[pair] = (i, given)
            found[pair] = value
        elif first[pair][1] == given:
            errors.append(
                FieldError(name, f"Staat er al (thema_thema[{first[pair][0]}]).", "dubbel")
            )
        elif found[pair] != value:
            errors.append(
                FieldError(
                    name,
                    f"Het paar staat er andersom al (thema_thema[{first[pair][0]}]) met een andere "
                    "waarde of reden; de matrix is symmetrisch.",
                    "asymmetrisch",
                )
            )
    return found


def _laag_cells(
    cells: list[dict[str, str]], codes: set[str], slugs: set[str], errors: list[FieldError]
) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = {}
    first: dict[tuple[str, str], int] = {}
    for i, cel in enumerate(cells):
        name = f"thema_laag[{i}]"
        bad = False
        if cel["thema"] not in codes:
            errors.append(
                FieldError(f"{name}.thema", f"Onbekend thema '{cel['thema']}'.", "onbekend_thema")
            )
            bad = True
        if cel["laag"] not in slugs:
            errors.append(
                FieldError(
                    f"{name}.laag", f"Onbekende referentielaag '{cel['laag']}'.", "onbekende_laag"
                )
            )
            bad = True
        if bad:
            continue
        key = (cel["thema"], cel["laag"])
        if key in first:
            errors.append(FieldError(name, f"Staat er al (thema_laag[{first[key]}]).", "dubbel"))
            continue
        first[key] = i
        found[key] = (cel["waarde"], cel["reden"])
    return found


def replace(session: Session, wijziging: Wijziging) -> int:
    """Make the set what `wijziging` says, as one new versie, and commit; return the versie.
    Only what changed is written (each change one row of the audit trail); a PUT that
    changes nothing keeps the versie and drops no stored stapeling.

    The caller checked If-Match against the versie `lock` returned, in this transaction.
    """
    found = _set(session, lock=True)
    thema_cells, laag_cells = _cells(session)
    # The cells of lagen that are not there (the voorbeeld's, waiting for one) stay.
    slugs = {laag.slug for laag in referentielagen_service.list_lagen(session)}
    own_laag_cells = {k: v for k, v in laag_cells.items() if k[1] in slugs}
    voorbeeld_now = found.voorbeeld if found is not None else True
    toelichting_now = found.toelichting if found is not None else voorbeeld.toelichting()
    set_changes = (wijziging.voorbeeld is not None and wijziging.voorbeeld != voorbeeld_now) or (
        wijziging.toelichting is not None and wijziging.toelichting != toelichting_now
    )
    if (
        not set_changes
        and thema_cells == wijziging.thema_thema
        and own_laag_cells == wijziging.thema_laag
        and found is not None
    ):
        session.rollback()
        return found.versie
    # The set first: the cells' audit rows name its new versie.
    if found is None:
        found = Combinatieset(id=SET_ID, versie=1, voorbeeld=True, toelichting=toelichting_now)
        session.add(found)
    else:
        found.versie += 1
    if wijziging.voorbeeld is not None:
        found.voorbeeld = wijziging.voorbeeld
    if wijziging.toelichting is not None:
        found.toelichting = wijziging.toelichting
    found.gewijzigd_op = datetime.now(UTC)
    session.flush()
    _write(session, ThemaCombinatie, ("thema_a", "thema_b"), thema_cells, wijziging.thema_thema)
    _write(session, LaagCombinatie, ("thema", "laag"), own_laag_cells, wijziging.thema_laag)
    session.commit()
    return found.versie


def lock(session: Session) -> int:
    """Lock the set for a change (until commit or rollback) and return its versie."""
    found = _set(session, lock=True)
    return found.versie if found is not None else 0


def _write(
    session: Session,
    model: type[ThemaCombinatie] | type[LaagCombinatie],
    key: tuple[str, str],
    old: dict[tuple[str, str], tuple[str, str]],
    new: dict[tuple[str, str], tuple[str, str]],
) -> None:
    """Delete, update and insert the cells that differ."""
    first, second = (getattr(model, k) for k in key)
    for gone in old.keys() - new.keys():
        session.execute(delete(model).where(first == gone[0], second == gone[1]))
    for cell, (waarde, reden) in new.items():
        if cell not in old:
            session.add(model(**dict(zip(key, cell, strict=True)), waarde=waarde, reden=reden))
        elif old[cell] != (waarde, reden):
            session.execute(
                update(model)
                .where(first == cell[0], second == cell[1])
                .values(waarde=waarde, reden=reden)
            )
    session.flush()
