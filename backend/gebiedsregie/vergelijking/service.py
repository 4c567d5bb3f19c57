"""The comparison of two situations of a gebied: both samenvattingen, their differences, the
opgaven that differ, and the difference faces (stored, or computed now).
"""

import dataclasses
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gebiedsregie.bounded import Budget
from gebiedsregie.combinaties import service as combinaties_service
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.stapeling import store as stapeling_store
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie, Situatie
from gebiedsregie.stapeling.store import View
from gebiedsregie.varianten.stapeling import VariantRef, VariantSituatie
from gebiedsregie.vergelijking import berekening, opgaven, store
from gebiedsregie.vergelijking.berekening import Zijde
from gebiedsregie.vergelijking.store import Stand
from gebiedsregie.vergelijking.verschillen import Verschillen, verschillen

HUIDIG = "huidig"
VARIANT = "variant:"


@dataclass(frozen=True)
class Kant:
    """One side of a comparison: a situation of the gebied, with its filter."""

    naam: str  # "huidig" or "variant:<id>", as asked
    situatie: Situatie
    flt: StapelingFilter
    veld: str  # the query parameter that named it: errors name it

    @property
    def variant(self) -> VariantRef | None:
        return self.situatie.variant if isinstance(self.situatie, VariantSituatie) else None

    @property
    def variant_id(self) -> uuid.UUID | None:
        variant = self.variant
        return variant.id if variant is not None else None


def kant(session: Session, gebied: Gebied, naam: str, veld: str, flt: StapelingFilter) -> Kant:
    """Return the side `naam` names: `huidig` (the register) or `variant:<id>` (a variant of
    the gebied); errors name `veld`."""
    text = naam.strip()
    if text == HUIDIG:
        return Kant(HUIDIG, HuidigeSituatie(gebied), flt, veld)
    if text.startswith(VARIANT):
        situatie = VariantSituatie.of(session, gebied, text[len(VARIANT) :], veld)
        return Kant(f"{VARIANT}{situatie.variant.id}", situatie, flt, veld)
    raise InvalidInput(
        f"Onbekende situatie '{naam}'.",
        [FieldError(veld, "Kies 'huidig' of 'variant:<id>'.", "ongeldig")],
    )


def _fresh(session: Session, side: Kant) -> Kant:
    """The same side as it is now (a variant's inhoud_versie may have moved)."""
    return kant(session, side.situatie.gebied, side.naam, side.veld, side.flt)


@dataclass
class Uitkomst:
    """A comparison: both samenvattingen, their differences, the opgaven, the faces."""

    a: Kant
    b: Kant
    stand: Stand
    verschillen: Verschillen
    opgaven: opgaven.OpgavenVerschil


def sleutel(a: Kant, b: Kant) -> str:
    """The key of the comparison of A and B beside the gebied: both stapeling keys."""
    return f"{a.situatie.key(a.flt)}\n{b.situatie.key(b.flt)}"


def vergelijk(
    session: Session, a: Kant, b: Kant, bewaard_max: int = 50, budget: Budget | None = None
) -> Uitkomst:
    """Return the comparison of A and B (sides of the same gebied).

    The stored comparison if there is one of the gebied's current epoch; else computed now:
    each side's samenvatting is that of its stored stapeling, or computed as
    `stapeling.service.stored` would (not stored: at 5,000 opgaven that costs tens of
    seconds a side), the faces are the overlay's; and stored if nothing changed meanwhile.
    The opgaven that differ are read now: their fields (a titel, say) are in no stored result.
    Commits: nothing is held while it computes.

    With a `budget` the computation runs in a child process within it (`berekening`), and
    bounded.OverBudget is raised past it; without, in this process (the CLI, tests).
    """
    gebied = a.situatie.gebied
    stand = store.find(session, gebied.id, sleutel(a, b))
    if stand is None:
        stand = _compute(session, gebied, a, b, bewaard_max, budget)
    return Uitkomst(
        a,
        b,
        stand,
        verschillen(stand.samenvatting_a, stand.samenvatting_b),
        _opgaven(session, gebied, a, b),
    )


def _opgaven(session: Session, gebied: Gebied, a: Kant, b: Kant) -> opgaven.OpgavenVerschil:
    versies_a = opgaven.versies(session, gebied, a.variant_id, a.flt)
    versies_b = opgaven.versies(session, gebied, b.variant_id, b.flt)
    keys_a, keys_b = opgaven.te_meten(versies_a, versies_b)
    return opgaven.verschillende(
        versies_a,
        versies_b,
        opgaven.vormen(session, gebied, a.variant_id, a.flt, keys_a),
        opgaven.vormen(session, gebied, b.variant_id, b.flt, keys_b),
    )


def _zijde(side: Kant, opgaven: list[Invoer], stored: View | None) -> Zijde:
    samenvatting = stored.samenvatting if stored is not None else None
    return Zijde(opgaven, side.flt.as_dict(), side.situatie.context(side.flt), samenvatting)


def _compute(
    session: Session, gebied: Gebied, a: Kant, b: Kant, bewaard_max: int, budget: Budget | None
) -> Stand:
    key = sleutel(a, b)
    # As in stapeling.service.stored: the epoch before the opgaven (and before the stored
    # stapelingen: one found is of this epoch or a later one, which `keep` then refuses).
    read_at = stapeling_store.epoch(session, gebied.id)
    stored = [stapeling_store.find(session, gebied.id, s.situatie.key(s.flt)) for s in (a, b)]
    opgaven_a = a.situatie.opgaven(session, a.flt)
    opgaven_b = b.situatie.opgaven(session, b.flt)
    # The sides' keys after the opgaven: unchanged since they were asked, the opgaven are
    # those of the keys (a variant's inhoud_versie only goes up).
    unchanged = all(_fresh(session, s).situatie.key(s.flt) == s.situatie.key(s.flt) for s in (a, b))
    area = gebieden_service.gebied_shape(gebied)
    # As stapeling.service.stored: a change to the matrices or lagen moves the epoch too.
    combinaties = combinaties_service.invoer(session, area)
    gebied_id = gebied.id
    a_zijde, b_zijde = _zijde(a, opgaven_a, stored[0]), _zijde(b, opgaven_b, stored[1])
    session.commit()  # nothing is held while we compute
    if budget is None:
        result = berekening.bereken(area, a_zijde, b_zijde, combinaties)
    else:
        result = berekening.bereken_bounded(area, a_zijde, b_zijde, combinaties, budget)
    computed = Stand(
        result.samenvatting_a,
        result.samenvatting_b,
        result.overlay.overzicht,
        overlay=result.overlay,
        berekend=True,
        berekend_a=stored[0] is None,
        berekend_b=stored[1] is None,
    )
    if not unchanged:
        return computed
    return store.keep(session, gebied_id, key, read_at, computed, bewaard_max)


def met_horizon(flt: StapelingFilter, horizon: int | None) -> StapelingFilter:
    """Return `flt` with `horizon` instead of its own, when given."""
    return flt if horizon is None else dataclasses.replace(flt, horizon=horizon)
