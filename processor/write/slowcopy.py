"""The 审核意见 copy made by openpyxl: the package-level copy's fallback (processor.write.fastcopy) and its
reference (tests/test_fastcopy.py compares the two cell for cell).

Kept apart from processor.write.feedback so that openpyxl (0.06 s to import) is imported only by a run that
needs this copy, which on the corpora and samples is none.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from copy import copy
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as OpenBook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from processor.core.findings import note_text
from processor.core.model import FileResult, Finding, Severity
from processor.core.packing import pinned, stamp_of
from processor.write.lettertext import (
    AUTHOR,
    CELL_COLUMN,
    COLUMNS,
    LIST_SHEET,
    NOTE_COPY,
    QUOTE,
    RENAMED,
    WIDTH,
    cell_ref,
    head_lines,
    list_rows,
)
from processor.write.sheetnames import unique_names
from processor.write.styles import AMBER_FILL, FONT, HEAD_FILL, RED_FILL, row_height, text_lines

_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
MAX_MERGED_CELLS = 200_000


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _huge_merge(data: bytes) -> bool:
    """True when a worksheet merges more cells than openpyxl can expand into objects in reasonable memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    for m in _MERGE.finditer(zf.read(name)):
                        area = (_col(m[3]) - _col(m[1]) + 1) * (int(m[4]) - int(m[2]) + 1)
                        if area > MAX_MERGED_CELLS:
                            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    return False


def openpyxl_copy(data: bytes, result: FileResult, created: dt.date) -> bytes | None:
    """The copy made by openpyxl: the fast copy's fallback and its reference (tests/test_fastcopy.py compares
    the two). None where openpyxl must not try; raises whatever openpyxl raises."""
    if _huge_merge(data):
        return None  # openpyxl makes an object per merged cell: A30:XFD1048576 would need tens of GB
    book, sheets, renamed = _open(data, keep_vba=result.format == "xlsm")
    _mark(sheets, result)
    _fit_forms(sheets, result)
    _list_sheet(book, sheets, result, created, renamed)
    return _save(book, created)


def _open(data: bytes, keep_vba: bool) -> tuple[OpenBook, dict[str, Worksheet], list[tuple[str, str]]]:
    """The workbook (as openpyxl.load_workbook opens it), its worksheets by the names the reader gave them (the
    findings' sheet names), and the sheets renamed in the copy as (original, new).

    Excel forbids two sheet names differing only in case, but a program may write them (FORM1, Form1); openpyxl
    then renames the second on loading (Form11). Worksheets are therefore matched to the reader's names by their
    place in the workbook, not by title, and a renamed sheet gets a name that says so (Form1~2, as the summary
    numbers its sheets), so that its cells are marked and linked like any other's."""
    book = openpyxl.load_workbook(io.BytesIO(data), keep_vba=keep_vba, rich_text=True)
    names = _loaded_names(data)
    loaded = [book[title] for title in book.sheetnames]
    if len(names) != len(loaded):  # not as expected of openpyxl: fall back to the titles
        names = [ws.title for ws in loaded]
    sheets: dict[str, Worksheet] = {}
    renamed: list[tuple[str, str]] = []
    for name, ws in zip(names, loaded, strict=True):
        if ws.title != name:
            ws.title = unique_names([name], {t for t in book.sheetnames if t != ws.title})[0]
            renamed.append((name, ws.title))
        if isinstance(ws, Worksheet):  # not chartsheets
            sheets.setdefault(name, ws)
    return book, sheets, renamed


def _loaded_names(data: bytes) -> list[str]:
    """The names in workbook.xml of the sheets openpyxl loads, in its order: its reader walks this list and skips
    the same entries (no relationship id, or a part missing from the package). Only workbook.xml is parsed."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_workbook()
        return [sheet.name for sheet, rel in reader.parser.find_sheets() if rel.target in reader.valid_files]
    finally:
        reader.archive.close()


def _anchor(ws: Worksheet, ref: str) -> Cell:
    """The cell that shows a merged range's fill and comment: its top-left one."""
    cell = ws[ref]
    rng = next((r for r in ws.merged_cells.ranges if ref in r), None) if isinstance(cell, MergedCell) else None
    cell = ws.cell(rng.min_row, rng.min_col) if rng else cell
    if not isinstance(cell, Cell):
        raise ValueError(f"{ref} is inside a merge without its top-left cell")
    return cell


def _fit_forms(sheets: dict[str, Worksheet], result: FileResult) -> None:
    """The department's form sheets print A4 landscape, one page wide, so a marked cell is on the page with its
    row's labels rather than stranded on the fourth of eleven portrait pages. Page setup only: no cell changes."""
    for name in dict.fromkeys(p.sheet for p in result.projects):
        if (ws := sheets.get(name)) is not None:
            ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _mark(sheets: dict[str, Worksheet], result: FileResult) -> None:
    """Fill and annotate each error/warning cell; several findings on one cell share it, red wins over amber.
    `sheets`: the worksheets by the findings' sheet names (_open)."""
    marks: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        if f.severity is not Severity.INFO and f.sheet in sheets and (ref := cell_ref(f)):
            cell = _anchor(sheets[f.sheet], ref)
            marks.setdefault((f.sheet, cell.coordinate), []).append(f)
    for (sheet, ref), found in marks.items():
        cell, error = sheets[sheet][ref], any(f.severity is Severity.ERROR for f in found)
        cell.fill = PatternFill("solid", fgColor="FF" + (RED_FILL if error else AMBER_FILL).lstrip("#"))
        text = "\n\n".join(note_text(f) for f in found)
        if cell.comment is not None:  # the department's own note stays, below ours
            text += f"\n\n（原批注）{cell.comment.text}"
        height = min(18 * text_lines(text, 52) + 12, 600)
        cell.comment = Comment(ILLEGAL_CHARACTERS_RE.sub("", text), AUTHOR, height=height, width=400)


def _text(cell: Any, value: str) -> None:
    """Text stays text: a department's "=…" is no formula, and control characters openpyxl refuses go."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if cell.value.startswith("="):
        cell.data_type = "s"


def _list_sheet(book: OpenBook, sheets: dict[str, Worksheet], result: FileResult, created: dt.date,
                renamed: Sequence[tuple[str, str]] = ()) -> None:
    """Insert the 审核意见 sheet first and make it the only selected tab (two selected tabs edit as a group).
    Links go to the worksheets of `sheets` (by the findings' sheet names) under their titles in the copy."""
    for other in book.worksheets:
        if isinstance(other, Worksheet):
            other.sheet_view.tabSelected = False
    ws = book.create_sheet(unique_names([LIST_SHEET], set(book.sheetnames))[0], 0)
    ws.sheet_view.tabSelected = True
    book.active = 0
    for view in book.views:
        view.firstSheet = 0
    thin = Side(style="thin", color="BFBFBF")
    box, middle = Border(left=thin, right=thin, top=thin, bottom=thin), Alignment(wrap_text=True, vertical="center")
    fonts = {"title": Font(name=FONT, size=16, bold=True), "info": Font(name=FONT, size=11),
             "note": Font(name=FONT, size=10, color="595959")}
    lines = head_lines(result, created, NOTE_COPY)
    lines[-1:-1] = [("info", RENAMED.format(old=old, new=new)) for old, new in renamed]
    for row, (kind, text) in enumerate(lines, 1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
        _text(cell := ws.cell(row, 1), text)
        cell.font = fonts[kind]
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center" if kind == "title" else None)
        ws.row_dimensions[row].height = 28 if kind == "title" else row_height(text_lines(text, WIDTH - 10))
    head = len(lines) + 2
    for c, (name, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(c)].width, cell = width, ws.cell(head, c, name)
        cell.font, cell.border, cell.alignment = Font(name=FONT, size=10, bold=True), box, Alignment(horizontal="center")
        cell.fill = PatternFill("solid", fgColor="FF" + HEAD_FILL.lstrip("#"))
    body: StyleArray | None = None  # the list's cell style, set once: openpyxl hashes a style object per assignment
    for r, (f, values, height) in enumerate(list_rows(result), head + 1):
        for c, value in enumerate(values, 1):
            _text(cell := ws.cell(r, c), value)
            if body is None:
                cell.font, cell.border, cell.alignment = Font(name=FONT, size=10), box, middle
                body = copy(cell._style)
            else:
                cell._style = copy(body)
        if color := {Severity.ERROR: RED_FILL, Severity.WARNING: AMBER_FILL}.get(f.severity):
            ws.cell(r, 1).fill = PatternFill("solid", fgColor="FF" + color.lstrip("#"))
        if f.sheet in sheets and (ref := cell_ref(f)):
            marked = sheets[f.sheet]
            target, link = _anchor(marked, ref).coordinate, ws.cell(r, CELL_COLUMN + 1)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{marked.title.translate(QUOTE)}'!{target}")
            link.font = Font(name=FONT, size=10, color="0563C1", underline="single")
        ws.row_dimensions[r].height = height
    ws.freeze_panes, ws.print_title_rows = ws.cell(head + 1, 1), f"{head}:{head}"  # A4 landscape, fit to width
    ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToHeight = "landscape", ws.PAPERSIZE_A4, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def _save(book: OpenBook, created: dt.date) -> bytes:
    """openpyxl's save() stamps the clock into docProps and every zip entry, and keep_vba adds parts in set
    order: pin the dates to the run date and sort the parts, so the same inputs give the same bytes."""
    stamp = stamp_of(created)
    book.properties.created = book.properties.modified = stamp
    book.properties.lastModifiedBy, book.template = AUTHOR, False  # a template's content type would not open as .xlsx
    raw = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return pinned(raw.getvalue(), stamp)
