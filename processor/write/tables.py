"""The table sheets' common shape, shared by the summary (processor.write.summary), 总览 (processor.write.overview)
and the department workbooks: sheet names, columns, and a table that reads like a printed statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from processor.write.styles import Styles, landscape, row_height, text_lines, typed_cell

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
