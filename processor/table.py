"""The 绩效指标 table: one Indicator per 三级指标 row, 一级/二级 carried down over merges and blanks.

The table ends at 总分, at another section's label, or at a row that is plainly not an indicator (a
full-width merged note, 填表人/说明/备注 lines, the title of a form stacked below).
"""

from __future__ import annotations

import re

from processor.context import FormContext
from processor.grid import a1
from processor.labels import declared_weight, label_key, nfkc, squash
from processor.locate import Header
from processor.model import EMPTY_VALUE, Group, Indicator, Value, ValueKind
from processor.values import cell_text, is_blank, parse_value, reconcile_percent

_FILLER_MARKS = {"…", "……", "...", "......", "/", "—", "——", "-", "--", "无"}
_PLACEHOLDER = re.compile(r"^(指标[\d０-９]*[:：]?)?(…+|\.{3,}|—+|-+|/)?$")
_NAME_PREFIX = re.compile(r"^(?:指标[\d０-９]+|[\d０-９]+)[:：、.．]")
_KEY_MARK = re.compile(r"[★☆※*]")
_END_WORDS = re.compile(r"^(填表人|填报人|审核人|负责人|联系电话|联系人|填报日期|填表日期|说明|备注|注[:：]|单位负责人)")
_STOPS = {"total", "grade", "project_name", "funds", "fund_total", "goals"}
_VALUE_FIELDS = ("target", "actual", "weight", "score")


def _blankish(cell: object) -> bool:
    return is_blank(cell) or (isinstance(cell, str) and squash(cell) in _FILLER_MARKS)


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
        if self.label_rows.get(r, set()) & _STOPS:
            return True
        line = self.g.rows[r]
        texts = [(c, squash(x)) for c, x in enumerate(line) if isinstance(x, str) and squash(x)]
        if any(_END_WORDS.match(t) or "自评表" in t for _, t in texts):
            return True
        value_cols = [self.cols[f] for f in (*_VALUE_FIELDS, "level3") if f in self.cols]
        for c, _ in texts:  # one merged cell across the whole table is a note, not an indicator
            r0, c0 = self.g.anchor(r, c)
            _, c1 = self.g.span_end(r0, c0)
            if c0 <= min(value_cols) and c1 >= max(value_cols):
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
        g, cols = self.g, self.cols
        own_name = cols["level3"] not in (cols.get("level1"), cols.get("level2"))
        raw_name = cell_text(g.raw(r, cols["level3"])) if own_name else ""
        cells_raw = {f: g.get(r, cols[f]) for f in _VALUE_FIELDS if f in cols}
        flat = squash(raw_name)
        placeholder = bool(flat) and bool(_PLACEHOLDER.match(flat))
        if "target_op" in cols:
            cells_raw["target_op"] = g.get(r, cols["target_op"])
        if all(_blankish(v) for v in cells_raw.values()):
            if flat:  # a template row nobody filled in (指标1：, ……, or a name with no values)
                self.ctx.note("placeholder-row-skipped", (r, cols["level3"]), value=raw_name)
            return None
        name = "" if placeholder else _NAME_PREFIX.sub("", re.sub(r"\s+", "", _KEY_MARK.sub("", raw_name)))
        target, actual = reconcile_percent(self._target(r), parse_value(cells_raw.get("actual", "")))
        cells = {f: a1(r, c) for f, c in cols.items() if f in (*_VALUE_FIELDS, "reason")}
        cells["name"] = a1(r, cols["level3"])
        return Indicator(
            level1=level1, level2=level2, name=name, raw_name=raw_name, row=r + 1, target=target, actual=actual,
            weight=self.ctx.number(r, cols["weight"], "分值") if "weight" in cols else None,
            self_score=self.ctx.number(r, cols["score"], "得分") if "score" in cols else None,
            reason=cell_text(g.raw(r, cols["reason"])).strip() if "reason" in cols else "",
            key_indicator=bool(_KEY_MARK.search(raw_name)), cells=cells,
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
