"""Stage 7: write the consolidated 汇总表 with xlsxwriter (sheets 总览 … 目录, then one sheet per project).

Every text is written as a string (never a formula: departments' text may start with = + - @), every
workbook gets a pinned creation date, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from processor.aggregate import GRADES, INFLATION, LOW_EXECUTION, UNGRADED, Aggregate
from processor.core.model import FileResult, Report, Severity, Status
from processor.write.book import Book, open_book
from processor.write.projectsheet import write_project_sheets
from processor.write.sheetnames import internal_link, unique_names
from processor.write.styles import FONT, Styles, landscape, make_styles, row_height, text_lines

OVERVIEW, PROJECTS, DEPARTMENTS, FINDINGS, RETURNS, CONTENTS = "总览", "项目汇总", "部门汇总", "问题清单", "退回与拒收", "目录"
FIXED = (OVERVIEW, PROJECTS, DEPARTMENTS, FINDINGS, RETURNS, CONTENTS)
HELPER_COL = 22  # 总览 column W: chart helper data, right of the printed page


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str  # text | money | rate | score | int | link
    width: float


def _cell(ws: Worksheet, r: int, c: int, value: Any, fmt: Format) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def table(ws: Worksheet, frame: pd.DataFrame, columns: list[Column], styles: Styles, *, first_row: int = 0,
           link: Callable[[int], str | None] | None = None, print_cols: int | None = None) -> None:
    """A header row, one row per frame row, frozen header, autofilter; prints the first `print_cols` columns."""
    kinds = {"text": styles.text, "money": styles.money, "rate": styles.rate, "score": styles.score,
             "int": styles.integer, "wrap": styles.wrap, "link": styles.link}
    for c, col in enumerate(columns):
        ws.write_string(first_row, c, col.header, styles.header)
        ws.set_column(c, c, col.width)
    for i, values in enumerate(frame.to_dict("records")):
        r = first_row + 1 + i
        lines = max((text_lines(str(values.get(col.key) or ""), col.width) for col in columns if col.kind == "wrap"),
                    default=1)
        if lines > 1:
            ws.set_row(r, row_height(lines))
        for c, col in enumerate(columns):
            if col.kind == "link":
                target = link(i) if link else None
                if target:
                    ws.write_url(r, c, target, styles.link, string=col.header)
                else:
                    ws.write_blank(r, c, None, styles.text)
                continue
            _cell(ws, r, c, values.get(col.key), kinds[col.kind])
    ws.set_row(first_row, 30)
    ws.freeze_panes(first_row + 1, 0)
    ws.autofilter(first_row, 0, first_row + max(len(frame), 1), len(columns) - 1)
    landscape(ws, (first_row, first_row))
    if print_cols is not None:
        ws.print_area(first_row, 0, first_row + max(len(frame), 1), print_cols - 1)


PROJECT_COLUMNS = [
    Column("序号", "seq", "int", 6), Column("主管部门", "department", "text", 16), Column("实施单位", "unit", "text", 14),
    Column("项目名称", "name", "wrap", 28), Column("年度", "year", "int", 7),
    Column("年初预算数（万元）", "initial_budget", "money", 12), Column("全年预算数（万元）", "annual_budget", "money", 12),
    Column("全年执行数（万元）", "executed", "money", 12), Column("执行率", "rate", "rate", 9),
    Column("自评得分", "self_total", "score", 9), Column("复核得分", "computed_total", "score", 9),
    Column("差异（复核−自评）", "diff", "score", 10), Column("自评等级", "self_grade", "text", 8),
    Column("复核等级", "computed_grade", "text", 8), Column("错误", "errors", "int", 6),
    Column("警告", "warnings", "int", 6), Column("状态", "status", "wrap", 12), Column("版本", "version", "int", 6),
    Column("提交日期", "received", "text", 11), Column("评分规则", "profile", "text", 12),
    Column("表样", "layout", "text", 10),
    Column("来源文件", "path", "text", 30), Column("来源工作表", "sheet", "text", 12), Column("查看", "", "link", 8),
]
DEPARTMENT_COLUMNS = [
    Column("主管部门", "department", "text", 18), Column("项目数", "projects", "int", 7),
    Column("年初预算数（万元）", "initial_budget", "money", 13), Column("全年预算数（万元）", "annual_budget", "money", 13),
    Column("全年执行数（万元）", "executed", "money", 13), Column("执行率（资金加权）", "rate", "rate", 11),
    Column("自评得分平均", "self_mean", "score", 10), Column("复核得分平均", "computed_mean", "score", 10),
    Column("自评得分（资金加权）", "self_weighted", "score", 11), Column("复核得分（资金加权）", "computed_weighted", "score", 11),
    *[Column(f"复核{g}", f"grade_{g}", "int", 7) for g in (*GRADES, UNGRADED)],
    Column("错误", "errors", "int", 7), Column("警告", "warnings", "int", 7),
]
FINDING_COLUMNS = [
    Column("级别", "severity_zh", "text", 7), Column("代码", "code", "text", 22), Column("主管部门", "department", "text", 14),
    Column("项目名称", "name", "wrap", 24), Column("来源文件", "path", "text", 28), Column("工作表", "sheet", "text", 10),
    Column("单元格", "cell", "text", 7), Column("问题", "message", "wrap", 48), Column("修改建议", "hint", "wrap", 40),
    Column("查看", "", "link", 8),
]
CONTENT_COLUMNS = [
    Column("工作表", "sheet_name", "text", 34), Column("主管部门", "department", "text", 16),
    Column("项目名称", "name", "wrap", 36), Column("自评得分", "self_total", "score", 9),
    Column("复核得分", "computed_total", "score", 9), Column("复核等级", "computed_grade", "text", 8),
    Column("查看", "", "link", 8),
]
BOOK_COLUMNS = [Column("分部门工作簿", "file", "text", 40), Column("主管部门", "department", "text", 24),
                Column("项目数", "projects", "int", 8), Column("查看", "", "link", 8)]
RETURN_COLUMNS = [
    Column("来源文件", "path", "text", 34), Column("状态", "status_zh", "text", 9), Column("主管部门", "departments", "text", 16),
    Column("项目数", "projects", "int", 7), Column("错误数", "errors", "int", 7), Column("原因", "reasons", "wrap", 80),
]


def project_sheet_names(agg: Aggregate) -> list[str]:
    """One sheet name per project in 项目汇总 order: the same whether the summary is one workbook or split."""
    return unique_names([f"P{i + 1:03d} {n}" for i, n in enumerate(agg.projects["name"])], set(FIXED))


def write_summary(report: Report, agg: Aggregate, path: Path, *, created: dt.date, year: int | None,
                  full: Callable[[int], FileResult] | None = None,
                  links: Callable[[int], str] | None = None,
                  books: list[tuple[str, str, int, str]] | None = None) -> list[str]:
    """Write the workbook; returns the project sheet names in 项目汇总 order.

    `full` gives a file's full result by its index in the report when the report holds thin ones
    (processor.core.spool). With `links` (项目汇总 row → hyperlink) the project sheets live in other workbooks
    (processor.write.deptbooks) and this one holds the tables only; 目录 then lists those workbooks (`books`:
    file name, 主管部门, number of projects, link) instead of 20,000 project rows a second time.
    """
    names = project_sheet_names(agg)
    book = open_book(path, created, sheets=len(FIXED) + (0 if links else len(names)))
    styles = make_styles(book)
    link_of = links or (lambda i: internal_link(names[i]))
    keys = [(str(r["path"]), int(r["index"])) for r in agg.projects.to_dict("records")]
    row_of = {key: i for i, key in enumerate(keys)}
    sheets = {name: book.add_worksheet(name) for name in FIXED}
    _overview(book, sheets[OVERVIEW], agg, styles, created, year)
    projects = agg.projects.assign(seq=range(1, len(agg.projects) + 1))
    # on paper: 序号 … 状态; the source columns and links stay on screen
    table(sheets[PROJECTS], projects, PROJECT_COLUMNS, styles, link=link_of,
           print_cols=next(i for i, c in enumerate(PROJECT_COLUMNS) if c.key == "status") + 1)
    highlight_projects(sheets[PROJECTS], len(projects), styles)
    table(sheets[DEPARTMENTS], agg.departments, DEPARTMENT_COLUMNS, styles)
    owners = [(str(r["path"]), None if pd.isna(r["index"]) else int(r["index"]))
              for r in agg.findings.to_dict("records")]

    def finding_link(i: int) -> str | None:
        row = row_of.get(owners[i]) if owners[i][1] is not None else None  # type: ignore[arg-type]
        return None if row is None else link_of(row)

    table(sheets[FINDINGS], agg.findings, FINDING_COLUMNS, styles, link=finding_link)
    table(sheets[RETURNS], _returns(report, agg), RETURN_COLUMNS, styles)
    if books is not None:  # split: the department workbooks, not every project a second time
        frame = pd.DataFrame(books, columns=["file", "department", "projects", "url"])
        table(sheets[CONTENTS], frame, BOOK_COLUMNS, styles, link=lambda i: books[i][3])
    else:
        table(sheets[CONTENTS], agg.projects.assign(sheet_name=names), CONTENT_COLUMNS, styles, link=link_of)
    if links is None:
        index_of = {f.path: i for i, f in enumerate(report.files)}
        sheets_ = [(name, index_of[path_], index) for name, (path_, index) in zip(names, keys, strict=True)]
        write_project_sheets(book, sheets_,
                             full or (lambda i: report.files[i]), styles, back=PROJECTS)
    book.close()
    return names


def highlight_projects(ws: Worksheet, n: int, styles: Styles) -> None:
    """自评分虚高, low execution and errors stand out; blank cells (no budget, no score) never do."""
    if not n:
        return
    col = {c.key: i for i, c in enumerate(PROJECT_COLUMNS)}
    rules = (("diff", f"<{INFLATION}", styles.flag_error), ("rate", f"<{LOW_EXECUTION}", styles.flag_warning),
             ("errors", ">0", styles.flag_error))
    for key, test, fmt in rules:
        c = col[key]
        first = f"{xl_col_to_name(c)}2"
        ws.conditional_format(1, c, n, c, {"type": "formula", "criteria": f"=AND(ISNUMBER({first}),{first}{test})",
                                           "format": fmt})


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


def _overview(book: Book, ws: Worksheet, agg: Aggregate, styles: Styles, created: dt.date,
              year: int | None) -> None:
    o = agg.overview
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 14)
    ws.set_column(3, 3, 2)
    ws.merge_range(0, 0, 0, 3, f"项目支出绩效自评汇总（{year}年度）" if year else "项目支出绩效自评汇总（年度不详）",
                   styles.title)
    ws.merge_range(1, 0, 1, 3, f"生成日期：{created.isoformat()}　金额单位：万元", styles.subtitle)
    figures: list[tuple[str, Any, Format]] = [
        ("收到文件（不含跳过的临时文件）", o["files_received"], styles.big_number),
        ("　其中：通过", o["files_accepted"], styles.big_number),
        ("　　　　退回修改", o["files_returned"], styles.big_number),
        ("　　　　拒收", o["files_rejected"], styles.big_number),
        ("跳过（非提交文件）", o["files_skipped"], styles.big_number),
        ("项目数", o["projects"], styles.big_number),
        ("主管部门数", o["departments"], styles.big_number),
        ("全年预算数合计（万元）", o["annual_budget"], styles.big_money),
        ("全年执行数合计（万元）", o["executed"], styles.big_money),
        (f"执行率（资金加权，{o['rate_projects']} 个有预算和执行数的项目）", o["rate"], styles.big_rate),
        ("自评得分平均（不含未评级项目，下同）", o["self_mean"], styles.big_money),
        ("复核得分平均", o["computed_mean"], styles.big_money),
        ("自评得分（资金加权平均）", o["self_weighted"], styles.big_money),
        ("复核得分（资金加权平均）", o["computed_weighted"], styles.big_money),
        ("未评级的项目（不计入得分平均）", o["ungraded"], styles.big_number),
        ("自评分虚高的项目（复核低于自评 0.5 分以上）", o["inflated"], styles.big_number),
        (f"年度不是 {year or '汇总年度'} 的项目（含未填年度）", o["other_year"] if year else None, styles.big_number),
    ]
    for i, (label, value, fmt) in enumerate(figures):
        ws.write_string(3 + i, 0, label, styles.label_left)
        _cell(ws, 3 + i, 1, value, fmt)
        ws.set_row(3 + i, 20)
    g0 = 4 + len(figures)
    ws.write_string(g0, 0, "等级", styles.header)
    ws.write_string(g0, 1, "自评（项目数）", styles.header)
    ws.write_string(g0, 2, "复核（项目数）", styles.header)
    for i, grade in enumerate((*GRADES, UNGRADED)):
        ws.write_string(g0 + 1 + i, 0, grade, styles.label)
        ws.write_number(g0 + 1 + i, 1, agg.grades[grade][0], styles.integer)
        ws.write_number(g0 + 1 + i, 2, agg.grades[grade][1], styles.integer)
    # the scatter's diagonal needs two points in cells: beside the page, outside the print area
    ws.write_string(0, HELPER_COL, "散点图对角参考线（自评 = 复核）", styles.note)
    low = _score_floor(agg)
    for i, v in enumerate((low, 100)):
        ws.write_number(1 + i, HELPER_COL, v, styles.note)
        ws.write_number(1 + i, HELPER_COL + 1, v, styles.note)
    _charts(book, ws, agg, g0, low)
    landscape(ws)
    chart_rows = 21 + (40 + 24 * len(agg.departments)) // 20 + 2  # the department chart grows with departments
    ws.print_area(0, 0, max(g0 + 7, chart_rows, 40), HELPER_COL - 2)


def _score_floor(agg: Aggregate) -> int:
    """The scatter's lower axis bound: 50 unless some project scored lower."""
    scores = pd.concat([agg.projects["self_total"], agg.projects["computed_total"]]).dropna()
    lowest = float(scores.min()) if len(scores) else 50.0
    return max(0, min(50, int(lowest // 10 * 10)))


def _chart_style(chart: Any, title: str, x: str = "", y: str = "") -> None:
    font = {"name": FONT, "size": 10}
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 12, "bold": True}})
    chart.set_x_axis({"name": x, "name_font": font, "num_font": font})
    chart.set_y_axis({"name": y, "name_font": font, "num_font": font, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom", "font": font})


def _charts(book: Book, ws: Worksheet, agg: Aggregate, g0: int, low: int) -> None:
    grades = book.add_chart({"type": "column"})
    for col, name in ((1, "自评"), (2, "复核")):
        grades.add_series({"name": name, "categories": [OVERVIEW, g0 + 1, 0, g0 + 5, 0],
                           "values": [OVERVIEW, g0 + 1, col, g0 + 5, col], "data_labels": {"value": True}})
    _chart_style(grades, "各等级项目数（自评 vs 复核）", "等级", "项目数")
    ws.insert_chart(3, 4, grades)
    n_dept = len(agg.departments)
    if n_dept:
        rate_col = next(i for i, c in enumerate(DEPARTMENT_COLUMNS) if c.key == "rate")
        rates = book.add_chart({"type": "bar"})
        rates.add_series({"name": "执行率", "categories": [DEPARTMENTS, 1, 0, n_dept, 0],
                          "values": [DEPARTMENTS, 1, rate_col, n_dept, rate_col], "data_labels": {"value": True},
                          "fill": {"color": "#5B9BD5"}})
        _chart_style(rates, "各主管部门预算执行率（资金加权）", "", "")
        rates.set_x_axis({"num_format": "0%", "min": 0, "num_font": {"name": FONT, "size": 9}})
        rates.set_y_axis({"reverse": True, "num_font": {"name": FONT, "size": 9}})
        rates.set_legend({"none": True})
        rates.set_size({"width": 540, "height": max(240, 40 + 24 * n_dept)})
        ws.insert_chart(20, 4, rates)
    n = len(agg.projects)
    if n:
        cols = {c.key: i for i, c in enumerate(PROJECT_COLUMNS)}
        scatter = book.add_chart({"type": "scatter"})
        scatter.add_series({"name": "项目", "categories": [PROJECTS, 1, cols["self_total"], n, cols["self_total"]],
                            "values": [PROJECTS, 1, cols["computed_total"], n, cols["computed_total"]],
                            "marker": {"type": "circle", "size": 6, "fill": {"color": "#C00000"},
                                       "border": {"color": "#C00000"}}})
        scatter.add_series({"name": "自评 = 复核", "categories": [OVERVIEW, 1, HELPER_COL, 2, HELPER_COL],
                            "values": [OVERVIEW, 1, HELPER_COL + 1, 2, HELPER_COL + 1], "marker": {"type": "none"},
                            "line": {"color": "#7F7F7F", "dash_type": "dash", "width": 1}})
        _chart_style(scatter, "每个项目：自评得分 vs 复核得分（虚线以下为自评偏高）", "自评得分", "复核得分")
        font = {"name": FONT, "size": 10}
        scatter.set_x_axis({"name": "自评得分", "min": low, "max": 100, "name_font": font, "num_font": font})
        scatter.set_y_axis({"name": "复核得分", "min": low, "max": 100, "name_font": font, "num_font": font,
                            "major_gridlines": {"visible": True}})
        ws.insert_chart(3, 12, scatter, {"y_scale": 1.2})
