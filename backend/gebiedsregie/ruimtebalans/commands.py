"""`gebiedsregie ruimtebalans GEBIED [--horizon J] [--variant ID]`: the ruimtebalans as a
readable Dutch table."""

import argparse
import sys
from collections.abc import Callable

from gebiedsregie.ruimtebalans.service import Ruimtebalans
from gebiedsregie.settings import Settings

LEEG = "\u2013"  # an en dash: no figure


def _number(value: float, decimals: int = 1) -> str:
    """Dutch notation: a space between thousands, a decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _ratio(value: float | None) -> str:
    return LEEG if value is None else _number(value, 3)


def balans_table(uitkomst: Ruimtebalans, namen: dict[str, str]) -> str:
    """Return the ruimtebalans as aligned text, in Dutch; `namen` maps thema codes to names."""
    b = uitkomst.balans
    wat = "huidige situatie"
    if uitkomst.variant is not None:
        wat = f"variant {uitkomst.variant.naam} ({uitkomst.variant.status})"
    horizon = uitkomst.filters["horizon"]
    kop = f"Ruimtebalans van {uitkomst.gebied['naam']}, {wat}"
    if horizon is not None:
        kop += f", opgaven tot en met {horizon}"
    lines = [
        kop,
        "",
        f"  {'thema':<29} {'opgaven':>7} {'vraag (ha)':>12} {'geschat':>9} "
        f"{'zoekgeb. som':>13} {'unie':>11} {'in sturend':>11}",
    ]
    for t in b.themas:
        geschat = LEEG if t.aantal_geschat == 0 else f"{t.aantal_geschat} van {t.aantal_opgaven}"
        lines.append(
            f"  {namen.get(t.thema, t.thema)[:29]:<29} {t.aantal_opgaven:>7} "
            f"{_number(t.vraag_ha):>12} {geschat:>9} {_number(t.zoekgebied_ha_som):>13} "
            f"{_number(t.zoekgebied_ha_unie):>11} {_number(t.zoekgebied_in_sturend_ha):>11}"
        )
    if not b.themas:
        lines.append("  (geen opgaven met deze filters)")
    lines.append(
        f"  {'totaal':<29} {b.aantal_opgaven:>7} {_number(b.vraag_ha):>12} "
        f"{b.aantal_geschat or LEEG:>9} {_number(b.zoekgebied_ha_som):>13} "
        f"{_number(b.zoekgebied_ha_unie):>11} {_number(b.zoekgebied_in_sturend_ha):>11}"
    )
    saldo = "tekort" if b.saldo_ha < 0 else "over"
    lines += [
        "",
        f"  oppervlakte gebied          {_number(b.gebied_ha):>14} ha",
        f"  in sturende lagen           {_number(b.sturend_ha):>14} ha",
    ]
    lines += [
        f"    {laag.naam[:24]:<24}  {_number(laag.oppervlakte_ha):>14} ha"
        for laag in b.sturende_lagen
    ]
    if not b.sturende_lagen:
        lines.append("    (geen sturende referentielagen)")
    lines += [
        f"  beschikbaar                 {_number(b.beschikbaar_ha):>14} ha",
        f"  vraag                       {_number(b.vraag_ha):>14} ha",
        f"  saldo                       {_number(b.saldo_ha):>14} ha ({saldo})",
        f"  vraag / beschikbaar         {_ratio(b.ratio):>14}",
        f"  ruimtedruk naar zoekgebied  {_ratio(b.ruimtedruk_zoekgebied):>14}",
        f"  ruimtedruk naar vraag       {_ratio(b.ruimtedruk_vraag):>14}",
    ]
    notes = []
    if uitkomst.aantal_illustratief:
        notes.append(
            f"Illustratief: {uitkomst.aantal_illustratief} van de {b.aantal_opgaven} opgaven "
            "zijn volgens hun bron geen echte plannen; hun ruimtevraag is een voorbeeld."
        )
    if b.aantal_geschat:
        notes.append(
            f"{b.aantal_geschat} opgave(n) zonder ruimtevraag: hun zoekgebied in het gebied "
            "telt als vraag (geschat)."
        )
    if b.aantal_deels_buiten:
        notes.append(
            f"{b.aantal_deels_buiten} opgave(n) liggen deels buiten het gebied; hun "
            "ruimtevraag telt geheel mee."
        )
    if notes:
        lines += ["", *(f"  {note}" for note in notes)]
    return "\n".join(lines)


def cmd_ruimtebalans(
    args: argparse.Namespace, settings: Settings, url_of: Callable[..., str]
) -> int:
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.errors import DomainError
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.opgaven import service as opgaven_service
    from gebiedsregie.ruimtebalans import service
    from gebiedsregie.stapeling.filters import StapelingFilter
    from gebiedsregie.varianten.stapeling import situatie_van

    flt = StapelingFilter.of(args.thema, args.status, args.trekker, args.horizon)
    engine = make_engine(url_of(settings))
    try:
        with make_sessionmaker(engine)() as session:
            gebied = gebieden_service.get_gebied(session, args.gebied)
            errors = opgaven_service.check_themas(session, args.thema, "--thema")
            if errors:
                print(f"fout: {errors[0].reason}", file=sys.stderr)
                return 2
            namen = {t.code: t.naam for t in opgaven_service.list_themas(session)}
            situatie = situatie_van(session, gebied, args.variant, "--variant")
            uitkomst = service.ruimtebalans(session, situatie, flt, settings.stapeling_max_opgaven)
            print(balans_table(uitkomst, namen))
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    rb = sub.add_parser(
        "ruimtebalans", help="toon de ruimtevraag van de opgaven tegen wat beschikbaar is"
    )
    rb.add_argument("gebied", help="id of slug van het gebied")
    rb.add_argument("--horizon", type=int, help="alleen opgaven met horizon tot en met dit jaar")
    rb.add_argument("--variant", help="id van een variant: haar opgaven, niet de huidige")
    rb.add_argument("--thema", action="append", default=[], help="themacode; herhaalbaar")
    rb.add_argument("--status", action="append", default=[], help="status; herhaalbaar")
    rb.add_argument("--trekker", action="append", default=[], help="trekker; herhaalbaar")
    rb.set_defaults(func=cmd_ruimtebalans)
