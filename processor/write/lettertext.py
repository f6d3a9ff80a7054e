"""The 审核意见 list's words and rows, shared by both ways a copy is made (processor.write.feedback with openpyxl or
xlsxwriter, processor.write.fastcopy on the package itself), so that a letter reads the same whichever wrote it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from processor.core.findings import rule_title
from processor.core.model import SEVERITY_ZH, STATUS_ZH, FileResult, Finding, Severity
from processor.write.styles import row_height, text_lines

FOLDER = LIST_SHEET = "审核意见"
AUTHOR = "绩效自评复核"
UNKNOWN_DEPARTMENT = "无法识别部门"
COLUMNS = (("级别", 6.0), ("问题类别", 16.0), ("代码", 12.0), ("工作表", 12.0), ("单元格", 8.0), ("问题", 44.0),
           ("修改建议", 36.0))
CELL_COLUMN = 4  # 0-based: 单元格, which links to the marked cell
WIDTH = sum(w for _, w in COLUMNS)
NOTE_COPY = ("本文件为审核意见副本，原文件未改动。标红的单元格为错误（须改正后重新提交），标黄的为警告（请核实），"
             "批注中是问题说明和修改建议。副本可能未保留原表中的图片、图表等对象，请在原文件上修改后重新提交。")
NOTE_FRESH = ("原文件（{fmt}）无法直接标注，原文件未改动。本工作簿为问题清单和按官方表样重新排列的自评表"
              "（标红为错误、标黄为警告，批注中是问题说明），单元格列为原文件中的位置。请在原文件上修改后重新提交。")
RENAMED = ("工作表“{old}”与另一张工作表的名称仅大小写不同（Excel 不允许），本副本中改名为“{new}”，"
           "清单中“{old}”的问题标注在该表中。")
NOTE_REPORT = ("这是绩效自评报告，原文件未改动。下列问题请在报告中修改（报告找不到对应自评表的，请同时提交该项目的自评表，"
               "并使报告标题中的项目名称与自评表一致）后重新提交。")
NOTE_REJECTED = "文件无法作为自评表读取，未能复核，原文件未改动。请按下列说明处理后重新提交。"
QUOTE = str.maketrans({"'": "''"})  # a quote inside a quoted sheet name is doubled
_A1 = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")


def cell_ref(f: Finding) -> str:
    return ref if _A1.fullmatch(ref := f.cell.replace("$", "").strip().upper()) else ""


def head_lines(result: FileResult, created: dt.date, note: str) -> list[tuple[str, str]]:
    """The sheet's head: (style, text) — what file, what status, how many problems, which projects."""
    counts = "，".join(f"{SEVERITY_ZH[s]} {sum(f.severity is s for f in result.findings)} 条" for s in Severity)
    out = [("title", "项目支出绩效自评表审核意见"), ("info", f"文件：{Path(result.path).name}　状态："
           f"{STATUS_ZH[result.status]}　问题：{counts}　复核日期：{created.isoformat()}")]
    out += [("info", f"工作表 {p.sheet}：{p.name or '（无项目名称）'}　自评 {num_text(p.self_total)} 分，"
                     f"复核 {num_text(p.computed_total)} 分（{p.computed_grade or '—'}）") for p in result.projects]
    return [*out, ("note", note)]


def num_text(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def list_rows(result: FileResult) -> list[tuple[Finding, tuple[str, ...], float]]:
    """The list's rows, errors first: (finding, 级别 … 修改建议, row height)."""
    rows: list[tuple[Finding, tuple[str, ...], float]] = []
    for f in sorted(result.findings, key=lambda f: list(Severity).index(f.severity)):
        values = (SEVERITY_ZH[f.severity], rule_title(f.code), f.code, f.sheet or "—", f.cell or "—", f.message,
                  f.hint)
        rows.append((f, values, row_height(max(text_lines(v, w) for v, (_, w) in zip(values, COLUMNS, strict=True)))))
    return rows
