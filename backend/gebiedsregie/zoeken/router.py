"""/api/v1/zoeken: gemeenten, provinces, gebieden and opgaven by name."""

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gebiedsregie.db import SessionDep
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.zoeken import service
from gebiedsregie.zoeken.schemas import Limiet, Zoekresultaten, Zoekterm

router = APIRouter(tags=["zoeken"])


@router.get("/zoeken", response_model=Zoekresultaten, responses={400: PROBLEM})
def zoeken(session: SessionDep, q: Zoekterm, limit: Limiet = 10) -> JSONResponse:
    """Zoek gemeenten, provincies, gebieden en opgaven op naam, beste eerst: eerst gelijke
    namen, dan namen die zo beginnen, dan gelijkende namen (ook met een tikfout)."""
    vorm = service.search_form(session, q)
    if not vorm:
        raise InvalidInput(
            "Zoek op letters of cijfers.",
            [FieldError("q", "Bevat geen letter of cijfer.", "geen_zoekterm")],
        )
    resultaten = service.zoek(session, vorm, limit)
    return JSONResponse({"q": q, "resultaten": [asdict(r) for r in resultaten]})
