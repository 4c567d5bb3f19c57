"""What a stapeling is computed from: a situation of a gebied.

The huidige situatie, the register (`HuidigeSituatie`), or a variant
(`varianten.stapeling.VariantSituatie`): its `opgaven` are the register's with its changes
applied, and its `key` names it beside the filters (with its inhoud_versie, a changed variant
asks a new key, and a result computed while it changed is kept under the old one, never asked
again). Its stored results sit beside the register's, go with them when the gebied's epoch
moves, and are bounded like any filtered result (`store`).
"""

from typing import Any, Protocol

from sqlalchemy.orm import Session

from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.filters import StapelingFilter


class Situatie(Protocol):
    """A situation of a gebied that a stapeling can be computed from and stored for."""

    @property
    def gebied(self) -> Gebied: ...

    def key(self, flt: StapelingFilter) -> str:
        """Return the key of its stored result for `flt` (unique beside the gebied)."""
        ...

    def opgaven(self, session: Session, flt: StapelingFilter) -> list[Invoer]:
        """Return the opgaven meeting the gebied that `flt` lets through, ordered by id."""
        ...

    def context(self, flt: StapelingFilter) -> dict[str, Any]:
        """Return what names this computation in the log."""
        ...


class HuidigeSituatie:
    """The register: the opgaven as they are."""

    def __init__(self, gebied: Gebied) -> None:
        self._gebied = gebied

    @property
    def gebied(self) -> Gebied:
        return self._gebied

    def key(self, flt: StapelingFilter) -> str:
        return flt.key()

    def opgaven(self, session: Session, flt: StapelingFilter) -> list[Invoer]:
        area = gebieden_service.gebied_geom_expr(str(self._gebied.id))
        return opgaven_service.geometries(session, flt.opgaven_filter(area))

    def context(self, flt: StapelingFilter) -> dict[str, Any]:
        return {"gebied": str(self._gebied.id), "filters": flt.as_dict()}
