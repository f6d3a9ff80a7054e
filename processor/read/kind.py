"""Which form a sheet holds, from its title and name: a department that sends the wrong form must be told
which form it sent, not receive a list of a 自评表's missing parts.

The central system exports one workbook per project with the 绩效目标申报表, the 执行监控 sheet and the
自评表 side by side (docs/layouts.md, layout C); only the 自评表 is read. A 部门整体支出绩效自评表 is a different
evaluation (部门决策, 部门管理 … instead of one project's indicators) and is not read as a project.
"""

from __future__ import annotations

from processor.read.grid import Grid
from processor.read.labels import squash
from processor.read.locate import Block

SELF_EVALUATION = "项目支出绩效自评表"
# (what the title says, what the form is called in a message); the first match wins
_OTHER_KINDS = (
    ("部门整体", "部门整体支出绩效自评表"),
    ("执行监控", "绩效目标执行监控表"),
    ("绩效监控", "绩效目标执行监控表"),
    ("申报表", "绩效目标申报表"),
    ("绩效目标表", "绩效目标申报表"),
)
_TITLE_ROWS = 6  # title lines above a form: 附件, 报表编号, the title, the year, 单位名称 …
_TITLE_LEN = 60  # longer texts are notes, not titles


def kind_of(texts: list[str]) -> str | None:
    """The form these titles name: SELF_EVALUATION, another kind's name, or None when they say nothing."""
    for text in texts:
        flat = squash(text)
        if "部门整体" in flat:
            return "部门整体支出绩效自评表"
        if "自评" in flat:
            return SELF_EVALUATION
        for word, kind in _OTHER_KINDS:
            if word in flat:
                return kind
    return None


def title_texts(grid: Grid, top: int, stop: int) -> list[str]:
    """The short texts of the rows from `top` up to (not including) `stop`, at most _TITLE_ROWS of them."""
    texts = []
    for r in range(top, min(stop, top + _TITLE_ROWS)):
        for c in range(len(grid.rows[r])):
            text = grid.text(r, c)
            if text and len(text) <= _TITLE_LEN:
                texts.append(text)
    return texts


def block_kind(grid: Grid, block: Block) -> str:
    """A located block's form: its title says, else its sheet's name, else it is taken for a 自评表."""
    first = min((lb.row for lb in block.labels), default=block.top)
    return kind_of(title_texts(grid, block.top, first)) or kind_of([grid.name]) or SELF_EVALUATION


def sheet_kind(grid: Grid) -> str | None:
    """What a sheet without a readable form seems to be, from its first rows and its name."""
    return kind_of(title_texts(grid, 0, grid.nrows)) or kind_of([grid.name])
