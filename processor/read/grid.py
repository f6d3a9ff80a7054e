"""A sheet's cells with merged ranges resolved, and A1 names for every position.

Merged cells matter twice: a label spans its rows (一级指标 over five indicators), and a value spans
its columns (项目名称's value over the whole row). Positions are 0-based inside; A1 outside.
"""

from __future__ import annotations

from functools import lru_cache

from processor.read.labels import field_of, memo_short, nfkc
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


@memo_short
def _shown(text: str) -> str:
    """A text cell as `Grid.text` gives it: normalised, without surrounding blanks."""
    return nfkc(text).strip()


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
        # `get` answers from `_filled`: the rows with every covered cell holding its merged range's value.
        # The parsers call `get` a few hundred times per form, and looking each position up in the anchor map
        # made a tuple and a dict lookup of every call. Only the rows that hold covered cells are copied (the
        # others are shared with `rows`); a covered cell beyond its row's end lengthens that copy with blanks,
        # which `get` answers for a position outside the row all the same. Ranges are written in order, each
        # without its own top-left cell, so where hostile ranges overlap a cell holds what the anchor map says.
        filled: list[list[Cell]] = list(self.rows)
        copied: set[int] = set()
        anchors, nrows, ncols = self._anchor, self.nrows, self.ncols
        for (r0, c0), (r1, c1) in sheet.merged:
            top = (r0, c0)
            self._end[top] = (r1, c1)
            last = c1 if c1 < ncols else ncols - 1
            value = self.raw(r0, c0)
            for r in range(r0, (r1 if r1 < nrows else nrows - 1) + 1):
                first = c0 + 1 if r == r0 else c0
                if first > last:
                    continue
                for c in range(first, last + 1):
                    anchors[(r, c)] = top
                if r < 0 or last < 0:
                    continue  # positions get never answers from a row
                if r not in copied:
                    filled[r] = list(filled[r])
                    copied.add(r)
                line = filled[r]
                if last >= len(line):
                    line.extend([""] * (last + 1 - len(line)))
                first = first if first > 0 else 0
                if first == last:
                    line[first] = value
                else:
                    line[first:last + 1] = [value] * (last + 1 - first)
        self._filled = filled
        self._fields: dict[tuple[int, int], str | None] = {}
        self._merged: set[tuple[int, int]] | None = None
        self._texts: dict[int, tuple[str, ...]] = {}

    def raw(self, row: int, col: int) -> Cell:
        if 0 <= row < self.nrows:
            line = self.rows[row]
            if 0 <= col < len(line):
                return line[col]
        return ""

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        return self._anchor.get((row, col), (row, col))

    def get(self, row: int, col: int) -> Cell:
        # merged ranges resolved once, in __init__: the parsers call this a few hundred times per form
        if 0 <= row < self.nrows:
            line = self._filled[row]
            if 0 <= col < len(line):
                return line[col]
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

    def merged(self) -> set[tuple[int, int]]:
        """Every position inside a merged range or at its top-left (made once per sheet, at C speed): `col_span`
        of any other position is (col, col), so a caller testing many cells' spans asks it of these only."""
        if self._merged is None:
            self._merged = self._anchor.keys() | self._end.keys()
        return self._merged

    def field(self, row: int, col: int) -> str | None:
        """The label field of a cell (cached: right_of and below ask about the same cells repeatedly)."""
        key = (row, col)
        if key not in self._fields:
            cell = self.raw(row, col)
            self._fields[key] = field_of(cell) if isinstance(cell, str) and cell else None
        return self._fields[key]

    def text(self, row: int, col: int) -> str:
        cell = self.get(row, col)
        return _shown(cell) if isinstance(cell, str) else ("" if is_blank(cell) else str(cell))

    def row_texts(self, row: int) -> tuple[str, ...]:
        """`text` of each cell of a row (as long as the row as read). Kept per row: the title rows above a
        form are read by the form's kind, its year and its money unit, cell by cell, each."""
        texts = self._texts.get(row)
        if texts is None:
            texts = self._texts[row] = tuple(self.text(row, c) for c in range(len(self.rows[row])))
        return texts

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
