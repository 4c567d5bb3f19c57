"""`gebiedsregie stapeling --landelijk [--provincie P] [--hervat RUN_ID]`: a landelijke run
on Dask, with a progress bar, and its kerncijfers at the end."""

import argparse
import sys
import uuid

from gebiedsregie.landelijk import runs
from gebiedsregie.landelijk.statistiek import Statistiek
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.report import _ha, _number, depth_and_thema_lines


def add_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--landelijk",
        action="store_true",
        help="de landelijke stapeling, in tegels op Dask (heel Nederland of --provincie)",
    )
    command.add_argument("--provincie", help="met --landelijk: alleen deze provincie")
    command.add_argument("--hervat", metavar="RUN_ID", help="hervat een landelijke run")


def summary_table(omvang: str, statistiek: Statistiek) -> str:
    """Return a run's kerncijfers as aligned text, in Dutch."""
    k = statistiek.kerncijfers()
    lines = [
        f"Landelijke stapeling: {omvang}",
        f"  tegels                 {statistiek.aantal_tegels:>14}",
        f"  oppervlakte            {_ha(k['gebied_ha']):>14} ha",
        f"  bedekt door opgaven    {_ha(k['bedekt_ha']):>14} ha",
        f"  vlakken (per tegel)    {k['aantal_vlakken']:>14}",
        f"  ruimtedruk             {_number(k['ruimtedruk'] or 0, 3):>14}",
        f"  maximale stapeling     {k['max_diepte']:>14}",
        *depth_and_thema_lines(k["per_diepte"], k["per_thema"]),
    ]
    return "\n".join(lines)


def cmd_landelijk(
    args: argparse.Namespace, settings: Settings, url: str, progress: runs.Progress
) -> int:
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.errors import DomainError

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            if args.hervat:
                run = runs.get_run(session, args.hervat)
                print(f"hervat run {run.id} ({run.omvang})", file=sys.stderr)
            else:
                run = runs.start(session, args.provincie, door="cli")
                print(f"run {run.id} ({run.omvang}, {run.aantal_tegels} tegels)", file=sys.stderr)
            run_id: uuid.UUID = run.id
            omvang = run.omvang
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    try:
        statistiek = runs.execute_on_dask(settings, url, run_id, progress)
    except Exception as exc:
        print(
            f"fout: de run is mislukt ({type(exc).__name__}: {exc}); hervat met --hervat {run_id}",
            file=sys.stderr,
        )
        return 1
    print(summary_table(omvang, statistiek))
    return 0
