"""Real .xlsb files (python-calamine's own test workbooks, tests/fixtures/xlsb/README.md): recognised by their
content, read cell by cell at the right positions, hidden sheets known, and the broken ones answered (issue 16)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from processor import check_file
from processor.core.model import Status
from processor.read.workbook import load

XLSB = Path(__file__).resolve().parent / "fixtures" / "xlsb"


def test_cells_are_read_where_they_stand() -> None:
    book = load(XLSB / "base.xlsb")
    assert book.format == "xlsb"
    first = {s.name: s for s in book.sheets}
    assert [s.name for s in book.sheets] == ["Sheet1", "Sheet2", "Sheet3", "Merged Cells"]
    assert first["Sheet1"].rows[0] == [""] * 10  # the data starts in row 2, and stays there
    assert first["Sheet1"].rows[1][:6] == ["String", 1.0, 1.1, True, False, dt.date(2010, 10, 10)]
    assert first["Sheet3"].rows[1] == ["", "line1", "line1", "line1"]


def test_hidden_sheets_are_known_and_a_chart_sheet_is_no_sheet() -> None:
    book = load(XLSB / "any_sheets.xlsb")
    assert [(s.name, s.visible) for s in book.sheets] == [("Visible", True), ("Hidden", False), ("VeryHidden", False)]


def test_a_workbook_without_a_form_is_told_so_as_an_xlsb() -> None:
    result = check_file(XLSB / "base.xlsb")
    assert (result.status, result.format, [f.code for f in result.findings]) == (Status.REJECTED, "xlsb", ["no-form"])


def test_empty_and_encrypted_xlsb_are_answered() -> None:
    assert [f.code for f in check_file(XLSB / "empty_file.xlsb").findings] == ["file-empty"]
    assert [f.code for f in check_file(XLSB / "password.xlsb").findings] == ["file-encrypted"]
