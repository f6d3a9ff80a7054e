"""A summary too large for one workbook: one workbook per 主管部门 with its project sheets, beside the tables.

xlsxwriter keeps every sheet of a workbook in memory until it closes it, and one workbook of 20,000
project sheets took 190 s and 944 MB even with no logic around it (docs/benchmarks.md): Excel and WPS
open such a file slowly, if at all. Split, the overall workbook keeps 总览 … 目录 with every project's
row, and its links open the project's sheet in its department's workbook:

    绩效自评汇总_2023_2024-01-31.xlsx
    绩效自评汇总_2023_2024-01-31_分部门/001_财政局.xlsx   (项目汇总 of that department, then its sheets)

The department workbooks are independent, so a process pool writes them side by side; each is the
same bytes whichever worker writes it. A department's workbook depends on that department's projects only: its
项目汇总 and its sheets are numbered within the department (P001 … in its own 项目汇总 order) and its creation date
is the latest date one of its projects was received. So a night that brings one department's forms rewrites that
department's workbook; the nightly job (processor.nightly) carries every other one forward from an earlier night,
recognised by a digest of everything the workbook is made from (`fingerprint`), as a hard link where it can.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import pickle
import shutil
from collections.abc import Callable, Container, Iterable, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from processor.aggregate import Aggregate
from processor.core.errors import BROKEN_POOL, OutputError
from processor.core.model import FileResult, Report
from processor.core.names import BLANK_DEPARTMENT, linkable, safe_name
from processor.core.pool import new_pool
from processor.core.spool import Spool, load
from processor.write.book import open_book
from processor.write.projectsheet import Places, placed, write_project_sheets
from processor.write.sheetnames import internal_link, sheet_ref, unique_names
from processor.write.styles import make_styles
from processor.write.summary import project_row_cell, project_table, title_of, write_summary
from processor.write.tables import FIXED, PROJECTS
from processor.write.yearsheet import YEARS


@dataclass(frozen=True)
class BookTask:
    """Everything one worker needs for one department's workbook: plain data, cheap to send."""

    path: Path
    department: str
    projects: pd.DataFrame  # that department's 项目汇总 rows, numbered (序号) within the department
    sheets: tuple[tuple[int, int, str], ...]  # (file index in the batch, project index in the file, sheet name)
    spool: Path
    created: dt.date  # the latest date one of its projects was received (else the run's date)
    year: int | None = None


@dataclass(frozen=True)
class Landing:
    """Where a link from 问题清单 lands in a project's sheet (what projectsheet.Places answers), kept for the findings
    the project has: a workbook carried from an earlier night is not laid out again to learn it."""

    first: int  # the row of 本表问题's first line (0-based)
    cells: Mapping[str, str]  # "sheet\tcell" of a finding → our A1 showing that cell

    def target(self, sheet: str, cell: str, k: int) -> str:
        return self.cells.get(f"{sheet}\t{cell}") or xl_rowcol_to_cell(self.first + k, 0)


@dataclass(frozen=True)
class BookStore:
    """What the nightly ledger offers the writer (write never imports nightly): `identity(path)` names a file's stored
    full result (a digest of it), `find(digest)` an earlier night's workbook of that digest and its landings (JSON),
    and `keep(digest, file name, landings JSON)` is told of every department workbook tonight's summary links to."""

    identity: Callable[[str], str]
    find: Callable[[str], tuple[Path, str] | None]
    keep: Callable[[str, str, str], None]


@dataclass(frozen=True)
class BookLinks:
    """Each 项目汇总 row's link into its department's workbook (to a cell of the project's sheet), and where each
    project's findings land in its sheet (`known`, filled in by write_split)."""

    folder: str
    book_of: dict[int, str]
    names: list[str]
    known: Mapping[tuple[str, int], Landing] = field(default_factory=dict)

    def __call__(self, row: int, cell: str = "A1") -> str:
        return external_link(self.folder, self.book_of[row], self.names[row], cell)


def plan(agg_projects: pd.DataFrame, index_of: dict[str, int], folder: str, write_to: Path,
         spool: Path, created: dt.date, year: int | None = None,
         ) -> tuple[list[BookTask], BookLinks, list[tuple[str, str, int, str]]]:
    """The department workbooks in 部门汇总 order (written into `write_to`, linked as `folder`/…), each 项目汇总
    row's link into them (its sheet's name, numbered within its department), and the list of workbooks for 目录
    (file, 主管部门, projects, link)."""
    tasks: list[BookTask] = []
    book_of: dict[int, str] = {}
    names: list[str] = [""] * len(agg_projects)
    for k, (dept, rows) in enumerate(agg_projects.groupby("department", sort=True), 1):
        file = f"{k:03d}_{linkable(safe_name(str(dept), BLANK_DEPARTMENT, limit=90))}.xlsx"
        positions = [int(i) for i in rows.index]
        own = unique_names([f"P{j:03d} {n}" for j, n in enumerate(rows["name"], 1)], {*FIXED, YEARS})
        for i, name in zip(positions, own, strict=True):
            book_of[i], names[i] = file, name
        sheets = tuple((index_of[str(r["path"])], int(r["index"]), name)
                       for name, r in zip(own, rows.to_dict("records"), strict=True))
        dated = [str(d)[:10] for d in rows["received"] if isinstance(d, str) and d] if "received" in rows else []
        when = dt.date.fromisoformat(max(dated)) if dated else created
        numbered = rows.reset_index(drop=True).assign(seq=range(1, len(rows) + 1))
        tasks.append(BookTask(write_to / file, str(dept), numbered, sheets, spool, when, year))
    books = [(t.path.name, t.department, len(t.sheets), external_link(folder, t.path.name, PROJECTS)) for t in tasks]
    return tasks, BookLinks(folder, book_of, names), books


BOOK_FORMAT = "department-book 2"  # change when a department workbook's layout changes without the code changing


WRITERS = ("xlsxwriter", "pandas", "openpyxl")  # the libraries whose versions shape a department workbook's bytes


@cache
def _code() -> bytes:
    """The program's own source and the versions of the libraries that write the file: a department workbook written
    by other code is never carried forward."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(BOOK_FORMAT.encode())
    digest.update(repr([(name, _version(name)) for name in WRITERS]).encode())
    for source in sorted(root.rglob("*.py")) + sorted(root.rglob("*.toml")):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.digest()


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


def fingerprint(task: BookTask, report: Report, identity: Callable[[str], str]) -> str:
    """A digest of everything `write_book` makes the workbook from, its name aside: the code, the department, year and
    date, its 项目汇总 rows, and for each sheet its name and its file's result as the summary has it (findings decided
    across files, history) with the stored full result's identity. Equal digests, equal bytes."""
    digest = hashlib.sha256(_code())
    digest.update(pickle.dumps((task.department, task.year, task.created.isoformat()), protocol=5))
    digest.update(task.projects.to_csv(index=False, lineterminator="\n").encode())
    seen: set[int] = set()
    for f, p, name in task.sheets:
        digest.update(pickle.dumps((report.files[f].path, p, name), protocol=5))  # its index in the batch moves
        if f not in seen:
            seen.add(f)
            result = report.files[f]
            digest.update(identity(result.path).encode() + pickle.dumps(result, protocol=5))
    return digest.hexdigest()


def landings(places: Mapping[tuple[str, int], Places], findings: pd.DataFrame) -> dict[tuple[str, int], Landing]:
    """What the summary's links need of each project's Places: its findings' cells only."""
    out: dict[tuple[str, int], dict[str, str]] = {}
    owned = findings[findings["index"].notna()]
    for path_, index, sheet, cell in zip(owned["path"], owned["index"], owned["sheet"], owned["cell"], strict=True):
        key = (str(path_), int(index))
        if (where := places.get(key)) is None:
            continue
        spot = (str(sheet or ""), str(cell or ""))
        if (ours := where.cell(*spot)) is not None:
            out.setdefault(key, {})[f"{spot[0]}\t{spot[1]}"] = ours
    return {key: Landing(where.first_finding, out.get(key, {})) for key, where in places.items()}


def dump_landings(landed: Mapping[tuple[str, int], Landing], keys: Iterable[tuple[str, int]]) -> str:
    return json.dumps([[path_, index, landed[(path_, index)].first, dict(landed[(path_, index)].cells)]
                       for path_, index in keys if (path_, index) in landed], ensure_ascii=False, sort_keys=True)


def load_landings(text: str) -> dict[tuple[str, int], Landing]:
    return {(str(path_), int(index)): Landing(int(first), dict(cells)) for path_, index, first, cells in json.loads(text)}


def carry(source: Path, target: Path) -> bool:
    """An earlier night's workbook into tonight's folder: a hard link where the file system allows (no space, no
    time), else a copy; False when neither can be made (the file is locked, unreadable): it is then written again.

    A hard link is the same file in both folders. Excel and WPS save by writing a new file, which parts the two; a
    program that rewrites a file in place (a script's openpyxl save) changes both nights' copies."""
    try:
        os.link(source, target)
        return True
    except OSError:
        pass
    try:
        shutil.copyfile(source, target)
    except OSError:
        target.unlink(missing_ok=True)
        return False
    return True


def external_link(folder: str, file: str, sheet: str, cell: str = "A1") -> str:
    """A link relative to the overall workbook, so the pair can be moved or copied together."""
    return f"external:{folder}/{file}#{sheet_ref(sheet, cell)}"


def write_book(task: BookTask) -> None:
    """One department's workbook: its 项目汇总 rows (links to its own sheets) and their 合计, then one sheet per
    project, whose back link returns to the project's row."""
    book = open_book(task.path, task.created, title=f"项目支出绩效自评汇总（{task.department}）",
                     sheets=1 + len(task.sheets))
    styles = make_styles(book)
    names = [name for _, _, name in task.sheets]
    ws = book.add_worksheet(PROJECTS)
    project_table(ws, task.projects, styles, title=title_of(PROJECTS, task.year, task.department),
                  created=task.created, link=lambda i: internal_link(names[i]))
    write_project_sheets(book, [(name, f, p) for f, p, name in task.sheets], partial(load, task.spool), styles,
                         back=PROJECTS, back_cells=[project_row_cell(i) for i in range(len(names))])
    book.close()


def write_books(tasks: list[BookTask], jobs: int, meanwhile: Callable[[], object] = lambda: None) -> None:
    """Write every department's workbook, `jobs` at a time, the biggest first so the workers end together;
    `meanwhile` (the overall workbook) runs in this process while they work."""
    order = sorted(tasks, key=lambda t: -len(t.sheets))
    if jobs <= 1 or len(tasks) < 2:
        meanwhile()
        for task in order:
            write_book(task)
        return
    pool = new_pool(jobs)
    try:
        pending = [pool.submit(write_book, task) for task in order]
        meanwhile()
        for future in pending:  # re-raises a worker's error here
            future.result()
    except BrokenProcessPool as exc:
        raise OutputError(BROKEN_POOL) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # after an error: no more workbooks to be thrown away


def places_of(agg: Aggregate, index_of: dict[str, int], full: Callable[[int], FileResult],
              skip: Container[tuple[str, int]] = ()) -> dict[tuple[str, int], Places]:
    """Each project with a finding (but those in `skip`): where its sheet shows the department's cells, its file
    read once."""
    owned = agg.findings[agg.findings["index"].notna()]
    wanted: dict[str, set[int]] = {}
    for path_, index in zip(owned["path"], owned["index"], strict=True):
        if (str(path_), int(index)) not in skip:
            wanted.setdefault(str(path_), set()).add(int(index))
    out: dict[tuple[str, int], Places] = {}
    for path_ in sorted(wanted, key=index_of.__getitem__):
        result = full(index_of[path_])
        for index in sorted(wanted[path_]):
            out[(path_, index)] = placed(result, index)
    return out


def write_split(report: Report, agg: Aggregate, tmp: Path, into: Path, folder: str, spool: Spool, *,
                created: dt.date, year: int | None, jobs: int, store: BookStore | None = None) -> list[str]:
    """The department workbooks into `into` (to be renamed `folder`), and the overall workbook into `tmp`
    while the workers write them. With `store` (the nightly ledger), a workbook whose digest an earlier night
    wrote is carried forward instead of written again."""
    index_of = {f.path: i for i, f in enumerate(report.files)}
    tasks, link, books = plan(agg.projects, index_of, folder, into, spool.folder, created, year)
    known: dict[tuple[str, int], Landing] = {}
    todo, digests = [], {}
    for task in tasks:
        digest = fingerprint(task, report, store.identity) if store is not None else ""
        found = store.find(digest) if store is not None else None
        if store is not None and found is not None and carry(found[0], task.path):
            known.update(load_landings(found[1]))
            store.keep(digest, task.path.name, found[1])
        else:
            todo.append(task)
            digests[task.path.name] = digest
    spool.ensure(f for task in todo for f, _, _ in task.sheets)  # the workers read them from disk

    def overall() -> None:
        written = landings(places_of(agg, index_of, spool.get, skip=known), agg.findings)
        write_summary(report, agg, tmp, created=created, year=year, links=replace(link, known={**known, **written}),
                      books=books)
        if store is not None:
            for task in todo:
                keys = [(report.files[f].path, p) for f, p, _ in task.sheets]
                store.keep(digests[task.path.name], task.path.name, dump_landings(written, keys))

    write_books(todo, jobs, overall)
    return link.names
