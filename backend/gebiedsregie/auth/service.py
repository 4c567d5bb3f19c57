"""Queries and transactions of gebruikers, API tokens and sessions.

Passwords are hashed with argon2id. Tokens and session ids are 256-bit random values; only
their SHA-256 is stored, so a copy of the database lets no one in.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, String, cast, delete, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from gebiedsregie import bounded
from gebiedsregie.auth.models import NAAM_PATTERN, ApiToken, Gebruiker, Rol, Sessie
from gebiedsregie.auth.throttle import LoginThrottle, TooMany
from gebiedsregie.bounded import Budget
from gebiedsregie.errors import Conflict, FieldError, InvalidInput, NotAuthenticated, NotFound
from gebiedsregie.settings import Settings

TOKEN_PREFIX = "gr_"
# Recording every use of a token would make every read a write; once a minute is enough.
TOKEN_USE_GRANULARITY = timedelta(minutes=1)

_hasher = PasswordHasher()
# A check of a password hash (64 MiB, about 0.4 s) runs in a child process: at a lower CPU
# priority than ordinary requests, and its memory never the server's (`bounded.py`).
HASH = Budget(seconds=10.0, memory_mb=256)


@cache
def _dummy_hash() -> str:
    # Verified when the name is unknown, so a wrong name costs as long as a wrong password.
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """Who makes a request, and how they proved it."""

    id: uuid.UUID
    naam: str
    rol: Rol
    via: str  # "sessie", "token" or "oidc"
    csrf: str | None = None  # the session's CSRF token (browser sessions only)


def now() -> datetime:
    return datetime.now(UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_of(gebruiker: Gebruiker, via: str, csrf: str | None = None) -> Actor:
    return Actor(gebruiker.id, gebruiker.naam, Rol(gebruiker.rol), via, csrf)


# --- gebruikers ---------------------------------------------------------------------------


def check_naam(naam: str) -> str:
    """Return the login name, lower-cased; raise InvalidInput if it is not one."""
    naam = naam.strip().lower()
    if not re.fullmatch(NAAM_PATTERN, naam):
        raise InvalidInput(
            "Ongeldige gebruikersnaam.",
            [
                FieldError(
                    "naam",
                    "1 tot 100 tekens: kleine letters, cijfers en . _ @ -, "
                    "beginnend met een letter of cijfer.",
                    "ongeldige_naam",
                )
            ],
        )
    return naam


def check_wachtwoord(wachtwoord: str, settings: Settings) -> None:
    if len(wachtwoord) < settings.wachtwoord_min_lengte:
        raise InvalidInput(
            "Wachtwoord te kort.",
            [
                FieldError(
                    "wachtwoord",
                    f"Minstens {settings.wachtwoord_min_lengte} tekens.",
                    "wachtwoord_te_kort",
                )
            ],
        )
    if len(wachtwoord) > 1024:
        raise InvalidInput(
            "Wachtwoord te lang.",
            [FieldError("wachtwoord", "Hoogstens 1024 tekens.", "wachtwoord_te_lang")],
        )


def find_gebruiker(session: Session, naam: str) -> Gebruiker | None:
    return session.scalars(
        select(Gebruiker).where(Gebruiker.naam == naam.strip().lower())
    ).one_or_none()


def get_gebruiker(session: Session, naam: str) -> Gebruiker:
    gebruiker = find_gebruiker(session, naam)
    if gebruiker is None:
        raise NotFound(f"Gebruiker '{naam}' bestaat niet.")
    return gebruiker


def list_gebruikers(session: Session) -> list[Gebruiker]:
    return list(session.scalars(select(Gebruiker).order_by(Gebruiker.naam)))


def create_gebruiker(
    session: Session,
    naam: str,
    rol: Rol,
    wachtwoord: str | None,
    settings: Settings,
    weergavenaam: str = "",
    oidc_subject: str | None = None,
) -> Gebruiker:
    """Store a new gebruiker; local accounts need a password, OIDC accounts a subject."""
    naam = check_naam(naam)
    if wachtwoord is not None:
        check_wachtwoord(wachtwoord, settings)
    gebruiker = Gebruiker(
        naam=naam,
        rol=rol.value,
        weergavenaam=weergavenaam,
        wachtwoord_hash=_hasher.hash(wachtwoord) if wachtwoord is not None else None,
        oidc_subject=oidc_subject,
    )
    session.add(gebruiker)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            f"Er is al een gebruiker '{naam}'.",
            [FieldError("naam", "Al in gebruik.", "bestaat_al")],
        ) from None
    session.commit()
    return gebruiker


def set_rol(session: Session, naam: str, rol: Rol) -> Gebruiker:
    gebruiker = get_gebruiker(session, naam)
    gebruiker.rol = rol.value
    session.commit()
    return gebruiker


def set_wachtwoord(session: Session, naam: str, wachtwoord: str, settings: Settings) -> None:
    """Set a new password; it also ends the gebruiker's sessions."""
    check_wachtwoord(wachtwoord, settings)
    gebruiker = get_gebruiker(session, naam)
    gebruiker.wachtwoord_hash = _hasher.hash(wachtwoord)
    gebruiker.mislukte_pogingen = 0
    gebruiker.geblokkeerd_tot = None
    session.execute(delete(Sessie).where(Sessie.gebruiker_id == gebruiker.id))
    session.commit()


def set_actief(session: Session, naam: str, actief: bool) -> Gebruiker:
    """Enable or disable a gebruiker; disabling ends their sessions at once.

    Their tokens stay (revoked or not) but are refused while the account is disabled.
    """
    gebruiker = get_gebruiker(session, naam)
    gebruiker.actief = actief
    if not actief:
        session.execute(delete(Sessie).where(Sessie.gebruiker_id == gebruiker.id))
    session.commit()
    return gebruiker


# --- passwords and sessions ---------------------------------------------------------------

LOGIN_REFUSED = "Onbekende gebruikersnaam of onjuist wachtwoord."


def authenticate(
    session: Session,
    naam: str,
    wachtwoord: str,
    throttle: LoginThrottle,
    adres: str,
) -> Gebruiker:
    """Return the gebruiker whose password this is; raise NotAuthenticated otherwise, or
    TooMany when `adres` is over a limit of `throttle` (see `throttle.py`).

    Unknown names, wrong passwords and names blocked from this address get the same answer,
    and take the same time. The hash is checked outside any row lock; only the bookkeeping
    afterwards locks the row, briefly.
    """
    naam = naam.strip().lower()
    with throttle.attempt(adres):
        stored = session.scalar(select(Gebruiker.wachtwoord_hash).where(Gebruiker.naam == naam))
        session.rollback()  # nothing held while hashing
        blocked = throttle.blocked(adres, naam)
        known = stored is not None
        try:
            right = bounded.run(
                _verify, stored if stored is not None else _dummy_hash(), wachtwoord, budget=HASH
            )
        except bounded.OverBudget:  # a machine this busy can take no more logins now
            raise TooMany(2, busy=True) from None
    if not known or blocked or not right:
        throttle.failed(adres, naam)
        raise NotAuthenticated(LOGIN_REFUSED)
    gebruiker = session.scalars(
        select(Gebruiker).where(Gebruiker.naam == naam).with_for_update()
    ).one_or_none()
    if gebruiker is None or gebruiker.wachtwoord_hash != stored:  # changed while we hashed
        session.rollback()
        raise NotAuthenticated(LOGIN_REFUSED)
    if not gebruiker.actief:
        session.rollback()
        raise NotAuthenticated("Dit account is uitgeschakeld.")
    throttle.succeeded(adres, naam)
    gebruiker.mislukte_pogingen = 0
    gebruiker.geblokkeerd_tot = None
    gebruiker.laatst_ingelogd_op = now()
    if stored is not None and _hasher.check_needs_rehash(stored):
        gebruiker.wachtwoord_hash = _hasher.hash(wachtwoord)
    session.commit()
    return gebruiker


def _verify(hash_: str, wachtwoord: str) -> bool:
    try:
        return _hasher.verify(hash_, wachtwoord)
    except (VerificationError, InvalidHashError):
        return False


def create_sessie(session: Session, gebruiker: Gebruiker, settings: Settings) -> tuple[str, str]:
    """Start a browser session; return (the cookie value, its CSRF token)."""
    value = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.execute(delete(Sessie).where(Sessie.verloopt_op < now()))
    session.add(
        Sessie(
            hash=digest(value),
            gebruiker_id=gebruiker.id,
            csrf=csrf,
            verloopt_op=now() + timedelta(hours=settings.sessie_uren),
        )
    )
    session.commit()
    return value, csrf


def sessie_actor(session: Session, value: str) -> Actor | None:
    """Return who this session cookie belongs to, or None if it is unknown or expired."""
    row = session.execute(
        select(Gebruiker, Sessie.csrf)
        .join(Sessie, Sessie.gebruiker_id == Gebruiker.id)
        .where(Sessie.hash == digest(value), Sessie.verloopt_op > now(), Gebruiker.actief)
    ).one_or_none()
    return actor_of(row[0], "sessie", row[1]) if row else None


def end_sessie(session: Session, value: str) -> None:
    session.execute(delete(Sessie).where(Sessie.hash == digest(value)))
    session.commit()


# --- API tokens -----------------------------------------------------------------------------


def create_token(
    session: Session, gebruiker: Gebruiker, dagen: int, omschrijving: str = ""
) -> tuple[ApiToken, str]:
    """Make a token for `gebruiker`, valid `dagen` days; return it and its one-time text."""
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        gebruiker_id=gebruiker.id,
        omschrijving=omschrijving[:200],
        hash=digest(value),
        verloopt_op=now() + timedelta(days=dagen),
    )
    session.add(token)
    session.commit()
    return token, value


def token_actor(session: Session, value: str) -> Actor | None:
    """Return who this bearer token belongs to, or None if unknown, expired or revoked."""
    row = session.execute(
        select(Gebruiker, ApiToken)
        .join(ApiToken, ApiToken.gebruiker_id == Gebruiker.id)
        .where(
            ApiToken.hash == digest(value),
            ApiToken.ingetrokken_op.is_(None),
            ApiToken.verloopt_op > now(),
            Gebruiker.actief,
        )
    ).one_or_none()
    if row is None:
        return None
    gebruiker, token = row
    moment = now()
    if token.laatst_gebruikt_op is None or moment - token.laatst_gebruikt_op > (
        TOKEN_USE_GRANULARITY
    ):
        # Its own statement, committed with the request's transaction or not at all.
        session.execute(
            update(ApiToken).where(ApiToken.id == token.id).values(laatst_gebruikt_op=moment)
        )
    return actor_of(gebruiker, "token")


def list_tokens(session: Session, naam: str | None = None) -> list[tuple[ApiToken, str]]:
    """Return (token, gebruiker naam) of every token, or of one gebruiker's, newest first."""
    query = (
        select(ApiToken, Gebruiker.naam)
        .join(Gebruiker, Gebruiker.id == ApiToken.gebruiker_id)
        .order_by(ApiToken.aangemaakt_op.desc())
    )
    if naam is not None:
        query = query.where(Gebruiker.naam == naam.strip().lower())
    return [(t, n) for t, n in session.execute(query).all()]


def revoke_token(session: Session, token_id: str) -> ApiToken:
    """Revoke a token by its id (or the start of it, as `token list` shows)."""
    prefix = token_id.strip().lower()
    if not re.fullmatch(r"[0-9a-f-]{4,36}", prefix):
        raise InvalidInput(
            "Ongeldig token-id.",
            [FieldError("id", "Geef minstens 4 tekens van het id.", "ongeldig_id")],
        )
    matches = session.scalars(
        select(ApiToken).where(cast(ApiToken.id, String).like(prefix + "%"))
    ).all()
    if len(matches) != 1:
        raise NotFound(
            f"Token '{token_id}' bestaat niet."
            if not matches
            else f"'{token_id}' past op meer tokens; geef meer tekens van het id."
        )
    token = matches[0]
    if token.ingetrokken_op is None:
        token.ingetrokken_op = now()
    session.commit()
    return token


# --- the audit trail's author ---------------------------------------------------------------


def set_door(
    session: Session, naam: str, gebruiker_id: uuid.UUID | None, verzoek_id: str | None = None
) -> None:
    """Name who makes this session's changes, for the audit trail (see migration 0004).

    Kept in `session.info`; it reaches the database (transaction-local settings) only when the
    session is about to write, so a read costs no extra round trip.
    """
    session.info["door"] = (naam, str(gebruiker_id or ""), verzoek_id or "")
    session.info["door_gezet"] = False


_SET_DOOR = text(
    "SELECT set_config('gebiedsregie.door', :naam, true), "
    "set_config('gebiedsregie.door_id', :id, true), "
    "set_config('gebiedsregie.verzoek_id', :verzoek, true)"
)


def _apply_door(session: Session) -> None:
    door = session.info.get("door")
    if door is not None and not session.info.get("door_gezet"):
        session.info["door_gezet"] = True
        session.connection().execute(
            _SET_DOOR, {"naam": door[0], "id": door[1], "verzoek": door[2]}
        )


@event.listens_for(Session, "after_begin")
def _door_on_begin(session: Session, transaction: SessionTransaction, conn: Connection) -> None:
    # Transaction-local settings end with each transaction: set them again before a write.
    session.info["door_gezet"] = False


@event.listens_for(Session, "before_flush")
def _door_before_flush(session: Session, context: object, instances: object) -> None:
    _apply_door(session)


@event.listens_for(Session, "do_orm_execute")
def _door_before_dml(state: ORMExecuteState) -> None:
    # Bulk writes (the importer's insert) do not flush.
    if state.is_insert or state.is_update or state.is_delete:
        _apply_door(state.session)
