"""The 绩效指标 table: one Indicator per 三级指标 row, 一级/二级 carried down over merges and blanks.

The table ends at 总分, at another section's label, or at a row that is plainly not an indicator (a
full-width merged note, 填表人/说明/备注 lines, the title of a form stacked below).
"""

from __future__ import annotations

import re

from processor.core.model import EMPTY_VALUE, Group, Indicator, Value, ValueKind
from processor.read.context import FormContext
from processor.read.grid import a1
from processor.read.labels import declared_weight, label_key, memo_short, nfkc, squash
from processor.read.locate import Header
from processor.read.values import cell_text, is_blank, parse_value, reconcile_percent

_FILLER_MARKS = {"…", "……", "...", "......", "/", "—", "——", "-", "--", "无"}
_PLACEHOLDER = re.compile(r"^(指标[\d０-９]*[:：]?)?(…+|\.{3,}|—+|-+|/)?$")
_NAME_PREFIX = re.compile(r"^(?:指标[\d０-９]+[:：、.．]?|[\d０-９]+[:：、.．])")  # 指标1：… 指标1… 1、…
_KEY_MARK = re.compile(r"[★☆※*]")
# 项目负责人 and 财务负责人 end the table only as signature labels (项目负责人：), not as the start of a reason
# (项目负责人调动，验收推迟) or of an indicator's name (项目负责人到岗率)
_END_WORDS = re.compile(r"^(填表人|填报人|审核人|负责人|(?:项目|财务)负责人(?:[:：]|$)|联系电话|联系人|填报日期|填表日期|说明|备注|"
                        r"注[:：]|单位负责人)")
_STOPS = {"total", "grade", "project_name", "funds", "fund_total", "goals", "conclusion", "problems", "measures"}
_VALUE_FIELDS = ("target", "actual", "weight", "score")
_CELL_FIELDS = (*_VALUE_FIELDS, "reason")
_SPACES = re.compile(r"\s+")
_NO_FIELDS: frozenset[str] = frozenset()
# what _row_text says of a text cell
_EMPTY_TEXT, _TEXT, _END_TEXT = 0, 1, 2


def _blankish(cell: object) -> bool:
    return _blankish_text(cell) if isinstance(cell, str) else cell is None


@memo_short
def _blankish_text(text: str) -> bool:
    """_blankish of a text (blank, or only a filler mark such as …… or /), memoised: it is asked of every value
    cell of every indicator row."""
    return is_blank(text) or squash(text) in _FILLER_MARKS


@memo_short
def _name_parts(raw_name: str) -> tuple[str, str, bool]:
    """A 三级指标 cell's text squashed (empty for no name), its indicator name (empty for a template's
    placeholder such as 指标1：or ……; without ★ marks, spaces and 1、 numbering) and whether it is marked as
    a key indicator. Memoised: the same names recur on form after form."""
    flat = squash(raw_name)
    placeholder = bool(flat) and bool(_PLACEHOLDER.match(flat))
    name = "" if placeholder else _NAME_PREFIX.sub("", _SPACES.sub("", _KEY_MARK.sub("", raw_name)))
    return flat, name, bool(_KEY_MARK.search(raw_name))


@memo_short
def _row_text(text: str) -> int:
    """What one text cell says about the end of the table: nothing at all (blank once squashed), an
    ordinary text, or a line that ends it (填表人/说明/备注…, or a stacked form's 自评表 title).
    Memoised: _ends_table asks this of every text cell of every indicator row, and they repeat."""
    flat = squash(text)
    if not flat:
        return _EMPTY_TEXT
    return _END_TEXT if _END_WORDS.match(flat) or "自评表" in flat else _TEXT


class TableParser:
    def __init__(self, ctx: FormContext, header: Header) -> None:
        self.ctx = ctx
        self.g = ctx.grid
        self.cols = header.cols
        self.header = header
        self.groups: dict[tuple[int, int], Group] = {}
        label_rows: dict[int, set[str]] = {}
        for lb in ctx.block.labels:
            label_rows.setdefault(lb.row, set()).add(lb.field)
        self.label_rows = label_rows
        # fixed for the whole table, worked out once rather than on each of its rows: the value columns a
        # full-width note spans, the cells read and the A1 names kept per row
        cols = self.cols
        value_cols = [cols[f] for f in (*_VALUE_FIELDS, "level3") if f in cols]
        self.note_lo, self.note_hi = min(value_cols), max(value_cols)
        self.name_col = cols["level3"]
        self.own_name = self.name_col not in (cols.get("level1"), cols.get("level2"))
        self.read_cols = [(f, cols[f]) for f in _VALUE_FIELDS if f in cols]
        if "target_op" in cols:
            self.read_cols.append(("target_op", cols["target_op"]))
        self.cell_cols = [*((f, c) for f, c in cols.items() if f in _CELL_FIELDS), ("name", self.name_col)]
        self.weight_col, self.score_col, self.reason_col = cols.get("weight"), cols.get("score"), cols.get("reason")

    def parse(self) -> tuple[list[Group], list[Indicator]]:
        out: list[Indicator] = []
        level1 = level2 = ""
        for r in range(self.header.data_start, self.ctx.block.bottom):
            if self._ends_table(r):
                break
            l1 = self._group(r, self.cols.get("level1"), 1, "")
            if l1 and l1 != level1:
                level1, level2 = l1, ""
            level2 = self._group(r, self.cols.get("level2"), 2, level1) or level2
            ind = self._indicator(r, level1, level2)
            if ind is not None:
                out.append(ind)
        return list(self.groups.values()), out

    def _ends_table(self, r: int) -> bool:
        if not self.label_rows.get(r, _NO_FIELDS).isdisjoint(_STOPS):
            return True
        texts: list[int] = []
        for c, x in enumerate(self.g.rows[r]):
            if isinstance(x, str) and x:
                seen = _row_text(x)
                if seen == _END_TEXT:
                    return True
                if seen == _TEXT:
                    texts.append(c)
        if not texts:
            return False
        lo, hi = self.note_lo, self.note_hi
        # one merged cell across the whole table is a note, not an indicator. A cell outside every merged range
        # spans its own column only, which cannot reach from lo to hi unless they are one column: only the
        # merged ones are asked their span
        merged = self.g.merged() if lo < hi else None
        col_span = self.g.col_span
        for c in texts:
            if merged is not None and (r, c) not in merged:
                continue
            c0, c1 = col_span(r, c)
            if c0 <= lo and c1 >= hi:
                return True
        return False

    def _group(self, row: int, col: int | None, level: int, parent: str) -> str:
        if col is None:
            return ""
        cell = self.g.get(row, col)
        if is_blank(cell) or not isinstance(cell, str):
            return ""
        anchor = self.g.anchor(row, col)
        name = label_key(cell)
        if anchor not in self.groups:
            self.groups[anchor] = Group(level, name, parent if level == 2 else "", declared_weight(cell), a1(*anchor))
        return name

    def _indicator(self, r: int, level1: str, level2: str) -> Indicator | None:
        g = self.g
        raw_name = cell_text(g.raw(r, self.name_col)) if self.own_name else ""
        cells_raw = {f: g.get(r, c) for f, c in self.read_cols}
        flat, name, key_indicator = _name_parts(raw_name)
        for v in cells_raw.values():
            if not _blankish(v):
                break
        else:
            if flat:  # a template row nobody filled in (指标1：, ……, or a name with no values)
                self.ctx.note("placeholder-row-skipped", (r, self.name_col), value=raw_name)
            return None
        target, actual = reconcile_percent(self._target(r), parse_value(cells_raw.get("actual", "")))
        return Indicator(
            level1=level1, level2=level2, name=name, raw_name=raw_name, row=r + 1, target=target, actual=actual,
            weight=self.ctx.number(r, self.weight_col, "分值") if self.weight_col is not None else None,
            self_score=self.ctx.number(r, self.score_col, "得分") if self.score_col is not None else None,
            reason=cell_text(g.raw(r, self.reason_col)).strip() if self.reason_col is not None else "",
            key_indicator=key_indicator, cells={f: a1(r, c) for f, c in self.cell_cols},
        )

    def _target(self, r: int) -> Value:
        cols = self.cols
        if "target_op" not in cols and "target_unit" not in cols:
            return parse_value(self.g.get(r, cols["target"])) if "target" in cols else EMPTY_VALUE
        op = cell_text(self.g.get(r, cols["target_op"])) if "target_op" in cols else ""
        number = self.g.get(r, cols["target"]) if "target" in cols else ""
        unit = nfkc(cell_text(self.g.get(r, cols["target_unit"]))).strip() if "target_unit" in cols else ""
        if unit == "%" and isinstance(number, float) and 0 < number <= 1.5:
            number = round(number * 100, 10)  # a %-formatted 95% cell reaches us as 0.95
        joined = "".join(p for p in (op, cell_text(number), unit) if p)
        value = parse_value(joined)
        if value.kind is ValueKind.EMPTY:
            return EMPTY_VALUE
        return value


def parse_indicators(ctx: FormContext) -> tuple[list[Group], list[Indicator]]:
    header = ctx.block.indicators
    if header is None:
        ctx.note("missing-indicator-table", ctx.label_cell("indicators") or ctx.form_cell())
        return [], []
    return TableParser(ctx, header).parse()
