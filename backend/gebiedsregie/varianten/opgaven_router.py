"""/api/v1/varianten/{id}/opgaven: a variant's opgaven, and changing them.

PUT on a register opgave's URL sets the variant's version of it (a Feature, `Content-Crs` as
for an opgave) or leaves it out (`{"weggelaten": true}`); DELETE undoes that, and the
register's version shows again. POST adds an opgave that exists only in the variant. Each
change has its own versie (ETag): If-Match on PUT and DELETE compares with it. The first PUT
of a register opgave has no change to name: `If-None-Match: *` makes it refuse (412) when
another planner made one meanwhile, instead of overwriting it (RFC 9110, 13.1.2).
"""

import contextlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session

from gebiedsregie.api import (
    ContentCrs,
    FeatureInput,
    IfMatch,
    JsonBody,
    OutputCrs,
    PageDep,
    SettingsDep,
    check_if_match,
    collection_response,
    geo_response,
    parse_feature,
)
from gebiedsregie.auth.access import require
from gebiedsregie.auth.models import Rol
from gebiedsregie.crs import Crs
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import Conflict, FieldError, InvalidInput, PreconditionFailed
from gebiedsregie.geometry import CheckedGeometry
from gebiedsregie.openapi import PROBLEM, geojson_body, geojson_responses, write_responses
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.ligging import ligging
from gebiedsregie.opgaven.schemas import HorizonTotQuery, StatusQuery, ThemaQuery, TrekkerQuery
from gebiedsregie.settings import Settings
from gebiedsregie.validation import validate_model
from gebiedsregie.varianten import service, sindsdien, situatie
from gebiedsregie.varianten.models import Variant, VariantOpgave, Wijziging
from gebiedsregie.varianten.schemas import (
    READ_ONLY,
    VariantOpgaveCollection,
    VariantOpgaveFeature,
    VariantOpgaveFeatureIn,
    VariantOpgaveFields,
    Weglaten,
    change_body,
    opgave_features,
)

router = APIRouter(
    prefix="/varianten", tags=["varianten"], dependencies=[Depends(require(Rol.LEZER))]
)
needs_planner = [Depends(require(Rol.PLANNER))]
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description="`*`: alleen als de variant nog geen eigen versie van deze opgave heeft "
        "(412 als een ander die intussen maakte).",
    ),
]
WeggelatenQuery = Annotated[
    bool, Query(description="true: ook de weggelaten opgaven (variant_wijziging weggelaten).")
]


def _key(opgave_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(opgave_id)
    except ValueError:
        raise opgaven_service.OpgaveNotFound(opgave_id) from None


def _parse(
    session: Session, body: Any, crs: Crs, settings: Settings
) -> FeatureInput[VariantOpgaveFields]:
    """Validate an opgave Feature for a variant, its thema against the database."""
    if isinstance(body, dict) and isinstance(body.get("properties"), dict):
        properties = {k: v for k, v in body["properties"].items() if k not in READ_ONLY}
        body = {**body, "properties": properties}
    return parse_feature(
        body,
        VariantOpgaveFields,
        crs,
        settings,
        geometry_required=True,
        check=lambda properties: opgaven_service.check_thema_property(session, properties),
    )


def _is_weglaten(body: Any) -> bool:
    """`{"weggelaten": …}` rather than a Feature; checked strictly by `Weglaten`."""
    return isinstance(body, dict) and "weggelaten" in body


def _check_weglaten(body: Any) -> None:
    errors: list[FieldError] = []
    validate_model(Weglaten, body, "", errors)
    if errors:
        raise InvalidInput('Verwacht een Feature, of {"weggelaten": true}.', errors)


def _check_change_preconditions(
    current: VariantOpgave | None,
    if_match: str | None,
    if_none_match: str | None,
    settings: Settings,
) -> None:
    """If-Match names the change's versie; `If-None-Match: *` asks that none exists yet."""
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise InvalidInput(
                "Ongeldige If-None-Match.",
                [FieldError("If-None-Match", "Alleen * is hier mogelijk.", "ongeldig")],
            )
        if current is not None:
            raise PreconditionFailed(
                "Intussen heeft iemand deze opgave in de variant gewijzigd. Haal haar opnieuw "
                "op en breng uw wijziging opnieuw aan.",
                [FieldError("If-None-Match", "Er is al een wijziging.", "verouderd")],
                headers={"ETag": f'"{current.versie}"'},
            )
        if if_match is None:
            return  # the precondition stands in for If-Match (also when that is required)
    if current is not None:
        check_if_match(if_match, current.versie, settings)
        return
    if if_match is None:
        return  # making a change is a create: no precondition needed
    with contextlib.suppress(PreconditionFailed):
        check_if_match(if_match, 0, settings)  # refuses a malformed header (400)
    raise PreconditionFailed(
        "De variant heeft (nog) geen eigen versie van deze opgave; laat If-Match weg om er een "
        "te maken.",
        [FieldError("If-Match", "Er is geen wijziging om mee te vergelijken.", "verouderd")],
    )


def _feature_response(
    session: Session,
    variant: Variant,
    sleutel: uuid.UUID,
    crs: Crs,
    checked: CheckedGeometry | None = None,
    location: str | None = None,
) -> Response:
    opgave = situatie.effectief(session, variant, sleutel)
    if opgave is None:
        raise opgaven_service.OpgaveNotFound(str(sleutel))
    feature = opgave_features([opgave], crs, sindsdien.verschuiving(variant))[0]
    meldingen = [*(checked.messages if checked else []), *_buiten(session, variant, opgave)]
    if meldingen:
        feature["meldingen"] = meldingen
    headers = {"ETag": f'"{opgave.wijziging_versie}"'} if opgave.wijziging_versie else {}
    if location is not None:
        headers["Location"] = location
    return geo_response(feature, crs, 201 if location else 200, **headers)


def _buiten(session: Session, variant: Variant, opgave: situatie.Effectief) -> list[dict[str, str]]:
    """A melding when an opgave of the variant lies outside its gebied (it counts nowhere)."""
    if opgave.wijziging not in (Wijziging.GEWIJZIGD, Wijziging.NIEUW):
        return []
    if any(g.id == variant.gebied_id for g in ligging(session, opgave.geom).gebieden):
        return []
    gebied = service.gebied_of(session, variant)
    reason = (
        f"Deze opgave ligt buiten gebied {gebied.naam}: zij telt in deze variant niet mee "
        "(en staat niet in haar lijst van opgaven)."
    )
    return [{"code": "buiten_gebied", "reason": reason}]


@router.get(
    "/{variant_id}/opgaven",
    response_model=VariantOpgaveCollection,
    responses=geojson_responses(),
)
def list_opgaven(
    variant_id: str,
    request: Request,
    session: SessionDep,
    crs: OutputCrs,
    page: PageDep,
    thema: ThemaQuery = None,
    status: StatusQuery = None,
    trekker: TrekkerQuery = None,
    horizon: HorizonTotQuery = None,
    weggelaten: WeggelatenQuery = False,
) -> Response:
    """De opgaven van de variant in haar gebied, op titel: het register met de wijzigingen
    van de variant erop, nu (een latere wijziging in het register is zichtbaar waar de
    variant de opgave niet zelf wijzigde). `variant_wijziging`: null (als in het register),
    `gewijzigd`, `nieuw` (alleen in de variant), of met `weggelaten=true` ook `weggelaten`."""
    variant = service.get_variant(session, variant_id)
    flt = opgaven_service.OpgaveFilter(
        themas=thema or [], status=status or [], trekker=trekker or [], horizon_tot=horizon
    )
    gebied = service.gebied_of(session, variant)
    opgaven, matched = situatie.list_effectief(
        session, variant, gebied, flt, page.limit, page.offset, weggelaten
    )
    features = opgave_features(opgaven, crs, sindsdien.verschuiving(variant))
    return collection_response(request, page, features, matched, crs)


@router.post(
    "/{variant_id}/opgaven",
    status_code=201,
    response_model=VariantOpgaveFeature,
    responses=geojson_responses(201, write=True),
    dependencies=needs_planner,
    openapi_extra=geojson_body(VariantOpgaveFeatureIn),
)
def create_opgave(
    variant_id: str,
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
) -> Response:
    """Voeg een opgave toe die alleen in de variant bestaat (getekend of geïmporteerd), met
    dezelfde velden en controles als een opgave in het register; het antwoord noemt haar id."""
    service.get_variant(session, variant_id)  # 404 or 410 before looking at the body
    feature = _parse(session, body, content_crs, settings)
    assert feature.geometry is not None
    variant = service.lock_bewerkbaar(session, variant_id)
    row = service.create_nieuw(session, variant, feature.fields.model_dump(), feature.geometry.geom)
    location = f"/api/v1/varianten/{variant.id}/opgaven/{row.sleutel}"
    return _feature_response(session, variant, row.sleutel, crs, feature.geometry, location)


@router.get(
    "/{variant_id}/opgaven/{opgave_id}",
    response_model=VariantOpgaveFeature,
    responses=geojson_responses(),
)
def get_opgave(variant_id: str, opgave_id: str, session: SessionDep, crs: OutputCrs) -> Response:
    """Eén opgave zoals de variant haar heeft (ook een weggelaten opgave, gemarkeerd)."""
    variant = service.get_variant(session, variant_id)
    sleutel = _key(opgave_id)
    if service.find_wijziging(session, variant, sleutel) is None:
        opgaven_service.get_opgave(session, opgave_id)  # 404 or 410
    return _feature_response(session, variant, sleutel, crs)


@router.put(
    "/{variant_id}/opgaven/{opgave_id}",
    response_model=VariantOpgaveFeature,
    responses=geojson_responses(write=True),
    dependencies=needs_planner,
    openapi_extra=change_body(),
)
def put_opgave(
    variant_id: str,
    opgave_id: str,
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """De versie van een opgave in deze variant (een Feature, als PUT van een opgave), of
    `{"weggelaten": true}` om haar weg te laten. De versie van de registeropgave nu wordt
    erbij vastgelegd: doorvoeren controleert daartegen. Heeft de variant nog geen eigen
    versie, stuur dan `If-None-Match: *`: wie tegelijk dezelfde opgave wijzigt, krijgt 412."""
    variant = service.get_variant(session, variant_id)
    sleutel = _key(opgave_id)
    existing = service.find_wijziging(session, variant, sleutel)
    nieuw = existing is not None and existing.soort == Wijziging.NIEUW
    opgave = None if nieuw else opgaven_service.get_opgave(session, opgave_id)  # 404, 410
    feature = None
    if _is_weglaten(body):
        _check_weglaten(body)
        if nieuw:
            raise Conflict(
                "Deze opgave bestaat alleen in de variant: verwijder haar met DELETE.",
                [FieldError("weggelaten", "Alleen voor opgaven uit het register.", "nieuw")],
            )
    else:
        feature = _parse(session, body, content_crs, settings)
    variant = service.lock_bewerkbaar(session, variant_id)
    current = service.find_wijziging(session, variant, sleutel)
    _check_change_preconditions(current, if_match, if_none_match, settings)
    values = feature.fields.model_dump() if feature is not None else None
    geom = feature.geometry.geom if feature is not None and feature.geometry else None
    if current is not None and current.soort == Wijziging.NIEUW:
        assert values is not None and geom is not None
        service.put_nieuw(session, current, values, geom)
    else:
        assert opgave is not None
        service.put_wijziging(session, variant, opgave, current, values, geom)
    checked = feature.geometry if feature is not None else None
    return _feature_response(session, variant, sleutel, crs, checked)


@router.delete(
    "/{variant_id}/opgaven/{opgave_id}",
    status_code=204,
    responses={404: PROBLEM, **write_responses()},
    dependencies=needs_planner,
)
def delete_opgave(
    variant_id: str,
    opgave_id: str,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Maak de wijziging ongedaan: de opgave is weer als in het register (een opgave die
    alleen in de variant bestond, is weg)."""
    sleutel = _key(opgave_id)
    variant = service.lock_bewerkbaar(session, variant_id)
    current = service.find_wijziging(session, variant, sleutel)
    if current is None:
        raise service.WijzigingNotFound(variant, opgave_id)
    check_if_match(if_match, current.versie, settings)
    service.delete_wijziging(session, current)
    return Response(status_code=204)
