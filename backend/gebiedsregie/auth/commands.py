"""`gebiedsregie user …` and `gebiedsregie token …`: accounts and API tokens from the shell."""

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from gebiedsregie.auth import service
from gebiedsregie.auth.models import Rol
from gebiedsregie.errors import DomainError
from gebiedsregie.settings import Settings

ROLLEN = [r.value for r in Rol]


@contextmanager
def _session(settings: Settings, url_of: Callable[[Settings], str]) -> Iterator[Session]:
    from gebiedsregie.db import make_engine, make_sessionmaker

    engine = make_engine(url_of(settings))
    try:
        with make_sessionmaker(engine)() as session:
            service.set_door(session, f"cli:{getpass.getuser()}", None)
            yield session
    finally:
        engine.dispose()


def _read_password() -> str:
    """Ask twice on a terminal; otherwise take the first line of stdin (for scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Nog eens: ") != first:
        raise DomainError("De wachtwoorden zijn niet gelijk.")
    return first


def cmd_user(args: argparse.Namespace, settings: Settings, url_of: Callable[..., str]) -> int:
    try:
        with _session(settings, url_of) as session:
            if args.action == "add":
                service.check_naam(args.naam)
                gebruiker = service.create_gebruiker(
                    session, args.naam, Rol(args.role), _read_password(), settings, args.naam_vol
                )
                print(f"gebruiker {gebruiker.naam} ({gebruiker.rol}) aangemaakt")
            elif args.action == "list":
                print(f"{'naam':<24}{'rol':<11}{'actief':<8}{'soort':<7}laatst ingelogd")
                for g in service.list_gebruikers(session):
                    soort = "oidc" if g.oidc_subject else "lokaal"
                    laatst = (
                        f"{g.laatst_ingelogd_op:%Y-%m-%d %H:%M}" if g.laatst_ingelogd_op else "-"
                    )
                    actief = "ja" if g.actief else "nee"
                    print(f"{g.naam:<24}{g.rol:<11}{actief:<8}{soort:<7}{laatst}")
            elif args.action == "set-role":
                gebruiker = service.set_rol(session, args.naam, Rol(args.rol))
                print(f"gebruiker {gebruiker.naam} heeft nu de rol {gebruiker.rol}")
            elif args.action in ("disable", "enable"):
                gebruiker = service.set_actief(session, args.naam, args.action == "enable")
                staat = "ingeschakeld" if gebruiker.actief else "uitgeschakeld"
                print(f"gebruiker {gebruiker.naam} {staat}")
            elif args.action == "password":
                service.set_wachtwoord(session, args.naam, _read_password(), settings)
                print(f"wachtwoord van {args.naam} gewijzigd; lopende sessies zijn beëindigd")
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.name}: {error.reason}", file=sys.stderr)
        return 2
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings, url_of: Callable[..., str]) -> int:
    try:
        with _session(settings, url_of) as session:
            if args.action == "create":
                gebruiker = service.get_gebruiker(session, args.naam)
                if not gebruiker.actief:
                    raise DomainError(f"Gebruiker '{gebruiker.naam}' is uitgeschakeld.")
                token, value = service.create_token(
                    session, gebruiker, args.dagen or settings.token_dagen, args.omschrijving
                )
                print(value)  # alone on stdout, for scripts
                print(
                    f"token {token.id} voor {gebruiker.naam} ({gebruiker.rol}), "
                    f"geldig tot {token.verloopt_op:%Y-%m-%d %H:%M} UTC",
                    file=sys.stderr,
                )
            elif args.action == "list":
                print(f"{'id':<38}{'gebruiker':<20}{'verloopt':<18}{'staat':<12}omschrijving")
                for token, naam in service.list_tokens(session, args.naam):
                    if token.ingetrokken_op is not None:
                        staat = "ingetrokken"
                    elif token.verloopt_op < service.now():
                        staat = "verlopen"
                    else:
                        staat = "geldig"
                    print(
                        f"{token.id!s:<38}{naam:<20}{token.verloopt_op:%Y-%m-%d %H:%M}  "
                        f"{staat:<12}{token.omschrijving}"
                    )
            elif args.action == "revoke":
                token = service.revoke_token(session, args.id)
                print(f"token {token.id} ingetrokken")
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        return 2
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    user = sub.add_parser("user", help="beheer gebruikers en hun rol")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add", help="maak een lokale gebruiker; wachtwoord via de prompt of stdin"
    )
    add.add_argument("naam")
    add.add_argument("--role", "--rol", dest="role", choices=ROLLEN, required=True)
    add.add_argument("--naam-vol", default="", help="weergavenaam")
    actions.add_parser("list", help="toon alle gebruikers")
    set_role = actions.add_parser("set-role", help="geef een gebruiker een andere rol")
    set_role.add_argument("naam")
    set_role.add_argument("rol", choices=ROLLEN)
    for action, text in (
        ("disable", "schakel een gebruiker uit (sessies vervallen, tokens werken niet meer)"),
        ("enable", "schakel een gebruiker weer in"),
        ("password", "stel een nieuw wachtwoord in (prompt of stdin)"),
    ):
        actions.add_parser(action, help=text).add_argument("naam")
    user.set_defaults(func=cmd_user)

    token = sub.add_parser("token", help="API-tokens voor scripts")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="maak een token; alleen het token gaat naar stdout")
    create.add_argument("naam", help="de gebruiker namens wie het token werkt")
    create.add_argument("--dagen", type=int, help="geldigheid in dagen (standaard: token_dagen)")
    create.add_argument("--omschrijving", default="", help="waarvoor het token is")
    listing = actions.add_parser("list", help="toon tokens (zonder hun geheim)")
    listing.add_argument("naam", nargs="?", help="alleen van deze gebruiker")
    revoke = actions.add_parser("revoke", help="trek een token in")
    revoke.add_argument("id", help="het id van het token (of het begin ervan)")
    token.set_defaults(func=cmd_token)
