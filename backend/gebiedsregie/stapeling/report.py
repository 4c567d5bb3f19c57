"""Plain-text and file output of a stapeling, for the command line."""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gebiedsregie.stapeling.samenvatting import Samenvatting


def _number(value: float, decimals: int = 1) -> str:
    """Dutch notation: a space between thousands, a decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _ha(value: float) -> str:
    return _number(value, 1)


def depth_and_thema_lines(
    per_diepte: Iterable[Mapping[str, Any]], per_thema: Mapping[str, float]
) -> list[str]:
    """The area per depth and per thema (largest first) as aligned lines, in Dutch."""
    lines = ["", "  diepte   oppervlakte (ha)"]
    lines += [f"  {d['aantal']:>6}   {_ha(d['oppervlakte_ha']):>16}" for d in per_diepte]
    lines += ["", "  thema              oppervlakte (ha)"]
    lines += [
        f"  {code:<18} {_ha(ha):>16}"
        for code, ha in sorted(per_thema.items(), key=lambda item: -item[1])
    ]
    return lines


def summary_table(naam: str, samenvatting: Samenvatting) -> str:
    """Return the samenvatting as aligned text, in Dutch."""
    s = samenvatting
    lines = [
        f"Stapeling in {naam}",
        f"  oppervlakte gebied     {_ha(s['gebied_ha']):>14} ha",
        f"  bedekt door opgaven    {_ha(s['bedekt_ha']):>14} ha",
        f"  opgaven / vlakken      {s['aantal_opgaven']:>14} / {s['aantal_vlakken']}",
        f"  ruimtedruk zoekgebied  {_number(s['ruimtedruk'] or 0, 3):>14}",
        f"  maximale stapeling     {s['max_diepte']:>14}",
        *depth_and_thema_lines(s["per_diepte"], s["per_thema"]),
    ]
    if s["hotspots"]:
        lines += ["", "  hotspots (diepte, ha, themas)"]
        lines += [
            f"  {h['aantal']:>6}   {_ha(h['oppervlakte_ha']):>10}   {', '.join(h['themas'])}"
            for h in s["hotspots"]
        ]
    return "\n".join(lines)


def write_features(path: Path, features: Iterable[str]) -> int:
    """Write Feature texts as a GeoJSON FeatureCollection, one feature at a time."""
    count = 0
    with path.open("w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "features": [\n')
        for feature in features:
            f.write((",\n" if count else "") + feature)
            count += 1
        f.write("\n]}\n")
    return count
