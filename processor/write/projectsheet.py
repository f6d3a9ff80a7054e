"""One project's 自评表 re-laid in the summary workbook: the official form, self and 复核 scores side by side.

A reviewer checks a department's form against the paper it was typed on, so the sheet keeps the form's
labels and order (项目名称 … 项目资金 … 年度总体目标 … 绩效指标 … 总分) and adds the recomputed columns next
to the department's own. Every cell a finding points at in the department's file is coloured here
(red error, amber warning) and carries the finding as a comment, so the reviewer sees the problem where
the clerk will have to fix it; the full list follows the form.

Layout: columns A 栏目 | B 一级 | C 二级 | D 三级 | E 年度指标值 | F 实际完成值 | G 分值 | H 自评得分 |
I 复核得分 | J 差异 | K 计分方法 | L 偏差原因; rows: 1 title, 2 back link and source, 3 项目名称,
4 主管部门/实施单位, 5 上年 (last year's figures, only when the project was matched with its 上年: issue 19), then
项目资金, 年度总体目标, 绩效指标, 总分, 等级, a blank row and 本表问题.

Where a department's cell lands here depends on the form (its fund parts, its indicators), so the layout
reports it: `placed` runs the layout without writing and returns each original address's cell on this
sheet, which the summary's 问题清单 links open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MethodType
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell

from processor.aggregate import UNGRADED
from processor.core.findings import note_text, rule_title
from processor.core.model import SEVERITY_ZH, STATUS_ZH, FileResult, Finding, Funds, Indicator, Project, Severity
from processor.review.profiles import shown_name
from processor.review.scoring import execution_rate
from processor.write.book import no_collection
from processor.write.sheetnames import internal_link
from processor.write.styles import Styles, landscape, make_styles, row_height, text_lines
from processor.write.yearsheet import previous_line

TITLE = "项目支出绩效自评表（复核）"
# A 栏目, B 一级, C 二级, D 三级, E 指标值, F 完成值, G 分值, H 自评, I 复核, J 差异, K 计分方法, L 原因
WIDTHS = (10.0, 10.0, 12.0, 30.0, 15.0, 15.0, 9.0, 9.0, 9.0, 10.0, 9.0, 30.0)
LAST = len(WIDTHS) - 1
COLUMNS = "ABCDEFGHIJKL"  # the sheet's column letters: an address is made for every department cell it shows
METHOD_ZH = {"positive": "正向", "reverse": "反向", "equal": "等于", "date": "时间", "qualitative": "定性",
             "unscorable": "无法复核"}
FUNDS_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率\n（自评）", "执行率\n（复核）",
                 "得分\n（自评）", "得分\n（复核）")
INDICATOR_HEADERS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "复核得分",
                     "差异\n复核−自评", "计分方法", "偏差原因分析及改进措施")

Value = str | float | None


def _key(cell: str) -> str:
    return cell.replace("$", "").strip().upper()


@dataclass(frozen=True)
class Places:
    """Where a project's re-laid sheet shows the department's cells (original address → our A1, the first
    place it is written) and the row of the first line of 本表问题 (0-based)."""

    sheet: str  # the department's sheet the project was read from
    cells: dict[str, str]
    first_finding: int

    def cell(self, sheet: str, cell: str) -> str | None:
        """Our A1 for the department's `sheet`!`cell`, or None where the form has no place for it."""
        if not cell or sheet not in ("", self.sheet):
            return None
        return self.cells.get(_key(cell))

    def target(self, sheet: str, cell: str, k: int) -> str:
        """Where a reader lands for the k-th finding of the project (FileResult.findings_of order), found on
        the department's `sheet`!`cell`: that cell on the form, else the finding's own line in 本表问题."""
        return self.cell(sheet, cell) or xl_rowcol_to_cell(self.first_finding + k, 0)

    def finding(self, f: Finding, k: int) -> str:
        return self.target(f.sheet, f.cell, k)


def _unwrapped(ws: Any, name: str) -> Callable[..., Any]:
    """`ws.name` without xlsxwriter's A1-notation wrapper (functools.wraps keeps the method under it as
    `__wrapped__`): we always pass row and column numbers, and the wrapper's check was a fifth of the cost of
    a cell. The wrapped method itself is the public one (same arguments, same checks); anything else
    (another library version, the dry run's sheet) gets `ws.name` as it is."""
    inner = getattr(getattr(type(ws), name, None), "__wrapped__", None)
    return MethodType(inner, ws) if callable(inner) else getattr(ws, name)


class _Nowhere:
    """A worksheet that keeps nothing: `placed` runs the layout for its addresses only."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


# kinds whose format shows on an empty cell (a fill); any other empty cell shows only the border, which the
# sheet's grid rule draws (_grid), so it is not written at all
_FILLED = frozenset({"header", "label", "error", "warning"})


@dataclass
class _Writer:
    """Writes typed cells (never `ws.write`: a department's "=…" must stay text) and marks the findings.

    Row heights are computed here because neither Excel nor LibreOffice grows a row for wrapped text
    in a merged cell, and the form is mostly merged cells.

    An empty cell whose format would only draw its border is not written, nor are the cells a merged range
    covers: the form's borders come from one conditional format over its rows (_grid). They were nearly 40%
    of a project sheet's cells, and writing the sheets was most of a `--no-feedback` run (issue 20). An empty
    cell with a fill (a header, a label, a finding's mark) is written, so its merged range shows the fill.
    With `dry`, only the places are worked out (`placed`): no format, height or comment.
    """

    ws: Any
    styles: Styles
    marks: dict[str, list[Finding]]
    dry: bool = False
    heights: dict[int, float] = field(default_factory=dict)
    plain: dict[str, Format] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    write_string: Callable[..., Any] = field(init=False)
    write_number: Callable[..., Any] = field(init=False)
    write_blank: Callable[..., Any] = field(init=False)
    merge_range: Callable[..., Any] = field(init=False)

    def __post_init__(self) -> None:
        self.write_string, self.write_number, self.write_blank, self.merge_range = (
            _unwrapped(self.ws, name) for name in ("write_string", "write_number", "write_blank", "merge_range"))
        s = self.styles
        self.plain = {"text": s.text, "wrap": s.wrap_middle, "label": s.label, "header": s.header, "note": s.note,
                      "money": s.money, "rate": s.rate, "score": s.score, "error": s.error, "warning": s.warning,
                      "code": s.code}

    def _format(self, kind: str, found: list[Finding]) -> Format:
        s = self.styles
        if not found or kind in ("header", "note", "error", "warning", "code"):
            return self.plain[kind]
        error = any(f.severity is Severity.ERROR for f in found)
        if kind == "money":
            return s.error_money if error else s.warning_money
        if kind == "rate":
            return s.error_rate if error else s.warning_rate
        if kind == "score":
            return s.error_score if error else s.warning_score
        return s.error if error else s.warning

    def put(self, row: int, col: int, value: Value, kind: str = "text", *, to: tuple[int, int] | None = None,
            orig: str = "") -> None:
        """One cell, or the merged range row:col → to; `orig` is the department's cell it re-lays.

        Called some 280 times a sheet, so the common case (no finding, one row) takes the short way."""
        found: list[Finding] = []
        if orig:
            key = _key(orig)
            if key not in self.places:
                self.places[key] = f"{COLUMNS[col]}{row + 1}"
            if self.marks:
                found = self.marks.get(key, [])
        if self.dry:
            return
        if to is None or to == (row, col):
            width = WIDTHS[col]
        else:  # no format: xlsxwriter then writes none of the covered cells (the grid rule borders them)
            self.merge_range(row, col, to[0], to[1], "", None)
            width = sum(WIDTHS[col:to[1] + 1]) if to[0] == row else 0.0
        fmt = self._format(kind, found) if found else self.plain[kind]
        if value is None or value == "":
            if found or kind in _FILLED:
                self.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            self.write_string(row, col, value, fmt)
            if width and (lines := text_lines(value, width)) > 1:
                self.heights[row] = max(self.heights.get(row, 0.0), row_height(lines))
        else:
            self.write_number(row, col, value, fmt)
        if found:  # worded as the 审核意见 copies word it (processor.core.findings.note_text)
            text = "\n\n".join(note_text(f) for f in found)
            lines = text_lines(text, 42)
            self.ws.write_comment(row, col, text, {"author": "复核", "width": 330, "height": 18 * lines + 12})

    def finish(self) -> None:
        for row in sorted(self.heights):
            self.ws.set_row(row, self.heights[row])


def _marks(p: Project, findings: list[Finding]) -> dict[str, list[Finding]]:
    """Findings to show on the form, by the department's cell: errors and warnings only (info is a note)."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        if f.cell and f.severity is not Severity.INFO and f.sheet in ("", p.sheet):
            out.setdefault(_key(f.cell), []).append(f)
    return out


def _rate(funds: Funds) -> float | None:
    return execution_rate(funds.annual_budget, funds.executed)


def _diff(computed: float | None, declared: float | None) -> float | None:
    return None if computed is None or declared is None else round(computed - declared, 2)  # scores: 2 decimals, as they are made


def _head(w: _Writer, p: Project, result: FileResult, back: str, back_cell: str, index: int) -> None:
    s = w.styles
    # borderless merges (title, source note): the covered cells need no format of their own, and without
    # one xlsxwriter writes nothing for them; the first cell's format is the merged cell's
    w.ws.merge_range(0, 0, 0, LAST, "", None)
    if p.year:
        w.ws.write_rich_string(0, 0, s.title, TITLE, s.subtitle, f"（{p.year}年度）", s.title)
    else:
        w.ws.write_string(0, 0, TITLE, s.title)
    w.ws.set_row(0, 28)
    w.ws.merge_range(1, 0, 1, 1, "", s.link)
    w.ws.write_url(1, 0, internal_link(back, back_cell), s.link, string=f"← 返回{back}")
    # the project's own status (a clean project of a returned file is accepted), and the profile's Chinese name
    status = STATUS_ZH[result.project_status(index)]
    source = f"来源：{result.path} / 工作表 {p.sheet} / 评分规则 {shown_name(p.profile)} / 状态 {status}"
    w.put(1, 2, source, "note", to=(1, LAST))
    w.put(2, 0, "项目名称", "label")
    w.put(2, 1, p.name, "wrap", to=(2, LAST), orig=p.cells.get("name", ""))
    w.put(3, 0, "主管部门", "label")
    w.put(3, 1, p.department, "wrap", to=(3, 3), orig=p.cells.get("department", ""))
    w.put(3, 4, "实施单位", "label")
    w.put(3, 5, p.unit, "wrap", to=(3, LAST), orig=p.cells.get("unit", ""))


def _previous(w: _Writer, p: Project, r: int) -> int:
    """The 上年 row at r when the project has one (the rows below move down by it); returns the next free row."""
    line = previous_line(p)
    if not line:
        return r
    w.put(r, 0, "上年", "label")
    w.put(r, 1, line, "wrap", to=(r, LAST))
    return r + 1


def _funds(w: _Writer, funds: Funds, r: int) -> int:
    """项目资金 block at row r: header, 年度资金总额, its parts; returns the next free row."""
    w.put(r, 0, "项目资金\n（万元）", "label", to=(r + len(funds.parts) + 1, 0))
    w.put(r, 1, None, "header", to=(r, 2))
    for i, head in enumerate(FUNDS_HEADERS):
        w.put(r, 3 + i, head, "header", to=(r, LAST) if 3 + i == LAST - 1 else None)
    c = funds.cells
    r += 1
    w.put(r, 1, "年度资金总额", "text", to=(r, 2))
    for col, key in ((3, "initial_budget"), (4, "annual_budget"), (5, "executed")):
        w.put(r, col, getattr(funds, key), "money", orig=c.get(key, ""))
    w.put(r, 6, funds.weight, "score", orig=c.get("weight", ""))
    w.put(r, 7, funds.execution_rate, "rate", orig=c.get("rate", ""))
    w.put(r, 8, _rate(funds), "rate")
    w.put(r, 9, funds.self_score, "score", orig=c.get("score", ""))
    w.put(r, 10, funds.computed_score, "score", to=(r, LAST))
    for part in funds.parts:
        r += 1
        w.put(r, 1, part.label, "text", to=(r, 2))
        for col, key in ((3, "initial_budget"), (4, "annual_budget"), (5, "executed")):
            w.put(r, col, getattr(part, key), "money", orig=part.cells.get(key, ""))
        for col, key in ((6, "weight"), (7, "rate"), (8, ""), (9, "score"), (10, "")):
            w.put(r, col, None, "text", to=(r, LAST) if col == 10 else None, orig=part.cells.get(key, ""))
    return r + 1


def _goals(w: _Writer, p: Project, r: int) -> int:
    w.put(r, 0, "年度总体目标", "label", to=(r + 1, 0))
    w.put(r, 1, "预期目标", "header", to=(r, 5))
    w.put(r, 6, "实际完成情况", "header", to=(r, LAST))
    w.put(r + 1, 1, p.goal_expected, "wrap", to=(r + 1, 5), orig=p.cells.get("goal_expected", ""))
    w.put(r + 1, 6, p.goal_actual, "wrap", to=(r + 1, LAST), orig=p.cells.get("goal_actual", ""))
    return r + 2


def _runs(labels: list[str]) -> list[tuple[int, int]]:
    """(first, last) index of each run of equal consecutive labels: the paper form merges these."""
    runs: list[tuple[int, int]] = []
    for i, label in enumerate(labels):
        if runs and labels[runs[-1][0]] == label:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _group_cells(p: Project) -> dict[int, dict[int, str]]:
    """Each 一级/二级 label's original cell, keyed by level and the index of the indicator it heads."""
    out: dict[int, dict[int, str]] = {1: {}, 2: {}}
    for g in p.groups:
        matches = [k for k, ind in enumerate(p.indicators)
                   if (ind.level1 == g.name if g.level == 1
                       else ind.level2 == g.name and (not g.parent or ind.level1 == g.parent))]
        digits = re.sub(r"\D", "", g.cell)
        row = int(digits) if digits else 0
        below = [k for k in matches if p.indicators[k].row >= row]
        if (below or matches) and g.level in out:
            out[g.level].setdefault((below or matches)[0], g.cell)
    return out


def _indicators(w: _Writer, p: Project, r: int) -> int:
    inds: tuple[Indicator, ...] = p.indicators
    w.put(r, 0, "绩效指标", "label", to=(r + len(inds), 0))
    for i, head in enumerate(INDICATOR_HEADERS):
        w.put(r, 1 + i, head, "header")
    first = r + 1
    groups = _group_cells(p)
    for level, labels in ((1, [i.level1 for i in inds]), (2, [f"{i.level1}\x00{i.level2}" for i in inds])):
        for a, b in _runs(labels):
            orig = next((groups[level][k] for k in range(a, b + 1) if k in groups[level]), "")
            label = inds[a].level1 if level == 1 else inds[a].level2
            w.put(first + a, level, label, "label", to=(first + b, level), orig=orig)
    for k, ind in enumerate(inds):
        row, c = first + k, ind.cells
        w.put(row, 3, ind.raw_name, "wrap", orig=c.get("name", ""))
        w.put(row, 4, ind.target.raw, "wrap", orig=c.get("target", ""))
        w.put(row, 5, ind.actual.raw, "wrap", orig=c.get("actual", ""))
        w.put(row, 6, ind.weight, "score", orig=c.get("weight", ""))
        w.put(row, 7, ind.self_score, "score", orig=c.get("score", ""))
        w.put(row, 8, ind.computed_score, "score")
        w.put(row, 9, _diff(ind.computed_score, ind.self_score), "score")
        w.put(row, 10, METHOD_ZH.get(ind.method or "", ind.method), "text")
        w.put(row, 11, ind.reason, "wrap", orig=c.get("reason", ""))
    return first + len(inds)


def _totals(w: _Writer, p: Project, r: int) -> int:
    w.put(r, 0, "总分", "label", to=(r, 5))
    w.put(r, 6, p.weight_total, "score")
    w.put(r, 7, p.self_total, "score", orig=p.cells.get("total", ""))
    w.put(r, 8, p.computed_total, "score")
    w.put(r, 9, _diff(p.computed_total, p.self_total), "score")
    w.put(r, 10, None, "text", to=(r, LAST))
    w.put(r + 1, 0, "等级（表中填报 ｜ 自评 ｜ 复核）", "label", to=(r + 1, 5))
    w.put(r + 1, 6, p.declared_grade, "text", orig=p.cells.get("grade", ""))
    w.put(r + 1, 7, p.self_grade or UNGRADED, "text")
    w.put(r + 1, 8, p.computed_grade or UNGRADED, "text")
    w.put(r + 1, 9, None, "text", to=(r + 1, LAST))
    return r + 2


def _findings(w: _Writer, findings: list[Finding], r: int) -> int:
    """本表问题: every finding of this form, including those no cell of the re-laid form shows; returns the row
    of its first finding."""
    counts = "，".join(f"{SEVERITY_ZH[s]} {n}" for s in Severity
                      if (n := sum(1 for f in findings if f.severity is s)))
    w.put(r, 0, f"本表问题（共 {len(findings)} 条{'：' + counts if counts else ''}）", "label", to=(r, LAST))
    heads = ((0, 0, "级别"), (1, 1, "问题类别"), (2, 2, "代码"), (3, 3, "原表单元格"), (4, 7, "问题"),
             (8, LAST, "修改建议"))
    for a, b, head in heads:
        w.put(r + 1, a, head, "header", to=(r + 1, b))
    if not findings:
        w.put(r + 2, 0, "无", "text", to=(r + 2, LAST))
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "text"}
    for k, f in enumerate(findings):
        row = r + 2 + k
        where = "!".join(x for x in (f.sheet, f.cell) if x) or "—"
        w.put(row, 0, SEVERITY_ZH[f.severity], kinds[f.severity])
        for (a, b, _), value in zip(heads[1:], (rule_title(f.code), f.code, where, f.message, f.hint), strict=True):
            w.put(row, a, value, "code" if a == 2 else "wrap", to=(row, b) if b != a else None)
    return r + 2


def write_project_sheet(book: xlsxwriter.Workbook, name: str, result: FileResult, index: int,
                        styles: Styles, back: str = "项目汇总", back_cell: str = "A1") -> Places:
    """Add sheet `name` re-laying `result.projects[index]` as the official form, with the 复核 beside it;
    returns where it put the department's cells.

    `name` must already be a valid, unique sheet name (processor.write.sheetnames); `back`!`back_cell` is
    where the link in row 2 returns to. Nothing here depends on the clock, so the same result gives the
    same bytes.
    """
    return fill_project_sheet(book.add_worksheet(name), result, index, styles, back, back_cell)


def write_project_sheets(book: xlsxwriter.Workbook, sheets: list[tuple[str, int, int]],
                         load: Callable[[int], FileResult], styles: Styles, back: str = "项目汇总",
                         back_cells: list[str] | None = None) -> list[Places]:
    """Add one sheet per (name, file index, project index), in that order, loading each file's full result
    once: the sheets are added first and filled file by file, because a file's projects are rarely
    neighbours in 项目汇总 order (it sorts by 主管部门 and 项目名称) and a full result is not kept in memory.
    `back_cells` (one per sheet) are the cells of `back` their links return to (the project's own row);
    returns each sheet's Places."""
    by_file: dict[int, list[int]] = {}
    for k, (_, file_index, _) in enumerate(sheets):
        by_file.setdefault(file_index, []).append(k)
    places: list[Places | None] = [None] * len(sheets)
    with no_collection():
        added = [book.add_worksheet(name) for name, _, _ in sheets]
        for file_index, positions in sorted(by_file.items()):
            result = load(file_index)
            for k in positions:
                places[k] = fill_project_sheet(added[k], result, sheets[k][2], styles, back,
                                               back_cells[k] if back_cells else "A1")
    return [p for p in places if p is not None]


def placed(result: FileResult, index: int) -> Places:
    """Where the re-laid sheet of `result.projects[index]` puts the department's cells: the layout run
    without a sheet, so the answer is the sheet's own (a link written before or elsewhere lands right).
    A dry run: nothing is measured or formatted, as a 审核意见 copy asks this of every project it lists."""
    return _lay(_Nowhere(), result, index, _NO_STYLES, "", "A1", dry=True)


def fill_project_sheet(ws: Any, result: FileResult, index: int, styles: Styles, back: str,
                       back_cell: str = "A1") -> Places:
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    ws.hide_gridlines(2)  # the borders draw the form; gridlines would blur where it ends
    places = _lay(ws, result, index, styles, back, back_cell)
    landscape(ws, footer=True)
    return places


def _grid(w: _Writer, form: tuple[int, int], table: tuple[int, int]) -> None:
    """The borders of every cell of the form's rows and of 本表问题's, as one always-true conditional format
    instead of a bordered blank in each empty and each merged-over cell (nearly 40% of the cells before).
    A conditional format applies to cells that are not in the file too; LibreOffice prints the page pixel
    for pixel as it did with the blanks (issue 20). Its criterion is the number 1, not TRUE: xlsxwriter
    scans a formula for newer functions on every sheet, a constant it leaves alone."""
    ranges = " ".join(f"{xl_rowcol_to_cell(a, 0)}:{xl_rowcol_to_cell(b, LAST)}" for a, b in (form, table))
    w.ws.conditional_format(form[0], 0, form[1], LAST, {"type": "formula", "criteria": "1",
                                                        "format": w.styles.grid, "multi_range": ranges})


def _lay(ws: Any, result: FileResult, index: int, styles: Styles, back: str, back_cell: str, *,
         dry: bool = False) -> Places:
    p = result.projects[index]
    findings = result.findings_of(index)
    w = _Writer(ws, styles, _marks(p, findings), dry)
    _head(w, p, result, back, back_cell, index)
    r = _funds(w, p.funds, _previous(w, p, 4))
    r = _goals(w, p, r)
    r = _indicators(w, p, r)
    r = _totals(w, p, r)
    first = _findings(w, findings, r + 1)
    if not dry:
        _grid(w, (2, r - 1), (r + 1, first + max(len(findings), 1) - 1))
        w.finish()
    return Places(p.sheet, w.places, first)


_NO_STYLES = make_styles(_Nowhere())  # formats nobody writes: the layout's dry run
