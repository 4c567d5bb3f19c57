"""`gebiedsregie variant list|create|show|apply`: variants from the shell.

The shell acts for the system's operator: `apply` may doorvoeren as a beheerder would (the
variant must be vastgesteld); the audit trail names `cli:<user>`.
"""

import argparse
import getpass
import sys
from collections.abc import Callable

from sqlalchemy.orm import Session

from gebiedsregie.errors import DomainError
from gebiedsregie.settings import Settings


def _show(session: Session, variant_id: str) -> None:
    from gebiedsregie.varianten import service, sindsdien

    variant = service.get_variant(session, variant_id)
    gebied = service.gebied_of(session, variant)
    print(f"{variant.naam} ({variant.status}), variant van {gebied.naam}")
    print(f"  id {variant.id}, versie {variant.versie}, door {variant.auteur}")
    if variant.doorgevoerd_op is not None:
        op = f"{variant.doorgevoerd_op:%Y-%m-%d %H:%M}"
        print(f"  doorgevoerd op {op} door {variant.doorgevoerd_door}")
    if variant.beschrijving:
        print(f"  {variant.beschrijving}")
    since_change = sindsdien.per_wijziging(session, variant)
    changes = service.wijzigingen_met_titel(session, variant)
    print(f"wijzigingen: {len(changes)}")
    for row, titel in changes:
        line = f"  {row.soort:<12}{titel}  ({row.sleutel})"
        register = since_change.get(row.sleutel)
        if register is not None:
            velden = ", ".join(register.velden or []) or "onbekend"
            line += f"  register sindsdien {register.wat}: {velden}"
        print(line)
    since = sindsdien.sinds_aanmaak(session, variant, gebied)
    print(f"register gewijzigd sinds {variant.aangemaakt_op:%Y-%m-%d %H:%M}: {len(since)}")
    for w in since:
        velden = f": {', '.join(w.velden)}" if w.velden else ""
        print(f"  {w.wat:<12}{w.titel}{velden}")


def cmd_variant(args: argparse.Namespace, settings: Settings, url_of: Callable[..., str]) -> int:
    from gebiedsregie.auth.service import set_door
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.varianten import service
    from gebiedsregie.varianten.doorvoeren import doorvoeren

    door = f"cli:{getpass.getuser()}"
    engine = make_engine(url_of(settings))
    try:
        with make_sessionmaker(engine)() as session:
            set_door(session, door, None)
            if args.action == "list":
                gebied = gebieden_service.get_gebied(session, args.gebied)
                varianten, _ = service.list_varianten(session, gebied, 10_000, 0)
                counts = service.aantallen(session, [v.id for v in varianten])
                print(f"{'id':<38}{'status':<13}{'wijzigingen':<13}naam")
                for v in varianten:
                    total = sum(counts[v.id].values())
                    print(f"{v.id!s:<38}{v.status:<13}{total:<13}{v.naam}")
            elif args.action == "create":
                gebied = gebieden_service.get_gebied(session, args.gebied)
                values = {"naam": args.naam, "beschrijving": args.beschrijving}
                _check(values)
                variant = service.create_variant(session, gebied, values, door, None)
                print(variant.id)  # alone on stdout, for scripts
                print(f"variant {variant.naam} van {gebied.naam} aangemaakt", file=sys.stderr)
            elif args.action == "show":
                _show(session, args.id)
            elif args.action == "apply":
                variant = service.get_variant(session, args.id)
                done = doorvoeren(session, variant, door, None)
                print(
                    f"variant {variant.naam} doorgevoerd: {len(done.aangemaakt)} aangemaakt, "
                    f"{len(done.gewijzigd)} gewijzigd, {len(done.verwijderd)} verwijderd"
                )
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.name}: {error.reason}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def _check(values: dict[str, str]) -> None:
    """The checks of the API's body (naam, beschrijving)."""
    from gebiedsregie.errors import FieldError, InvalidInput
    from gebiedsregie.validation import validate_model
    from gebiedsregie.varianten.schemas import VariantCreate

    errors: list[FieldError] = []
    if validate_model(VariantCreate, values, "", errors) is None:
        raise InvalidInput("Ongeldige variant.", errors)


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    variant = sub.add_parser("variant", help="varianten van een gebied")
    actions = variant.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="toon de varianten van een gebied").add_argument(
        "gebied", help="id of slug van het gebied"
    )
    create = actions.add_parser("create", help="maak een variant (concept); het id naar stdout")
    create.add_argument("gebied", help="id of slug van het gebied")
    create.add_argument("naam")
    create.add_argument("--beschrijving", default="")
    actions.add_parser(
        "show", help="toon een variant, haar wijzigingen en wat het register sindsdien deed"
    ).add_argument("id")
    actions.add_parser(
        "apply", help="voer een vastgestelde variant door in het register (alles of niets)"
    ).add_argument("id")
    variant.set_defaults(func=cmd_variant)
