"""A sheet's cells with merged ranges resolved, and A1 names for every position.

Merged cells matter twice: a label spans its rows (一级指标 over five indicators), and a value spans
its columns (项目名称's value over the whole row). Positions are 0-based inside; A1 outside.
"""

from __future__ import annotations

from functools import lru_cache

from processor.read.labels import field_of, nfkc
from processor.read.values import Cell, is_blank
from processor.read.workbook import Sheet


def col_letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=1 << 16, typed=True)
def a1(row: int, col: int) -> str:
    """0-based (row, col) → `B7`. Memoised (bounded): every indicator names its cells, and the same
    positions recur on every form; the cached strings are shared by all the forms that name them."""
    return f"{col_letters(col)}{row + 1}"


class Grid:
    """Read-only view of one sheet. `get` answers with the merged range's value; `raw` does not."""

    def __init__(self, sheet: Sheet) -> None:
        self.name = sheet.name
        self.rows = sheet.rows
        self.merges_known = sheet.merges_known
        self.nrows = len(self.rows)
        self.ncols = max((len(r) for r in self.rows), default=0)
        self._anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self._end: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in sheet.merged:
            self._end[(r0, c0)] = (r1, c1)
            for r in range(r0, min(r1, self.nrows - 1) + 1):
                for c in range(c0, min(c1, self.ncols - 1) + 1):
                    if (r, c) != (r0, c0):
                        self._anchor[(r, c)] = (r0, c0)
        self._fields: dict[tuple[int, int], str | None] = {}

    def raw(self, row: int, col: int) -> Cell:
        if 0 <= row < self.nrows:
            line = self.rows[row]
            if 0 <= col < len(line):
                return line[col]
        return ""

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        return self._anchor.get((row, col), (row, col))

    def get(self, row: int, col: int) -> Cell:
        # anchor and raw inlined: the parsers call this a few hundred times per form
        key = (row, col)
        r, c = self._anchor.get(key, key)
        if 0 <= r < self.nrows:
            line = self.rows[r]
            if 0 <= c < len(line):
                return line[c]
        return ""

    def covered(self, row: int, col: int) -> bool:
        """True for a cell inside a merged range other than its top-left one."""
        return (row, col) in self._anchor

    def span_end(self, row: int, col: int) -> tuple[int, int]:
        r, c = self.anchor(row, col)
        return self._end.get((r, c), (r, c))

    def col_span(self, row: int, col: int) -> tuple[int, int]:
        """(first, last) column of the merged range a cell belongs to: the anchor's column and
        `span_end(*anchor(row, col))`'s, in one call (the table parser asks this of every text cell)."""
        key = (row, col)
        first = self._anchor.get(key, key)
        top = self._anchor.get(first, first)
        return first[1], self._end.get(top, top)[1]

    def field(self, row: int, col: int) -> str | None:
        """The label field of a cell (cached: right_of and below ask about the same cells repeatedly)."""
        key = (row, col)
        if key not in self._fields:
            cell = self.raw(row, col)
            self._fields[key] = field_of(cell) if isinstance(cell, str) and cell else None
        return self._fields[key]

    def text(self, row: int, col: int) -> str:
        cell = self.get(row, col)
        return nfkc(cell).strip() if isinstance(cell, str) else ("" if is_blank(cell) else str(cell))

    def right_of(self, row: int, col: int) -> tuple[int, int] | None:
        """The first non-blank cell right of a label (past the label's own merge), unless it is a label."""
        _, c_end = self.span_end(row, col)
        line = self.rows[row] if row < self.nrows else []
        for c in range(c_end + 1, len(line)):
            if self.covered(row, c) or is_blank(line[c]):
                continue
            return None if self.field(row, c) else (row, c)
        return None

    def next_cell(self, row: int, col: int) -> tuple[int, int]:
        """Where a label's value belongs when it is missing: the cell just past the label's merge."""
        _, c_end = self.span_end(row, col)
        return (row, c_end + 1)

    def below(self, row: int, col: int) -> tuple[int, int] | None:
        r_end, _ = self.span_end(row, col)
        r = r_end + 1
        if r >= self.nrows:
            return None
        ar, ac = self.anchor(r, col)
        if is_blank(self.raw(ar, ac)) or self.field(ar, ac):
            return None
        return (ar, ac)
