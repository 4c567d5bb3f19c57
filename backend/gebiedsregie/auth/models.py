"""Gebruikers with a rol, their API tokens and browser sessions, and OIDC logins under way."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text, Uuid
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.db import Base, Timestamps
from gebiedsregie.gebieden.models import in_values

NAAM_PATTERN = r"^[a-z0-9][a-z0-9._@-]{0,99}$"


class Rol(StrEnum):
    """What a gebruiker may do; each rol may do all the ones before it."""

    LEZER = "lezer"
    PLANNER = "planner"
    BEHEERDER = "beheerder"

    @property
    def niveau(self) -> int:
        return list(Rol).index(self)

    def mag(self, nodig: "Rol") -> bool:
        return self.niveau >= nodig.niveau


class Gebruiker(Timestamps, Base):
    __tablename__ = "gebruiker"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=sql_text("gen_random_uuid()")
    )
    naam: Mapped[str] = mapped_column(String(100), unique=True)
    weergavenaam: Mapped[str] = mapped_column(String(200), server_default="")
    rol: Mapped[str] = mapped_column(String(20))
    wachtwoord_hash: Mapped[str | None] = mapped_column(Text)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    actief: Mapped[bool] = mapped_column(Boolean, server_default=sql_text("true"))
    mislukte_pogingen: Mapped[int] = mapped_column(server_default="0")
    geblokkeerd_tot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    laatst_ingelogd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(in_values("rol", Rol), name="rol"),
        CheckConstraint(f"naam ~ '{NAAM_PATTERN}'", name="naam"),
    )


class ApiToken(Base):
    """A bearer token for scripts; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=sql_text("gen_random_uuid()")
    )
    gebruiker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gebruiker.id", ondelete="CASCADE"))
    omschrijving: Mapped[str] = mapped_column(String(200), server_default="")
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    verloopt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ingetrokken_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    laatst_gebruikt_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    aangemaakt_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=sql_text("now()")
    )

    __table_args__ = (Index("ix_api_token_gebruiker_id", "gebruiker_id"),)


class Sessie(Base):
    """A browser session; the cookie holds a random value, the table its SHA-256."""

    __tablename__ = "sessie"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    gebruiker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gebruiker.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    verloopt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    aangemaakt_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=sql_text("now()")
    )

    __table_args__ = (Index("ix_sessie_gebruiker_id", "gebruiker_id"),)


class OidcPoging(Base):
    """An OpenID Connect login that went to the provider and has not come back yet."""

    __tablename__ = "oidc_poging"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    volgende: Mapped[str] = mapped_column(Text, server_default="/")
    verloopt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))
