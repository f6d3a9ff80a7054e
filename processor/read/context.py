"""What every parsing step of one form shares: the grid, the located block, and the findings so far."""

from __future__ import annotations

from processor.core.findings import finding
from processor.core.model import Finding
from processor.read.grid import Grid, a1
from processor.read.locate import Block
from processor.read.values import ErrorValue, Unreadable, parse_number


class FormContext:
    def __init__(self, grid: Grid, block: Block, file_name: str) -> None:
        self.grid = grid
        self.block = block
        self.file_name = file_name
        self.findings: list[Finding] = []
        self.cells: dict[str, str] = {}  # project-level field → A1

    def note(self, code: str, cell: str | tuple[int, int] = "", **kw: object) -> None:
        where = a1(*cell) if isinstance(cell, tuple) else cell
        self.findings.append(finding(code, sheet=self.grid.name, cell=where, **kw))

    def number(self, row: int, col: int, label: str) -> float | None:
        """A number from a cell; text that is no number becomes a finding on that cell and None."""
        try:
            value = parse_number(self.grid.get(row, col))
        except ErrorValue as exc:
            self.note("cell-error", (row, col), field=label, value=str(exc))
            return None
        except Unreadable as exc:
            self.note("number-unreadable", (row, col), field=label, value=str(exc))
            return None
        # a formula's float noise (9.299999999999999) is no figure anyone typed: 8 decimals keep every real one
        return None if value is None else round(value, 8)

    def unreadable_at(self, cell: str) -> bool:
        """A finding already says why this cell gives no number (text that is none, a formula error): a second
        one calling it blank would contradict it."""
        return any(f.code in ("number-unreadable", "cell-error") and f.cell == cell for f in self.findings)

    def label_cell(self, name: str) -> str:
        label = self.block.first(name)
        return a1(label.row, label.col) if label else ""

    def form_cell(self) -> str:
        """Where a finding about the whole form points when no better cell exists: its first label."""
        first = min(self.block.labels, key=lambda lb: (lb.row, lb.col), default=None)
        return a1(first.row, first.col) if first else a1(self.block.top, 0)
