"""The checking side's shortcuts (memoised value grammar, the cheaper table end test, the guard's used-cell scan)
give exactly what the plain code gave: each is compared here with a reference that does it the long way."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processor.read import guard
from processor.read.context import FormContext
from processor.read.grid import Grid, a1, col_letters
from processor.read.labels import SHORT, squash
from processor.read.locate import Block, Header, Label
from processor.read.table import _END_WORDS, _STOPS, TableParser
from processor.read.values import Unreadable, parse_number, parse_value
from processor.read.workbook import Sheet

# -- values -----------------------------------------------------------------------------------------------


def test_short_texts_share_one_value_long_ones_do_not() -> None:
    """The memo is bounded by length: a narrative (or a hostile 32,767-character cell) is never kept."""
    assert parse_value("≥95%") is parse_value("≥95%")
    long = "达成预期指标" * (SHORT // 6 + 1)
    assert len(long) > SHORT
    first, again = parse_value(long), parse_value(long)
    assert first == again and first is not again


def test_a_full_memo_starts_again_and_keeps_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    """A memo holds at most MEMO_SIZE texts; a full one is emptied (dropping its oldest entry one miss at a time
    scanned the dict's deleted slots: 30 µs a miss), and every answer stays the function's."""
    import processor.read.labels as labels

    monkeypatch.setattr(labels, "MEMO_SIZE", 4)
    calls: list[str] = []

    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    memo = labels.memo_short(shout)
    assert [memo(t) for t in "abcd"] == ["A", "B", "C", "D"]
    assert memo("a") == "A" and calls == list("abcd")  # kept
    assert memo("e") == "E" and memo("a") == "A"  # full at e: emptied, then e and a again
    assert calls == [*"abcd", "e", "a"]
    assert memo("e") == "E" and len(calls) == 6


@pytest.mark.parametrize("cell", [None, "", "　", 1, 0.95, True, False, math.nan, math.inf, dt.date(2023, 12, 31),
                                  dt.datetime(2023, 12, 1), dt.time(8, 30), " ≥95% ", "100", "2023年12月"])
def test_value_of_any_cell_type(cell: Any) -> None:
    """Non-text cells bypass the memo (1, 1.0 and True hash alike): each keeps its own kind."""
    value = parse_value(cell)
    assert parse_value(cell) == value
    if isinstance(cell, bool):
        assert value.kind == "qualitative"
    elif isinstance(cell, int | float) and math.isfinite(cell):
        assert value.kind == "quantity" and value.value == float(cell)


@pytest.mark.parametrize("cell", [1e16, -1e16, math.nan, math.inf])
def test_absurd_floats_are_unreadable(cell: float) -> None:
    with pytest.raises(Unreadable):
        parse_number(cell)


def test_float_noise_is_zero() -> None:
    assert parse_number(0.1 + 0.2 - 0.3) == 0.0
    assert parse_number(12.5) == 12.5


# -- grid -------------------------------------------------------------------------------------------------


def test_a1_is_memoised_by_type() -> None:
    assert a1(0, 0) == "A1" and a1(6, 1) == "B7" and a1(0, 16383) == "XFD1"
    assert a1(29, 27) == f"{col_letters(27)}30" == "AB30"


_merges = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 3), st.integers(0, 3)),
                   max_size=5).map(lambda ms: tuple(((r, c), (r + dr, c + dc)) for r, c, dr, dc in ms))


@settings(max_examples=200, derandomize=True)
@given(_merges, st.integers(0, 7), st.integers(0, 7))
def test_col_span_is_anchor_then_span_end(merged: Any, row: int, col: int) -> None:
    """Overlapping merges (a hostile file) included: col_span asks exactly what anchor and span_end did."""
    grid = Grid(Sheet("s", [[""] * 6 for _ in range(6)], merged, True))
    r0, c0 = grid.anchor(row, col)
    assert grid.col_span(row, col) == (c0, grid.span_end(r0, c0)[1])


# -- the end of the indicator table -----------------------------------------------------------------------

def _ends_table_reference(parser: TableParser, r: int) -> bool:
    """TableParser._ends_table as it was before it was made cheaper."""
    if parser.label_rows.get(r, set()) & _STOPS:
        return True
    line = parser.g.rows[r]
    texts = [(c, squash(x)) for c, x in enumerate(line) if isinstance(x, str) and squash(x)]
    if any(_END_WORDS.match(t) or "自评表" in t for _, t in texts):
        return True
    value_cols = [parser.cols[f] for f in ("target", "actual", "weight", "score", "level3") if f in parser.cols]
    for c, _ in texts:
        r0, c0 = parser.g.anchor(r, c)
        _, c1 = parser.g.span_end(r0, c0)
        if c0 <= min(value_cols) and c1 >= max(value_cols):
            return True
    return False


_texts = st.sampled_from(["", " ", "　", "\u200b", "指标", "数量指标", "≥95%", "说明：本表", "填 表 人", "备注",
                          "2023年度项目支出绩效自评表", "注:", "注：", "总分", "…", 12.0, None, "\n"])
_rows = st.lists(st.lists(_texts, min_size=0, max_size=7), min_size=1, max_size=6)


@settings(max_examples=300, derandomize=True)
@given(_rows, _merges, st.sampled_from([{"level3": 0, "target": 2, "actual": 3},
                                        {"level3": 1, "target": 1, "actual": 1},
                                        {"level1": 0, "level3": 2, "target": 3, "actual": 4, "score": 6}]),
       st.sets(st.tuples(st.integers(0, 5), st.sampled_from(["total", "level3", "grade", "funds"])), max_size=3))
def test_ends_table_as_before(rows: Any, merged: Any, cols: dict[str, int], labels: Any) -> None:
    grid = Grid(Sheet("s", rows, merged, True))
    block = Block(0, len(rows), tuple(Label(f, r, 0) for r, f in sorted(labels)))
    parser = TableParser(FormContext(grid, block, "x.xlsx"), Header(0, cols, 0))
    for r in range(len(rows)):
        assert parser._ends_table(r) == _ends_table_reference(parser, r)


# -- the guard's cell scan --------------------------------------------------------------------------------

_PIECES = [b'<c r="A1">', b'<c r="B7" s="3"/>', b'<c r="XFD1048576"><v>1</v></c>', b"<c>", b"<c/>",
           b'<c s="1" r="C3">', b'<c r="a1">', b'<c\tr="Z99"\n/>', b'<c  r="AB12" t="s">', b'<c r="A12345678">',
           b'<c r="A0007">', b'<c r="ZZ3" ', b'<c r="Q5"/ >', b'<c r="Q6" /  >', b"<", b">", b"/", b"/>", b" ",
           b'<row r="3">', b"</row>", b'<cc r="A1">', b"<c r='A1'>", b"<v>1</v>", b"</c>", b'<c r="B2" x="<c/>',
           b'<c r="D4"', b'"', b'<c\nr="E5"></c>', b'<x:c r="A1">', b'<c r="AAAA1">', b'<c r="">']


def _per_cell_scan(cells: guard._XlsxCells, buf: bytes) -> None:
    """_XlsxCells.scan as it was: a prefixed <x:c> restarts, then every <c> tag is looked at in Python."""
    if guard._PREFIXED_CELL.search(buf):
        raise guard._Restart
    cells._fast(buf)


def _outcome(fast: bool, buf: bytes) -> object:
    cells = guard._XlsxCells("s")
    try:
        cells.scan(buf) if fast else _per_cell_scan(cells, buf)
    except guard._Restart:
        return "restart"
    return cells.max_row, cells.max_col


@settings(max_examples=2000, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map(b"".join))
def test_used_cell_scan_is_the_per_cell_scan(buf: bytes) -> None:
    """The one-regex scan of used cells decides as the per-cell scan does, malformed tags included."""
    assert _outcome(True, buf) == _outcome(False, buf)


def test_used_cell_scan_on_a_sheet() -> None:
    xml = (b'<sheetData><row r="2"><c r="A2" s="1" t="s"><v>0</v></c><c r="B2" s="1"/></row>'
           b'<row r="30"><c r="I30" t="n"><v>1</v></c><c r="Z40" s="1"/></row></sheetData>')
    assert _outcome(True, xml) == (29, 8) == _outcome(False, xml)


@pytest.mark.parametrize("closing", [b"/>", b">"])
def test_a_long_tag_full_of_cell_openings_is_read_once(closing: bytes) -> None:
    """Each alternative of the used-cell regex consumes the whole tag: a 400 KB tag made of `<c r="A1" `
    used to be re-read from each of its 40,000 openings (quadratic: minutes). Now it is one match, and it
    decides as the per-cell scan does."""
    buf = b'<row r="1">' + b'<c r="A1" ' * 40_000 + closing + b'<c r="C3"><v>1</v></c></row>'
    assert _outcome(True, buf) == _outcome(False, buf) == (2, 2)
