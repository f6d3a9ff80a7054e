"""A summary too large for one workbook: one workbook per 主管部门 with its project sheets, beside the tables.

xlsxwriter keeps every sheet of a workbook in memory until it closes it, and one workbook of 20,000
project sheets took 190 s and 944 MB even with no logic around it (docs/benchmarks.md): Excel and WPS
open such a file slowly, if at all. Split, the overall workbook keeps 总览 … 目录 with every project's
row, and its links open the project's sheet in its department's workbook:

    绩效自评汇总_2023_2024-01-31.xlsx
    绩效自评汇总_2023_2024-01-31_分部门/001_财政局.xlsx   (项目汇总 of that department, then its sheets)

The department workbooks are independent, so a process pool writes them side by side; each is the
same bytes whichever worker writes it. A project's sheet has the same name and cells as it would have
in the single workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from processor.core.errors import BROKEN_POOL, OutputError
from processor.core.model import FileResult
from processor.core.names import BLANK_DEPARTMENT, linkable, safe_name
from processor.core.pool import new_pool
from processor.core.spool import load
from processor.write.book import open_book
from processor.write.projectsheet import write_project_sheets
from processor.write.sheetnames import internal_link, sheet_ref
from processor.write.styles import make_styles
from processor.write.summary import PROJECTS, project_row_cell, project_table, title_of


@dataclass(frozen=True)
class BookTask:
    """Everything one worker needs for one department's workbook: plain data, cheap to send."""

    path: Path
    department: str
    projects: pd.DataFrame  # that department's 项目汇总 rows, with the overall 序号
    sheets: tuple[tuple[int, int, str], ...]  # (file index in the batch, project index in the file, sheet name)
    spool: Path
    created: dt.date
    year: int | None = None


@dataclass(frozen=True)
class BookLinks:
    """Each 项目汇总 row's link into its department's workbook (to a cell of the project's sheet), and the
    spooled full results, from which the summary learns where those sheets put a finding's cell."""

    folder: str
    book_of: dict[int, str]
    names: list[str]
    spool: Path

    def __call__(self, row: int, cell: str = "A1") -> str:
        return external_link(self.folder, self.book_of[row], self.names[row], cell)

    def full(self, index: int) -> FileResult:
        return load(self.spool, index)


def plan(agg_projects: pd.DataFrame, names: list[str], index_of: dict[str, int], folder: str, write_to: Path,
         spool: Path, created: dt.date, year: int | None = None,
         ) -> tuple[list[BookTask], BookLinks, list[tuple[str, str, int, str]]]:
    """The department workbooks in 部门汇总 order (written into `write_to`, linked as `folder`/…), and
    each 项目汇总 row's link into them, and the list of workbooks for 目录 (file, 主管部门, projects, link)."""
    projects = agg_projects.assign(seq=range(1, len(agg_projects) + 1))
    tasks: list[BookTask] = []
    book_of: dict[int, str] = {}
    for k, (dept, rows) in enumerate(projects.groupby("department", sort=True), 1):
        file = f"{k:03d}_{linkable(safe_name(str(dept), BLANK_DEPARTMENT, limit=90))}.xlsx"
        positions = [int(i) for i in rows.index]
        for i in positions:
            book_of[i] = file
        sheets = tuple((index_of[str(r["path"])], int(r["index"]), names[i])
                       for i, r in zip(positions, rows.to_dict("records"), strict=True))
        tasks.append(BookTask(write_to / file, str(dept), rows.reset_index(drop=True), sheets, spool, created, year))
    books = [(t.path.name, t.department, len(t.sheets), external_link(folder, t.path.name, PROJECTS)) for t in tasks]
    return tasks, BookLinks(folder, book_of, names, spool), books


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
