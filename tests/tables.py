"""The summary's tables read back: each has a title, a 单位/制表日期 line and its header above its rows, and
(项目汇总, 部门汇总) a blank row and its 合计 below them."""

from __future__ import annotations

from itertools import takewhile
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from processor.write.summary import HEAD


def table_rows(path: Path, sheet: str) -> tuple[list[Any], list[list[Any]]]:
    """The header and the rows of a table sheet of the summary (or of a department workbook)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return rows[HEAD], list(takewhile(lambda r: any(v != "" for v in r), rows[HEAD + 1:]))
