"""OpenID Connect (Keycloak, Entra ID): authorization code flow with PKCE, and bearer tokens.

The provider is found through its discovery document; ID and access tokens are checked
against its JWKS (signature, issuer, audience, expiry, and the nonce of our own login). A
claim (`oidc_rol_claim`, a dotted path such as `realm_access.roles`) is mapped to a rol by
`oidc_rollen`; the highest rol that matches counts, and no match means no access.
"""

import base64
import hashlib
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gebiedsregie.auth import service
from gebiedsregie.auth.models import Gebruiker, OidcPoging, Rol
from gebiedsregie.auth.service import Actor
from gebiedsregie.errors import Forbidden, NotAuthenticated, ServiceUnavailable
from gebiedsregie.settings import Settings

DISCOVERY_TTL_S = 3600
LOGIN_TTL = timedelta(minutes=10)
HTTP_TIMEOUT_S = 10
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks: jwt.PyJWKClient


_providers: dict[str, tuple[float, Provider]] = {}


def _fetch_json(request: urllib.request.Request | str) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise ServiceUnavailable(
            "De inlogdienst (OpenID Connect) is niet bereikbaar of gaf een ongeldig antwoord."
        ) from exc


def provider(settings: Settings) -> Provider:
    """Return the configured provider, from its (cached) discovery document."""
    issuer = (settings.oidc_issuer or "").rstrip("/")
    cached = _providers.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_TTL_S:
        return cached[1]
    document = _fetch_json(f"{issuer}/.well-known/openid-configuration")
    try:
        found = Provider(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks=jwt.PyJWKClient(document["jwks_uri"], timeout=HTTP_TIMEOUT_S),
        )
    except (KeyError, TypeError) as exc:
        raise ServiceUnavailable(
            "Het discovery-document van de inlogdienst is onvolledig."
        ) from exc
    _providers[issuer] = (time.monotonic(), found)
    return found


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def start_login(session: Session, settings: Settings, redirect_uri: str, volgende: str) -> str:
    """Record a login attempt and return the provider's URL to send the browser to."""
    found = provider(settings)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    session.execute(delete(OidcPoging).where(OidcPoging.verloopt_op < service.now()))
    session.add(
        OidcPoging(
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            volgende=volgende,
            verloopt_op=service.now() + LOGIN_TTL,
        )
    )
    session.commit()
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri,
            "scope": settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in found.authorization_endpoint else "?"
    return f"{found.authorization_endpoint}{separator}{query}"


def finish_login(
    session: Session, settings: Settings, redirect_uri: str, code: str, state: str
) -> tuple[Gebruiker, str]:
    """Exchange the code for tokens, check the ID token; return the gebruiker and where to go."""
    poging = session.get(OidcPoging, state)
    if poging is None or poging.verloopt_op < service.now():
        raise NotAuthenticated("Deze inlogpoging is onbekend of verlopen; probeer het opnieuw.")
    session.delete(poging)
    session.commit()  # a state is good for one try only

    found = provider(settings)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": settings.oidc_client_id or "",
        "code_verifier": poging.code_verifier,
    }
    request = urllib.request.Request(
        found.token_endpoint,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    if settings.oidc_client_secret is not None:
        pair = f"{settings.oidc_client_id}:{settings.oidc_client_secret.get_secret_value()}"
        request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
    try:
        tokens = _fetch_json(request)
    except ServiceUnavailable:
        raise NotAuthenticated(
            "De inlogdienst weigerde de inlogcode; probeer het opnieuw."
        ) from None
    id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
    if not isinstance(id_token, str):
        raise NotAuthenticated("De inlogdienst gaf geen ID-token terug.")
    claims = _decode(found, id_token, settings.oidc_client_id or "")
    if claims is None or not secrets.compare_digest(str(claims.get("nonce", "")), poging.nonce):
        raise NotAuthenticated("Het ID-token van de inlogdienst is ongeldig.")
    gebruiker = _gebruiker_for(session, settings, found, claims)
    gebruiker.laatst_ingelogd_op = service.now()
    session.commit()
    return gebruiker, poging.volgende


def bearer_actor(session: Session, settings: Settings, token: str) -> Actor | None:
    """Return who an OIDC access token belongs to, or None if it does not check out."""
    found = provider(settings)
    audience = settings.oidc_audience or settings.oidc_client_id or ""
    claims = _decode(found, token, audience)
    if claims is None:
        return None
    gebruiker = _gebruiker_for(session, settings, found, claims)
    session.commit()
    return service.actor_of(gebruiker, "oidc") if gebruiker.actief else None


def _decode(found: Provider, token: str, audience: str) -> dict[str, Any] | None:
    try:
        key = found.jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=found.issuer,
            options={"require": ["exp", "iat", "sub"]},
            leeway=30,
        )
    except jwt.PyJWTError:
        return None
    return claims


def rol_from_claims(claims: dict[str, Any], settings: Settings) -> Rol | None:
    """Return the highest rol that the configured claim maps to, or None."""
    value: Any = claims
    for part in settings.oidc_rol_claim.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    rollen = [Rol(settings.oidc_rollen[v]) for v in values if v in settings.oidc_rollen]
    return max(rollen, key=lambda r: r.niveau) if rollen else None


def _gebruiker_for(
    session: Session, settings: Settings, found: Provider, claims: dict[str, Any]
) -> Gebruiker:
    """Return the local gebruiker of these claims, made or updated; its rol follows the claim."""
    rol = rol_from_claims(claims, settings)
    if rol is None:
        raise Forbidden(
            "Uw account bij de inlogdienst heeft geen rol in Gebiedsregie; "
            "vraag uw beheerder om toegang."
        )
    subject = f"{found.issuer}|{claims['sub']}"[:255]
    gebruiker = session.scalars(
        select(Gebruiker).where(Gebruiker.oidc_subject == subject)
    ).one_or_none()
    if gebruiker is None:
        gebruiker = Gebruiker(
            naam=_free_naam(session, str(claims.get(settings.oidc_naam_claim) or claims["sub"])),
            oidc_subject=subject,
            rol=rol.value,
            weergavenaam=str(claims.get("name") or "")[:200],
        )
        session.add(gebruiker)
    elif gebruiker.rol != rol.value:
        gebruiker.rol = rol.value
    session.flush()
    return gebruiker


def _free_naam(session: Session, wanted: str) -> str:
    base = re.sub(r"[^a-z0-9._@-]+", "-", wanted.strip().lower()).strip("-._@")[:90] or "oidc"
    naam, n = base, 2
    while session.scalar(select(Gebruiker.id).where(Gebruiker.naam == naam)) is not None:
        naam = f"{base}-{n}"
        n += 1
    return naam
