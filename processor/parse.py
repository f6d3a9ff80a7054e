"""Stage 4: read a located form's values into a Project, collecting findings as it goes.

The parser reports what the department wrote and computes only what the form itself defines as a
formula (执行率, the budget 得分, 总分) when a program saved the file without cached results. Judging
the values is the review engine's job.
"""

from __future__ import annotations

import re

from processor.findings import finding
from processor.grades import grade_for
from processor.grid import Grid, a1
from processor.labels import clean_group_name, declared_weight, grade_of_word, squash
from processor.locate import FUND_ROWS, Block, Header
from processor.model import EMPTY_VALUE, Finding, FundRow, Funds, Group, Indicator, Project, Value
from processor.values import Unreadable, cell_text, is_blank, parse_number, parse_rate, parse_value, reconcile_percent

_PLACEHOLDER = re.compile(r"^(指标\d*[:：]?|…+|\.{3,}|—+|-+|/)$")
_NAME_PREFIX = re.compile(r"^(?:指标[\d０-９]+|[\d０-９]+)[:：、.．]")
_KEY_MARK = re.compile(r"[★☆※*]")
_YEAR = re.compile(r"(20\d{2})\s*年")
_FILE_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
FIELD_NAMES = {
    "initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
    "weight": "分值", "rate": "执行率", "score": "得分",
}


class FormParser:
    """Parses one block; `findings` collects everything noticed on the way."""

    def __init__(self, grid: Grid, block: Block, file_name: str) -> None:
        self.grid = grid
        self.block = block
        self.file_name = file_name
        self.findings: list[Finding] = []
        self.cells: dict[str, str] = {}

    # -- helpers ----------------------------------------------------------------------------------
    def note(self, code: str, row: int = -1, col: int = -1, **kw: object) -> None:
        cell = a1(row, col) if row >= 0 and col >= 0 else ""
        self.findings.append(finding(code, sheet=self.grid.name, cell=cell, **kw))

    def number(self, row: int, col: int, label: str) -> float | None:
        try:
            return parse_number(self.grid.get(row, col))
        except Unreadable as exc:
            self.note("number-unreadable", row, col, field=label, value=str(exc))
            return None

    def header_value(self, name: str) -> tuple[str, str]:
        """(value, A1 of the value or of where it belongs) for 项目名称, 主管部门, 实施单位."""
        if name in self.block.inline:
            r, c, text = self.block.inline[name]
            return text, a1(r, c)
        label = self.block.first(name)
        if label is None:
            return "", ""
        pos = self.grid.right_of(label.row, label.col)
        if pos is None:
            return "", a1(*self.grid.next_cell(label.row, label.col))
        return (cell_text(self.grid.get(*pos))).strip(), a1(*pos)

    # -- the form ---------------------------------------------------------------------------------
    def parse(self) -> Project:
        name, name_cell = self.header_value("project_name")
        department, dep_cell = self.header_value("department")
        unit, unit_cell = self.header_value("unit")
        self.cells.update(name=name_cell, department=dep_cell, unit=unit_cell)
        if not name:
            self.note_at("missing-project-name", name_cell or self._label_cell("project_name"))
        if not department:
            self.note_at("missing-department", dep_cell or self._label_cell("department") or name_cell)
        funds = self.parse_funds()
        groups, indicators = self.parse_indicators()
        weight_total, self_total, declared = self.parse_total(indicators, funds)
        expected, achieved = self.parse_goals()
        return Project(
            sheet=self.grid.name, year=self.parse_year(), name=name, department=department, unit=unit,
            profile="", funds=funds, indicators=tuple(indicators), self_total=self_total,
            self_grade=grade_for(self_total), declared_grade=declared, goal_expected=expected, goal_actual=achieved,
            groups=tuple(groups), weight_total=weight_total, cells=dict(self.cells),
        )

    def note_at(self, code: str, cell: str, **kw: object) -> None:
        self.findings.append(finding(code, sheet=self.grid.name, cell=cell, **kw))

    def _label_cell(self, name: str) -> str:
        label = self.block.first(name)
        return a1(label.row, label.col) if label else ""

    def parse_year(self) -> int | None:
        first = self.block.first("project_name")
        stop = first.row if first else self.block.top + 3
        for r in range(self.block.top, max(stop, self.block.top)):
            for c in range(len(self.grid.rows[r])):
                m = _YEAR.search(squash(self.grid.text(r, c)))
                if m:
                    return int(m.group(1))
        for text in (self.grid.name, self.file_name):
            m = _FILE_YEAR.search(text)
            if m:
                return int(m.group(1))
        self.note("year-missing")
        return None

    # -- 项目资金 ------------------------------------------------------------------------------------
    def money_unit(self, header: Header) -> str:
        texts = [squash(self.grid.text(header.row, c)) for c in range(len(self.grid.rows[header.row]))]
        label = self.block.first("funds")
        if label:
            texts.append(squash(self.grid.text(label.row, label.col)))
        for r in range(self.block.top, header.row):
            texts.extend(squash(self.grid.text(r, c)) for c in range(len(self.grid.rows[r])))
        joined = " ".join(t for t in texts if t and len(t) < 40)
        if "万元" in joined:
            return "万元"
        return "元" if re.search(r"\(元\)|单位:元|\b元\b", joined) else "万元"

    def parse_funds(self) -> Funds:
        header = self.block.funds
        if header is None or self.block.first("fund_total") is None:
            where = self._label_cell("funds") or self.cells.get("name", "")
            self.note_at("missing-funds-row", where)
            return Funds(None, None, None, None, None, None)
        unit = self.money_unit(header)
        scale = 1 / 10000 if unit == "元" else 1.0
        cols = header.cols
        first_money = min(cols.get(f, 10**6) for f in ("initial_budget", "annual_budget", "executed"))
        rows: dict[str, FundRow] = {}
        extra: dict[str, tuple[float | None, float | None, float | None]] = {}
        for lb in self.block.labels:
            if lb.field not in FUND_ROWS or lb.row <= header.row or lb.col >= first_money or lb.field in rows:
                continue
            r = lb.row
            cells = {f: a1(r, c) for f, c in cols.items() if f in FIELD_NAMES}
            amounts = []
            for f in ("initial_budget", "annual_budget", "executed"):
                v = self.number(r, cols[f], FIELD_NAMES[f]) if f in cols else None
                amounts.append(None if v is None else v * scale)
            rows[lb.field] = FundRow(lb.field.removeprefix("fund_"), cell_text(self.grid.get(lb.row, lb.col)), r + 1,
                                     amounts[0], amounts[1], amounts[2], cells)
            if lb.field == "fund_total":
                extra["total"] = (
                    self.number(r, cols["weight"], "分值") if "weight" in cols else None,
                    self._rate(r, cols),
                    self.number(r, cols["score"], "得分") if "score" in cols else None,
                )
        total = rows["fund_total"]
        weight, rate, score = extra["total"]
        if scale != 1.0 and total.annual_budget is not None:
            raw = total.annual_budget / scale
            self.note_at("money-unit-converted", total.cells.get("annual_budget", ""),
                         value=f"{raw:,.2f}", converted=f"{total.annual_budget:,.4f}")
        for f in ("annual_budget", "executed"):
            if getattr(total, f) is None:
                self.note_at("missing-funds-value", total.cells.get(f, a1(total.row - 1, 0)), field=FIELD_NAMES[f])
        if rate is None and total.annual_budget and total.executed is not None and "rate" in cols:
            rate = total.executed / total.annual_budget
            self.note_at("value-computed", total.cells["rate"], field="执行率", value=f"{rate:.2%}")
        if score is None and weight is not None and rate is not None and "score" in cols:
            score = round(min(rate, 1.0) * weight, 2)
            self.note_at("value-computed", total.cells["score"], field="预算执行率得分", value=f"{score:g}")
        return Funds(
            initial_budget=total.initial_budget, annual_budget=total.annual_budget, executed=total.executed,
            execution_rate=rate, weight=weight, self_score=score, money_unit="万元", row=total.row,
            cells=total.cells, parts=tuple(rows[k] for k in FUND_ROWS if k in rows and k != "fund_total"),
        )

    def _rate(self, row: int, cols: dict[str, int]) -> float | None:
        if "rate" not in cols:
            return None
        try:
            return parse_rate(self.grid.get(row, cols["rate"]))
        except Unreadable as exc:
            self.note("number-unreadable", row, cols["rate"], field="执行率", value=str(exc))
            return None

    # -- 年度总体目标 -----------------------------------------------------------------------------------
    def parse_goals(self) -> tuple[str, str]:
        out = []
        exp, act = self.block.first("goal_expected"), self.block.first("goal_actual")
        same_row = exp is not None and act is not None and exp.row == act.row
        for lb, key in ((exp, "goal_expected"), (act, "goal_actual")):
            if lb is None:
                out.append("")
                continue
            order = (self.grid.below, self.grid.right_of) if same_row else (self.grid.right_of, self.grid.below)
            pos = order[0](lb.row, lb.col) or order[1](lb.row, lb.col)
            if pos is None:  # blank: point at the cell where the text belongs
                r_end, _ = self.grid.span_end(lb.row, lb.col)
                pos_empty = (r_end + 1, lb.col) if same_row else self.grid.next_cell(lb.row, lb.col)
                self.cells[key] = a1(*pos_empty)
                out.append("")
                continue
            self.cells[key] = a1(*pos)
            out.append(cell_text(self.grid.get(*pos)).strip())
        return out[0], out[1]

    # -- 绩效指标 ---------------------------------------------------------------------------------------
    def parse_indicators(self) -> tuple[list[Group], list[Indicator]]:
        header = self.block.indicators
        if header is None:
            self.note_at("missing-indicator-table", self._label_cell("indicators") or self.cells.get("name", ""))
            return [], []
        cols = header.cols
        groups: dict[tuple[int, int], Group] = {}
        out: list[Indicator] = []
        level1 = level2 = ""
        stops = {"total", "grade", "project_name", "funds", "fund_total", "goals"}
        for r in range(header.data_start, self.block.bottom):
            if any(lb.row == r and lb.field in stops for lb in self.block.labels):
                break
            l1 = self._group(r, cols.get("level1"), 1, "", groups)
            if l1 and l1 != level1:
                level1, level2 = l1, ""
            level2 = self._group(r, cols.get("level2"), 2, level1, groups) or level2
            ind = self._indicator(r, cols, level1, level2)
            if ind is not None:
                out.append(ind)
        return list(groups.values()), out

    def _group(self, row: int, col: int | None, level: int, parent: str,
               groups: dict[tuple[int, int], Group]) -> str:
        if col is None:
            return ""
        cell = self.grid.get(row, col)
        if is_blank(cell) or not isinstance(cell, str):
            return ""
        anchor = self.grid.anchor(row, col)
        name = clean_group_name(cell)
        if anchor not in groups:
            groups[anchor] = Group(level, name, parent if level == 2 else "", declared_weight(cell), a1(*anchor))
        return name

    def _indicator(self, r: int, cols: dict[str, int], level1: str, level2: str) -> Indicator | None:
        g = self.grid
        raw_name = cell_text(g.raw(r, cols["level3"])) if cols["level3"] not in (
            cols.get("level1"), cols.get("level2")) else ""
        target = self._target(r, cols)
        actual = parse_value(g.get(r, cols["actual"])) if "actual" in cols else EMPTY_VALUE
        weight_cell = g.get(r, cols["weight"]) if "weight" in cols else ""
        score_cell = g.get(r, cols["score"]) if "score" in cols else ""
        values_blank = (target == EMPTY_VALUE and actual == EMPTY_VALUE
                        and is_blank(weight_cell) and is_blank(score_cell))
        flat = squash(raw_name)
        if values_blank:
            if flat and _PLACEHOLDER.match(flat):
                self.note("placeholder-row-skipped", r, cols["level3"], value=raw_name)
            return None
        if flat and _PLACEHOLDER.match(flat):
            raw_name_clean = ""
        else:
            raw_name_clean = _NAME_PREFIX.sub("", re.sub(r"\s+", "", _KEY_MARK.sub("", raw_name)))
        target, actual = reconcile_percent(target, actual)
        cells = {f: a1(r, c) for f, c in cols.items() if f in ("level3", "target", "actual", "weight", "score",
                                                                  "reason")}
        cells["name"] = cells.pop("level3")
        return Indicator(
            level1=level1, level2=level2, name=raw_name_clean, raw_name=raw_name, row=r + 1,
            target=target, actual=actual,
            weight=self.number(r, cols["weight"], "分值") if "weight" in cols else None,
            self_score=self.number(r, cols["score"], "得分") if "score" in cols else None,
            reason=(cell_text(g.raw(r, cols["reason"]))).strip() if "reason" in cols else "",
            key_indicator=bool(_KEY_MARK.search(raw_name)), cells=cells,
        )

    def _target(self, r: int, cols: dict[str, int]) -> Value:
        if "target_op" not in cols and "target_unit" not in cols:
            return parse_value(self.grid.get(r, cols["target"])) if "target" in cols else EMPTY_VALUE
        parts = [cell_text(self.grid.get(r, cols[f])) for f in ("target_op", "target", "target_unit") if f in cols]
        return parse_value("".join(p for p in parts if p))

    # -- 总分 / 等级 ------------------------------------------------------------------------------------
    def parse_total(self, indicators: list[Indicator], funds: Funds) -> tuple[float | None, float | None, str | None]:
        declared: str | None = None
        for lb in self.block.all("grade"):
            pos = self.grid.right_of(lb.row, lb.col)
            if pos:
                word = cell_text(self.grid.get(*pos)).strip()
                declared = word or declared
                self.cells["grade"] = a1(*pos)
        label = self.block.first("total")
        if label is None:
            return None, None, declared
        cols = self.block.indicators.cols if self.block.indicators else {}
        r = label.row
        _, c_end = self.grid.span_end(r, label.col)
        numbers: list[tuple[int, float]] = []
        for c in range(c_end + 1, len(self.grid.rows[r])):
            cell = self.grid.raw(r, c)
            if self.grid.covered(r, c) or is_blank(cell):
                continue
            if isinstance(cell, str) and grade_of_word(cell):
                declared = declared or cell.strip()
                self.cells.setdefault("grade", a1(r, c))
                continue
            try:
                v = parse_number(cell)
            except Unreadable:
                continue
            if v is not None:
                numbers.append((c, v))
        weight_total = score_total = None
        for c, v in numbers:
            if c == cols.get("weight"):
                weight_total = v
            elif c == cols.get("score"):
                score_total, self.cells["total"] = v, a1(r, c)
        if weight_total is None and score_total is None and numbers:
            if len(numbers) >= 2:
                weight_total = numbers[0][1]
            score_total, self.cells["total"] = numbers[-1][1], a1(r, numbers[-1][0])
        if score_total is None:
            target_col = cols.get("score", c_end + 1)
            self.cells["total"] = a1(r, target_col)
            scores = [i.self_score for i in indicators]
            if scores and all(s is not None for s in scores):
                score_total = round(sum(s for s in scores if s is not None) + (funds.self_score or 0.0), 2)
                self.note_at("value-computed", self.cells["total"], field="总分", value=f"{score_total:g}")
        return weight_total, score_total, declared
