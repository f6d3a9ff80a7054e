"""Huge sheets never reach calamine's dense ranges; many sheets, long texts and control characters read fine.

A single value at XFD1048576 makes calamine allocate 1.7 × 10^10 cells and the process abort (exit 134).
The guard measures every worksheet's extent from the XML first: an oversized xlsx sheet is skipped with
`sheet-too-large` and the others are read; an .ods or .xls (parsed whole on opening) is refused with
`file-sheet-too-large`, as is an xlsx whose only sheets are oversized.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from formbuilder import clean_spec, write_form
from zipcraft import clean_xlsx, refused, rewrite

from processor import check_file
from processor.core.model import Status
from processor.read import guard
from processor.read.workbook import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORNER = "sheet2.xml"


def _form_and_corner(path: Path, row: int = 1048575, col: int = 16383, stray_in_form: bool = False) -> Path:
    """The clean form on sheet 表 and one value at (row, col): on a second sheet 角落, or on 表 itself."""
    book = xlsxwriter.Workbook(str(path))
    form = book.add_worksheet("表")
    write_form(book, form, clean_spec())
    (form if stray_in_form else book.add_worksheet("角落")).write(row, col, "x")
    book.close()
    return path


def _edit_corner(src: Path, dst: Path, edit: Callable[[bytes], bytes]) -> Path:
    return rewrite(src, dst, edits={f"xl/worksheets/{CORNER}": edit})


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "dimension": lambda d: d,
    "no-dimension": lambda d: re.sub(rb"<dimension[^>]*/>", b"", d),
    "lying-dimension": lambda d: d.replace(b'<dimension ref="XFD1048576"/>', b'<dimension ref="A1"/>'),
    "r-not-first": lambda d: d.replace(b'<c r="XFD1048576" t="s">', b'<c t="s" r="XFD1048576">'),
    "prefixed": lambda d: d.replace(b"<worksheet ", b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
                                    b'spreadsheetml/2006/main" ').replace(b"</worksheet>", b"</x:worksheet>")
                           .replace(b"<c r=", b"<x:c r=").replace(b"</c>", b"</x:c>"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_corner_value_sheet_is_skipped_and_the_form_read(tmp_path: Path, variant: str) -> None:
    path = _edit_corner(_form_and_corner(tmp_path / "src.xlsx"), tmp_path / f"{variant}.xlsx", VARIANTS[variant])
    book = load(path)
    assert [s.name for s in book.sheets] == ["表"]
    [found] = book.findings
    assert (found.code, found.sheet, found.cell, found.severity.value) == (
        "sheet-too-large", "角落", "XFD1048576", "warning")
    assert "“角落”的数据区域达 1,048,576 行 × 16,384 列（A1:XFD1048576" in found.message
    assert "已跳过该工作表" in found.message
    result = check_file(path)
    assert result.status is Status.ACCEPTED and len(result.projects) == 1


def test_sheet_names_with_xml_escapes_are_matched(tmp_path: Path) -> None:
    """workbook.xml writes R&amp;D: the skipped sheet is found by the name calamine gives it."""
    path = tmp_path / "amp.xlsx"
    book = xlsxwriter.Workbook(str(path))
    write_form(book, book.add_worksheet("表"), clean_spec())
    book.add_worksheet("研发&测试'<甲>\"").write(0, 2000, "x")
    book.close()
    loaded = load(path)
    assert [s.name for s in loaded.sheets] == ["表"]
    assert [(f.code, f.sheet, f.cell) for f in loaded.findings] == [("sheet-too-large", "研发&测试'<甲>\"", "BXY1")]


def test_an_oversized_part_no_sheet_names_refuses_the_file(tmp_path: Path) -> None:
    """A worksheet part that workbook.xml does not list cannot be skipped by name: refused, not risked."""
    path = clean_xlsx(tmp_path / "orphan.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/worksheets/sheet9.xml", b'<?xml version="1.0"?><worksheet><sheetData><row r="1048576">'
                    b'<c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    found = refused(path)
    assert found.code == "file-sheet-too-large" and "“xl/worksheets/sheet9.xml”" in found.message
    assert "不能单独跳过" in found.message


def test_cells_without_positions_are_placed_as_calamine_places_them(tmp_path: Path) -> None:
    """No r attributes: a row of 16,384 cells after the last positioned one is 16,384 columns wide."""
    cells = b"<c><v>1</v></c>" * 16384
    path = rewrite(clean_xlsx(tmp_path / "src.xlsx"), tmp_path / "rless.xlsx", edits={
        "xl/worksheets/sheet1.xml": lambda d: d.replace(b"</sheetData>", b"<row>" + cells + b"</row></sheetData>")})
    found = refused(path)
    assert found.code == "file-sheet-too-large"
    assert "16,384 列" in found.message and "工作簿中没有其他工作表可读" in found.message


def test_a_stray_value_on_the_only_sheet_rejects_the_file_with_figures(tmp_path: Path) -> None:
    found = refused(_form_and_corner(tmp_path / "stray.xlsx", stray_in_form=True))
    assert (found.code, found.sheet, found.cell) == ("file-sheet-too-large", "表", "XFD1048576")
    assert "1,048,576 行 × 16,384 列" in found.message and "17,179,869,184 个单元格" in found.message
    assert "Ctrl+End" in found.hint


def test_a_sheet_of_100001_rows_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    book = xlsxwriter.Workbook(str(path))
    form = book.add_worksheet("表")
    write_form(book, form, clean_spec())
    data = book.add_worksheet("明细")
    for r in range(100_001):
        data.write_number(r, 0, r)
    book.close()
    result = load(path)
    assert [s.name for s in result.sheets] == ["表"]
    [found] = result.findings
    assert found.code == "sheet-too-large" and "100,001 行 × 1 列" in found.message
    assert check_file(path).status is Status.ACCEPTED


def test_calamines_own_size_is_the_last_line_of_defence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the XML scan ever to miss a sheet (or for xlsb, which is not scanned), the range calamine
    reports is checked before any cell becomes a Python object."""
    monkeypatch.setattr(guard, "MAX_SHEET_ROWS", 500)
    monkeypatch.setattr(guard, "inspect_zip", lambda data, fmt: [])
    path = _form_and_corner(tmp_path / "mid.xlsx", row=999, col=3)
    book = load(path)
    assert [s.name for s in book.sheets] == ["表"]
    assert [(f.code, f.sheet, f.cell) for f in book.findings] == [("sheet-too-large", "角落", "D1000")]


def test_hundreds_of_sheets_are_all_read(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for i in range(300):
        ws = book.add_worksheet(f"附表{i + 1}")
        if i == 150:
            write_form(book, ws, clean_spec())
        else:
            ws.write_row(0, 0, ["说明", f"第 {i + 1} 张", i])
    book.close()
    result = check_file(path)
    assert result.status is Status.ACCEPTED
    assert len(load(path).sheets) == 300 and len(result.projects) == 1


def test_a_100000_character_project_name_is_read(tmp_path: Path) -> None:
    """Beyond Excel's 32,767 (so typed into sharedStrings.xml directly, as a program could write it)."""
    name = "城市基层党建工作经费" * 10_000
    src = clean_xlsx(tmp_path / "src.xlsx", [("表", clean_spec(name="PLACEHOLDER"))])
    path = rewrite(src, tmp_path / "long.xlsx", edits={
        "xl/sharedStrings.xml": lambda d: d.replace(b"PLACEHOLDER", name.encode())})
    result = check_file(path)
    assert result.status is Status.ACCEPTED
    assert result.projects[0].name == name and len(name) == 100_000


def test_control_characters_in_labels_and_values_do_not_crash(tmp_path: Path) -> None:
    spec = clean_spec(department="市民政局\x07\x1b", unit="基层\x00政权\x08建设科",
                      fund_labels={"total": "年度资金\x01总额", "current": "其中：当年\x0b财政拨款",
                                   "carryover": "上年结转\x1f资金", "other": "其他资金\x7f"})
    path = clean_xlsx(tmp_path / "ctrl.xlsx", [("表", spec)])
    result = check_file(path)
    assert result.status in (Status.ACCEPTED, Status.RETURNED)
    assert not [f for f in result.findings if f.code in ("internal-error", "file-damaged")]
    assert result.projects[0].department.startswith("市民政局")


# -- formats parsed whole when opened: ods and xls ---------------------------------------------------

_LAST_ROW = (b'<table:table-row table:style-name="ro1"><table:table-cell table:number-columns-repeated="16384"/>'
             b"</table:table-row></table:table>")


@pytest.mark.parametrize("row, figures", [
    (b'<table:table-row table:style-name="ro1"><table:table-cell table:number-columns-repeated="16383"/>'
     b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>',
     "1,048,576 行 × 16,384 列"),
    (b'<table:table-row table:style-name="ro1"><table:table-cell office:value-type="string">'
     b"<text:p>x</text:p></table:table-cell></table:table-row>", "1,048,576 行 × 9 列"),
])
def test_an_ods_with_a_far_value_is_refused(tmp_path: Path, row: bytes, figures: str) -> None:
    """seed.ods ends with 1,048,552 empty repeated rows (as LibreOffice writes them); a value after them."""
    src = FIXTURES / "seed.ods"
    path = tmp_path / "far.ods"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "content.xml":
                assert _LAST_ROW in data
                data = data.replace(_LAST_ROW, row + b"</table:table>")
            zout.writestr(info, data)
    assert check_file(src).status is not Status.REJECTED  # the untouched fixture's repeated rows are fine
    found = refused(path)
    assert found.code == "file-sheet-too-large"
    assert figures in found.message and "ODS 格式的工作簿只能整体读取" in found.message


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) converts the .xls")
def test_an_xls_with_a_value_at_iv65536_is_refused(tmp_path: Path) -> None:
    """calamine materialises every .xls sheet on opening: 65,536 × 256 cells is half a GB per sheet."""
    src = _form_and_corner(tmp_path / "corner.xlsx", row=65535, col=255)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    result = check_file(tmp_path / "corner.xls")
    assert result.format == "xls" and result.status is Status.REJECTED
    [found] = result.findings
    assert (found.code, found.sheet) == ("file-sheet-too-large", "角落")
    assert "65,536 行 × 256 列（A1:IV65536" in found.message and "XLS 格式的工作簿只能整体读取" in found.message


def test_many_sheets_together_over_the_book_limit_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each sheet within limits, all of them together not: the book limit (MAX_BOOK_CELLS) refuses the file."""
    monkeypatch.setattr(guard, "MAX_BOOK_CELLS", 1_000)
    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    write_form(book, book.add_worksheet("表"), clean_spec())
    for i in range(10):
        book.add_worksheet(f"附表{i + 1}").write(0, 99, "x")
    book.close()
    found = refused(path)
    assert found.code == "file-cells-too-many"
    assert "工作簿 11 张工作表合计 1,198 个单元格，超过处理上限 1,000 个" in found.message


def test_skipped_sheet_is_reported_on_the_file(tmp_path: Path) -> None:
    """The guard's sheet-too-large warning reaches the file's findings, with or without a form elsewhere."""
    import xlsxwriter
    from formbuilder import seed_spec, write_form

    from processor import check_file

    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    write_form(book, book.add_worksheet("自评表"), seed_spec())
    book.add_worksheet("大表").write(1_048_575, 16_383, "end")
    book.close()
    result = check_file(path)
    assert result.status.value == "accepted"
    assert [f.sheet for f in result.findings if f.code == "sheet-too-large"] == ["大表"]
