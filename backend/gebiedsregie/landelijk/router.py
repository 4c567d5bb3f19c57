"""/api/v1/stapeling/runs: landelijke runs, for beheerders."""

import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gebiedsregie.api import SettingsDep
from gebiedsregie.auth.access import Beheerder
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import Conflict
from gebiedsregie.landelijk import runs
from gebiedsregie.landelijk.schemas import RunRead, RunStart
from gebiedsregie.openapi import PROBLEM

router = APIRouter(prefix="/stapeling/runs", tags=["stapeling"])

_starting = threading.Lock()  # one run at a time per app: it takes the whole cluster

PROBLEMS: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 401, 403, 404, 409), PROBLEM)


def _database_url(request: Request) -> str:
    return str(request.app.state.engine.url.render_as_string(hide_password=False))


@router.post("", status_code=202, response_model=RunRead, responses=PROBLEMS)
def start_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    beheerder: Beheerder,
    body: RunStart | None = None,
) -> JSONResponse:
    """Start een landelijke stapeling (alleen beheerders): over één provincie of over heel
    Nederland. De tegels worden op Dask berekend; volg de voortgang op de Location. Er loopt
    er één tegelijk (409 als er al een loopt)."""
    state = request.app.state
    with _starting:
        running: threading.Thread | None = getattr(state, "landelijke_run", None)
        if running is not None and running.is_alive():
            raise Conflict(
                "Er loopt al een landelijke run; wacht tot zij klaar is (of hervat een "
                "mislukte met 'gebiedsregie stapeling --hervat')."
            )
        run = runs.start(session, body.provincie if body else None, door=beheerder.naam)
        # The thread only waits on Dask (the work is on its workers): a request must not.
        state.landelijke_run = threading.Thread(
            target=runs.execute_quietly,
            args=(settings, _database_url(request), run.id),
            name=f"landelijke-run-{run.id}",
            daemon=True,
        )
        state.landelijke_run.start()
    read = RunRead.of(runs.Voortgang(run, 0, None))
    return JSONResponse(
        read.model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/api/v1/stapeling/runs/{run.id}"},
    )


@router.get("/{run_id}", response_model=RunRead, responses=PROBLEMS)
def get_run(session: SessionDep, _beheerder: Beheerder, run_id: str) -> RunRead:
    """Status en voortgang van een landelijke run; als zij klaar is ook de kerncijfers, de
    som van haar tegels."""
    return RunRead.of(runs.voortgang(session, run_id))
