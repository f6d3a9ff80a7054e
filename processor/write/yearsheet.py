"""历年对比: each project of the evaluated year beside its earlier years, with a sparkline of its 复核分 (issue 19).

A reviewer asks of a recurring project whether the score rose while the money went unspent; a row with the years
side by side answers that at a glance, and the sparkline shows the trend before any figure is read. The sheet
exists only when some project has history, so a batch without it gives the same workbook as before.

Layout: title (row 1), 单位/制表日期 (row 2), two header rows — the years over their groups (row 3), the
fields (row 4: frozen, filtered, repeated on every printed page) — and one row per project in 项目汇总 order:
A 序号 (the project's 序号 in 项目汇总) | B 主管部门 | C 项目名称 | per year, oldest first: 全年预算数, 全年执行数,
执行率, 自评分, 复核分, 复核等级 | the 复核分 sparkline | 查看 (the project's sheet). The sparkline's data sits to
the right, outside the print area but inside the filter, so sorting keeps each row's data beside its sparkline:
a sparkline needs its values in adjacent cells, and the year groups are not.

The sparklines are columns, not lines: LibreOffice (7.4) draws a line sparkline as a few specks, columns as Excel
does. 复核分, not 自评分: our re-score applies one rule to every year, so a change in it is the project's, not the
clerk's. This year's column is darker.

A project's own sheet says its 上年 in one line below its header (previous_line, used by processor.write.projectsheet).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from processor.aggregate import UNGRADED
from processor.core.model import Project, Report, YearFigures
from processor.review.scoring import execution_rate
from processor.write.styles import Styles, landscape, row_height, score_floor, text_lines, typed_cell

YEARS = "历年对比"
HEAD = 2  # the years' row; the fields' row is below it (as in every table sheet, the header starts on row 3)
FIELDS = (("全年预算数", "money", 11.0), ("全年执行数", "money", 11.0), ("执行率", "rate", 8.0),
          ("自评分", "score", 8.0), ("复核分", "score", 8.0), ("复核等级", "text", 6.0))
LEAD = (("序号", 6.0), ("主管部门", 14.0), ("项目名称", 24.0))
SPARK_WIDTH, LINK_WIDTH, DATA_WIDTH = 16.0, 6.0, 8.0
SPARK_ROW = 24.0  # points: a row tall enough for its sparkline columns to differ visibly


@dataclass(frozen=True)
class YearRow:
    """One project of 历年对比: its row in 项目汇总 (for 序号 and the link to its sheet) and its figures by year."""

    row: int
    department: str
    name: str
    years: dict[int, YearFigures]


def this_year(p: Project, path: str) -> YearFigures:
    """The project's own year as the earlier ones are given, so every year's group is filled the same way."""
    funds = p.funds
    return YearFigures(year=p.year, file=path, sheet=p.sheet, name=p.name, matched_by="",
                       annual_budget=funds.annual_budget, executed=funds.executed,
                       rate=execution_rate(funds.annual_budget, funds.executed), self_total=p.self_total,
                       computed_total=p.computed_total, self_grade=p.self_grade, computed_grade=p.computed_grade)


def year_rows(report: Report, projects: pd.DataFrame, year: int | None) -> list[YearRow]:
    """The projects of the evaluated `year` (every year when it is not known) that have history, in 项目汇总 order.

    A straggler of another year stays out: its earlier years are not this summary's. An earlier year without a year
    (None) has no column to go in and is left out too."""
    index_of = {f.path: i for i, f in enumerate(report.files)}
    rows: list[YearRow] = []
    for k, r in enumerate(projects.to_dict("records")):
        path = str(r["path"])
        p = report.files[index_of[path]].projects[int(r["index"])]
        if not p.history or (year is not None and p.year != year) or p.year is None:
            continue
        years: dict[int, YearFigures] = {}
        for h in p.history:
            if h.year is not None and h.year < p.year:
                years.setdefault(h.year, h)
        if years:
            years[p.year] = this_year(p, path)
            rows.append(YearRow(k, str(r["department"]), str(r["name"]), years))
    return rows


MATCHED_ZH = {"code": "按项目编码对应", "name": "按项目名称对应", "table": "按对照表对应"}


def previous_line(p: Project) -> str:
    """上年 in one sentence: what a reviewer would otherwise look up in last year's file, and which file that is, so a
    wrong match shows (how it was matched, and last year's name where it differs); "" without a 上年."""
    prev = p.previous
    if prev is None:
        return ""

    def money(v: float | None) -> str:
        return "未填" if v is None else f"{v:,.2f} 万元"

    def score(v: float | None, grade: str | None) -> str:
        return "未填" if v is None else f"{v:.2f} 分" + (f"（{grade}）" if grade else "")

    rate = prev.rate
    figures = (f"全年预算数 {money(prev.annual_budget)}，全年执行数 {money(prev.executed)}，"
               f"执行率 {'未填' if rate is None else f'{rate:.1%}'}，自评 {score(prev.self_total, prev.self_grade)}，"
               f"复核 {score(prev.computed_total, prev.computed_grade)}")
    file = re.split(r"[\\/]", prev.file)[-1] or prev.file  # its own name: the folder it lay in says little
    where = f"来自 {file}" + (f" / 工作表 {prev.sheet}" if prev.sheet else "")
    source = "，".join(x for x in (where, MATCHED_ZH.get(prev.matched_by, prev.matched_by),
                                  f"上年名称 {prev.name}" if prev.name and prev.name != p.name else "") if x)
    return f"{prev.year}年度：{figures}（{source}）"


def _value(h: YearFigures | None, field: str) -> float | str | None:
    if h is None:
        return None
    if field == "执行率":
        return h.rate
    if field == "复核等级":
        return h.computed_grade or UNGRADED
    return {"全年预算数": h.annual_budget, "全年执行数": h.executed, "自评分": h.self_total,
            "复核分": h.computed_total}[field]


def write_years(ws: Worksheet, rows: Sequence[YearRow], styles: Styles, *, title: str, unit: str,
                link: Callable[[int], str | None]) -> None:
    """Fill 历年对比 from `rows` (year_rows); `link(row of 项目汇总)` opens the project's sheet."""
    years = sorted({y for row in rows for y in row.years})
    kinds = {"money": styles.money, "rate": styles.rate, "score": styles.score, "text": styles.text}
    first = len(LEAD)
    spark = first + len(FIELDS) * len(years)
    link_col, data = spark + 1, spark + 2
    last_data = data + len(years) - 1
    fields = HEAD + 1
    for c, (head, width) in enumerate(LEAD):
        ws.set_column(c, c, width)
        ws.write_blank(HEAD, c, None, styles.header)
        ws.write_string(fields, c, head, styles.header)
    for k, y in enumerate(years):
        c0 = first + k * len(FIELDS)
        ws.merge_range(HEAD, c0, HEAD, c0 + len(FIELDS) - 1, f"{y}年度", styles.header)
        for j, (head, _, width) in enumerate(FIELDS):
            ws.set_column(c0 + j, c0 + j, width)
            ws.write_string(fields, c0 + j, head, styles.header)
    span = f"{years[0]}–{years[-1]}年度" if len(years) > 1 else f"{years[0]}年度"
    ws.set_column(spark, spark, SPARK_WIDTH)
    ws.write_string(HEAD, spark, span, styles.header)
    floor = score_floor([h.computed_total for row in rows for h in row.years.values()])
    ws.write_string(fields, spark, f"复核分走势\n（{floor}–100 分）", styles.header)
    ws.set_column(link_col, link_col, LINK_WIDTH)
    ws.write_blank(HEAD, link_col, None, styles.header)
    ws.write_string(fields, link_col, "查看", styles.header)
    ws.set_column(data, last_data, DATA_WIDTH)
    if len(years) > 1:
        ws.merge_range(HEAD, data, HEAD, last_data, "走势图数据（复核分，不打印）", styles.note)
    else:
        ws.write_string(HEAD, data, "走势图数据（复核分，不打印）", styles.note)
    for k, y in enumerate(years):
        ws.write_string(fields, data + k, str(y), styles.note)
    ws.merge_range(0, 0, 0, link_col, title, styles.title)
    ws.set_row(0, 28)
    ws.write_string(1, 0, unit, styles.unit_line)
    ws.set_row(HEAD, 20)
    ws.set_row(fields, 30)
    locations, ranges = [], []
    for i, row in enumerate(rows):
        r = fields + 1 + i
        ws.set_row(r, max(SPARK_ROW, row_height(max(text_lines(row.name, LEAD[2][1]),
                                                    text_lines(row.department, LEAD[1][1])))))
        ws.write_number(r, 0, row.row + 1, styles.integer)
        ws.write_string(r, 1, row.department, styles.wrap_middle)
        ws.write_string(r, 2, row.name, styles.wrap_middle)
        for k, y in enumerate(years):
            h = row.years.get(y)
            for j, (head, kind, _) in enumerate(FIELDS):
                typed_cell(ws, r, first + k * len(FIELDS) + j, _value(h, head), kinds[kind])
            typed_cell(ws, r, data + k, None if h is None else h.computed_total, styles.note)
        ws.write_blank(r, spark, None, styles.text)
        target = link(row.row)
        if target:
            ws.write_url(r, link_col, target, styles.link, string="查看")
        else:
            ws.write_blank(r, link_col, None, styles.text)
        locations.append(xl_rowcol_to_cell(r, spark))
        ranges.append(f"{xl_rowcol_to_cell(r, data)}:{xl_rowcol_to_cell(r, last_data)}")
    if rows:  # one group on one scale: a tall step is a big change in every row, not a small one magnified
        ws.add_sparkline(fields + 1, spark, {"location": locations, "range": ranges, "type": "column",
                                             "min": floor, "max": 100, "series_color": "#5B9BD5",
                                             "last_point": True, "last_color": "#2F5597"})
    end = fields + max(len(rows), 1)
    ws.freeze_panes(fields + 1, first)
    ws.autofilter(fields, 0, end, last_data)
    landscape(ws, (HEAD, fields), footer=True)
    ws.print_area(0, 0, end, link_col)
