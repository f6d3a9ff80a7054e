"""Stage 8: a 审核意见 copy of each department's own workbook, to send back with every problem marked.

A clerk fixes a form fastest in the file they typed. So every returned or rejected file, and every file with
warnings, gets a copy in which each finding's cell is filled red (error) or amber (warning) and carries the
message and hint as a comment, behind a first sheet 审核意见 listing every finding with a link to its cell.
The original is only ever read. An .xlsx/.xlsm is marked at the package level (processor.write.fastcopy), or by
openpyxl where that cannot (openpyxl_copy); .xls, .ods, .xlsb (and an .xlsx neither can open) get a fresh workbook with the list and each form re-laid by projectsheet, marking the same
cells; a rejected file has no form, but its department must still learn why: it gets the list alone.
Copies go to OUT/审核意见/<主管部门>/ so that each folder can be sent back as it is.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import replace
from functools import partial
from pathlib import Path
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
from xlsxwriter.exceptions import XlsxWriterException

from processor.core.errors import OutputError
from processor.core.findings import note_text
from processor.core.fsutil import atomic_write
from processor.core.model import FileResult, Finding, Report, Severity, Status
from processor.core.names import BLANK_DEPARTMENT, safe_name
from processor.core.packing import pinned, stamp_of
from processor.core.pool import ordered_map
from processor.write.book import open_book
from processor.write.fastcopy import marked_copy
from processor.write.lettertext import (
    AUTHOR,
    CELL_COLUMN,
    COLUMNS,
    FOLDER,
    LIST_SHEET,
    NOTE_COPY,
    NOTE_FRESH,
    NOTE_REJECTED,
    NOTE_REPORT,
    QUOTE,
    RENAMED,
    UNKNOWN_DEPARTMENT,
    WIDTH,
    cell_ref,
    head_lines,
    list_rows,
)
from processor.write.projectsheet import placed, write_project_sheet
from processor.write.sheetnames import unique_names
from processor.write.styles import (
    AMBER_FILL,
    FONT,
    HEAD_FILL,
    RED_FILL,
    landscape,
    make_styles,
    row_height,
    text_lines,
)


def needs_feedback(result: FileResult) -> bool:
    """Returned and rejected files must be fixed, warnings checked; a file with infos only needs no letter."""
    return result.status in (Status.RETURNED, Status.REJECTED) or any(f.severity is not Severity.INFO
                                                                      for f in result.findings)


def plan(report: Report, out: Path, known: Iterable[str] = ()) -> list[tuple[FileResult, Path]]:
    """Each feedback file's folder and name without extension, in report order. Unique ignoring case (as
    Windows and macOS do) and extension (x.xls and x.xlsx are two letters): a second one gets "(2)".

    A file that could not be read names no 主管部门; its letter still reaches the department when the file's
    name or folder names a known one (from the batch's other forms, or `known`: the nightly config's list)."""
    used: set[str] = set()
    plans = []
    departments = sorted({p.department for f in report.files for p in f.projects if p.department} | set(known),
                         key=lambda d: (-len(d), d))  # the longest first: 市教育局 before 教育局
    for result in report.files:
        if not needs_feedback(result):
            continue
        if result.projects:
            dept = safe_name(result.projects[0].department, BLANK_DEPARTMENT)
        else:
            info = result.report
            named = info.department if info is not None and info.department else ""
            where = info.submitted if info is not None and info.submitted else result.path  # the nightly inbox's path
            dept = safe_name(named or _named_department(where, departments), UNKNOWN_DEPARTMENT)
        stem = safe_name(Path(result.path).stem, "自评表", 150)
        n, name = 1, f"{stem}_审核意见"
        while f"{dept}/{name}".casefold() in used:
            n += 1
            name = f"{stem}_审核意见({n})"
        used.add(f"{dept}/{name}".casefold())
        plans.append((result, out / FOLDER / dept / name))
    return plans


def _named_department(path: str, departments: list[str]) -> str:
    where = Path(path)
    for text in (where.name, *(part for part in reversed(where.parent.parts[-3:]))):
        found = next((d for d in departments if d in text), "")
        if found:
            return found
    return ""


def write_feedback(report: Report, out: Path, *, created: dt.date,
                   full: Callable[[int], FileResult] | None = None, jobs: int = 1,
                   known: Iterable[str] = ()) -> list[Path]:
    """Write every feedback file atomically; returns their paths. Raises OutputError when one cannot be written.

    `full` gives a file's full result by its index when the report holds thin ones (processor.core.spool); it is
    called in this process. A copy made at the package level takes milliseconds and is made here; the letters it
    cannot make (openpyxl's copies, fresh workbooks for .xls/.ods) are written by `jobs` processes, which a
    province's first night needs, and only then: forked from this process, each worker would count its memory
    again. Same files either way.
    """
    index_of = {result.path: i for i, result in enumerate(report.files)}
    extra = report_findings(report)
    planned = plan(lettered(report, extra), out, known)

    def whole(thin: FileResult) -> FileResult:
        return _with(full(index_of[thin.path]), extra) if full is not None else thin

    paths: list[Path | None] = [_write_fast(whole(thin), base, created) for thin, base in planned]
    slow = [k for k, path in enumerate(paths) if path is None]
    items = ((whole(planned[k][0]), planned[k][1], created) for k in slow)
    for k, path in zip(slow, ordered_map(_write_slow, items, jobs if len(slow) > 1 else 1), strict=True):
        paths[k] = path
    return [path for path in paths if path is not None]


def lettered(report: Report, extra: dict[str, tuple[Finding, ...]] | None = None) -> Report:
    """The files as their letters answer them (what `plan` is given): a report whose form is answered here goes into
    that letter; one whose form was answered on an earlier night (the nightly job), or that has none, gets its own.
    `extra`: report_findings(report), where the caller has it already."""
    extra = report_findings(report) if extra is None else extra
    forms = {f.path for f in report.files if f.report is None}
    return Report(tuple(_with(f, extra) for f in report.files if f.report is None or f.report.form not in forms))


def report_findings(report: Report) -> dict[str, tuple[Finding, ...]]:
    """A matched report's findings go into its form's letter (form path → findings), on the project it restates and
    saying which report: the department fixes form and report together. Reports whose form is not in `report`
    keep their own."""
    forms = {f.path for f in report.files if f.report is None}
    out: dict[str, tuple[Finding, ...]] = {}
    for f in report.files:
        info = f.report
        if info is None or info.form not in forms:
            continue
        name = Path(f.path).name
        moved = tuple(replace(x, project=info.project, sheet="", message=f"自评报告 {name}：{x.message}")
                      for x in f.findings)
        out[info.form] = out.get(info.form, ()) + moved
    return out


def _with(result: FileResult, extra: dict[str, tuple[Finding, ...]]) -> FileResult:
    return replace(result, findings=result.findings + extra[result.path]) if result.path in extra else result


def _target(result: FileResult, base: Path, copy: bool) -> Path:
    return base.parent / (base.name + (".xlsm" if copy and result.format == "xlsm" else ".xlsx"))


def _write_fast(result: FileResult, base: Path, created: dt.date) -> Path | None:
    """The letter as a package-level copy, or None when it must be made otherwise (_write_slow)."""
    if result.format not in ("xlsx", "xlsm") or not result.projects:
        return None
    try:
        data = Path(result.path).read_bytes()  # only read: the original is never opened for writing
    except OSError:
        return None
    if (copy := marked_copy(data, result, created)) is None:
        return None
    target = _target(result, base, True)
    _publish(target, partial(Path.write_bytes, data=copy))
    return target


def _write_slow(item: tuple[FileResult, Path, dt.date]) -> Path:
    result, base, created = item
    data = _slow_copy(result, created)
    target = _target(result, base, data is not None)
    _publish(target, partial(Path.write_bytes, data=data) if data is not None
             else partial(fresh_workbook, result, created=created))
    return target


def _publish(target: Path, write: Callable[[Path], Any]) -> None:
    """Write through a temporary file in the target's folder, then rename: a crash never leaves half a file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, write)
    except (OSError, XlsxWriterException) as exc:
        raise OutputError(f"写入审核意见 {target} 失败（{getattr(exc, 'strerror', None) or exc}）。"
                          "请检查磁盘空间和权限后重新运行。") from exc


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


def annotated_copy(result: FileResult, created: dt.date) -> bytes | None:
    """The department's workbook with its findings marked and the list in front, or None when neither the fast
    copy (processor/write/fastcopy.py) nor openpyxl can do it (not .xlsx/.xlsm, no form, the file changed or
    unreadable, openpyxl fails on it)."""
    if result.format not in ("xlsx", "xlsm") or not result.projects:
        return None
    try:
        copy = marked_copy(Path(result.path).read_bytes(), result, created)
    except OSError:
        return None
    return copy if copy is not None else _slow_copy(result, created)


def _slow_copy(result: FileResult, created: dt.date) -> bytes | None:
    """openpyxl's copy where the package-level one could not be made, or None (then a fresh workbook)."""
    if result.format not in ("xlsx", "xlsm") or not result.projects:
        return None
    try:
        return openpyxl_copy(Path(result.path).read_bytes(), result, created)
    except MemoryError:
        raise
    except Exception:  # whatever openpyxl trips on, the fresh workbook still tells the department
        return None


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


def fresh_workbook(result: FileResult, path: Path, created: dt.date) -> None:
    """The list and one re-laid form per project, for files openpyxl cannot edit; byte-identical per input."""
    book = open_book(path, created)
    book.set_properties({"title": "项目支出绩效自评表审核意见", "author": AUTHOR,
                         "created": dt.datetime(created.year, created.month, created.day)})
    styles = make_styles(book)
    names = unique_names([p.sheet for p in result.projects], {LIST_SHEET})
    ws = book.add_worksheet(LIST_SHEET)
    kinds = {"title": styles.title, "note": styles.note,
             "info": book.add_format({"font_name": FONT, "font_size": 11, "text_wrap": True, "valign": "vcenter"})}
    note = (NOTE_FRESH.format(fmt=f".{result.format}" if result.format else "未知格式") if result.projects
            else NOTE_REPORT if result.report is not None else NOTE_REJECTED)
    for r, (kind, text) in enumerate(lines := head_lines(result, created, note)):
        ws.merge_range(r, 0, r, len(COLUMNS) - 1, "", kinds[kind])
        ws.write_string(r, 0, text, kinds[kind])
        ws.set_row(r, 28 if kind == "title" else row_height(text_lines(text, WIDTH - 10)))
    head = len(lines) + 1
    for c, (name, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(head, c, name, styles.header)
    fills = {Severity.ERROR: styles.error, Severity.WARNING: styles.warning, Severity.INFO: styles.text}
    places = [placed(result, i) for i in range(len(result.projects))]
    for r, (f, values, height) in enumerate(list_rows(result), head + 1):
        for c, value in enumerate(values):
            ws.write_string(r, c, value, fills[f.severity] if c == 0 else styles.wrap_middle)
        if f.project is not None and f.project < len(names):  # the re-laid form marks the same cell: go there
            own = result.findings_of(f.project)
            k = next(i for i, x in enumerate(own) if x is f)
            target = places[f.project].finding(f, k)
            ws.write_url(r, CELL_COLUMN, f"internal:'{names[f.project].translate(QUOTE)}'!{target}", styles.link,
                         string=values[CELL_COLUMN])
        ws.set_row(r, height)
    ws.freeze_panes(head + 1, 0)
    landscape(ws, (head, head))
    shown = replace(result, path=Path(result.path).name)  # the reviewer's folders are no business of the department
    for index, name in enumerate(names):
        write_project_sheet(book, name, shown, index, styles, back=LIST_SHEET)
    book.close()
