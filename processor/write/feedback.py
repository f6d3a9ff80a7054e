"""Stage 8: a 审核意见 copy of each department's own workbook, to send back with every problem marked.

A clerk fixes a form fastest in the file they typed. So every returned or rejected file, and every file with
warnings, gets a copy in which each finding's cell is filled red (error) or amber (warning) and carries the
message and hint as a comment, behind a first sheet 审核意见 listing every finding with a link to its cell.
The original is only ever read. An .xlsx/.xlsm is marked at the package level (processor.write.fastcopy), or by
openpyxl where that cannot (processor.write.slowcopy); .xls, .ods, .xlsb (and an .xlsx neither can open) get a fresh workbook with the list and each form re-laid by projectsheet, marking the same
cells; a rejected file has no form, but its department must still learn why: it gets the list alone.
Copies go to OUT/审核意见/<主管部门>/ so that each folder can be sent back as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from xlsxwriter.exceptions import XlsxWriterException

from processor.core.errors import OutputError
from processor.core.fsutil import atomic_write
from processor.core.model import FileResult, Finding, Report, Severity, Status
from processor.core.names import BLANK_DEPARTMENT, safe_name
from processor.core.pool import ordered_map
from processor.write.book import open_book
from processor.write.fastcopy import marked_copy
from processor.write.lettertext import (
    AUTHOR,
    CELL_COLUMN,
    COLUMNS,
    FOLDER,
    LIST_SHEET,
    NOTE_FRESH,
    NOTE_REJECTED,
    NOTE_REPORT,
    QUOTE,
    UNKNOWN_DEPARTMENT,
    WIDTH,
    head_lines,
    list_rows,
)
from processor.write.projectsheet import placed, write_project_sheet
from processor.write.sheetnames import unique_names
from processor.write.styles import (
    FONT,
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
    from processor.write.slowcopy import openpyxl_copy  # openpyxl, imported by the rare copy that needs it

    try:
        return openpyxl_copy(Path(result.path).read_bytes(), result, created)
    except MemoryError:
        raise
    except Exception:  # whatever openpyxl trips on, the fresh workbook still tells the department
        return None


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
