"""Stage 3: find the forms on a sheet by their labels, never by fixed cell addresses.

Forms are shifted by title rows and blank columns, stacked several to a sheet, or sit behind a
填表说明 sheet. A block starts at each 项目名称 label; inside it the funds header (全年预算数 beside
全年执行数) and the indicator header (三级指标 beside 年度指标值 and 实际完成值) are located, and their
columns mapped by label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from processor.read.grid import Grid
from processor.read.labels import field_of, inline_value

FUND_ROWS = ("fund_total", "fund_current", "fund_carryover", "fund_special", "fund_unit", "fund_local", "fund_other")
_NAME_FIELDS = ("level3", "level1", "level2")
_FORM_ENDS = {"total", "grade", "conclusion", "problems", "measures"}  # the last rows a form may have
_TABLE_FIELDS = {"level1", "level2", "level3", "target", "actual", "weight", "score", "reason", "target_op",
                 "target_unit"}


@dataclass(frozen=True)
class Label:
    field: str
    row: int
    col: int


@dataclass(frozen=True)
class Header:
    """A header row and the column of each field it names (first occurrence wins)."""

    row: int
    cols: dict[str, int]
    data_start: int


@dataclass(frozen=True)
class Block:
    """The rows of one form on a sheet, with its labels and located headers."""

    top: int
    bottom: int  # exclusive
    labels: tuple[Label, ...]
    inline: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    funds: Header | None = None
    indicators: Header | None = None

    def first(self, name: str) -> Label | None:
        return next((lb for lb in self.labels if lb.field == name), None)

    def all(self, name: str) -> list[Label]:
        return [lb for lb in self.labels if lb.field == name]


def scan_labels(grid: Grid) -> tuple[list[Label], dict[str, list[tuple[int, int, str]]]]:
    labels: list[Label] = []
    inline: dict[str, list[tuple[int, int, str]]] = {}
    covered = grid.covered  # every cell of every sheet passes here
    for r, line in enumerate(grid.rows):
        for c, cell in enumerate(line):
            if not isinstance(cell, str) or not cell:
                continue
            # whether the cell is covered by a merge is asked only of the few cells that say something: the
            # answer is the same either way, and asking it of every text cell was a tenth of this scan
            name = field_of(cell)  # grid.field(r, c), without its per-cell cache: every cell is asked once here
            if name:
                if not covered(r, c):
                    labels.append(Label(name, r, c))
            elif "项目名称" in cell or "主管部门" in cell or "实施单位" in cell or "等级" in cell:
                pair = inline_value(cell)
                if pair and not covered(r, c):
                    inline.setdefault(pair[0], []).append((r, c, pair[1]))
    return labels, inline


def find_forms(grid: Grid) -> list[Block]:
    """Every form on the sheet, top to bottom; an empty list for sheets that are not forms."""
    labels, inline = scan_labels(grid)
    if not labels and not inline:
        return []
    labels = _drop_column_titles(labels)
    starts = sorted({lb.row for lb in labels if lb.field == "project_name"}
                    | {r for r, _, _ in inline.get("project_name", [])})
    bounds: list[tuple[int, int]] = []
    if not starts:
        bounds = [(0, grid.nrows)]
    else:
        # A stacked form's title rows sit between the previous form's last rows (总分, or the 评价结论 / 存在问题 /
        # 改进措施 below it) and its 项目名称.
        totals = sorted(lb.row for lb in labels if lb.field in _FORM_ENDS)
        tops = [0]
        for prev, start in pairwise(starts):
            ends = [t for t in totals if prev < t < start]
            tops.append(ends[-1] + 1 if ends else _title_top(grid, prev, start))
        bounds = list(pairwise([*tops, grid.nrows]))
    blocks = []
    for top, bottom in bounds:
        inside = tuple(lb for lb in labels if top <= lb.row < bottom)
        block_inline = {k: v for k, vs in inline.items() for v in vs if top <= v[0] < bottom}
        block = Block(top, bottom, inside, block_inline,
                      funds=_funds_header(grid, inside), indicators=_indicator_header(grid, inside, bottom))
        if _is_form(block):
            blocks.append(block)
    return blocks


def _drop_column_titles(labels: list[Label]) -> list[Label]:
    """A 项目名称 on the funds header row titles the column of fund sources (the central system's export of
    2019 prints `项目资金（万元）| 项目名称 | 年初预算数 | …`): it starts no form and names no project."""
    rows = _rows_with(tuple(labels))
    funds_rows = {r for r, cols in rows.items() if "annual_budget" in cols and "executed" in cols}
    return [lb for lb in labels if not (lb.field == "project_name" and lb.row in funds_rows)]


def _title_top(grid: Grid, prev: int, start: int) -> int:
    """Without a 总分 row between two stacked forms, the second one's title rows are the few rows
    just above its 项目名称 that carry 自评表 or 附件."""
    titled = [r for r in range(max(prev + 1, start - 4), start)
              if any(isinstance(x, str) and ("自评表" in x or x.strip().startswith("附件")) for x in grid.rows[r])]
    return min(titled) if titled else start


def _is_form(block: Block) -> bool:
    has_name = block.first("project_name") is not None or "project_name" in block.inline
    funds = block.funds is not None and block.first("fund_total") is not None
    if has_name:
        return block.indicators is not None or funds
    return block.indicators is not None and (block.funds is not None or block.first("fund_total") is not None)


def _is_indicator_header(cols: dict[str, int]) -> bool:
    """A row names indicators and holds a target and an actual: only the 绩效指标 header does; a funds header
    (amounts) or a 申报表's 指标内容 | 指标值 (no actual) does not."""
    named = any(f in cols for f in _NAME_FIELDS)
    return named and ("target" in cols or "target_op" in cols) and "actual" in cols


def _rows_with(labels: tuple[Label, ...]) -> dict[int, dict[str, int]]:
    rows: dict[int, dict[str, int]] = {}
    for lb in labels:
        rows.setdefault(lb.row, {}).setdefault(lb.field, lb.col)
    return rows


def _funds_header(grid: Grid, labels: tuple[Label, ...]) -> Header | None:
    for row, cols in sorted(_rows_with(labels).items()):
        if "annual_budget" in cols and "executed" in cols:
            return Header(row, cols, grid.span_end(row, cols["annual_budget"])[0] + 1)
    return None


def _indicator_header(grid: Grid, labels: tuple[Label, ...], bottom: int) -> Header | None:
    rows = _rows_with(labels)
    for row, own in sorted(rows.items()):
        sub = rows.get(row + 1, {})
        cols = dict(own)
        upper = ("target" in own or "actual" in own) and not any(f in own for f in _NAME_FIELDS)
        two_rows = not _is_indicator_header(cols) and upper and _is_indicator_header({**own, **sub})
        if two_rows:
            # a two-row header: 绩效指标 | 年度指标值 | 实际完成值 … over 一级指标 | 二级指标 | 三级指标 | 指标性质 | …
            cols = {**own, **sub}
        elif not _is_indicator_header(cols):
            continue
        data_start = max(grid.span_end(row, c)[0] for f, c in cols.items() if f in _TABLE_FIELDS) + 1
        if two_rows:
            data_start = max(data_start, row + 2)  # the second row is header even where nothing is merged down
        if "target_op" in sub or "target_unit" in sub:
            # split target: 年度指标值 over 指标性质 | 指标值 | 度量单位
            for f in ("target_op", "target", "target_unit", "actual"):
                if f in sub:
                    cols[f] = sub[f]
            data_start = max(data_start, row + 2)
        if "level3" not in cols:
            # a form without a 三级 column names its indicators in the last name column it has
            cols["level3"] = cols.get("level2", cols.get("level1", 0))
        return Header(row, cols, min(data_start, bottom))
    return None
