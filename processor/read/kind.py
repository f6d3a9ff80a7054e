"""Which form a sheet holds, from its title and name: a department that sends the wrong form must be told
which form it sent, not receive a list of a 自评表's missing parts.

The central system exports one workbook per project with the 绩效目标申报表, the 执行监控 sheet and the
自评表 side by side (docs/layouts.md, layout C); only the 自评表 is read. A 部门整体支出绩效自评表 is a different
evaluation (部门决策, 部门管理 … instead of one project's indicators) and is not read as a project.
"""

from __future__ import annotations

from processor.read.grid import Grid
from processor.read.labels import label_key
from processor.read.locate import Block

SELF_EVALUATION = "项目支出绩效自评表"
# a title names its form at its end (after the year and the department: 2023年度XX项目支出绩效目标申报表); a line
# that only mentions a form (附件3（指标按批复的绩效目标申报表填列）, a 填表说明 sentence) names none
_ENDINGS = (
    (("自评表",), SELF_EVALUATION),
    (("执行监控表", "绩效监控表", "执行监控", "绩效监控"), "绩效目标执行监控表"),
    (("申报表", "绩效目标表"), "绩效目标申报表"),
)
_TITLE_ROWS = 6  # title lines above a form: 附件, 报表编号, the title, the year, 单位名称 …
_TITLE_LEN = 40  # longer texts are notes, not titles


def _named(text: str) -> str | None:
    key = label_key(text)  # without spaces, bracketed years and a trailing colon
    for endings, kind in _ENDINGS:
        if key.endswith(endings):
            return "部门整体支出绩效自评表" if kind == SELF_EVALUATION and "部门整体" in key else kind
    return None


def kind_of(texts: list[str]) -> str | None:
    """The form these titles name: SELF_EVALUATION, another kind's name, or None when they name none.
    A 自评表 title wins over any other one in the same lines."""
    kinds = [k for k in map(_named, texts) if k]
    return SELF_EVALUATION if SELF_EVALUATION in kinds else (kinds[0] if kinds else None)


def title_texts(grid: Grid, top: int, stop: int) -> list[str]:
    """The short texts of the rows above a form (or of a sheet's first rows): only there is a title."""
    texts = []
    for r in range(top, min(stop, top + _TITLE_ROWS)):
        for text in grid.row_texts(r):
            if text and len(text) <= _TITLE_LEN:
                texts.append(text)
    return texts


def block_kind(grid: Grid, block: Block) -> str:
    """A located form's kind, by its own title only: a table with actuals and scores under a sheet merely named
    申报表 is still a 自评表; a title that says 执行监控表 is not."""
    first = min((lb.row for lb in block.labels), default=block.top)
    return kind_of(title_texts(grid, block.top, first)) or SELF_EVALUATION


def sheet_kind(grid: Grid) -> str | None:
    """What a sheet without a readable form was meant to be, by its title or else its name, so that a
    department that sent the wrong form is told which one it sent."""
    return kind_of(title_texts(grid, 0, grid.nrows)) or kind_of([grid.name])
