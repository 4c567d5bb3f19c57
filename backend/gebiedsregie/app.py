"""create_app(settings) -> FastAPI: lifespan, routers, error handlers."""

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from psycopg.errors import QueryCanceled
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from swagger_ui_bundle import swagger_ui_path

from gebiedsregie import __version__, bounded
from gebiedsregie.auth.access import LoginRequired, ReadAccess
from gebiedsregie.auth.router import api_router as auth_api_router
from gebiedsregie.auth.router import router as auth_router
from gebiedsregie.combinaties.router import router as combinaties_router
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.errors import (
    PROBLEM_JSON,
    DomainError,
    ServiceUnavailable,
    problem,
    problem_for,
)
from gebiedsregie.gebieden.router import provincies_router
from gebiedsregie.gebieden.router import router as gebieden_router
from gebiedsregie.historie.router import router as historie_router
from gebiedsregie.landelijk.router import router as landelijk_router
from gebiedsregie.middleware import install_middleware
from gebiedsregie.ogc.edit import router as ogc_edit_router
from gebiedsregie.ogc.router import router as ogc_router
from gebiedsregie.ogc.tile_cache import TileCache
from gebiedsregie.ogc.tiles import router as tiles_router
from gebiedsregie.openapi import install_openapi
from gebiedsregie.opgaven.router import router as opgaven_router
from gebiedsregie.opgaven.router import themas_router
from gebiedsregie.rapport.router import router as rapport_router
from gebiedsregie.referentielagen.router import router as referentielagen_router
from gebiedsregie.ruimtebalans.router import router as ruimtebalans_router
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.router import router as stapeling_router
from gebiedsregie.uitwisseling.router import router as uitwisseling_router
from gebiedsregie.validation import dutch_errors
from gebiedsregie.varianten.opgaven_router import router as variant_opgaven_router
from gebiedsregie.varianten.router import gebied_router as gebied_varianten_router
from gebiedsregie.varianten.router import router as varianten_router
from gebiedsregie.vergelijking.router import router as vergelijking_router
from gebiedsregie.web.assets import STATIC_PREFIX
from gebiedsregie.web.router import icon_router, make_templates, swagger_page
from gebiedsregie.web.router import router as web_router
from gebiedsregie.zoeken.router import router as zoeken_router

log = logging.getLogger("gebiedsregie")
API_PREFIX = "/api/v1"
HTTP_TITLES = {
    404: ("Niet gevonden", "niet-gevonden", "Deze URL bestaat niet."),
    405: (
        "Methode niet toegestaan",
        "methode-niet-toegestaan",
        "Deze HTTP-methode is hier niet toegestaan.",
    ),
}


def _problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    """The one table from failures to problem+json."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return _problem_response(problem_for(exc, request.url.path), exc.headers or None)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/inloggen?volgende={quote(exc.path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = dutch_errors(exc.errors())
        return _problem_response(
            problem(
                400,
                "Ongeldige invoer",
                f"Het verzoek bevat {len(errors)} ongeldig(e) veld(en).",
                "ongeldige-invoer",
                errors,
                request.url.path,
            )
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        title, slug, detail = HTTP_TITLES.get(exc.status_code, ("Fout", "fout", str(exc.detail)))
        return _problem_response(
            problem(exc.status_code, title, detail, slug, None, request.url.path),
            dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> JSONResponse:
        # psycopg reports a statement timeout as an OperationalError too.
        if isinstance(exc.orig, QueryCanceled):
            log.error("database statement timed out on %s %s", request.method, request.url.path)
            detail = "De database deed er te lang over; probeer het later opnieuw."
        else:
            log.error("database unavailable: %s", exc.orig.__class__.__name__)
            detail = "De database is niet bereikbaar; probeer het later opnieuw."
        unavailable = ServiceUnavailable(detail)
        return _problem_response(problem_for(unavailable, request.url.path), {"Retry-After": "10"})

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.error("no free database connection for %s %s", request.method, request.url.path)
        busy = ServiceUnavailable("De database is te druk bezet; probeer het zo opnieuw.")
        return _problem_response(problem_for(busy, request.url.path), {"Retry-After": "5"})

    # Run by middleware.UnexpectedErrors, inside the request id and the security headers.
    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged once, here; the body says nothing of the cause.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _problem_response(
            problem(
                500,
                "Interne fout",
                "Er ging iets mis aan onze kant.",
                "interne-fout",
                None,
                request.url.path,
            )
        )


def _database_status(engine: Engine) -> tuple[str, str]:
    """Return the database's state (ok, onbereikbaar, bezet) and its PostGIS version."""
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        return "ok", str(version)
    except DBAPIError as exc:
        log.warning("health check failed: %s", exc.orig.__class__.__name__)
        return "onbereikbaar", ""
    except PoolTimeout:
        log.warning("health check failed: no free database connection")
        return "bezet", ""


def _install_docs(app: FastAPI) -> None:
    """Serve the API documentation with Swagger UI from the installed package, offline."""
    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return swagger_page(request, f"{API_PREFIX}/openapi.json", "Gebiedsregie API")


def _install_pages(app: FastAPI, settings: Settings) -> None:
    """The map pages and the static files they use (all served here: no CDN)."""
    app.state.templates, app.state.assets = make_templates(settings.frontend_dir)
    static = StaticFiles(directory=settings.frontend_dir / "static")
    app.mount(STATIC_PREFIX, static, name="static")
    app.include_router(web_router)
    app.include_router(icon_router)


def create_app(settings: Settings, database_url: str | None = None) -> FastAPI:
    """Return the application; `database_url` overrides the settings (tests, the CLI)."""
    url = database_url or settings.database_url
    if not url:
        raise ValueError("create_app needs a database URL (see gebiedsregie.localdb)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            url,
            settings.statement_timeout_ms,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout_s=settings.db_pool_timeout_s,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        # /health has a connection of its own: a pool full of heavy requests must not make an
        # orchestrator restart a healthy service (a database that is down still shows).
        app.state.health_engine = make_engine(
            url, 2_000, pool_size=1, max_overflow=0, pool_timeout_s=2
        )
        # The fork server of heavy work imports its modules now, not in the first request.
        threading.Thread(target=bounded.warm, name="bounded-warm", daemon=True).start()
        yield
        engine.dispose()
        app.state.health_engine.dispose()

    app = FastAPI(
        title="Gebiedsregie",
        description="Waar stapelen ruimtelijke opgaven zich op, per gebied.",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below, from our own copy of Swagger UI (no CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tile_cache = TileCache(settings.tegel_cache_mb * 1024 * 1024)
    _install_error_handlers(app)
    uploads = [f"{API_PREFIX}/import", f"{API_PREFIX}/import/inspectie"]
    install_middleware(app, settings, upload_paths=uploads)

    # Reading needs an account unless anoniem_lezen; writes say which rol they need.
    api = APIRouter(prefix=API_PREFIX, dependencies=[ReadAccess])
    api.include_router(themas_router)
    api.include_router(gebieden_router)
    api.include_router(provincies_router)
    api.include_router(referentielagen_router)
    api.include_router(opgaven_router)
    api.include_router(stapeling_router)
    api.include_router(landelijk_router)
    api.include_router(combinaties_router)
    api.include_router(rapport_router)
    api.include_router(ruimtebalans_router)
    api.include_router(uitwisseling_router)
    api.include_router(historie_router)
    api.include_router(gebied_varianten_router)
    api.include_router(varianten_router)
    api.include_router(variant_opgaven_router)
    api.include_router(vergelijking_router)
    api.include_router(zoeken_router)
    api.include_router(auth_api_router)
    app.include_router(api)

    app.include_router(ogc_router, dependencies=[ReadAccess])
    # Part 4: writes, each asking the planner role as the REST API does.
    app.include_router(ogc_edit_router, dependencies=[ReadAccess])
    _install_docs(app)
    app.include_router(auth_router)
    _install_pages(app, settings)
    app.include_router(tiles_router, dependencies=[ReadAccess])

    @app.get(
        "/health",
        tags=["beheer"],
        responses={503: {"description": "De database is onbereikbaar of te druk bezet."}},
    )
    def health(request: Request) -> JSONResponse:
        """Of de dienst en de database werken."""
        database, postgis = _database_status(request.app.state.health_engine)
        ok = database == "ok"
        body = {
            "status": "ok" if ok else "fout",
            "database": database,
            "postgis": postgis or None,
            "versie": __version__,
        }
        return JSONResponse(
            body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"}
        )

    install_openapi(app, __version__)
    return app
