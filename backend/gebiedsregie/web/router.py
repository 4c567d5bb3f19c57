"""The map pages: / (overview) and /gebieden/{slug}."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import swagger_ui_default_parameters
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gebiedsregie.auth.access import page_actor
from gebiedsregie.auth.service import Actor
from gebiedsregie.db import SessionDep
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.web import pages
from gebiedsregie.web.assets import Assets

router = APIRouter(include_in_schema=False, dependencies=[Depends(page_actor)])


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
    """Swagger UI for `openapi_url`, from the app's own copy; its one inline script carries
    the page's CSP nonce."""
    instellingen = {
        **swagger_ui_default_parameters,
        "url": openapi_url,
        "validatorUrl": None,  # no badge from validator.swagger.io
    }
    return Pages(request).render("swagger.html", {"titel": titel, "instellingen": instellingen})


@router.get("/", response_class=HTMLResponse)
def overzicht(session: SessionDep, view: PagesDep) -> HTMLResponse:
    return view.render("overzicht.html", pages.overzicht(session, view.assets))


@router.get("/gebieden/{slug}", response_class=HTMLResponse)
def gebied(slug: str, session: SessionDep, view: PagesDep) -> HTMLResponse:
    found = gebieden_service.find_gebied(session, slug)
    if found is None:
        return view.render("niet_gevonden.html", {"slug": slug}, status_code=404)
    return view.render("gebied.html", pages.gebied_pagina(session, view.assets, found))
