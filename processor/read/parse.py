"""Stage 4: read a located form's values into a Project, collecting findings as it goes.

The parser reports what the department wrote and computes only what the form itself defines as a
formula (执行率, the budget 得分, 总分, the total of the funds' parts) when a program saved the file
without cached results. Judging the values is the review engine's job (processor/review/checks.py).
"""

from __future__ import annotations

import re

from processor.core.grades import grade_for
from processor.core.model import Funds, Indicator, Project
from processor.read.context import FormContext
from processor.read.funds import parse_funds
from processor.read.grid import Grid, a1
from processor.read.labels import grade_of_word, squash
from processor.read.locate import Block, Label
from processor.read.table import parse_indicators
from processor.read.values import ErrorValue, Unreadable, cell_text, is_blank, parse_number

# 51000021R000000019951-工资性支出: a budget system's code is mostly digits, starts with one, and is long
_CODE_NAME = re.compile(r"^\s*([0-9][0-9A-Za-z]{11,31})(?:\s*[-－—–_]\s*|\s+)(\S.*)$", re.S)
_TITLE_YEAR = re.compile(r"(20\d{2})\s*年度")
_ANY_YEAR = re.compile(r"(20\d{2})\s*年")
_FILE_YEAR = re.compile(r"(?<![\dA-Za-z])(20\d{2})(?![\dA-Za-z])")  # not central2020.xlsx


def split_code(name: str) -> tuple[str, str]:
    """`51000021R000000019951-工资性支出` → (code, name): budget systems print the project code before the name,
    and a project is the same one across years by its code, whatever its name became."""
    m = _CODE_NAME.match(name)
    if not m or sum(ch.isdigit() for ch in m.group(1)) < 0.8 * len(m.group(1)):
        return "", name
    return m.group(1), m.group(2).strip()


class FormParser(FormContext):
    """Parses one block; `findings` collects everything noticed on the way."""

    def __init__(self, grid: Grid, block: Block, file_name: str) -> None:
        super().__init__(grid, block, file_name)

    def parse(self) -> Project:
        name, name_cell = self.header_value("project_name")
        code, name = split_code(name)
        department, dep_cell = self.header_value("department")
        unit, unit_cell = self.header_value("unit")
        self.cells.update(name=name_cell, department=dep_cell, unit=unit_cell)
        if not name:
            self.note("missing-project-name", name_cell or self.form_cell())
        if not department:
            self.note("missing-department", dep_cell or self.form_cell())
        funds = parse_funds(self)
        groups, indicators = parse_indicators(self)
        self.check_scores(indicators)
        weight_total, self_total, declared = self.parse_total(indicators, funds)
        expected, achieved = self.parse_goals()
        points = self.points(indicators, funds)
        if self.block.indicators is not None and not indicators:
            self.note("no-indicators", a1(self.block.indicators.data_start, self.block.indicators.cols["level3"]))
            self_total = None  # a blank export's 总分 of 0 is no score
        return Project(
            sheet=self.grid.name, year=self.parse_year(), name=name, department=department, unit=unit,
            profile="", funds=funds, indicators=tuple(indicators), self_total=self_total,
            self_grade=grade_for(self_total) if indicators else None, declared_grade=declared,
            goal_expected=expected, goal_actual=achieved, groups=tuple(groups), weight_total=weight_total,
            cells=dict(self.cells), code=code, points=points, conclusion=self.text_block("conclusion"),
            problems=self.text_block("problems"), measures=self.text_block("measures"),
        )

    def total_label(self) -> Label | None:
        """The 总分 (or 合计) row: the first one below the indicator header, since a funds block may end in a
        合计 row of its own."""
        header = self.block.indicators
        return next((lb for lb in self.block.all("total") if header is None or lb.row > header.row), None)

    def points(self, indicators: list[Indicator], funds: Funds) -> str:
        """What the form prints of the rulebook's points: 分值 and 得分, 得分 only (湖北), or neither (转移支付).
        A form without weights is read as printed; the info finding says what cannot be recomputed."""
        if not indicators or any(i.weight is not None for i in indicators):
            return "weights"
        header = self.block.indicators
        cols = header.cols if header else {}
        if "weight" in cols:
            return "weights"  # the column is there, only blank: that is missing-score / weights findings' business
        where = a1(header.row, cols.get("score", cols["level3"])) if header else self.form_cell()  # where 分值 would be
        if "score" in cols or self.total_label() is not None:
            self.note("weights-not-printed", where,
                      detail="只列得分、未列分值（权重）：各指标得分无法按规则复核，只复核预算执行率得分，"
                             "复核总分 = 自评总分按复核后的预算执行率得分修正")
            return "scores"
        self.note("weights-not-printed", where,
                  detail="未列分值和得分：只检查指标完成情况、偏差原因和预算执行率，不计算总分、不评定等级")
        return "none"

    def text_block(self, name: str) -> str:
        """评价结论 / 存在问题 / 改进措施 as written, for the report drafted from the form and for history. Only the
        text right of the label: what is below it is the form's next line (项目负责人：…), never its text."""
        label = self.block.first(name)
        if label is None:
            return ""
        pos = self.grid.right_of(label.row, label.col)
        if pos is None:
            return ""
        self.cells[name] = a1(*pos)
        return cell_text(self.grid.get(*pos)).strip()

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
        return cell_text(self.grid.get(*pos)).strip(), a1(*pos)

    def parse_year(self) -> int | None:
        """The evaluated year: a title's 20XX年度, else a 自评表 title's 20XX年, else sheet or file name.

        A 填报日期 above the form names the year of filing, not the year evaluated, so bare dates
        elsewhere in the title rows are not used.
        """
        first = self.block.first("project_name")
        stop = first.row if first else self.block.top + 3
        titles = [squash(text) for r in range(self.block.top, max(stop, self.block.top))
                  for text in self.grid.row_texts(r)]
        for pattern, cells in ((_TITLE_YEAR, titles), (_ANY_YEAR, [t for t in titles if "自评" in t])):
            for text in cells:
                if m := pattern.search(text):
                    return int(m.group(1))
        for text in (self.grid.name, self.file_name):
            if m := _FILE_YEAR.search(text):
                return int(m.group(1))
        self.note("year-missing")
        return None

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
                self.cells[key] = a1(r_end + 1, lb.col) if same_row else a1(*self.grid.next_cell(lb.row, lb.col))
                out.append("")
                continue
            self.cells[key] = a1(*pos)
            out.append(cell_text(self.grid.get(*pos)).strip())
        return out[0], out[1]

    def check_scores(self, indicators: list[Indicator]) -> None:
        for ind in indicators:
            if ind.weight is not None and ind.self_score is None and "score" in ind.cells:
                cell = ind.cells["score"]
                if not self.unreadable_at(cell):
                    self.note("missing-score", cell, name=ind.name or ind.raw_name or f"第{ind.row}行指标",
                              weight=f"{ind.weight:g}")


    # -- 总分 / 等级 ------------------------------------------------------------------------------------
    def parse_total(self, indicators: list[Indicator], funds: Funds) -> tuple[float | None, float | None, str | None]:
        declared: str | None = None
        if "grade" in self.block.inline:
            r, c, declared = self.block.inline["grade"]
            self.cells["grade"] = a1(r, c)
        for lb in self.block.all("grade"):
            pos = self.grid.right_of(lb.row, lb.col)
            self.cells["grade"] = a1(*(pos or self.grid.next_cell(lb.row, lb.col)))
            if pos:
                declared = cell_text(self.grid.get(*pos)).strip() or declared
        label = self.total_label()
        if label is None:
            return None, None, declared
        cols = self.block.indicators.cols if self.block.indicators else {}
        r = label.row
        _, c_end = self.grid.span_end(r, label.col)
        numbers: list[tuple[int, int, float]] = []  # (first col, last col, value) of each number's merge
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
            except ErrorValue as exc:  # a 总分 formula's error: said at its cell, the total computed below
                self.note("cell-error", (r, c), field="总分", value=str(exc))
                continue
            except Unreadable:
                continue
            if v is not None:
                numbers.append((c, self.grid.span_end(r, c)[1], round(v, 8)))  # no formula float noise
        weight_total = score_total = None
        for c0, c1, v in numbers:
            if c0 <= cols.get("weight", -1) <= c1:
                weight_total = v
            elif c0 <= cols.get("score", -1) <= c1:
                score_total, self.cells["total"] = v, a1(r, c0)
        if weight_total is None and score_total is None and numbers:
            if len(numbers) >= 2:
                weight_total = numbers[0][2]
            score_total, self.cells["total"] = numbers[-1][2], a1(r, numbers[-1][0])
        if score_total is None:
            self.cells["total"] = a1(r, cols.get("score", c_end + 1))
            scores = [i.self_score for i in indicators]
            if scores and all(s is not None for s in scores):
                score_total = round(sum(s for s in scores if s is not None) + (funds.self_score or 0.0), 2)
                self.note("value-computed", self.cells["total"], field="总分", value=f"{score_total:g}")
        return weight_total, score_total, declared
