"""processor.write.book replaces xlsxwriter's O(n²) sheet-name scan; the rules it enforces must stay the library's."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
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


def test_a_closed_book_frees_its_sheets_without_the_cyclic_collector(tmp_path: Path) -> None:
    """A closed workbook's cells go by reference counting: left to the collector, city-year's 440,000 objects cost
    0.6 s of a full collection later in the batch or at exit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        book = open_book(tmp_path / "b.xlsx", dt.date(2024, 1, 31))
        ws = book.add_worksheet("项目A")
        ws.write_string(0, 0, "绩效目标")
        ws.merge_range(1, 0, 1, 3, "合并")
        sheet = weakref.ref(ws)
        del ws
        book.close()
        del book
        assert sheet() is None
    finally:
        if enabled:
            gc.enable()
    assert CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).get_sheet_by_name("项目A").to_python()[0][0] == "绩效目标"


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
