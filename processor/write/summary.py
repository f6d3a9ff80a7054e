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
import math
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from processor.aggregate import (
    GRADES,
    INFLATION,
    LOW_EXECUTION,
    TOP_RULES,
    UNGRADED,
    Aggregate,
    reports_said,
    summarize,
)
from processor.core.model import FileResult, Report, Severity, Status
from processor.write.book import Book, open_book
from processor.write.projectsheet import Places, placed, write_project_sheets
from processor.write.sheetnames import internal_link, unique_names
from processor.write.styles import FONT, Styles, landscape, make_styles, row_height, score_floor, text_lines, typed_cell
from processor.write.yearsheet import YEARS, write_years, year_rows

OVERVIEW, PROJECTS, DEPARTMENTS, FINDINGS, RETURNS, CONTENTS = "总览", "项目汇总", "部门汇总", "问题清单", "退回与拒收", "目录"
FIXED = (OVERVIEW, PROJECTS, DEPARTMENTS, FINDINGS, RETURNS, CONTENTS)
HEAD = 2  # a table's header row (0-based): below its title and its 单位/制表日期 line
PRINT_LAST_COL = 21  # 总览 prints columns A … V (more for a wide rate chart); chart data sits right of them
CODE_SCALE = 1.45  # the code column's 8-pt text: about this many more characters to a line than 10-pt text


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str  # text | wrap | money | rate | score | int | code | link
    width: float


class Links(Protocol):
    """Links into project sheets kept in other workbooks (processor.write.deptbooks.BookLinks)."""

    def __call__(self, row: int, cell: str = "A1") -> str:
        """The link to `cell` of the project sheet of 项目汇总 row `row`."""

    def full(self, index: int) -> FileResult:
        """The full result of the report's file `index` (the report holds thin ones)."""

    @property
    def known(self) -> Mapping[tuple[str, int], Lands] | None:
        """Where each project's findings land in its sheet, when the department workbooks' writer knows already."""


class Lands(Protocol):
    """Where a link to one of a project's findings lands in its sheet (projectsheet.Places, deptbooks.Landing)."""

    def target(self, sheet: str, cell: str, k: int) -> str:
        """Our A1 for the k-th finding of the project, found on the department's `sheet`!`cell`."""


def unit_line(created: dt.date) -> str:
    return f"单位：万元　制表日期：{created.isoformat()}"


def _lines(values: Mapping[Any, Any], columns: list[Column]) -> int:
    """Lines the row's tallest wrapped cell needs (a row height is never grown for us: see styles.text_lines)."""
    return max((text_lines(str(values.get(col.key) or ""), col.width * (CODE_SCALE if col.kind == "code" else 1))
                for col in columns if col.kind in ("wrap", "code")), default=1)


def records(frame: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    """frame.to_dict("records") for these columns only, the same values: pandas boxes every value of every column on
    its own (6 of the 20 s a province's tables took), tolist() a column at a time."""
    keys = [k for k in dict.fromkeys(keys) if k in frame.columns]
    if not keys:
        return [{} for _ in range(len(frame))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*(frame[k].tolist() for k in keys), strict=True)]


def table(ws: Worksheet, frame: pd.DataFrame, columns: list[Column], styles: Styles, *, title: str,
          created: dt.date, link: Callable[[int], str | None] | None = None, print_cols: int | None = None,
          totals: list[dict[str, Any]] | None = None) -> int:
    """Title, 单位/制表日期 line, a header row (HEAD), one row per frame row, then the `totals` rows below a blank
    row, outside the autofilter; frozen header, repeated on every printed page; prints the first `print_cols`
    columns. Returns the row after the last one written."""
    kinds = {"text": styles.text, "money": styles.money, "rate": styles.rate, "score": styles.score,
             "int": styles.integer, "wrap": styles.wrap_middle, "link": styles.link, "code": styles.code}
    total_kinds = {"money": styles.total_money, "rate": styles.total_rate, "score": styles.total_score,
                   "int": styles.total_integer}
    shown = print_cols or len(columns)
    if shown > 1:
        ws.merge_range(0, 0, 0, shown - 1, title, styles.title)
    else:
        ws.write_string(0, 0, title, styles.title)
    ws.set_row(0, 28)
    ws.write_string(1, 0, unit_line(created), styles.unit_line)
    for c, col in enumerate(columns):
        ws.write_string(HEAD, c, col.header, styles.header)
        ws.set_column(c, c, col.width)
    ws.set_row(HEAD, 30)
    for i, values in enumerate(records(frame, [col.key for col in columns])):
        r = HEAD + 1 + i
        if (lines := _lines(values, columns)) > 1:
            ws.set_row(r, row_height(lines))
        for c, col in enumerate(columns):
            if col.kind == "link":
                target = link(i) if link else None
                if target:
                    ws.write_url(r, c, target, styles.link, string=col.header)
                else:
                    ws.write_blank(r, c, None, styles.text)
                continue
            typed_cell(ws, r, c, values.get(col.key), kinds[col.kind])
    last = HEAD + max(len(frame), 1)
    ws.freeze_panes(HEAD + 1, 0)
    ws.autofilter(HEAD, 0, last, len(columns) - 1)
    end = last + 1
    if totals:
        ws.set_row(end, 8)  # the blank row that keeps the 合计 out of the filtered rows
        for k, total in enumerate(totals):
            r = end + 1 + k
            if (lines := _lines(total, columns)) > 1:
                ws.set_row(r, row_height(lines))
            for c, col in enumerate(columns):
                typed_cell(ws, r, c, total.get(col.key), total_kinds.get(col.kind, styles.total_text))
        end += 1 + len(totals)
    landscape(ws, (HEAD, HEAD), footer=True)
    if print_cols is not None:
        ws.print_area(0, 0, end - 1, print_cols - 1)
    return end


PROJECT_COLUMNS = [
    Column("序号", "seq", "int", 6), Column("主管部门", "department", "text", 16), Column("实施单位", "unit", "text", 14),
    Column("项目名称", "name", "wrap", 28), Column("年度", "year", "int", 7),
    Column("年初预算数", "initial_budget", "money", 12), Column("全年预算数", "annual_budget", "money", 12),
    Column("全年执行数", "executed", "money", 12), Column("执行率", "rate", "rate", 9),
    Column("自评得分", "self_total", "score", 9), Column("复核得分", "computed_total", "score", 9),
    Column("差异（复核−自评）", "diff", "score", 8.5), Column("自评等级", "self_grade", "text", 8),
    Column("复核等级", "computed_grade", "text", 8), Column("错误", "errors", "int", 6),
    Column("警告", "warnings", "int", 6), Column("状态", "status", "wrap", 12), Column("版本", "version", "int", 6),
    Column("提交日期", "received", "text", 11), Column("评分规则", "profile", "text", 12),
    Column("表样", "layout", "text", 10),
    Column("来源文件", "file", "text", 30), Column("来源工作表", "sheet", "text", 12), Column("查看", "", "link", 8),
    Column("完整路径", "path", "text", 50),
]
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
                  books: list[tuple[str, str, int, str]] | None = None) -> list[str]:
    """Write the workbook; returns the project sheet names in 项目汇总 order.

    `full` gives a file's full result by its index in the report when the report holds thin ones
    (processor.core.spool). With `links` (项目汇总 row → hyperlink) the project sheets live in other workbooks
    (processor.write.deptbooks) and this one holds the tables only; 目录 then lists those workbooks (`books`:
    file name, 主管部门, number of projects, link) instead of 20,000 project rows a second time.
    """
    names = project_sheet_names(agg)
    history = year_rows(report, agg.projects, year) if has_history(agg.projects) else []
    fixed = [*FIXED[:3], YEARS, *FIXED[3:]] if history else list(FIXED)  # 历年对比 after 部门汇总
    book = open_book(path, created, sheets=len(fixed) + (0 if links else len(names)))
    styles = make_styles(book)

    def link_of(i: int, cell: str = "A1") -> str:
        return links(i, cell) if links is not None else internal_link(names[i], cell)

    keys = [(str(r["path"]), int(r["index"])) for r in records(agg.projects, ["path", "index"])]
    index_of = {f.path: i for i, f in enumerate(report.files)}
    sheets = {name: book.add_worksheet(name) for name in fixed}
    _overview(book, sheets[OVERVIEW], agg, styles, created, year)
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
    source = full or (links.full if links is not None else None) or (lambda i: report.files[i])
    places: Mapping[tuple[str, int], Lands] = {}
    if links is None:
        sheets_ = [(name, index_of[path_], index) for name, (path_, index) in zip(names, keys, strict=True)]
        written = write_project_sheets(book, sheets_, source, styles, back=PROJECTS,
                                       back_cells=[project_row_cell(i) for i in range(len(names))])
        places = dict(zip(keys, written, strict=True))
    elif links.known is not None:  # the department workbooks' writer says where
        places = dict(links.known)
    else:  # the sheets are in the department workbooks: the same layout says where
        places = places_of(agg, index_of, source)
    _findings(sheets[FINDINGS], agg, styles, created, year, places, link_of, keys)
    book.close()
    return names


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


# -- 总览 ---------------------------------------------------------------------------------------------
# A 标签 | B 数值/代码 | C, D 项目数 | E (gap) | F … V charts: 等级 (F4) and the scatter (N4); below them the
# rules (F21) and the execution rates (N21, or page-wide under everything when the departments are many)
WIDTHS = (36, 20, 12, 12, 2)
CHART_COL, RIGHT_COL, BAND2 = 5, 13, 20
PAGE_PX = sum(int(w * 7 + 0.5) + 5 for w in WIDTHS) + 64 * (PRINT_LAST_COL + 1 - len(WIDTHS))  # A … V in pixels
WIDE_RATES = 12  # above this many departments the execution-rate chart gets a band of its own, page-wide
ROW_PX = 20  # a default row (15 pt) in pixels


@dataclass(frozen=True)
class _Geometry:
    """Where 总览's second and third bands of charts go, and so how far the page reaches."""

    rules_height: int
    rates_at: tuple[int, int]
    rates_size: tuple[int, int]
    last_row: int
    last_col: int

    @classmethod
    def of(cls, agg: Aggregate, rules_end: int) -> _Geometry:
        n = len(rate_order(agg))
        rules_height = 70 + 28 * max(len(agg.rules), 1)
        if n <= WIDE_RATES:
            size = (560, 320)
            band = BAND2 + math.ceil(max(rules_height, size[1]) / ROW_PX) + 1
            return cls(rules_height, (BAND2, RIGHT_COL), size, max(rules_end, band), PRINT_LAST_COL)
        band = BAND2 + math.ceil(rules_height / ROW_PX) + 1
        at = (max(rules_end, band) + 1, 0)
        size = (max(PAGE_PX, 80 + 30 * n), 360)
        extra = math.ceil(max(0, size[0] - PAGE_PX) / 64)
        return cls(rules_height, at, size, at[0] + math.ceil(size[1] / ROW_PX) + 1, PRINT_LAST_COL + extra)


def _overview(book: Book, ws: Worksheet, agg: Aggregate, styles: Styles, created: dt.date,
              year: int | None) -> None:
    o = agg.overview
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, 3, f"项目支出绩效自评汇总（{year}年度）" if year else "项目支出绩效自评汇总（年度不详）",
                   styles.title)
    ws.set_row(0, 28)
    ws.merge_range(1, 0, 1, 3, unit_line(created), styles.subtitle)
    figures: list[tuple[str, Any, Format]] = [
        ("收到文件（不含跳过的临时文件）", o["files_received"], styles.big_number),
        ("　其中：通过", o["files_accepted"], styles.big_number),
        ("　　　　退回修改", o["files_returned"], styles.big_number),
        ("　　　　拒收", o["files_rejected"], styles.big_number),
        ("跳过（非提交文件）", o["files_skipped"], styles.big_number),
        *([(f"绩效自评报告（{reports_said(o)}）", o["reports"], styles.big_number)]
          if o.get("reports") else []),
        ("项目数", o["projects"], styles.big_number),
        ("主管部门数", o["departments"], styles.big_number),
        ("全年预算数合计（万元）", o["annual_budget"], styles.big_money),
        ("全年执行数合计（万元）", o["executed"], styles.big_money),
        (f"执行率（资金加权，{o['rate_projects']} 个有预算和执行数的项目）", o["rate"], styles.big_rate),
        ("自评得分平均（不含未评级项目，下同）", o["self_mean"], styles.big_score),
        ("复核得分平均", o["computed_mean"], styles.big_score),
        ("自评得分（资金加权平均）", o["self_weighted"], styles.big_score),
        ("复核得分（资金加权平均）", o["computed_weighted"], styles.big_score),
        ("未评级的项目（不计入得分平均）", o["ungraded"], styles.big_number),
        ("自评分虚高的项目（复核低于自评 0.5 分以上）", o["inflated"], styles.big_number),
        (f"年度不是 {year or '汇总年度'} 的项目（含未填年度）", o["other_year"] if year else None, styles.big_number),
    ]
    for i, (label, value, fmt) in enumerate(figures):
        ws.write_string(3 + i, 0, label, styles.label_left)
        typed_cell(ws, 3 + i, 1, value, fmt)
        ws.set_row(3 + i, 20)
    g0 = 4 + len(figures)
    ws.write_string(g0, 0, "等级", styles.header)
    ws.write_string(g0, 1, "自评（项目数）", styles.header)
    ws.write_string(g0, 2, "复核（项目数）", styles.header)
    ws.set_row(g0, 30)
    for i, grade in enumerate((*GRADES, UNGRADED)):
        ws.write_string(g0 + 1 + i, 0, grade, styles.label)
        ws.write_number(g0 + 1 + i, 1, agg.grades[grade][0], styles.integer)
        ws.write_number(g0 + 1 + i, 2, agg.grades[grade][1], styles.integer)
    r0 = g0 + 8
    _rules_table(ws, agg, styles, r0)
    where = _Geometry.of(agg, r0 + 1 + max(len(agg.rules), 1))
    # chart data that is no table of its own: beside the page, outside the print area
    helper = where.last_col + 2
    ws.write_string(0, helper, "散点图对角参考线（自评 = 复核）", styles.note)
    low = score_floor([*agg.projects["self_total"], *agg.projects["computed_total"]])
    for i, v in enumerate((low, 100)):
        ws.write_number(1 + i, helper, v, styles.note)
        ws.write_number(1 + i, helper + 1, v, styles.note)
    ws.write_string(0, helper + 3, "执行率图数据（按执行率从高到低）", styles.note)
    for i, r in enumerate(rate_order(agg).to_dict("records")):
        ws.write_string(1 + i, helper + 3, str(r["department"]), styles.note)
        ws.write_number(1 + i, helper + 4, float(r["rate"]), styles.note)
        ws.write_number(1 + i, helper + 5, LOW_EXECUTION, styles.note)
    _charts(book, ws, agg, g0, r0, low, helper, where)
    landscape(ws, footer=True)
    ws.print_area(0, 0, where.last_row, where.last_col)


def _rules_table(ws: Worksheet, agg: Aggregate, styles: Styles, r0: int) -> None:
    """问题最多的规则: the rule's Chinese title, its code, its findings and the projects they are on."""
    ws.merge_range(r0 - 1, 0, r0 - 1, 3, f"问题最多的规则（错误和警告，前 {TOP_RULES} 项）", styles.label_left)
    ws.set_row(r0 - 1, 20)
    for c, head in enumerate(("问题类别", "代码", "问题条数", "涉及项目数")):
        ws.write_string(r0, c, head, styles.header)
    ws.set_row(r0, 30)
    if not len(agg.rules):
        ws.merge_range(r0 + 1, 0, r0 + 1, 3, "无错误和警告", styles.text)
    for i, rule in enumerate(agg.rules.to_dict("records")):
        r = r0 + 1 + i
        ws.write_string(r, 0, str(rule["title"]), styles.wrap_middle)
        ws.write_string(r, 1, str(rule["code"]), styles.code)
        ws.write_number(r, 2, int(rule["findings"]), styles.integer)
        ws.write_number(r, 3, int(rule["projects"]), styles.integer)
        lines = max(text_lines(str(rule["title"]), WIDTHS[0]), text_lines(str(rule["code"]), WIDTHS[1] * CODE_SCALE))
        if lines > 1:
            ws.set_row(r, row_height(lines))


def rate_order(agg: Aggregate) -> pd.DataFrame:
    """The departments with an execution rate, highest first (ties by name): the rate chart's bars."""
    rated = agg.departments[agg.departments["rate"].notna()][["department", "rate"]]
    return rated.sort_values(["rate", "department"], ascending=[False, True], kind="stable").reset_index(drop=True)


def rate_axis_max(agg: Aggregate) -> float:
    """The rate chart's axis runs to 100%, or to the highest rate when one is above it (up to the next 10%,
    so the highest bar and its label stay inside the chart)."""
    rated = agg.departments["rate"].dropna()
    highest = float(rated.max()) if len(rated) else 0.0
    return max(1.0, math.ceil(round(highest * 10, 6)) / 10)


def _chart_style(chart: Any, title: str, x: str = "", y: str = "") -> None:
    font = {"name": FONT, "size": 10}
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 12, "bold": True}})
    chart.set_x_axis({"name": x, "name_font": font, "num_font": font})
    chart.set_y_axis({"name": y, "name_font": font, "num_font": font, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom", "font": font})


def _charts(book: Book, ws: Worksheet, agg: Aggregate, g0: int, r0: int, low: int, helper: int,
            where: _Geometry) -> None:
    font = {"name": FONT, "size": 10}
    small = {"name": FONT, "size": 9}
    grades = book.add_chart({"type": "column"})
    for col, name in ((1, "自评"), (2, "复核")):
        grades.add_series({"name": name, "categories": [OVERVIEW, g0 + 1, 0, g0 + 5, 0],
                           "values": [OVERVIEW, g0 + 1, col, g0 + 5, col], "data_labels": {"value": True}})
    _chart_style(grades, "各等级项目数（自评 vs 复核）", "等级", "项目数")
    ws.insert_chart(3, CHART_COL, grades)
    n = len(agg.projects)
    if n:
        cols = {c.key: i for i, c in enumerate(PROJECT_COLUMNS)}
        scatter = book.add_chart({"type": "scatter"})
        scatter.add_series({"name": "项目",
                            "categories": [PROJECTS, HEAD + 1, cols["self_total"], HEAD + n, cols["self_total"]],
                            "values": [PROJECTS, HEAD + 1, cols["computed_total"], HEAD + n, cols["computed_total"]],
                            "marker": {"type": "circle", "size": 6, "fill": {"color": "#C00000"},
                                       "border": {"color": "#C00000"}}})
        scatter.add_series({"name": "自评 = 复核", "categories": [OVERVIEW, 1, helper, 2, helper],
                            "values": [OVERVIEW, 1, helper + 1, 2, helper + 1], "marker": {"type": "none"},
                            "line": {"color": "#7F7F7F", "dash_type": "dash", "width": 1}})
        _chart_style(scatter, "每个项目：自评得分 vs 复核得分（虚线以下为自评偏高）", "自评得分", "复核得分")
        scatter.set_x_axis({"name": "自评得分", "min": low, "max": 100, "name_font": font, "num_font": font})
        scatter.set_y_axis({"name": "复核得分", "min": low, "max": 100, "name_font": font, "num_font": font,
                            "major_gridlines": {"visible": True}})
        ws.insert_chart(3, RIGHT_COL, scatter, {"y_scale": 1.2})
    k = len(agg.rules)
    if k:
        rules = book.add_chart({"type": "bar"})
        rules.add_series({"name": "问题条数", "categories": [OVERVIEW, r0 + 1, 0, r0 + k, 0],
                          "values": [OVERVIEW, r0 + 1, 2, r0 + k, 2], "data_labels": {"value": True, "font": small},
                          "fill": {"color": "#ED7D31"}, "gap": 60})
        _chart_style(rules, f"问题最多的规则（错误和警告，前 {TOP_RULES} 项）")
        rules.set_x_axis({"min": 0, "num_font": small, "major_gridlines": {"visible": True},
                          "num_format": "0"})
        rules.set_y_axis({"reverse": True, "crossing": "max", "num_font": font})  # counts along the bottom
        rules.set_legend({"none": True})
        rules.set_size({"width": 480, "height": where.rules_height})
        ws.insert_chart(BAND2, CHART_COL, rules)
    m = len(rate_order(agg))
    if m:
        rates = book.add_chart({"type": "column"})
        series: dict[str, Any] = {"name": "执行率（资金加权）", "categories": [OVERVIEW, 1, helper + 3, m, helper + 3],
                                  "values": [OVERVIEW, 1, helper + 4, m, helper + 4], "fill": {"color": "#5B9BD5"},
                                  "gap": 60}
        if m <= 24:  # more labels than that would overlap
            series["data_labels"] = {"value": True, "num_format": "0.0%", "font": {"name": FONT, "size": 8}}
        rates.add_series(series)
        line = book.add_chart({"type": "line"})
        line.add_series({"name": f"{LOW_EXECUTION:.0%} 参考线", "categories": [OVERVIEW, 1, helper + 3, m, helper + 3],
                         "values": [OVERVIEW, 1, helper + 5, m, helper + 5],
                         "line": {"color": "#C00000", "dash_type": "dash", "width": 1.5},
                         "marker": {"type": "dash", "size": 9, "fill": {"color": "#C00000"},
                                    "border": {"color": "#C00000"}} if m == 1 else {"type": "none"}})
        rates.combine(line)
        _chart_style(rates, "各主管部门预算执行率（资金加权，从高到低）")
        rates.set_x_axis({"num_font": {**small, "rotation": -45} if m > 6 else small})
        top = rate_axis_max(agg)
        axis: dict[str, Any] = {"min": 0, "max": top, "num_format": "0%", "num_font": small,
                                "major_gridlines": {"visible": True}}
        if top <= 1.6:  # gridlines every 20%, or every 10% when the axis ends between two of them (110%)
            axis["major_unit"] = 0.2 if round(top * 10) % 2 == 0 else 0.1
        rates.set_y_axis(axis)
        rates.set_legend({"position": "bottom", "font": small})
        rates.set_size({"width": where.rates_size[0], "height": where.rates_size[1]})
        ws.insert_chart(*where.rates_at, rates)
