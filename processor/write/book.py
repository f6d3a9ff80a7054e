"""The xlsxwriter workbook every output of ours starts from: safe string handling and a pinned date.

Every text is written as a string (never a formula: departments' text may start with = + - @), and every
workbook gets a pinned creation date, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import pickle
import signal
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any, NoReturn

import xlsxwriter
from xlsxwriter.exceptions import DuplicateWorksheetName
from xlsxwriter.packager import Packager


class Book(xlsxwriter.Workbook):  # type: ignore[misc]  # xlsxwriter ships no stubs
    """A Workbook whose sheet-name uniqueness check is a set lookup.

    Stock xlsxwriter compares each new name with every sheet already added, so adding n sheets costs
    O(n²): about 100 s of a 20,000-sheet workbook (docs/benchmarks.md). The other checks (length,
    characters, apostrophes) are still the library's own; only the scan over existing sheets is replaced.
    """

    def __init__(self, filename: Any, options: dict[str, Any] | None = None, *, helper: bool = False) -> None:
        self._taken: set[str] = set()
        self._helper = helper
        super().__init__(filename, options)

    def _get_packager(self) -> Packager:
        return SharedPackager() if self._helper else Packager()

    def _check_sheetname(self, sheetname: str | None, is_chartsheet: bool = False) -> str:
        sheets: list[Any] = getattr(self, "worksheets_objs")  # noqa: B009  (untyped library attribute)
        self.worksheets_objs = []  # the library's own uniqueness scan then has nothing to scan
        try:
            name: str = super()._check_sheetname(sheetname, is_chartsheet)
        finally:
            self.worksheets_objs = sheets
        key = name.lower()  # case ignored, like Excel and the library
        if key in self._taken:
            raise DuplicateWorksheetName(f"Sheetname '{name}', with case ignored, is already in use.")
        self._taken.add(key)
        return name

    def close(self) -> None:
        """Close, then let go of every sheet's cells at once. Each worksheet's tables are only reachable through
        reference cycles, so without this they wait for a full run of the cyclic garbage collector: on city-year
        (1,006 sheets, 440,000 objects) that run took 0.6 s, paid later in the batch or when the process ends,
        against 0.05 s freed here by reference counting."""
        with no_collection():
            super().close()
        for ws in getattr(self, "worksheets_objs"):  # noqa: B009  (untyped library attribute)
            ws.__dict__.clear()


@contextmanager
def no_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a workbook is filled and closed: what is made meanwhile (the
    sheets' cells, held by the workbook until it is closed) lives on, so each collection walked an ever larger
    heap to free nothing, a quarter of the summary's writing (1.1 s of 4.3 on city-year), and the one full
    collection that follows a big fill cost 0.3–0.5 s wherever it fell. The collector is left as it was found;
    a closed Book lets go of its cells by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


log = logging.getLogger("selfeval.write")
HELPED_SHEETS = 64  # from this many sheets up, a helper process assembles half of them (SharedPackager)
# what assembling a sheet changes that later parts of the package read: its relationships file lists the
# external links in the order the sheet XML numbered them
_CARRIED = ("rel_count", "external_hyper_links")


class SharedPackager(Packager):  # type: ignore[misc]  # xlsxwriter ships no stubs
    """Assembles the later half of the worksheets' XML in a forked helper process while this one assembles the
    first half: on city-year that XML is 1.1 s of the summary's 3 s, and the second core sat idle meanwhile.
    The helper runs the library's own code on the same sheets, so the bytes are the ones a serial close writes.
    Used by the one-workbook summary only (department workbooks are already written by several processes);
    without os.fork (Windows), below HELPED_SHEETS sheets or when the helper fails, this process assembles
    them all as the library does."""

    def _write_worksheet_files(self) -> None:
        sheets = [ws for ws in self.workbook.worksheets() if not ws.is_chartsheet]
        if (not hasattr(os, "fork") or not self.in_memory or len(sheets) < HELPED_SHEETS
                or any(ws.constant_memory for ws in sheets)):
            super()._write_worksheet_files()
            return
        try:
            cut = _halfway(sheets)
            _number_formats(sheets)  # in the library's order: a serial close numbers the rest the same way
        except Exception as exc:  # another xlsxwriter's internals: its own close is still right
            log.warning("no helper process (%s: %s); the sheets are assembled here", type(exc).__name__, exc)
            super()._write_worksheet_files()
            return
        parts = [self._filename(f"xl/worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
        done: list[tuple[str, dict[str, Any]]] | None = None
        with tempfile.TemporaryFile() as spill:
            pid = _fork()
            if pid == 0:  # the helper: never returns into the caller's code
                _help(self.workbook, sheets[cut:], spill)
            try:
                for ws, part in zip(sheets[:cut], parts, strict=False):
                    ws._set_xml_writer(part)
                    ws._assemble_xml_file()
            except BaseException:
                if pid > 0:  # not left running, nor as a zombie, behind a close that failed
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                raise
            if pid > 0:
                status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                if status == 0:
                    spill.seek(0)
                    done = pickle.load(spill)
                    log.debug("a helper process assembled %d of %d sheets", len(sheets) - cut, len(sheets))
                else:
                    log.warning("the helper process ended with status %s; its %d sheets are assembled here",
                                status, len(sheets) - cut)
        for k, (ws, part) in enumerate(zip(sheets[cut:], parts[cut:], strict=True)):
            if done is not None:
                xml, carried = done[k]
                part.write(xml)
                ws.__dict__.update(carried)
            else:
                ws._set_xml_writer(part)
                ws._assemble_xml_file()


def _fork() -> int:
    """os.fork(), or -1 where the system refuses one (ENOMEM, EAGAIN): the sheets are then all assembled here."""
    try:
        return os.fork()
    except OSError as exc:
        log.warning("no helper process (%s); the sheets are assembled here", exc)
        return -1


def _help(workbook: Any, sheets: list[Any], spill: Any) -> NoReturn:
    """The helper's whole life: assemble `sheets`, pickle them into `spill`, end. It writes nothing else (no
    warning on stderr, whose lock a thread of the parent, such as the progress bar's, may have held when it
    forked) and ends by os._exit, never returning into the caller's code. Status 1 tells the parent to do it."""
    code = 1
    try:
        warnings.simplefilter("ignore")
        numbered = len(workbook.xf_format_indices)
        theirs = [_assembled(ws) for ws in sheets]
        if len(workbook.xf_format_indices) == numbered:  # else its style numbers are not the parent's
            pickle.dump(theirs, spill, pickle.HIGHEST_PROTOCOL)
            spill.flush()
            code = 0
    finally:
        os._exit(code)


def _assembled(ws: Any) -> tuple[str, dict[str, Any]]:
    part = StringIO()
    ws._set_xml_writer(part)
    ws._assemble_xml_file()
    return part.getvalue(), {key: getattr(ws, key) for key in _CARRIED}


def _number_formats(sheets: list[Any]) -> None:
    """Give every format its style number (xf index) in the order the library would while assembling the sheets
    one after the other: it numbers a format when a cell first uses it, and the helper, forked from this
    process, must find each of its formats numbered as a serial close would have numbered them. The walk
    follows the assembly: a sheet's columns (_write_cols), then each row's own format and its cells in column
    order (_write_rows)."""
    seen: set[int] = set()

    def use(fmt: Any) -> None:
        if fmt and id(fmt) not in seen:
            seen.add(id(fmt))
            fmt._get_xf_index()

    for ws in sheets:
        for col in sorted(ws.col_info):
            use(ws.col_info[col].column_format)
        for row in sorted(set(ws.table) | set(ws.row_info)):
            info = ws.row_info.get(row)
            if info is not None:
                use(info.row_format)
            cells = ws.table.get(row)
            if cells:
                for col in sorted(cells):
                    use(cells[col].format)


def _halfway(sheets: list[Any]) -> int:
    """The first sheet of the helper's half, balanced by cells and merged ranges (what the XML is made of)."""
    cost = [sum(len(cols) for cols in ws.table.values()) + len(ws.merge) + 1 for ws in sheets]
    total, run = sum(cost), 0
    for k, c in enumerate(cost):
        run += c
        if 2 * run >= total:
            return k + 1
    return len(sheets)


IN_MEMORY_SHEETS = 2000  # up to this many sheets a workbook is assembled in memory


def options(in_memory: bool = True) -> dict[str, Any]:
    """`in_memory` assembles the parts in memory instead of one temporary file per sheet: creating and
    removing 1,000 temporary files cost 10% of writing the city-year summary here (more where a virus
    scanner inspects each one). Above IN_MEMORY_SHEETS the parts' XML would weigh too much; callers ask
    for temporary files then."""
    return {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "in_memory": in_memory}


def open_book(path: Path, created: dt.date, title: str = "项目支出绩效自评汇总", *, sheets: int = 0,
              helper: bool = False) -> Book:
    """`helper`: a second process may assemble half the sheets when the book is closed (SharedPackager), for a
    caller that has a core to spare."""
    book = Book(str(path), options(in_memory=sheets <= IN_MEMORY_SHEETS), helper=helper)
    stamp = dt.datetime(created.year, created.month, created.day)
    book.set_properties({"title": title, "author": "selfeval", "created": stamp})
    return book
