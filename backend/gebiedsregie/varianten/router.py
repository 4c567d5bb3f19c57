"""/api/v1/gebieden/{id}/varianten and /api/v1/varianten/{id}: variants and doorvoeren.

A variant holds changes against the register, not a copy: a later edit of the register shows
in every variant that did not change that opgave (see the package doc). Reading a variant
needs an account (it names its auteur and may hold choices not yet public).
"""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from gebiedsregie.api import (
    IfMatch,
    JsonBody,
    PageDep,
    SettingsDep,
    check_if_match,
    page_links,
    write_versioned,
)
from gebiedsregie.auth.access import Beheerder, Planner, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import InvalidInput
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.validation import validate_model
from gebiedsregie.varianten import service, sindsdien
from gebiedsregie.varianten.doorvoeren import doorvoeren
from gebiedsregie.varianten.models import Variant
from gebiedsregie.varianten.schemas import (
    DoorvoerenRead,
    VariantCreate,
    VariantDetail,
    VariantenPage,
    VariantPatch,
    json_body,
)

LEZER = [Depends(require(Rol.LEZER))]
gebied_router = APIRouter(prefix="/gebieden", tags=["varianten"], dependencies=LEZER)
router = APIRouter(prefix="/varianten", tags=["varianten"], dependencies=LEZER)
PROBLEMS: dict[int | str, dict[str, Any]] = dict.fromkeys(
    (400, 401, 403, 404, 409, 410, 412, 428), PROBLEM
)


def _gebied_ref(gebied: Gebied) -> dict[str, str]:
    return {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam}


def _summary(variant: Variant, gebied: Gebied, aantallen: dict[str, int]) -> dict[str, Any]:
    url = f"/api/v1/varianten/{variant.id}"
    doorgevoerd = (
        {"op": variant.doorgevoerd_op.isoformat(), "door": variant.doorgevoerd_door}
        if variant.doorgevoerd_op is not None
        else None
    )
    return {
        "id": str(variant.id),
        "gebied": _gebied_ref(gebied),
        "naam": variant.naam,
        "beschrijving": variant.beschrijving,
        "status": variant.status,
        "auteur": variant.auteur,
        "aangemaakt_op": variant.aangemaakt_op.isoformat(),
        "gewijzigd_op": variant.gewijzigd_op.isoformat(),
        "versie": variant.versie,
        "inhoud_versie": variant.inhoud_versie,
        "inhoud_gewijzigd_op": (
            variant.inhoud_gewijzigd_op.isoformat() if variant.inhoud_gewijzigd_op else None
        ),
        "doorgevoerd": doorgevoerd,
        "aantallen": aantallen,
        "links": [
            {"href": url, "rel": "self", "type": "application/json"},
            {"href": f"{url}/opgaven", "rel": "opgaven", "type": "application/geo+json"},
            {"href": f"{url}/historie", "rel": "historie", "type": "application/json"},
            {
                "href": f"/api/v1/gebieden/{gebied.slug}",
                "rel": "gebied",
                "type": "application/geo+json",
            },
        ],
    }


def _register(wijziging: sindsdien.RegisterWijziging) -> dict[str, Any]:
    return {
        "opgave_id": str(wijziging.opgave_id),
        "titel": wijziging.titel,
        "wat": wijziging.wat,
        "velden": wijziging.velden,
        "versie": wijziging.versie,
    }


def variant_json(session: Session, variant: Variant) -> dict[str, Any]:
    """The variant with its changes and what the register changed since (GET, writes)."""
    session.refresh(variant)  # inhoud_versie is set by trigger
    gebied = service.gebied_of(session, variant)
    body = _summary(variant, gebied, service.aantallen(session, [variant.id])[variant.id])
    since_change = sindsdien.per_wijziging(session, variant)
    changes = service.wijzigingen_met_titel(session, variant)
    soorten = {row.sleutel: row.soort for row, _titel in changes}
    body["wijzigingen"] = [
        {
            "opgave_id": str(row.sleutel),
            "soort": row.soort,
            "titel": titel,
            "versie": row.versie,
            "register_versie": row.register_versie,
            "aangemaakt_op": row.aangemaakt_op.isoformat(),
            "gewijzigd_op": row.gewijzigd_op.isoformat(),
            "register_sindsdien": (
                _register(since_change[row.sleutel]) if row.sleutel in since_change else None
            ),
        }
        for row, titel in changes
    ]
    body["register_gewijzigd"] = {
        "sinds": variant.aangemaakt_op.isoformat(),
        "opgaven": [
            {**_register(w), "in_variant": soorten.get(w.opgave_id)}
            for w in sindsdien.sinds_aanmaak(session, variant, gebied)
        ],
    }
    return body


def _response(
    session: Session, variant: Variant, status_code: int = 200, location: str | None = None
) -> JSONResponse:
    headers = {"ETag": f'"{variant.versie}"'}
    if location is not None:
        headers["Location"] = location
    return JSONResponse(variant_json(session, variant), status_code=status_code, headers=headers)


def _validated(model: Any, body: Any) -> Any:
    errors: list[Any] = []
    fields = validate_model(model, body, "", errors)
    if errors or fields is None:
        raise InvalidInput(f"Het verzoek bevat {len(errors)} ongeldig(e) veld(en).", errors)
    return fields


@gebied_router.get(
    "/{gebied_id}/varianten",
    response_model=VariantenPage,
    responses={404: PROBLEM, 410: PROBLEM},
)
def list_varianten(
    gebied_id: str, request: Request, session: SessionDep, page: PageDep
) -> JSONResponse:
    """De varianten van een gebied, op naam. Een variant bevat alleen haar wijzigingen ten
    opzichte van het register (de huidige situatie): weggelaten, gewijzigde en nieuwe
    opgaven. Een latere wijziging in het register is zichtbaar in elke variant die die
    opgave niet zelf wijzigde."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    varianten, matched = service.list_varianten(session, gebied, page.limit, page.offset)
    counts = service.aantallen(session, [v.id for v in varianten])
    return JSONResponse(
        {
            "numberMatched": matched,
            "numberReturned": len(varianten),
            "links": page_links(request, page, len(varianten), matched),
            "varianten": [_summary(v, gebied, counts[v.id]) for v in varianten],
        }
    )


@gebied_router.post(
    "/{gebied_id}/varianten",
    status_code=201,
    response_model=VariantDetail,
    responses=PROBLEMS,
    openapi_extra=json_body(VariantCreate),
)
def create_variant(
    gebied_id: str, session: SessionDep, actor: Planner, body: JsonBody
) -> JSONResponse:
    """Maak een variant van een gebied (status concept); planners en beheerders."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    fields = _validated(VariantCreate, body)
    variant = service.create_variant(session, gebied, fields.model_dump(), actor.naam, actor.id)
    return _response(session, variant, 201, f"/api/v1/varianten/{variant.id}")


@router.get("/{variant_id}", response_model=VariantDetail, responses=PROBLEMS)
def get_variant(variant_id: str, session: SessionDep) -> JSONResponse:
    """Eén variant met haar wijzigingen, en wat er sindsdien in het register veranderde:
    per wijziging (`register_sindsdien`: het register veranderde de opgave nadat de variant
    haar wijzigde; doorvoeren weigert dan) en sinds de variant gemaakt is
    (`register_gewijzigd`: opgaven in het gebied die nieuw, gewijzigd of verwijderd zijn,
    met de velden die verschillen)."""
    return _response(session, service.get_variant(session, variant_id))


@router.patch(
    "/{variant_id}",
    response_model=VariantDetail,
    responses=PROBLEMS,
    openapi_extra=json_body(VariantPatch, patch=True),
)
def patch_variant(
    variant_id: str,
    session: SessionDep,
    settings: SettingsDep,
    actor: Planner,
    body: JsonBody,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Wijzig naam, beschrijving of status (JSON merge patch). Planners bewerken een variant
    die concept of voorgelegd is; alleen een beheerder stelt vast, en een vastgestelde of
    verworpen variant krijgt alleen nog een andere status van een beheerder."""
    service.get_variant(session, variant_id)  # 404 or 410 before looking at the body
    fields = _validated(VariantPatch, body)
    values = fields.model_dump(include=fields.model_fields_set)
    variant = write_versioned(
        lambda: service.get_variant(session, variant_id),
        if_match,
        settings,
        lambda current: service.update_variant(session, current, values, actor.rol),
    )
    return _response(session, variant)


@router.delete(
    "/{variant_id}",
    status_code=204,
    responses=PROBLEMS,
    dependencies=[Depends(require(Rol.PLANNER))],
)
def delete_variant(
    variant_id: str, session: SessionDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    """Verwijder een variant (concept of voorgelegd); het register blijft zoals het is."""
    write_versioned(
        lambda: service.get_variant(session, variant_id),
        if_match,
        settings,
        lambda current: service.delete_variant(session, current),
    )
    return Response(status_code=204)


@router.post("/{variant_id}/doorvoeren", response_model=DoorvoerenRead, responses=PROBLEMS)
def doorvoeren_variant(
    variant_id: str,
    session: SessionDep,
    settings: SettingsDep,
    actor: Beheerder,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Voer een vastgestelde variant door in het register (alleen beheerders), in één keer:
    nieuwe opgaven worden registeropgaven (met hetzelfde id), gewijzigde nemen de versie van
    de variant over, weggelaten opgaven worden verwijderd (herstelbaar). Is een geraakte
    opgave in het register intussen gewijzigd of verwijderd, dan gebeurt er niets: 412, met
    die opgaven in `errors`. De historie van het register toont elke wijziging met de
    beheerder."""
    variant = service.get_variant(session, variant_id)
    check_if_match(if_match, variant.versie, settings)
    done = doorvoeren(session, variant, actor.naam, actor.id)
    body = {
        "variant": variant_json(session, variant),
        "doorgevoerd": {
            "aangemaakt": [str(i) for i in done.aangemaakt],
            "gewijzigd": [str(i) for i in done.gewijzigd],
            "verwijderd": [str(i) for i in done.verwijderd],
        },
    }
    return JSONResponse(body, headers={"ETag": f'"{variant.versie}"'})
