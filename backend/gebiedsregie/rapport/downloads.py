"""Tables as files: CSV that a Dutch Excel opens as it should, and XLSX (openpyxl).

Sheets in, bytes out, and a download response of them. A sheet (`Blad`) is a heading row
and rows of cells; the CSV puts the sheets one after another, each under a line with its
title; the XLSX gives each its own worksheet.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from starlette.responses import Response

from gebiedsregie.rapport.schemas import Formaat

Cel = str | int | float | None

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HA = "#,##0.0000"  # Excel shows it in the reader's locale: 1.234,5678 in a Dutch one
PROCENT = "0.00"
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 60


@dataclass
class Blad:
    """One table: a worksheet in XLSX, a section in CSV."""

    titel: str  # worksheet name (at most 31 characters) and CSV section heading
    kopjes: list[str]
    rijen: list[list[Cel]]
    formaten: dict[int, str] = field(default_factory=dict)  # column -> XLSX number format
    vaste_kolommen: int = 0  # columns kept in view when scrolling sideways
    filter: bool = True  # an autofilter on the heading row


def _csv_text(value: Cel) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Positional, never 1e-05; a decimal comma, no thousands separator.
        return np.format_float_positional(value, trim="-").replace(".", ",")
    return _guarded(value)


def _guarded(text: str) -> str:
    """Return `text` so no spreadsheet takes it for a formula (OWASP: a leading quote)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(bladen: Sequence[Blad], titels: bool = True) -> bytes:
    """Return the sheets as one CSV file for a Dutch Excel: UTF-8 with a byte order mark (or
    Excel guesses the encoding wrong), `;` between fields and a decimal comma (what Excel
    expects where the comma is the decimal sign), CRLF line ends. With `titels`, each sheet
    starts with a line holding its title, and an empty line separates the sheets."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for i, blad in enumerate(bladen):
        if titels:
            if i:
                writer.writerow([])
            writer.writerow([_guarded(blad.titel)])
        writer.writerow([_guarded(k) for k in blad.kopjes])
        writer.writerows([_csv_text(v) for v in rij] for rij in blad.rijen)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Cel) -> Cel:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_xlsx(bladen: Sequence[Blad]) -> bytes:
    """Return the sheets as an Excel workbook: a bold, frozen heading row with an
    autofilter, column widths after their content, numbers stored as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "Gebiedsregie"
    bold = Font(bold=True)
    for blad in bladen:
        sheet = workbook.create_sheet(blad.titel[:31])
        sheet.append([_xlsx_value(k) for k in blad.kopjes])
        for cell in sheet[1]:
            cell.font = bold
        for rij in blad.rijen:
            sheet.append([_xlsx_value(v) for v in rij])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": no formula
                elif cell.column - 1 in blad.formaten and cell.value is not None:
                    cell.number_format = blad.formaten[cell.column - 1]
        for column, width in enumerate(_widths(blad), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = sheet.cell(row=2, column=blad.vaste_kolommen + 1)
        if blad.filter and blad.rijen:
            sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _widths(blad: Blad) -> list[float]:
    """Return a width per column (in characters) that fits most of its content."""
    widths = []
    for column, kopje in enumerate(blad.kopjes):
        longest = max(
            [len(kopje) + 3]  # room for the autofilter's button
            + [len(_csv_text(rij[column])) for rij in blad.rijen if column < len(rij)]
        )
        widths.append(float(min(max(longest + 1, MIN_WIDTH), MAX_WIDTH)))
    return widths


def response(
    bladen: Sequence[Blad], formaat: Formaat, stem: str, headers: dict[str, str] | None = None
) -> Response:
    """Return the sheets as a CSV or XLSX download named `stem` plus the extension."""
    if formaat is Formaat.CSV:
        body, media_type = write_csv(bladen, titels=len(bladen) > 1), CSV_MEDIA_TYPE
    elif formaat is Formaat.XLSX:
        body, media_type = write_xlsx(bladen), XLSX_MEDIA_TYPE
    else:
        raise ValueError(f"no file format: {formaat}")
    disposition = {"Content-Disposition": f'attachment; filename="{stem}.{formaat.value}"'}
    return Response(body, media_type=media_type, headers={**(headers or {}), **disposition})
