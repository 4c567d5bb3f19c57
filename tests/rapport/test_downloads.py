"""The CSV and XLSX writers, pure: numbers the Dutch way, text that stays text."""

import csv
import io

import openpyxl

from gebiedsregie.rapport.downloads import HA, Blad, write_csv, write_xlsx


def _rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_numbers_and_empty_cells() -> None:
    blad = Blad("T", ["a", "b", "c", "d", "e"], [[1234.5678, 0.00001, 12, None, -3.5]])
    assert _rows(write_csv([blad], titels=False)) == [
        ["a", "b", "c", "d", "e"],
        ["1234,5678", "0,00001", "12", "", "-3,5"],  # no 1e-05, no thousands separator
    ]


def test_csv_text_is_never_a_formula() -> None:
    texts = ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "gewoon; met puntkomma", 'aan"hal"']
    raw = write_csv([Blad("T", ["tekst"], [[t] for t in texts])], titels=False)
    assert [r[0] for r in _rows(raw)[1:]] == [
        "'=1+1",
        "'+31 6",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "gewoon; met puntkomma",
        'aan"hal"',
    ]


def test_csv_sections() -> None:
    een, twee = Blad("Een", ["x"], [[1]]), Blad("Twee", ["y", "z"], [[2, 3.5]])
    assert _rows(write_csv([een, twee])) == [
        ["Een"],
        ["x"],
        ["1"],
        [],
        ["Twee"],
        ["y", "z"],
        ["2", "3,5"],
    ]


def test_xlsx_cells() -> None:
    blad = Blad(
        "Een heel lange naam voor een werkblad, langer dan Excel toestaat",
        ["tekst", "ha"],
        [["=SUM(1)", 1.5], ["stuur\x01teken", None], ["x" * 300, 2.0]],
        formaten={1: HA},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx([blad]))).worksheets[0]
    assert sheet.title == blad.titel[:31]
    assert sheet["A2"].value == "=SUM(1)" and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "stuurteken"  # what XML cannot hold is left out
    assert sheet["B2"].value == 1.5 and sheet["B2"].number_format == HA
    assert sheet["B3"].value is None
    assert sheet.column_dimensions["A"].width == 60  # capped
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B4"
