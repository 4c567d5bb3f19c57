"""Computing a comparison: the samenvattingen its sides lack and the overlay, in a child
process with a budget of its own (`bounded.py`).

At 5,000 opgaven that is three stapelingen of seconds and hundreds of MB each, which should
neither hold up other requests nor grow the server. The caller reads the database first and
gives its connection back before this; the overlay comes back columnar (`overlay.Overlay`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely import MultiPolygon

from gebiedsregie import bounded
from gebiedsregie.bounded import Budget
from gebiedsregie.combinaties.analysis import Invoer as CombinatieInvoer
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import analysis, compute
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.samenvatting import FilterWaarden, Samenvatting
from gebiedsregie.vergelijking import overlay
from gebiedsregie.vergelijking.overlay import Overlay


def vergelijking_budget(settings: Settings) -> Budget:
    """Return the budget the settings give computing one comparison."""
    return Budget(settings.vergelijking_seconds, settings.vergelijking_memory_mb)


@dataclass(frozen=True)
class Zijde:
    """One side as the computation takes it."""

    opgaven: Sequence[Invoer]
    filters: FilterWaarden
    context: dict[str, Any]  # names the side in the log, should the core's fallback fire
    samenvatting: Samenvatting | None  # its stored stapeling's; None: compute it


@dataclass
class Berekend:
    """Both samenvattingen and the overlay."""

    samenvatting_a: Samenvatting
    samenvatting_b: Samenvatting
    overlay: Overlay


def bereken(
    area: MultiPolygon, a: Zijde, b: Zijde, combinaties: CombinatieInvoer | None = None
) -> Berekend:
    """Return the comparison of A and B inside `area` (RD): each side's samenvatting (its
    own, or computed as `compute.analyse` gives it, with `combinaties`) and the overlay."""
    context = {"a": a.context, "b": b.context}
    return Berekend(
        _samenvatting(area, a, combinaties),
        _samenvatting(area, b, combinaties),
        overlay.overlay(area, a.opgaven, b.opgaven, context=context),
    )


def _samenvatting(
    area: MultiPolygon, side: Zijde, combinaties: CombinatieInvoer | None
) -> Samenvatting:
    if side.samenvatting is not None:
        return side.samenvatting
    return compute.samenvatting(
        area, list(side.opgaven), side.filters, context=side.context, combinaties=combinaties
    )


def _bereken_child(
    area: MultiPolygon,
    a: Zijde,
    b: Zijde,
    combinaties: CombinatieInvoer | None,
    check_noding: bool,
) -> tuple[Berekend, int]:
    """bereken() in the child, checked as the caller's process would; also returns how often
    the core's fallback fired, which the caller counts as its own."""
    analysis.CHECK_NODING = check_noding
    before = analysis.FALLBACKS.value
    result = bereken(area, a, b, combinaties)
    return result, analysis.FALLBACKS.value - before


def bereken_bounded(
    area: MultiPolygon,
    a: Zijde,
    b: Zijde,
    combinaties: CombinatieInvoer | None,
    budget: Budget,
) -> Berekend:
    """Return `bereken(area, a, b, combinaties)`, computed in a child process within `budget`.

    Raises bounded.OverBudget past the budget.
    """
    result, fallbacks = bounded.run(
        _bereken_child, area, a, b, combinaties, analysis.CHECK_NODING, budget=budget
    )
    analysis.FALLBACKS.add(fallbacks)
    return result
