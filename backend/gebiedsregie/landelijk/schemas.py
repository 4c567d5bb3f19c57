"""Request and response bodies of the landelijke runs."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gebiedsregie.landelijk.runs import Voortgang


class RunStart(BaseModel):
    """Start een landelijke run: over één provincie (naam of statcode), of over heel
    Nederland (alle provincies) zonder `provincie`."""

    model_config = ConfigDict(extra="forbid")

    provincie: str | None = Field(default=None, min_length=1, max_length=100)


class RunRead(BaseModel):
    id: uuid.UUID
    omvang: str = Field(description="'nederland' of de naam van de provincie")
    provincie: str | None = Field(description="statcode van de provincie")
    status: Literal["bezig", "klaar", "mislukt"]
    tegel_m: float
    aantal_tegels: int
    tegels_klaar: int
    voortgang: float = Field(description="tegels klaar / aantal tegels (0..1)")
    gestart_op: datetime
    klaar_op: datetime | None
    gestart_door: str
    fout: str | None
    samenvatting: dict[str, Any] | None = Field(
        description="kerncijfers, de som van de tegels (alleen als de run klaar is)"
    )

    @classmethod
    def of(cls, voortgang: Voortgang) -> "RunRead":
        run = voortgang.run
        return cls(
            id=run.id,
            omvang=run.omvang,
            provincie=run.provincie,
            status=run.status,  # type: ignore[arg-type]
            tegel_m=run.tegel_m,
            aantal_tegels=run.aantal_tegels,
            tegels_klaar=voortgang.tegels_klaar,
            voortgang=(voortgang.tegels_klaar / run.aantal_tegels if run.aantal_tegels else 1.0),
            gestart_op=run.gestart_op,
            klaar_op=run.klaar_op,
            gestart_door=run.gestart_door,
            fout=run.fout,
            samenvatting=(
                dict(voortgang.statistiek.kerncijfers())
                if voortgang.statistiek is not None
                else None
            ),
        )
