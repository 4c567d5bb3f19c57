"""`gebiedsregie import FILE --referentielaag NAAM`: a file's vlakken into a referentielaag.

The laag is found by slug or id, or by the slug of NAAM; without one it is made (with the
given --soort, --kleur, --bron, --licentie, --peildatum) in the same transaction as the
import, so a refused file leaves no empty laag behind. Given options on an existing laag
change its metadata, also in that transaction.
"""

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gebiedsregie.errors import DomainError, FieldError, InvalidInput
from gebiedsregie.settings import Settings

STANDAARD_KLEUR = "#607d8b"
SOORTEN = ("sturend", "informatief")  # LaagSoort's (not imported: the CLI starts lighter)
# Options of the import of opgaven, which mean nothing for a referentielaag.
ALLEEN_OPGAVEN = ("thema", "trekker", "status", "buffer_m", "strikt")


def add_options(command: argparse.ArgumentParser) -> None:
    """Add the referentielaag options to the `import` command."""
    command.add_argument(
        "--referentielaag",
        metavar="NAAM",
        help="importeer de vlakken in deze referentielaag (naam of slug; aangemaakt als ze "
        "niet bestaat) en vervang haar objecten, alles of niets",
    )
    command.add_argument(
        "--soort",
        choices=SOORTEN,
        help="referentielaag: sturend of informatief (nieuw: standaard informatief)",
    )
    command.add_argument("--licentie", help="referentielaag: licentie en naamsvermelding")
    command.add_argument("--kleur", help=f"referentielaag: kleur, bv. #2e7d32 ({STANDAARD_KLEUR})")
    command.add_argument("--peildatum", help="referentielaag: peildatum van de bron (JJJJ-MM-DD)")


def _metadata(args: argparse.Namespace) -> dict[str, Any]:
    """The laag's metadata the options give (not validated yet)."""
    values: dict[str, Any] = {
        "soort": args.soort,
        "kleur": args.kleur,
        "bron": args.bron,
        "licentie": args.licentie,
        "peildatum": args.peildatum,
    }
    return {k: v for k, v in values.items() if v is not None}


def _option(field: str) -> str:
    return "--referentielaag" if field == "naam" else f"--{field}"


def _refuse_opgave_options(args: argparse.Namespace) -> None:
    given = [k for k in ALLEEN_OPGAVEN if getattr(args, k, None)]
    given += [k for k in vars(args) if k.startswith("veld_") and getattr(args, k)]
    if given:
        raise InvalidInput(
            "Deze opties gelden alleen voor een import van opgaven.",
            [
                FieldError(f"--{k.replace('_', '-')}", "Geldt niet voor een referentielaag.")
                for k in given
            ],
        )


def cmd_import_referentielaag(
    args: argparse.Namespace,
    settings: Settings,
    url: str,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run `gebiedsregie import FILE --referentielaag NAAM`; return the exit code."""
    from gebiedsregie.auth.service import set_door
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.gebieden.service import slugify
    from gebiedsregie.referentielagen import service
    from gebiedsregie.referentielagen.schemas import ReferentielaagCreate, ReferentielaagPatch
    from gebiedsregie.uitwisseling import referentie
    from gebiedsregie.validation import validate_model

    path = Path(args.bestand)
    if not path.is_file():
        print(f"fout: {path} bestaat niet", file=sys.stderr)
        return 2
    naam = args.referentielaag
    engine = make_engine(url)
    try:
        _refuse_opgave_options(args)
        errors: list[FieldError] = []
        with make_sessionmaker(engine)() as session:
            set_door(session, f"cli:{getpass.getuser()}", None)
            laag = service.find_laag(session, naam) or service.find_laag(session, slugify(naam))
            metadata = _metadata(args)
            if laag is None:
                values = {
                    "naam": naam,
                    "soort": "informatief",
                    "kleur": STANDAARD_KLEUR,
                    "bron": f"Import uit {path.name}",
                    **metadata,
                }
                fields = validate_model(ReferentielaagCreate, values, "", errors)
                if fields is not None:
                    laag = service.create_laag(session, fields.model_dump(), commit=False)
            elif metadata:
                patch = validate_model(ReferentielaagPatch, metadata, "", errors)
                if patch is not None:
                    values = patch.model_dump(include=patch.model_fields_set)
                    service.update_laag(session, laag, values, commit=False)
            if errors or laag is None:
                raise InvalidInput(
                    "Ongeldige opties voor de referentielaag.",
                    [FieldError(_option(e.name), e.reason, e.code) for e in errors],
                )
            opties = referentie.ReferentieOpties(args.dry_run, args.laag, args.crs)
            report = referentie.import_file(
                session, path, path.name, laag, opties, settings, progress
            )
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.name}: {error.reason}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    bestand, info = report["bestand"], report["referentielaag"]
    print(f"{bestand['naam']} ({bestand['formaat']}, laag {bestand['laag']}, {bestand['crs']})")
    print(f"referentielaag {info['naam']} ({info['slug']}, {info['soort']})")
    for key, value in report["samenvatting"].items():
        print(f"  {key:<13}{value:>8}")
    for regel in report["features"]:
        if regel["status"] == "geweigerd":
            print(f"  {'; '.join(regel['redenen'])}")
    if args.rapport:
        Path(args.rapport).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    if args.dry_run:
        print("dry run: niets opgeslagen")
    return 0
