"""总览, the summary's first sheet: the year's figures, the grades, the rules most often broken and the execution
rates, as a table on the left and charts on the right, one landscape page wide."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from processor.aggregate import GRADES, LOW_EXECUTION, TOP_RULES, UNGRADED, Aggregate, reports_said
from processor.write.book import Book
from processor.write.styles import FONT, Styles, landscape, row_height, score_floor, text_lines, typed_cell
from processor.write.tables import CODE_SCALE, HEAD, OVERVIEW, PRINT_LAST_COL, PROJECT_COLUMNS, PROJECTS, unit_line

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


def write_overview(book: Book, ws: Worksheet, agg: Aggregate, styles: Styles, created: dt.date,
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
