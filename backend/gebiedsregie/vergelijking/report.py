"""A comparison as a plain-text table in Dutch, for the command line."""

from gebiedsregie.vergelijking.opgaven import OpgaveVerschil
from gebiedsregie.vergelijking.service import Kant, Uitkomst

PAREN = 10  # thema pairs shown: those with the largest difference


def _number(value: float, decimals: int = 1, sign: bool = False) -> str:
    """Dutch notation: a space between thousands, a decimal comma; a sign when asked (and
    the value is not zero at these decimals)."""
    if round(value, decimals) == 0:
        value, sign = 0.0, False
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def _kant(side: Kant) -> str:
    variant = side.variant
    naam = "huidige situatie" if variant is None else f"variant {variant.naam} ({variant.status})"
    horizon = side.flt.horizon
    return naam + (f", horizon t/m {horizon}" if horizon is not None else "")


def _opgave(item: OpgaveVerschil) -> str:
    velden = f": {', '.join(item['velden'])}" if item["velden"] else ""
    return f"    {item['titel']} ({item['thema']}){velden}"


def _row(label: object, a: str, b: str, verschil: str) -> str:
    return f"  {label!s:<22}{a:>12}{b:>12}{verschil:>12}"


def _ha_row(label: object, a: float, b: float, verschil: float) -> str:
    return _row(label, _number(a), _number(b), _number(verschil, 1, True))


def vergelijking_table(naam: str, uitkomst: Uitkomst) -> str:
    """Return the key differences of a comparison as aligned text."""
    v = uitkomst.verschillen
    druk, bedekt = v["ruimtedruk"], v["bedekt_ha"]
    diepte, aantal = v["max_diepte"], v["aantal_opgaven"]
    lines = [
        f"Vergelijking in {naam}",
        f"  A: {_kant(uitkomst.a)}",
        f"  B: {_kant(uitkomst.b)}",
        "",
        _row("", "A", "B", "verschil"),
        _row(
            "ruimtedruk",
            _number(druk["a"] or 0, 3),
            _number(druk["b"] or 0, 3),
            _number(druk["verschil"] or 0, 3, True),
        ),
        _row("maximale stapeling", str(diepte["a"]), str(diepte["b"]), f"{diepte['verschil']:+}"),
        _ha_row("bedekt (ha)", bedekt["a"] or 0, bedekt["b"] or 0, bedekt["verschil"] or 0),
        _row("opgaven", str(aantal["a"]), str(aantal["b"]), f"{aantal['verschil']:+}"),
        "",
        _row("diepte", "A (ha)", "B (ha)", "verschil"),
    ]
    lines += [_ha_row(d["aantal"], d["a_ha"], d["b_ha"], d["verschil_ha"]) for d in v["per_diepte"]]
    lines += ["", _row("thema", "A (ha)", "B (ha)", "verschil")]
    lines += [_ha_row(t["thema"], t["a_ha"], t["b_ha"], t["verschil_ha"]) for t in v["per_thema"]]
    paren = [p for p in v["per_themapaar"] if p["verschil_ha"]][:PAREN]
    if paren:
        lines += ["", _row("themaparen (overlap)", "A (ha)", "B (ha)", "verschil")]
        lines += [
            _ha_row(" x ".join(p["themas"]), p["a_ha"], p["b_ha"], p["verschil_ha"]) for p in paren
        ]
    o = uitkomst.stand.overzicht
    lines += [
        "",
        f"  verschilvlakken: {o['aantal_vlakken']}, waarvan {o['gewijzigde_vlakken']} met andere "
        "opgaven",
        f"  dieper in B {_number(o['meer_ha'])} ha, minder diep {_number(o['minder_ha'])} ha, "
        f"andere opgaven {_number(o['gewijzigd_ha'])} ha",
    ]
    opgaven = uitkomst.opgaven
    for items, titel in (
        (opgaven["toegevoegd"], "alleen in B"),
        (opgaven["weggelaten"], "alleen in A"),
        (opgaven["gewijzigd"], "gewijzigd"),
    ):
        lines += ["", f"  opgaven {titel}: {len(items)}"]
        lines += [_opgave(item) for item in items]
    return "\n".join(lines)
