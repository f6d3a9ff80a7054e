"""processor.write.book replaces xlsxwriter's O(n²) sheet-name scan; the rules it enforces must stay the library's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from xlsxwriter.exceptions import DuplicateWorksheetName, InvalidWorksheetName

from processor.write.book import open_book
from processor.write.styles import text_lines, text_units


def test_a_duplicate_name_is_refused_ignoring_case(tmp_path: Path) -> None:
    book = open_book(tmp_path / "b.xlsx", dt.date(2024, 1, 31))
    book.add_worksheet("项目A")
    with pytest.raises(DuplicateWorksheetName):
        book.add_worksheet("项目a")
    book.add_worksheet("项目B")
    book.close()
    assert CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).sheet_names == ["项目A", "项目B"]


@pytest.mark.parametrize("name", ["x" * 32, "a/b", "'quoted", "[1]"])
def test_the_library_checks_still_apply(tmp_path: Path, name: str) -> None:
    book = open_book(tmp_path / "b.xlsx", dt.date(2024, 1, 31))
    with pytest.raises(InvalidWorksheetName):
        book.add_worksheet(name)
    book.add_worksheet()  # a default name is still numbered by the library
    book.close()
    assert CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).sheet_names == ["Sheet2"]


def test_many_sheets_keep_their_order(tmp_path: Path) -> None:
    book = open_book(tmp_path / "b.xlsx", dt.date(2024, 1, 31))
    names = [f"P{i:04d}" for i in range(1500)]
    for n in names:
        book.add_worksheet(n)
    book.close()
    assert CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).sheet_names == names


@pytest.mark.parametrize(("text", "units"), [("", 0.0), ("100%", 4.0), ("达成预期指标", 6 * 1.9), ("≥95%", 4.0),
                                              ("２０２３年", 5 * 1.9), ("a中b", 1.9 + 2.0)])
def test_text_units_count_wide_characters_twice_nearly(text: str, units: float) -> None:
    assert text_units(text) == pytest.approx(units)


def test_text_lines_wrap_and_split_on_newlines() -> None:
    assert text_lines("短", 10) == 1
    assert text_lines("达" * 10, 10) == 3  # 19 units in 8.5 usable: three lines
    assert text_lines("一\n二\n三", 40) == 3
    assert text_lines("x" * 200, 10.0) == text_lines("x" * 200, 10.0) == 24  # memoised: the same answer again
