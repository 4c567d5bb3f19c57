"""The map pages: / (overview), /gebieden/{slug} and /gebieden/{slug}/vergelijken; and
/combinaties (the matrices of koppelkansen and conflicten)."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.openapi.docs import swagger_ui_default_parameters
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from gebiedsregie.api import SettingsDep
from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.access import SESSIE_COOKIE, LoginRequired, page_actor
from gebiedsregie.auth.models import Rol
from gebiedsregie.auth.service import Actor
from gebiedsregie.db import SessionDep
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.web import pages
from gebiedsregie.web.assets import Assets

router = APIRouter(include_in_schema=False, dependencies=[Depends(page_actor)])
# What a browser asks for by itself, with or without a session: no login, no database.
icon_router = APIRouter(include_in_schema=False)


def getal(value: float | None, decimals: int = 0) -> str:
    """A number the Dutch way: 12.345,6."""
    if value is None:
        return "\u2013"  # en dash: no value
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _gebruiker_context(request: Request) -> dict[str, Any]:
    """Who is logged in (set by the page's access check), for the header and the scripts."""
    actor: Actor | None = getattr(request.state, "actor", None)
    return {"actor": actor, "csrf": actor.csrf if actor else ""}


def make_templates(frontend_dir: Path) -> tuple[Jinja2Templates, Assets]:
    """The page templates (autoescaped) and the static assets they link to."""
    assets = Assets(frontend_dir / "static")
    templates = Jinja2Templates(
        directory=frontend_dir / "templates", context_processors=[_gebruiker_context]
    )
    # Templates change only with a new release: no stat of the file on every render.
    templates.env.auto_reload = False
    templates.env.filters["getal"] = getal
    templates.env.globals["assets"] = assets
    return templates, assets


class Pages:
    """What a page route needs from the app: its templates and assets."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.templates: Jinja2Templates = request.app.state.templates
        self.assets: Assets = request.app.state.assets

    def render(self, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        return self.templates.TemplateResponse(
            self.request,
            name,
            context,
            status_code=status_code,
            headers={"Cache-Control": "no-cache"},
        )


PagesDep = Annotated[Pages, Depends(Pages)]


def swagger_page(request: Request, openapi_url: str, titel: str) -> HTMLResponse:
    """Swagger UI for `openapi_url`, from the app's own copy (js/swagger.js starts it).

    The docs are public, so no access check ran: the session, if any, is looked up here, so
    that the page carries its CSRF token and "Try it out" can write as the logged-in user.
    """
    value = request.cookies.get(SESSIE_COOKIE)
    if value:
        with request.app.state.sessionmaker() as session:
            actor = auth_service.sessie_actor(session, value)
        if actor is not None:
            request.state.actor = actor
    instellingen = {
        **swagger_ui_default_parameters,
        "url": openapi_url,
        "validatorUrl": None,  # no badge from validator.swagger.io
    }
    return Pages(request).render("swagger.html", {"titel": titel, "instellingen": instellingen})


# `?kaart=rd`: the map in RD (PDOK's RD background, the RD vector tiles); else Web Mercator.
KaartQuery = Annotated[str | None, Query(description="rd: de kaart in RD (EPSG:28992).")]


@router.get("/", response_class=HTMLResponse)
def overzicht(session: SessionDep, view: PagesDep, kaart: KaartQuery = None) -> HTMLResponse:
    rd = kaart == "rd"
    return view.render("overzicht.html", pages.overzicht(session, view.assets, rd))


@router.get("/importeren", response_class=HTMLResponse)
def importeren(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    view: PagesDep,
    actor: Annotated[Actor | None, Depends(page_actor)],
) -> HTMLResponse:
    """The import page: beheerders only (others log in, or are told why not)."""
    if actor is None:
        raise LoginRequired(request.url.path)
    if not actor.rol.mag(Rol.BEHEERDER):
        return view.render("importeren.html", {"geweigerd": True}, status_code=403)
    return view.render("importeren.html", pages.import_pagina(session, settings))


@router.get("/combinaties", response_class=HTMLResponse)
def combinaties(
    view: PagesDep, actor: Annotated[Actor | None, Depends(page_actor)]
) -> HTMLResponse:
    """The matrices of koppelkansen and conflicten: to read, and for beheerders to edit."""
    beheerder = actor is not None and actor.rol.mag(Rol.BEHEERDER)
    return view.render("combinaties.html", {"beheerder": beheerder})


@router.get("/gebieden/{slug}", response_class=HTMLResponse)
def gebied(
    slug: str, session: SessionDep, view: PagesDep, kaart: KaartQuery = None
) -> HTMLResponse:
    found = gebieden_service.find_gebied(session, slug)
    if found is None:
        return view.render("niet_gevonden.html", {"slug": slug}, status_code=404)
    rd = kaart == "rd"
    return view.render("gebied.html", pages.gebied_pagina(session, view.assets, found, rd))


@router.get("/gebieden/{slug}/vergelijken", response_class=HTMLResponse)
def vergelijken(slug: str, session: SessionDep, view: PagesDep) -> HTMLResponse:
    """Two situations of a gebied side by side; which two is in the URL (vergelijken.js)."""
    found = gebieden_service.find_gebied(session, slug)
    if found is None:
        return view.render("niet_gevonden.html", {"slug": slug}, status_code=404)
    return view.render("vergelijken.html", pages.vergelijk_pagina(session, view.assets, found))


@icon_router.get("/favicon.ico")
def favicon(request: Request) -> FileResponse:
    """The icon the pages link to (favicon.svg), for browsers that ask /favicon.ico anyway."""
    assets: Assets = request.app.state.assets
    return FileResponse(
        assets.static_dir / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )
