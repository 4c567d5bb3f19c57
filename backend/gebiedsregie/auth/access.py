"""Who is asking, and may they: the dependencies every router uses.

A request proves who it is with a bearer token (ours, or an OIDC access token) or with the
session cookie of the pages. A write with the cookie must also carry the session's CSRF token
in `X-CSRF-Token`: a cookie alone is sent by any site the browser visits.
"""

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from gebiedsregie.api import SettingsDep
from gebiedsregie.auth import oidc, service
from gebiedsregie.auth.models import Rol
from gebiedsregie.auth.service import Actor
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import Forbidden, NotAuthenticated

SESSIE_COOKIE = "gebiedsregie_sessie"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="Een API-token (`gebiedsregie token create`) of een OIDC-access-token.",
)
cookie_scheme = APIKeyCookie(
    name=SESSIE_COOKIE,
    auto_error=False,
    description="De sessie van de kaartpagina's; schrijven vraagt ook de header X-CSRF-Token.",
)


def current_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Actor | None:
    """Return who makes this request, or None for an anonymous one.

    Credentials that are present but wrong are refused (401), never ignored.
    """
    actor: Actor | None = None
    if credentials is not None:
        token = credentials.credentials
        if token.startswith(service.TOKEN_PREFIX):
            actor = service.token_actor(session, token)
        elif settings.oidc_enabled:
            actor = oidc.bearer_actor(session, settings, token)
        if actor is None:
            raise NotAuthenticated(
                "Het token is onbekend, verlopen of ingetrokken.",
                headers={"WWW-Authenticate": 'Bearer realm="gebiedsregie", error="invalid_token"'},
            )
    elif cookie:
        actor = service.sessie_actor(session, cookie)
        if actor is None:
            # A stale cookie reads like no cookie at all (as the pages do); a write says why.
            if request.method not in SAFE_METHODS:
                raise NotAuthenticated("Uw sessie is verlopen; log opnieuw in.")
        elif request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not (actor.csrf and hmac.compare_digest(sent.encode(), actor.csrf.encode())):
                raise Forbidden(
                    "Het CSRF-token ontbreekt of klopt niet; herlaad de pagina.",
                    headers={},
                )
    if actor is not None:
        request.state.actor = actor
        service.set_door(session, actor.naam, actor.id, getattr(request.state, "request_id", None))
    return actor


ActorDep = Annotated[Actor | None, Depends(current_actor)]


def require(rol: Rol) -> Callable[..., Actor]:
    """Return a dependency that admits a gebruiker with at least `rol`: 401 or 403 otherwise."""

    def dependency(actor: ActorDep) -> Actor:
        if actor is None:
            raise NotAuthenticated("Log in of stuur een API-token (Authorization: Bearer).")
        if not actor.rol.mag(rol):
            raise Forbidden(f"Hiervoor is de rol '{rol.value}' nodig; u heeft '{actor.rol.value}'.")
        return actor

    return dependency


def read_access(actor: ActorDep, settings: SettingsDep) -> Actor | None:
    """Admit readers: anyone when `anoniem_lezen` is on, else a gebruiker with any rol."""
    if actor is None and not settings.anoniem_lezen:
        raise NotAuthenticated("Log in om te lezen.")
    return actor


class LoginRequired(Exception):
    """A page that needs a logged-in gebruiker: the app answers with a redirect to /inloggen."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def page_actor(request: Request, session: SessionDep, settings: SettingsDep) -> Actor | None:
    """Return who views a page (by the session cookie); an expired cookie is just no one."""
    value = request.cookies.get(SESSIE_COOKIE)
    actor = service.sessie_actor(session, value) if value else None
    if actor is None and not settings.anoniem_lezen:
        raise LoginRequired(request.url.path)
    if actor is not None:
        request.state.actor = actor
    return actor


Lezer = Annotated[Actor, Depends(require(Rol.LEZER))]
Planner = Annotated[Actor, Depends(require(Rol.PLANNER))]
Beheerder = Annotated[Actor, Depends(require(Rol.BEHEERDER))]
ReadAccess = Depends(read_access)
needs_planner = Depends(require(Rol.PLANNER))
needs_beheerder = Depends(require(Rol.BEHEERDER))
