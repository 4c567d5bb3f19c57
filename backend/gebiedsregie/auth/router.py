"""Logging in and out: the login page, OpenID Connect's redirects, and /api/v1/ik."""

import hmac
import secrets
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gebiedsregie.api import SettingsDep
from gebiedsregie.auth import oidc, service
from gebiedsregie.auth.access import SESSIE_COOKIE, Lezer
from gebiedsregie.auth.models import Gebruiker
from gebiedsregie.auth.throttle import LoginThrottle, TooMany
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import DomainError
from gebiedsregie.settings import Settings

LOGIN_CSRF_COOKIE = "gebiedsregie_inlog_csrf"

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["accounts"])


def safe_next(volgende: str | None) -> str:
    """Return `volgende` if it is a path on this site, else `/` (no open redirects)."""
    if (
        not volgende
        or not volgende.startswith("/")
        or volgende.startswith("//")
        or "\\" in volgende
        or any(ord(c) < 32 for c in volgende)
    ):
        return "/"
    return volgende


def _secure(request: Request, settings: Settings) -> bool:
    return (
        settings.cookie_secure
        if settings.cookie_secure is not None
        else (request.url.scheme == "https")
    )


def _login_page(
    request: Request,
    settings: Settings,
    volgende: str,
    fout: str | None = None,
    naam: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    csrf = secrets.token_urlsafe(32)
    context: dict[str, Any] = {
        "volgende": volgende,
        "fout": fout,
        "naam": naam,
        "inlog_csrf": csrf,
        "oidc": settings.oidc_enabled,
        "anoniem_lezen": settings.anoniem_lezen,
    }
    response = templates.TemplateResponse(
        request, "inloggen.html", context, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
        path="/inloggen",
    )
    return response


def _logged_in(
    request: Request,
    session: SessionDep,
    settings: Settings,
    gebruiker: Gebruiker,
    volgende: str,
) -> RedirectResponse:
    value, _csrf = service.create_sessie(session, gebruiker, settings)
    response = RedirectResponse(safe_next(volgende), status_code=303)
    response.set_cookie(
        SESSIE_COOKIE,
        value,
        max_age=settings.sessie_uren * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/inloggen")
    return response


@router.get("/inloggen", response_class=HTMLResponse)
def login_form(
    request: Request, settings: SettingsDep, volgende: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    return _login_page(request, settings, safe_next(volgende))


@router.post("/inloggen", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    naam: Annotated[str, Form(max_length=200)] = "",
    wachtwoord: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    volgende: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    volgende = safe_next(volgende)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return _login_page(
            request,
            settings,
            volgende,
            "Het formulier was verlopen; probeer het opnieuw.",
            naam,
            400,
        )
    adres = request.client.host if request.client else "-"
    try:
        gebruiker = service.authenticate(
            session, naam, wachtwoord, _login_throttle(request, settings), adres
        )
    except TooMany as exc:
        wait = f"Te veel inlogpogingen; probeer het over {exc.retry_after} seconden opnieuw."
        if exc.busy:
            wait = "Er wordt nu veel ingelogd; probeer het over enkele seconden opnieuw."
        page = _login_page(request, settings, volgende, wait, naam, 503 if exc.busy else 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except DomainError as exc:
        return _login_page(request, settings, volgende, exc.detail, naam, exc.status)
    return _logged_in(request, session, settings, gebruiker, volgende)


_throttle_lock = threading.Lock()


def _login_throttle(request: Request, settings: Settings) -> LoginThrottle:
    """The app's login throttle, made on first use (limits per process)."""
    with _throttle_lock:
        throttle = getattr(request.app.state, "login_throttle", None)
        if throttle is None:
            throttle = request.app.state.login_throttle = LoginThrottle.of(settings)
        return throttle


@router.post("/uitloggen")
def logout(
    request: Request,
    session: SessionDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    value = request.cookies.get(SESSIE_COOKIE)
    if value:
        actor = service.sessie_actor(session, value)
        # Only the page itself may log its user out (a cross-site form cannot know the token).
        if actor is not None and actor.csrf and hmac.compare_digest(actor.csrf, csrf):
            service.end_sessie(session, value)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSIE_COOKIE, path="/")
    return response


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_uri or str(request.url_for("oidc_terug"))


@router.get("/auth/oidc/inloggen")
def oidc_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    volgende: Annotated[str | None, Query()] = None,
) -> Response:
    if not settings.oidc_enabled:
        return _login_page(request, settings, "/", "Inloggen via OIDC staat niet aan.", "", 404)
    url = oidc.start_login(session, settings, _redirect_uri(request, settings), safe_next(volgende))
    return RedirectResponse(url, status_code=303)


@router.get("/auth/oidc/terug", name="oidc_terug")
def oidc_callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if not settings.oidc_enabled:
        return _login_page(request, settings, "/", "Inloggen via OIDC staat niet aan.", "", 404)
    if error or not code or not state:
        return _login_page(
            request, settings, "/", "De inlogdienst heeft het inloggen afgebroken.", "", 401
        )
    try:
        gebruiker, volgende = oidc.finish_login(
            session, settings, _redirect_uri(request, settings), code, state
        )
    except DomainError as exc:
        return _login_page(request, settings, "/", exc.detail, "", exc.status)
    return _logged_in(request, session, settings, gebruiker, volgende)


@api_router.get("/ik")
def whoami(actor: Lezer) -> JSONResponse:
    """Wie u bent volgens dit verzoek: naam, rol en hoe u bent aangemeld."""
    return JSONResponse({"naam": actor.naam, "rol": actor.rol.value, "via": actor.via})
