"""The 附件: the 项目支出绩效自评表 as a Word table, laid out as the official form (name, departments, the
项目资金 block, 年度总体目标, the indicator rows with 一级/二级 cells merged down, 总分), with the form's own text.

Eight columns on the A4 text width (15.6 cm); the table's font is 仿宋 五号 so a 30-indicator form fits on a
few pages. Cell widths are set on every cell: Word ignores a column width that its cells contradict.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Cm, Pt
from docx.table import Table, _Cell

from processor.core.model import FundRow, Project
from processor.narrative.content import money, part_label, percent, points
from processor.narrative.fonts import BODY_FONT, TITLE_FONT, set_font

WIDTHS = (2.0, 2.0, 2.9, 1.6, 1.6, 1.2, 1.8, 2.5)  # cm; 15.6 in all (项目名称 and 执行率 on one line)
SIZE = 10.5  # 五号
STANDARD_PARTS = ("其中：当年财政拨款", "上年结转资金", "其他资金")
INDICATOR_HEAD = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")


def _put(cell: _Cell, text: str, *, bold: bool = False, center: bool = True) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if text:
        set_font(paragraph.add_run(text), BODY_FONT, SIZE, bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _row(table: Table, texts: list[str], spans: list[int] | None = None, *, bold: bool = False,
         left: tuple[int, ...] = ()) -> list[_Cell]:
    """One row; `spans` merges neighbouring columns (their widths add up). Returns the row's cells by column."""
    cells: list[_Cell] = list(table.add_row().cells)  # type: ignore[no-untyped-call]
    spans = spans or [1] * len(texts)
    col = 0
    for text, span in zip(texts, spans, strict=True):
        cell = cells[col] if span == 1 else cells[col].merge(cells[col + span - 1])
        _put(cell, text, bold=bold, center=col not in left)
        col += span
    return cells


def _merge_down(table: Table, first_row: int, column: int, values: list[str]) -> None:
    """Merge a column's cells down over each run of equal values (the form's merged 一级/二级 labels)."""
    start = 0
    for n in range(1, len(values) + 1):
        if n == len(values) or values[n] != values[start]:
            if n - start > 1:
                top = table.cell(first_row + start, column)
                bottom = table.cell(first_row + n - 1, column)
                for cell in (table.cell(first_row + k, column) for k in range(start + 1, n)):
                    for paragraph in cell.paragraphs:  # the label is written once, at the top
                        for run in list(paragraph.runs):
                            run._element.getparent().remove(run._element)
                top.merge(bottom)
            start = n


def _funds(table: Table, p: Project) -> None:
    """The 年度资金总额 row, then the form's own parts with the form's own labels (财政资金, 单位资金 … as printed);
    a form without parts shows the official form's three, blank."""
    f = p.funds
    head = _row(table, ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], bold=True)
    _row(table, ["", "年度资金总额", *_blank_dash([money(f.initial_budget), money(f.annual_budget), money(f.executed),
                                              points(f.weight), percent(f.execution_rate), points(f.self_score)])],
         left=(1,))
    parts: list[FundRow] = [r for r in f.parts if r.key != "total"]
    if parts:
        for n, r in enumerate(parts):
            label = ("其中：" if n == 0 else "") + part_label(r.label)
            _row(table, ["", label, *_blank_dash([money(r.initial_budget), money(r.annual_budget), money(r.executed)]),
                         "", "", ""], left=(1,))
    else:
        for label in STANDARD_PARTS:
            _row(table, ["", label, "", "", "", "", "", ""], left=(1,))
    head[0].merge(table.cell(len(table.rows) - 1, 0))


def _blank_dash(values: list[str]) -> list[str]:
    return [v if v != "—" else "" for v in values]


def _indicators(table: Table, p: Project) -> None:
    _row(table, list(INDICATOR_HEAD), bold=True)
    first = len(table.rows)
    declared = {g.name: g.declared_weight for g in p.groups if g.level == 1}
    declared2 = {(g.parent, g.name): g.declared_weight for g in p.groups if g.level == 2}
    level1, level2 = [], []
    for i in p.indicators:
        w1, w2 = declared.get(i.level1), declared2.get((i.level1, i.level2))
        level1.append(f"{i.level1}（{points(w1)}分）" if w1 is not None else i.level1)
        level2.append(f"{i.level2}（{points(w2)}分）" if w2 is not None else i.level2)
        _row(table, [level1[-1], level2[-1], " ".join(i.raw_name.split()) or i.name, i.target.raw, i.actual.raw,
                     points(i.weight) if i.weight is not None else "",
                     points(i.self_score) if i.self_score is not None else "", i.reason.strip()], left=(2, 7))
    _merge_down(table, first, 0, level1)
    _merge_down(table, first, 1, [f"{a}\x00{b}" for a, b in zip(level1, level2, strict=True)])


def attachment_table(doc: DocxDocument, p: Project) -> Table:
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    year = f"{p.year}年度" if p.year else ""
    set_font(heading.add_run(f"{year}项目支出绩效自评表"), TITLE_FONT, 18)
    table: Table = doc.add_table(rows=0, cols=len(WIDTHS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _row(table, ["项目名称", p.name], [1, 7], left=(1,))
    _row(table, ["主管部门", p.department, "实施单位", p.unit], [1, 3, 1, 3])
    _funds(table, p)
    goal_head = _row(table, ["年度总体目标", "预期目标", "实际完成情况"], [1, 3, 4], bold=True)
    _row(table, ["", p.goal_expected.strip(), p.goal_actual.strip()], [1, 3, 4], left=(1, 4))
    goal_head[0].merge(table.cell(len(table.rows) - 1, 0))
    _indicators(table, p)
    weight = p.weight_total if p.weight_total is not None else None
    _row(table, ["总分", points(weight) if weight is not None else "",
                 points(p.self_total) if p.self_total is not None else "", ""], [5, 1, 1, 1], bold=True)
    _widths(table)
    return table


def _widths(table: Table) -> None:
    """Every column's grid width, and every cell's width as the sum of the columns it spans."""
    for column, width in zip(table.columns, WIDTHS, strict=True):
        column.width = Cm(width)
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            tc.width = Cm(sum(WIDTHS[col:col + tc.grid_span]))
            col += tc.grid_span
