"""The stapeling inside a drawn area, computed on the spot and not stored.

The computation runs in a child process with its own budget (`bounded.py`): a drawn comb
costs seconds of CPU and hundreds of MB, which should neither hold up other requests nor
grow the server. The database is read first and the connection given back before that.
"""

from shapely import MultiPolygon
from sqlalchemy import func
from sqlalchemy.orm import Session

from gebiedsregie import bounded
from gebiedsregie.bounded import Budget
from gebiedsregie.combinaties import service as combinaties_service
from gebiedsregie.combinaties.analysis import Invoer as CombinatieInvoer
from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import analysis
from gebiedsregie.stapeling.compute import Invoer, Result, analyse
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.samenvatting import FilterWaarden
from gebiedsregie.varianten import situatie as varianten_situatie
from gebiedsregie.varianten.stapeling import VariantSituatie


def adhoc_budget(settings: Settings) -> Budget:
    """Return the budget the settings give one ad-hoc stapeling."""
    return Budget(settings.adhoc_seconds, settings.adhoc_memory_mb)


def _analyse_child(
    area: MultiPolygon,
    opgaven: list[Invoer],
    filters: FilterWaarden,
    context: dict[str, object],
    check_noding: bool,
    combinaties: CombinatieInvoer,
) -> tuple[Result, int]:
    """analyse() in the child, checked as the caller's process would; also returns how often
    the core's fallback fired, which the caller counts as its own."""
    analysis.CHECK_NODING = check_noding
    before = analysis.FALLBACKS.value
    result = analyse(area, opgaven, filters, context=context, combinaties=combinaties)
    return result, analysis.FALLBACKS.value - before


def adhoc(
    session: Session,
    area: MultiPolygon,
    flt: StapelingFilter,
    max_opgaven: int,
    budget: Budget,
    variant: VariantSituatie | None = None,
) -> Result:
    """Compute the stapeling inside a drawn area within `budget`; nothing is stored. The
    opgaven are the register's, or those of `variant` (with its changes applied).

    Raises InvalidInput past `max_opgaven` and bounded.OverBudget past the budget.
    """
    area_expr = func.ST_GeomFromWKB(area.wkb, RD_NEW)
    opgaven_filter = flt.opgaven_filter(area_expr)
    if variant is None:
        matched = opgaven_service.count(session, opgaven_filter)
    else:
        matched = varianten_situatie.tel_opgaven_van(
            session, variant.gebied, variant.variant.id, opgaven_filter
        )
    if matched > max_opgaven:
        raise InvalidInput(
            f"In dit gebied liggen {matched} opgaven; het maximum voor een losse analyse is "
            f"{max_opgaven}. Teken een kleiner gebied of filter op thema.",
            [FieldError("geometry", "Te veel opgaven in dit gebied.", "te_veel_opgaven")],
        )
    context: dict[str, object] = {"gebied": "getekend gebied", "filters": flt.as_dict()}
    if variant is None:
        opgaven = opgaven_service.geometries(session, opgaven_filter)
    else:
        # The drawn area, not the variant's gebied, bounds every part of the situation.
        context["variant"] = str(variant.variant.id)
        opgaven = varianten_situatie.opgaven_van(
            session, variant.gebied, variant.variant.id, opgaven_filter
        )
    combinaties = combinaties_service.invoer(session, area)
    session.rollback()  # read only: the connection goes back to the pool while we compute
    result, fallbacks = bounded.run(
        _analyse_child,
        area,
        opgaven,
        flt.as_dict(),
        context,
        analysis.CHECK_NODING,
        combinaties,
        budget=budget,
    )
    analysis.FALLBACKS.add(fallbacks)
    return result
