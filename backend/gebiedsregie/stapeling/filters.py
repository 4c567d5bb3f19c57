"""Which opgaven a stapeling takes: the filter set, and its canonical text (the key of a
stored result, beside the gebied)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.stapeling.samenvatting import FilterWaarden


@dataclass(frozen=True)
class StapelingFilter:
    """Which opgaven take part; empty means all."""

    themas: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    trekker: tuple[str, ...] = ()
    horizon: int | None = None

    @classmethod
    def of(
        cls,
        themas: Sequence[str] = (),
        status: Sequence[str] = (),
        trekker: Sequence[str] = (),
        horizon: int | None = None,
    ) -> "StapelingFilter":
        return cls(
            tuple(sorted(set(themas))),
            tuple(sorted(set(status))),
            tuple(sorted(set(trekker))),
            horizon,
        )

    def key(self) -> str:
        """A canonical text for the filter set: the cache key next to the gebied."""
        return json.dumps(self.as_dict(), sort_keys=True)

    def as_dict(self) -> FilterWaarden:
        return {
            "thema": list(self.themas),
            "status": list(self.status),
            "trekker": list(self.trekker),
            "horizon": self.horizon,
        }

    def opgaven_filter(self, area: Any) -> opgaven_service.OpgaveFilter:
        return opgaven_service.OpgaveFilter(
            themas=self.themas,
            status=self.status,
            trekker=self.trekker,
            horizon_tot=self.horizon,
            area=area,
        )


# The key of a register stapeling without filters: always kept (see store._prune).
UNFILTERED = StapelingFilter().key()
