"""Stage 7: write the consolidated 汇总表 with xlsxwriter (sheets 总览 … 目录, then one sheet per project).

When some project was matched with earlier years (issue 19), 项目汇总 gains 上年's figures and the changes, and
历年对比 (processor.write.yearsheet) follows 部门汇总; without history the workbook is what it always was.

Every text is written as a string (never a formula: departments' text may start with = + - @), every
workbook gets a pinned creation date, so the same inputs give the same bytes.

Each table sheet reads like a printed statement: a title (row 1), `单位：万元　制表日期：…` (row 2), the
header (row 3, frozen, filtered, repeated on every page), the rows, and — for 项目汇总 and 部门汇总 — a
合计 below a blank row, outside the filter so sorting and filtering never move it; 第 x 页 共 y 页 below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from processor.aggregate import (
    GRADES,
    INFLATION,
    LOW_EXECUTION,
    UNGRADED,
    Aggregate,
    summarize,
)
from processor.core.model import FileResult, Report, Severity, Status
from processor.write.book import no_collection, open_book
from processor.write.overview import write_overview
from processor.write.projectsheet import write_project_sheets
from processor.write.sheetnames import internal_link, unique_names
from processor.write.styles import Styles, make_styles
from processor.write.tables import (
    CONTENTS,
    DEPARTMENTS,
    FINDINGS,
    FIXED,
    HEAD,
    OVERVIEW,
    PROJECT_COLUMNS,
    PROJECTS,
    RETURNS,
    Column,
    records,
    table,
    unit_line,
)
from processor.write.yearsheet import YEARS, write_years, year_rows


class Links(Protocol):
    """Links into project sheets kept in other workbooks (processor.write.deptbooks.BookLinks)."""

    def __call__(self, row: int, cell: str = "A1") -> str:
        """The link to `cell` of the project sheet of 项目汇总 row `row`."""

    @property
    def known(self) -> Mapping[tuple[str, int], Lands]:
        """Where each project's findings land in its sheet, as the department workbooks' writer laid them out."""


class Lands(Protocol):
    """Where a link to one of a project's findings lands in its sheet (projectsheet.Places, deptbooks.Landing)."""

    def target(self, sheet: str, cell: str, k: int) -> str:
        """Our A1 for the k-th finding of the project, found on the department's `sheet`!`cell`."""


PROJECT_PRINT_COLS = next(i for i, c in enumerate(PROJECT_COLUMNS) if c.key == "status") + 1  # 序号 … 状态
REPORT_COLUMN = Column("自评报告", "report", "text", 10)  # 一致 / 有出入 / 未提交 / PDF未核对 …
# 上年 beside this year (issue 19): after the grades, printed; the rate's change in percentage points (5.00 = 5 个百分点)
HISTORY_COLUMNS = [
    Column("上年自评", "prev_self_total", "score", 9), Column("上年复核", "prev_computed_total", "score", 9),
    Column("上年执行率", "prev_rate", "rate", 9), Column("自评分变化", "self_change", "score", 9),
    Column("复核分变化", "computed_change", "score", 9), Column("执行率变化（百分点）", "rate_change", "score", 10),
]


def has_history(projects: pd.DataFrame) -> bool:
    """Whether any project was matched with an earlier year: only then does the summary show the years (a batch run
    without history gets the workbook it always got)."""
    return "history" in projects and bool(projects["history"].fillna(0).gt(0).any())


def project_columns(projects: pd.DataFrame) -> tuple[list[Column], int]:
    """项目汇总's columns and how many of them print: 上年's figures after the grades when some project has history,
    自评报告 after 状态 when the batch had Word reports to check. A bureau that collects no reports does not get a
    column of 未提交, nor a batch without history six blank columns."""
    columns, printed = list(PROJECT_COLUMNS), PROJECT_PRINT_COLS
    if has_history(projects):
        at = next(i for i, c in enumerate(columns) if c.key == "computed_grade") + 1
        columns[at:at] = HISTORY_COLUMNS
        printed += len(HISTORY_COLUMNS)
    if "report" in projects and projects["report"].fillna("").astype(str).ne("").any():
        columns.insert(printed, REPORT_COLUMN)
        printed += 1
    return columns, printed
DEPARTMENT_COLUMNS = [
    Column("主管部门", "department", "text", 18), Column("项目数", "projects", "int", 7),
    Column("年初预算数", "initial_budget", "money", 13), Column("全年预算数", "annual_budget", "money", 13),
    Column("全年执行数", "executed", "money", 13), Column("执行率（资金加权）", "rate", "rate", 11),
    Column("自评得分平均", "self_mean", "score", 10), Column("复核得分平均", "computed_mean", "score", 10),
    Column("自评得分（资金加权）", "self_weighted", "score", 11), Column("复核得分（资金加权）", "computed_weighted", "score", 11),
    *[Column(f"复核{g}", f"grade_{g}", "int", 7) for g in (*GRADES, UNGRADED)],
    Column("错误", "errors", "int", 7), Column("警告", "warnings", "int", 7),
]
FINDING_COLUMNS = [
    Column("级别", "severity_zh", "text", 6), Column("问题类别", "title", "wrap", 16), Column("代码", "code", "code", 11),
    Column("主管部门", "department", "text", 14), Column("项目名称", "name", "wrap", 22),
    Column("来源文件", "file", "wrap", 22), Column("工作表", "sheet", "text", 10),
    Column("原表单元格", "cell", "text", 8), Column("问题", "message", "wrap", 46), Column("修改建议", "hint", "wrap", 38),
    Column("查看", "", "link", 8), Column("完整路径", "path", "text", 50),
]
FINDING_PRINT_COLS = next(i for i, c in enumerate(FINDING_COLUMNS) if c.key == "hint") + 1
CONTENT_COLUMNS = [
    Column("工作表", "sheet_name", "text", 34), Column("主管部门", "department", "text", 16),
    Column("项目名称", "name", "wrap", 36), Column("自评得分", "self_total", "score", 9),
    Column("复核得分", "computed_total", "score", 9), Column("复核等级", "computed_grade", "text", 8),
    Column("查看", "", "link", 8),
]
BOOK_COLUMNS = [Column("分部门工作簿", "file", "text", 40), Column("主管部门", "department", "text", 24),
                Column("项目数", "projects", "int", 8), Column("查看", "", "link", 8)]
RETURN_COLUMNS = [
    Column("来源文件", "file", "wrap", 30), Column("状态", "status_zh", "text", 9), Column("主管部门", "departments", "text", 16),
    Column("项目数", "projects", "int", 7), Column("错误数", "errors", "int", 7), Column("原因", "reasons", "wrap", 80),
    Column("完整路径", "path", "text", 50),
]
RETURN_PRINT_COLS = len(RETURN_COLUMNS) - 1


def title_of(sheet: str, year: int | None, who: str = "") -> str:
    """A table's title: 项目支出绩效自评项目汇总（2021年度）, or with the department of its workbook."""
    what = "，".join(x for x in (who, f"{year}年度" if year else "") if x)
    return f"项目支出绩效自评{sheet}" + (f"（{what}）" if what else "")


def project_totals(projects: pd.DataFrame) -> list[dict[str, Any]]:
    """项目汇总's two rows below the table: 合计 (money summed, the money-weighted 执行率 and mean scores) and
    简单平均 (plain mean scores); scores over graded projects only, as aggregate makes them."""
    t = summarize("合计", projects)

    def diff(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(a - b, 2)

    n = len(projects)
    weighted = {"seq": "合计", "department": f"{n} 个项目", "name": "得分为资金加权平均（按全年预算数，不含未评级项目）",
                "initial_budget": t["initial_budget"], "annual_budget": t["annual_budget"], "executed": t["executed"],
                "rate": t["rate"], "self_total": t["self_weighted"], "computed_total": t["computed_weighted"],
                "diff": diff(t["computed_weighted"], t["self_weighted"]), "errors": t["errors"],
                "warnings": t["warnings"]}
    plain = {"seq": "平均", "name": "得分为简单平均（不含未评级项目）", "self_total": t["self_mean"],
             "computed_total": t["computed_mean"], "diff": diff(t["computed_mean"], t["self_mean"])}
    return [weighted, plain]


def project_table(ws: Worksheet, projects: pd.DataFrame, styles: Styles, *, title: str, created: dt.date,
                  link: Callable[[int], str | None]) -> None:
    """项目汇总 (of the summary, or of one department's workbook): `projects` carry their 序号 (seq)."""
    columns, print_cols = project_columns(projects)
    table(ws, projects, columns, styles, title=title, created=created, link=link,
          print_cols=print_cols, totals=project_totals(projects))
    highlight_projects(ws, len(projects), styles, columns)


def project_row_cell(i: int) -> str:
    """The A1 of 项目汇总 row `i` (0-based, in its table), where a project sheet's back link returns."""
    return f"A{HEAD + 2 + i}"


def project_sheet_names(agg: Aggregate) -> list[str]:
    """One sheet name per project in 项目汇总 order: the same whether the summary is one workbook or split."""
    return unique_names([f"P{i + 1:03d} {n}" for i, n in enumerate(agg.projects["name"])], {*FIXED, YEARS})


def write_summary(report: Report, agg: Aggregate, path: Path, *, created: dt.date, year: int | None,
                  full: Callable[[int], FileResult] | None = None,
                  links: Links | None = None,
                  books: list[tuple[str, str, int, str]] | None = None, jobs: int = 1) -> list[str]:
    """Write the workbook; returns the project sheet names in 项目汇总 order.

    `full` gives a file's full result by its index in the report when the report holds thin ones
    (processor.core.spool). With `links` (项目汇总 row → hyperlink) the project sheets live in other workbooks
    (processor.write.deptbooks) and this one holds the tables only; 目录 then lists those workbooks (`books`:
    file name, 主管部门, number of projects, link) instead of 20,000 project rows a second time. With `jobs` > 1 a
    second process helps assemble the project sheets' XML (processor.write.book.SharedPackager).
    """
    with no_collection():
        return _write(report, agg, path, created=created, year=year, full=full, links=links, books=books, jobs=jobs)


def _write(report: Report, agg: Aggregate, path: Path, *, created: dt.date, year: int | None,
           full: Callable[[int], FileResult] | None, links: Links | None,
           books: list[tuple[str, str, int, str]] | None, jobs: int) -> list[str]:
    names = project_sheet_names(agg)
    history = year_rows(report, agg.projects, year) if has_history(agg.projects) else []
    fixed = [*FIXED[:3], YEARS, *FIXED[3:]] if history else list(FIXED)  # 历年对比 after 部门汇总
    book = open_book(path, created, sheets=len(fixed) + (0 if links else len(names)), helper=jobs > 1 and not links)
    styles = make_styles(book)

    def link_of(i: int, cell: str = "A1") -> str:
        return links(i, cell) if links is not None else internal_link(names[i], cell)

    keys = [(str(r["path"]), int(r["index"])) for r in records(agg.projects, ["path", "index"])]
    index_of = {f.path: i for i, f in enumerate(report.files)}
    sheets = {name: book.add_worksheet(name) for name in fixed}
    write_overview(book, sheets[OVERVIEW], agg, styles, created, year)
    projects = agg.projects.assign(seq=range(1, len(agg.projects) + 1))
    # on paper: 序号 … 状态; the source columns and links stay on screen
    project_table(sheets[PROJECTS], projects, styles, title=title_of(PROJECTS, year), created=created, link=link_of)
    table(sheets[DEPARTMENTS], agg.departments, DEPARTMENT_COLUMNS, styles, title=title_of(DEPARTMENTS, year),
          created=created, totals=[agg.totals])
    if history:
        write_years(sheets[YEARS], history, styles, title=title_of(YEARS, year), unit=unit_line(created), link=link_of)
    table(sheets[RETURNS], _returns(report, agg), RETURN_COLUMNS, styles, title=title_of("退回与拒收的文件", year),
          created=created, print_cols=RETURN_PRINT_COLS)
    if books is not None:  # split: the department workbooks, not every project a second time
        frame = pd.DataFrame(books, columns=["file", "department", "projects", "url"])
        table(sheets[CONTENTS], frame, BOOK_COLUMNS, styles, title=title_of(CONTENTS, year), created=created,
              link=lambda i: books[i][3])
    else:
        table(sheets[CONTENTS], agg.projects.assign(sheet_name=names), CONTENT_COLUMNS, styles,
              title=title_of(CONTENTS, year), created=created, link=link_of)
    places: Mapping[tuple[str, int], Lands] = links.known if links is not None else {}
    if links is None:
        sheets_ = [(name, index_of[path_], index) for name, (path_, index) in zip(names, keys, strict=True)]
        written = write_project_sheets(book, sheets_, full or (lambda i: report.files[i]), styles, back=PROJECTS,
                                       back_cells=[project_row_cell(i) for i in range(len(names))])
        places = dict(zip(keys, written, strict=True))
    _findings(sheets[FINDINGS], agg, styles, created, year, places, link_of, keys)
    book.close()
    return names


def _findings(ws: Worksheet, agg: Aggregate, styles: Styles, created: dt.date, year: int | None,
              places: Mapping[tuple[str, int], Lands], link_of: Callable[[int, str], str],
              keys: list[tuple[str, int]]) -> None:
    """问题清单: each finding's 查看 opens the cell of its project sheet that shows the department's cell (or,
    where the re-laid form has no place for it, the finding's own line in that sheet's 本表问题)."""
    row_of = {key: i for i, key in enumerate(keys)}
    rows = records(agg.findings, ["path", "index", "sheet", "cell", "position"])

    def finding_link(i: int) -> str | None:
        r = rows[i]
        if pd.isna(r["index"]):
            return None
        key = (str(r["path"]), int(r["index"]))
        row, where = row_of.get(key), places.get(key)
        if row is None:
            return None
        if where is None:
            return link_of(row, "A1")
        return link_of(row, where.target(str(r["sheet"] or ""), str(r["cell"] or ""), int(r["position"])))

    table(ws, agg.findings, FINDING_COLUMNS, styles, title=title_of(FINDINGS, year), created=created,
          link=finding_link, print_cols=FINDING_PRINT_COLS)


def highlight_projects(ws: Worksheet, n: int, styles: Styles, columns: list[Column] | None = None) -> None:
    """自评分虚高, low execution and errors stand out; blank cells (no budget, no score) never do. `columns` are
    the sheet's own (project_columns): the history columns move 错误 to the right."""
    if not n:
        return
    col = {c.key: i for i, c in enumerate(columns or PROJECT_COLUMNS)}
    rules = (("diff", f"<{INFLATION}", styles.flag_error), ("rate", f"<{LOW_EXECUTION}", styles.flag_warning),
             ("errors", ">0", styles.flag_error))
    for key, test, fmt in rules:
        c = col[key]
        first = f"{xl_col_to_name(c)}{HEAD + 2}"
        ws.conditional_format(HEAD + 1, c, HEAD + n, c,
                              {"type": "formula", "criteria": f"=AND(ISNUMBER({first}),{first}{test})", "format": fmt})


def _returns(report: Report, agg: Aggregate) -> pd.DataFrame:
    rows = []
    files = {str(r["path"]): r for r in agg.files.to_dict("records")}
    for f in report.files:
        if f.status not in (Status.RETURNED, Status.REJECTED):
            continue
        errors = [x for x in f.findings if x.severity is Severity.ERROR]
        reasons = "\n".join(f"{x.sheet + '!' if x.sheet else ''}{x.cell + '：' if x.cell else ''}{x.message}"
                            for x in errors) or f.reason
        rows.append({**files[f.path], "reasons": reasons})
    return pd.DataFrame(rows, columns=[*agg.files.columns, "reasons"])
