"""Reading a CQL2 filter (text or JSON) into one canonical cql2-json tree, within limits.

Both encodings are parsed by `cql2` (Development Seed's Rust implementation of CQL2 1.0) and
come out as the same JSON (`Expr.to_json()`): {"op": ..., "args": [...]}, {"property": ...},
{"date" | "timestamp": ...}, {"interval": [...]}, {"bbox": [...]}, GeoJSON geometries (WKT
in text becomes GeoJSON), numbers as floats. filtering.py translates that tree into SQL.

Limits, checked before parsing where the parser itself is at risk:
- the length (MAX_CHARS) and the nesting of brackets of any kind (MAX_DEPTH; parsers recurse);
- in text, the parentheses that group or make a list (not those right after a name, as in
  S_INTERSECTS( or POLYGON(): on an error the parser (pest, a PEG parser without memoising)
  tries each such group twice, as an expression and as a list, so its work doubles with
  every level. len(text) * 2**groups stays within PARSE_BUDGET: 8,192 characters with 4
  groups, 1,024 with 7, 128 with 10 (benchmarks/README.md has the times);
and after parsing, on the tree: the depth of operations and the vertices of each geometry.
A chain of NOTs or minus signs needs no brackets, yet cql2 recurses on it: it parses in a
thread with a stack large enough for 8 kB of them (PARSER_STACK).

`Expr.validate()` (CQL2's JSON Schema) is not called per request: it takes some 35 ms a call
(0.6.0). The translator checks each node it accepts; the fuzz tests hold it to validate().
"""

import json
import math
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import cql2
import numpy as np
import shapely
from shapely.geometry import shape

from gebiedsregie.crs import RD_NEW, Crs, to_rd
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.geometry import bbox_polygon

MAX_CHARS = 8_192  # as a URL may be (middleware); a filter in a body may not be longer
MAX_DEPTH = 40  # brackets of any kind, and operations in the tree (NOT NOT ... counts once)
MAX_VERTICES = 1_000  # per geometry literal
PARSE_BUDGET = 2**17  # len(text) * 2**groups: at most some 30-50 ms of parsing (see above)
LANGS = ("cql2-text", "cql2-json")
# cql2 recurses once per NOT or minus sign, in Rust: 8 kB of '-' needs 16-32 MB of stack,
# more than a thread has (a stack overflow ends the process). Virtual memory, mostly.
PARSER_STACK = 64 * 2**20
_STACK_LOCK = threading.Lock()
# Where a geographic literal may lie (lon/lat): RD New is meaningless far outside it.
GEOGRAPHIC_AREA = (-15.0, 35.0, 35.0, 72.0)
# A token of cql2-text, for counting groups: a quoted text, a word, or one character.
_TOKEN = re.compile(r"'[^']*'?|[\w.:]+|\S")
# Words that are operators (or a literal and operators: the grammar needs no space between
# them), so that a parenthesis after them opens a group, not a function's arguments.
_OPERATORS = re.compile(r"(?i)(?:true|false|null)?(?:and|or|not|in|like|between|is|div)*")


def refuse(reason: str, name: str = "filter") -> InvalidInput:
    """A 400 naming the parameter and saying what is wrong."""
    return InvalidInput(f"Ongeldig filter: {reason}", [FieldError(name, reason, "ongeldig")])


def _depth(text: str, quote: str) -> int:
    """The deepest nesting of brackets outside quoted strings."""
    depth = deepest = 0
    quoted = False
    previous = ""
    for char in text:
        if char == quote and not (quote == '"' and previous == "\\"):
            quoted = not quoted
        elif not quoted:
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")]}":
                depth -= 1
        previous = char if previous != "\\" else ""
    return deepest


def _groups(text: str) -> int:
    """How deep the parentheses nest that are not right after a name (see above)."""
    stack: list[bool] = []
    depth = deepest = 0
    previous = ""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "(":
            group = not previous[:1].isalpha() or _OPERATORS.fullmatch(previous) is not None
            stack.append(group)
            depth += group
            deepest = max(deepest, depth)
        elif token == ")" and stack:
            depth -= stack.pop()
        previous = token
    return deepest


def _check_size(text: str, quote: str) -> None:
    if len(text) > MAX_CHARS:
        raise refuse(f"Het filter is {len(text)} tekens lang; het maximum is {MAX_CHARS}.")
    if _depth(text, quote) > MAX_DEPTH:
        raise refuse(f"Het filter is dieper genest dan {MAX_DEPTH} niveaus.")
    if quote == "'":
        groups, allowed = _groups(text), (PARSE_BUDGET // len(text)).bit_length() - 1
        if groups > allowed:
            raise refuse(
                f"Het filter is te diep genest: {groups} paar haakjes binnen elkaar, bij "
                f"{len(text)} tekens hoogstens {allowed} (haakjes direct na een naam, zoals "
                "S_INTERSECTS( of POLYGON(, tellen niet mee)."
            )


def _vertices(geometry: dict[str, Any]) -> int:
    count, stack = 0, [geometry.get("coordinates"), geometry.get("geometries")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack += [node.get("coordinates"), node.get("geometries")]
        elif isinstance(node, list):
            if node and isinstance(node[0], int | float):
                count += 1
            else:
                stack += node
    return count


def instant(node: Any) -> date | datetime | None:
    """A date, a timestamp (RFC 3339) or '..' (None, open) of the tree."""
    text, wanted = node, None
    if isinstance(node, dict) and len(node) == 1 and ("date" in node or "timestamp" in node):
        (wanted, text), *_ = node.items()
    if not isinstance(text, str):
        raise refuse("Een tijd is DATE('…'), TIMESTAMP('…') of '..'.")
    if text == ".." and wanted is None:
        return None
    try:
        if "T" in text.upper():
            value: date = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        else:
            value = date.fromisoformat(text)
    except ValueError:
        raise refuse(f"'{text}' is geen datum of tijdstip (RFC 3339) of '..'.") from None
    if (wanted == "date") == isinstance(value, datetime) and wanted is not None:
        raise refuse(f"'{text}' is geen {'datum' if wanted == 'date' else 'tijdstip'}.")
    return value


def is_number(node: Any) -> bool:
    return isinstance(node, int | float) and not isinstance(node, bool)


def _bbox(bounds: Any, crs: Crs) -> shapely.Geometry:
    numbers = [b for b in bounds if is_number(b)] if isinstance(bounds, list) else []
    if len(numbers) not in (4, 6) or len(numbers) != len(bounds):
        raise refuse("BBOX heeft 4 (of 6) getallen: minx, miny, maxx, maxy.")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if not all(math.isfinite(n) for n in numbers):
        raise refuse("BBOX heeft eindige getallen.")
    if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise refuse("BBOX: minx is hoogstens maxx en miny hoogstens maxy.")
    return bbox_polygon(numbers, crs)


def _geojson(geojson: dict[str, Any], crs: Crs) -> shapely.Geometry:
    if "crs" in geojson:
        raise refuse("Geef het CRS van de geometrie met filter-crs, niet in de geometrie.")
    try:
        geom = shapely.force_2d(shape(geojson))
    except Exception:
        raise refuse("Geometrie niet te lezen.") from None
    if geom.is_empty:
        raise refuse("De geometrie is leeg.")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise refuse("De geometrie heeft coördinaten die geen eindig getal zijn.")
    if not geom.is_valid:
        raise refuse(f"De geometrie is ongeldig ({shapely.is_valid_reason(geom)}).")
    if crs.epsg != RD_NEW:
        minx, miny, maxx, maxy = GEOGRAPHIC_AREA
        area = (miny, minx, maxy, maxx) if crs.lat_lon else GEOGRAPHIC_AREA
        if not shapely.box(*area).covers(geom):
            raise refuse(
                f"De geometrie ligt buiten Europa in {crs.label}; is filter-crs goed, "
                "en de volgorde van de assen?"
            )
        # Edges are straight in the filter's CRS: densified, they stay so in RD.
        minx, miny, maxx, maxy = geom.bounds
        geom = shapely.segmentize(geom, max(maxx - minx, maxy - miny, 1e-6) / 32)
    return to_rd(geom, crs)


def literal_geometry(node: dict[str, Any], crs: Crs) -> shapely.Geometry:
    """A geometry literal of the tree (GeoJSON, or a bbox) in `crs`, checked, in RD."""
    return _bbox(node["bbox"], crs) if "bbox" in node else _geojson(node, crs)


def _check_tree(tree: Any) -> None:
    """Depth (a chain of NOTs counts once) and vertices per geometry, without recursion."""
    stack: list[tuple[Any, int, str]] = [(tree, 0, "")]
    while stack:
        node, depth, parent = stack.pop()
        if isinstance(node, list):
            stack += [(n, depth, parent) for n in node]
        elif isinstance(node, dict) and "type" in node:
            if (count := _vertices(node)) > MAX_VERTICES:
                raise refuse(f"De geometrie heeft {count} hoekpunten; hoogstens {MAX_VERTICES}.")
        elif isinstance(node, dict) and "op" in node:
            op = node["op"]
            depth += not (op == "not" and parent == "not")
            if depth > MAX_DEPTH:
                raise refuse(f"Het filter is dieper genest dan {MAX_DEPTH} niveaus.")
            stack += [(n, depth, op) for n in node.get("args", [])]


def _where(message: str, text: str) -> str:
    """Where cql2 (pest) stopped reading the text, and what it found there."""
    found = re.search(r"--> (\d+):(\d+)", message)
    if not found:
        return ""
    line, column = int(found[1]), int(found[2])
    lines = text.split("\n")
    rest = lines[line - 1][column - 1 :] if line <= len(lines) else ""
    got = f"'{rest[0]}'" if rest else "het einde"
    at = f"regel {line}, positie {column}" if len(lines) > 1 else f"positie {column}"
    return f" bij {at}: onverwacht {got}"


def _not_a_number(name: str) -> float:
    raise refuse(f"{name} is geen getal in een filter.")


def _finite(text: str) -> float:
    if not math.isfinite(value := float(text)):
        raise refuse(f"Het getal {text} is te groot.")
    return value


def _json_problem(text: str) -> str:
    """Why cql2 could not read a JSON filter: the first node that is no CQL2."""
    try:
        stack = [json.loads(text, parse_constant=_not_a_number, parse_float=_finite)]
    except json.JSONDecodeError as exc:
        return f"Geen geldige JSON (regel {exc.lineno}, kolom {exc.colno})."
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, dict):
            if "type" in node:
                try:
                    shape(node)
                except Exception:
                    return "Geometrie niet te lezen."
            elif "property" in node and not isinstance(node["property"], str):
                return "De naam van een eigenschap is een tekst."
            elif "op" in node and not (
                isinstance(node["op"], str) and isinstance(node.get("args"), list)
            ):
                return "Een operatie heeft een naam (op) en een lijst argumenten (args)."
            stack += node.values()
    return "Geen geldige CQL2-JSON."


def _with_stack(work: Callable[[], Any]) -> Any:
    """Run `work` in a thread of its own with a stack of PARSER_STACK bytes."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # handed to the caller
            outcome.append((False, exc))

    with _STACK_LOCK:  # the size applies to threads started meanwhile: hold it briefly
        previous = threading.stack_size(PARSER_STACK)
        try:
            thread = threading.Thread(target=run, name="cql2", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    done, value = outcome[0]
    if not done:
        raise value
    return value


def _read(text: str, lang: str) -> Any:
    expr = cql2.parse_text(text) if lang == "cql2-text" else cql2.parse_json(text)
    tree = expr.to_json()
    del expr  # dropped here, in the thread with the large stack (it recurses too)
    return tree


def _parse(text: str, lang: str) -> Any:
    try:
        return _with_stack(lambda: _read(text, lang))
    except (KeyboardInterrupt, SystemExit):  # pragma: no cover
        raise
    except BaseException as exc:  # cql2's errors, and a Rust panic (a BaseException in PyO3)
        if lang == "cql2-json":
            raise refuse(_json_problem(text)) from None
        hint = ""
        if re.search(r"(?i)\bSRID\s*=", text):
            hint = " Geef het CRS van de geometrieën met filter-crs, niet met SRID=."
        raise refuse(f"CQL2-tekst niet te lezen{_where(str(exc), text)}.{hint}") from None


def parse(text: str, lang: str | None) -> Any:
    """Return the canonical cql2-json tree of a filter in `lang` (cql2-text by default)."""
    # cql-text: the name in Part 3's drafts, which GDAL (to 3.12) asks for; its comparisons
    # and logic are CQL2 text's.
    lang = "cql2-text" if lang in (None, "", "cql-text") else lang
    if lang not in LANGS:
        raise refuse(
            f"Onbekende filter-lang '{lang}'; kies uit: {', '.join(LANGS)}.", "filter-lang"
        )
    if not text.strip():
        raise refuse("Het filter is leeg.")
    if "\x00" in text:  # PostgreSQL takes no NUL in a text
        raise refuse("Het filter bevat een NUL-teken.")
    if lang == "cql2-text" and text.strip().upper() in ("INCLUDE", "EXCLUDE"):
        return text.strip().upper() == "INCLUDE"  # ECQL's TRUE and FALSE, which some clients send
    _check_size(text, "'" if lang == "cql2-text" else '"')
    tree = _parse(text, lang)
    _check_tree(tree)
    return tree
