"""`gebiedsregie vergelijk GEBIED A B`: two situations of a gebied side by side, as a table.

A and B are `huidig` (the register) or `variant:<id>` (or just the id of a variant).
"""

import argparse
import sys
from collections.abc import Callable

from gebiedsregie.settings import Settings


def _situatie(text: str) -> str:
    """`huidig`, `variant:<id>`, or a bare id taken for `variant:<id>`."""
    from gebiedsregie.vergelijking.service import HUIDIG, VARIANT

    text = text.strip()
    return text if text == HUIDIG or text.startswith(VARIANT) else f"{VARIANT}{text}"


def cmd_vergelijk(args: argparse.Namespace, settings: Settings, url_of: Callable[..., str]) -> int:
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.errors import DomainError
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.opgaven import service as opgaven_service
    from gebiedsregie.stapeling.filters import StapelingFilter
    from gebiedsregie.vergelijking import service
    from gebiedsregie.vergelijking.report import vergelijking_table

    flt = StapelingFilter.of(args.thema, args.status, args.trekker, args.horizon)
    engine = make_engine(url_of(settings))
    try:
        with make_sessionmaker(engine)() as session:
            gebied = gebieden_service.get_gebied(session, args.gebied)
            errors = opgaven_service.check_themas(session, args.thema, "thema")
            if errors:
                print(f"fout: {errors[0].reason}", file=sys.stderr)
                return 2
            sides = [
                service.kant(session, gebied, _situatie(naam), veld, service.met_horizon(flt, own))
                for naam, veld, own in (
                    (args.a, "a", args.a_horizon),
                    (args.b, "b", args.b_horizon),
                )
            ]
            uitkomst = service.vergelijk(
                session, sides[0], sides[1], settings.vergelijking_bewaard_max
            )
            print(vergelijking_table(gebied.naam, uitkomst))
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    vg = sub.add_parser(
        "vergelijk", help="vergelijk twee situaties van een gebied (huidig of een variant)"
    )
    vg.add_argument("gebied", help="id of slug van het gebied")
    vg.add_argument("a", help="situatie A: huidig, of variant:<id>")
    vg.add_argument("b", help="situatie B: huidig, of variant:<id>")
    vg.add_argument("--a-horizon", type=int, help="horizon van A: opgaven tot en met dit jaar")
    vg.add_argument("--b-horizon", type=int, help="horizon van B: opgaven tot en met dit jaar")
    vg.add_argument("--thema", action="append", default=[], help="themacode; herhaalbaar")
    vg.add_argument("--status", action="append", default=[], help="status; herhaalbaar")
    vg.add_argument("--trekker", action="append", default=[], help="trekker; herhaalbaar")
    vg.add_argument("--horizon", type=int, help="horizon van beide, tenzij --a/--b-horizon")
    vg.set_defaults(func=cmd_vergelijk)
