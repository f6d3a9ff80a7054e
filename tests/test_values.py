"""The value grammar (processor/read/values.py), table-driven.

Every expected value below is what the cell *means* on a 项目支出绩效自评表 (docs/rulebook.md §2 and §4),
written by hand — not captured from running the parser.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processor.core.model import Value, ValueKind
from processor.read.values import Unreadable, parse_number, parse_rate, parse_value, reconcile_percent

Q = ValueKind.QUANTITY
P = ValueKind.PERCENT
D = ValueKind.DATE
T = ValueKind.QUALITATIVE
E = ValueKind.EMPTY

# docs/rulebook.md §4, verbatim: 三级指标 | 年度指标值 | 实际完成值. The parse table below must hold every one of
# these targets and actuals (checked by test_section4_is_covered).
SECTION4: list[tuple[str, str, str]] = [
    ("基建工程委托业务项目数量", "≥50个", "50"),
    ("委托业务报告合格率", "≥100百分比", "100"),
    ("经费支出合规性", "严格执行相关制度规定", "达成预期指标"),
    ("提交报告及时性", "在项目计划完成时间内完成", "达成预期指标"),
    ("项目总成本", "≤90万元", "90"),
    ("补助村(社区)数量", "=8个", "8"),
    ("项目总成本", "≤202.6万元", "132.9"),
    ("对维护基建市场公平的影响程度", "效果明显", "达成预期指标"),
    ("工程资金金额", "43.2", "37.24"),
    ("工程验收合格率", "100", "100"),
    ("安装坡面水标尺", "≥266米", "≥266米"),
    ("受益脱贫(含监测对象)户满意度", "≥95%", "≥95%"),
    ("★补助各类瓜果蔬菜种植面积", "29.5亩", "29.5亩"),
    ("特色产业带动增加受益农户收入", "≥11.376万元", "12万元"),
    ("养殖家畜家禽成活率", "95%", "100%"),
    ("保障人数", "2370人", "2370人"),
    ("公用经费完成时间", "2021年12月完成", "2021年12月完成"),
    ("学生受资助人数", "≧735人次", "735"),
    ("生均补助标准达标率", "═100%", "100%"),
    ("资金到位及时率", "≧100%", "100%"),
    ("学生满意度", "≧95%", "100%"),
]


def case(cell: object, op: str | None, value: float | None, unit: str, kind: ValueKind,
         date: str | None = None, note: str = "") -> Any:
    label = note or (cell if isinstance(cell, str) else f"{type(cell).__name__}:{cell!r}")
    return pytest.param(cell, op, value, unit, kind, date, id=str(label))


CASES = [
    # a short label in front of a symbol comparator, as in 群众满意度≥95%
    case("满意度≥95%", ">=", 95, "%", P),
    case("群众满意度≥95%", ">=", 95, "%", P),
    case("验收合格率=100%", "=", 100, "%", P),
    # --- docs/rulebook.md §4, targets and actuals --------------------------------------------------------
    case("≥50个", ">=", 50, "个", Q),
    case("50", None, 50, "", Q),
    case("≥100百分比", ">=", 100, "%", P),  # the odd unit 百分比 is a percent sign
    case("100", None, 100, "", Q),  # 合格率 with no % sign: a bare number, nothing invented
    case("严格执行相关制度规定", None, None, "", T),
    case("达成预期指标", None, None, "", T),
    case("在项目计划完成时间内完成", None, None, "", T),  # no calendar date in it
    case("≤90万元", "<=", 90, "万元", Q),
    case("90", None, 90, "", Q),
    case("=8个", "=", 8, "个", Q),
    case("8", None, 8, "", Q),
    case("≤202.6万元", "<=", 202.6, "万元", Q),
    case("132.9", None, 132.9, "", Q),
    case("效果明显", None, None, "", T),
    case("43.2", None, 43.2, "", Q),
    case("37.24", None, 37.24, "", Q),
    case("≥266米", ">=", 266, "米", Q),
    case("≥95%", ">=", 95, "%", P),
    case("29.5亩", None, 29.5, "亩", Q),
    case("≥11.376万元", ">=", 11.376, "万元", Q),
    case("12万元", None, 12, "万元", Q),
    case("95%", None, 95, "%", P),
    case("100%", None, 100, "%", P),
    case("2370人", None, 2370, "人", Q),
    case("2021年12月完成", "<=", None, "", D, "2021-12"),  # a deadline: earlier or equal is met
    case("≧735人次", ">=", 735, "人次", Q),  # JIS ≧
    case("735", None, 735, "", Q),
    case("═100%", "=", 100, "%", P),  # box-drawing ═ typed for =
    case("≧100%", ">=", 100, "%", P),
    case("≧95%", ">=", 95, "%", P),
    # --- Chinese comparator words (docs/rulebook.md §2: positive and reverse directions) -----------------
    case("不少于10个", ">=", 10, "个", Q),
    case("不低于95%", ">=", 95, "%", P),
    case("不小于3次", ">=", 3, "次", Q),
    case("至少1次", ">=", 1, "次", Q),
    case("大于等于90%", ">=", 90, "%", P),
    case("达到100%", ">=", 100, "%", P),
    case("100人以上", ">=", 100, "人", Q),
    case("95%及以上", ">=", 95, "%", P),
    case("不高于5%", "<=", 5, "%", P),
    case("不超过50万元", "<=", 50, "万元", Q),
    case("5万元以内", "<=", 5, "万元", Q),
    case("控制在10万元以内", "<=", 10, "万元", Q),
    case("控制在202.6万元", "<=", 202.6, "万元", Q),
    case("3次以下", "<=", 3, "次", Q),
    case("小于3次", "<", 3, "次", Q),
    case("少于3次", "<", 3, "次", Q),
    case("多于5个", ">", 5, "个", Q),
    case("低于2%", "<", 2, "%", P),
    case("大于90%", ">", 90, "%", P),
    case("高于80%", ">", 80, "%", P),
    case("等于100%", "=", 100, "%", P),
    case("≤5天", "<=", 5, "天", Q),
    case("<5%", "<", 5, "%", P),
    case(">=90分", ">=", 90, "分", Q),
    case("≥1次/年", ">=", 1, "次/年", Q),
    case("≤5300元/户", "<=", 5300, "元/户", Q),  # docs/rulebook.md §3.3
    case("≥4754", ">=", 4754, "", Q),  # docs/rulebook.md §3.3
    case("1000件", None, 1000, "件", Q),  # docs/rulebook.md §3.7
    case("达到预期目标", None, None, "", T),  # a comparator word without a number is still prose
    case("控制在预算以内", None, None, "", T),
    # --- full-width forms, U+3000, look-alike comparators ----------------------------------------
    case("１００％", None, 100, "%", P),
    case("≥９５％", ">=", 95, "%", P),
    case("不低于95％", ">=", 95, "%", P),
    case("２３７０人", None, 2370, "人", Q),
    case("＞90％", ">", 90, "%", P),
    case("＜5％", "<", 5, "%", P),
    case("＝100％", "=", 100, "%", P),
    case("≦5万元", "<=", 5, "万元", Q),  # JIS ≦
    case("　200", None, 200, "", Q),
    case("≥　95　％", ">=", 95, "%", P),
    case("≥ 95 %", ">=", 95, "%", P),
    case("12 万元", None, 12, "万元", Q),
    case("２０２３年１２月", "<=", None, "", D, "2023-12"),
    # --- thousands separators, decimals, per-mille ------------------------------------------------
    case("2,200", None, 2200, "", Q),
    case("2，200", None, 2200, "", Q, note="2,200-fullwidth-comma"),
    case("≥2,200人", ">=", 2200, "人", Q),
    case("1,234.5万元", None, 1234.5, "万元", Q),
    case("97.30%", None, 97.3, "%", P),
    case("100.00%", None, 100, "%", P),
    case("5‰", None, 5, "‰", P),
    case("0", None, 0, "", Q),
    # --- bracketed notes after the value ------------------------------------------------------------
    case("≥95%（含）", ">=", 95, "%", P),
    case("100%(按时足额发放)", None, 100, "%", P),
    # --- dates ---------------------------------------------------------------------------------------
    case("2023年12月", "<=", None, "", D, "2023-12"),
    case("2023-06", "<=", None, "", D, "2023-06"),
    case("2023/6/30", "<=", None, "", D, "2023-06-30"),
    case("2023-06-30", "<=", None, "", D, "2023-06-30"),
    case("2023-6-30前", "<=", None, "", D, "2023-06-30"),
    case("2023年12月31日", "<=", None, "", D, "2023-12-31"),
    case("2023年6月30日前", "<=", None, "", D, "2023-06-30"),
    case("2023年12月底前完成", "<=", None, "", D, "2023-12"),
    case("2021年底前", "<=", None, "", D, "2021-12"),
    case("2021年年底前完成", "<=", None, "", D, "2021-12"),
    case("2022年内完成", "<=", None, "", D, "2022-12"),
    case("2022年度内完成", "<=", None, "", D, "2022-12"),
    case("2021年完成", "<=", None, "", D, "2021-12"),
    case("≤3年", "<=", 3, "年", Q),  # a duration, not a date
    case(dt.date(2023, 6, 30), "<=", None, "", D, "2023-06-30"),
    case(dt.datetime(2021, 12, 31, 0, 0), "<=", None, "", D, "2021-12-31"),
    # --- numeric cells (calamine hands back int/float; a %-formatted 95% arrives as 0.95) ----------
    case(50, None, 50, "", Q),
    case(0, None, 0, "", Q),
    case(100.0, None, 100, "", Q),
    case(37.24, None, 37.24, "", Q),
    case(0.95, None, 0.95, "", Q),
    # --- qualitative text --------------------------------------------------------------------------
    case("有效", None, None, "", T),
    case("显著提升", None, None, "", T),
    case("合格", None, None, "", T),
    case("好", None, None, "", T),
    case("已完成", None, None, "", T),
    case("/", None, None, "", T),
    case("—", None, None, "", T),
    case(True, None, None, "", T),
    case(False, None, None, "", T),
    # --- blank ------------------------------------------------------------------------------------
    case(None, None, None, "", E),
    case("", None, None, "", E, note="empty-string"),
    case("　", None, None, "", E, note="U+3000"),
    case(" \n\t", None, None, "", E, note="whitespace"),
]


@pytest.mark.parametrize(("cell", "op", "value", "unit", "kind", "date"), CASES)
def test_parse_value(cell: object, op: str | None, value: float | None, unit: str, kind: ValueKind,
                     date: str | None) -> None:
    v = parse_value(cell)
    assert v.kind is kind
    assert v.op == op
    if value is None:
        assert v.value is None
    else:
        assert v.value == pytest.approx(value)
    assert v.unit == unit
    assert v.date == date


def test_section4_is_covered() -> None:
    cells = {p.values[0] for p in CASES}
    missing = [s for _, target, actual in SECTION4 for s in (target, actual) if s not in cells]
    assert not missing


def test_raw_keeps_what_was_written() -> None:
    assert parse_value("≧735人次").raw == "≧735人次"
    assert parse_value("═100%").raw == "═100%"
    assert parse_value(100.0).raw == "100"  # a number cell without a spurious ".0"
    assert parse_value(dt.date(2023, 6, 30)).raw == "2023-06-30"


def test_restated_target_parses_identically() -> None:
    # docs/rulebook.md §3.8: "≥266米" → "≥266米" is not a measurement; the checker needs both sides equal.
    for target, actual in (("≥266米", "≥266米"), ("≥95%", "≥95%"), ("2021年12月完成", "2021年12月完成")):
        assert parse_value(target) == parse_value(actual)


# --- parse_number / parse_rate --------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "expected"), [
    ("　200", 200.0),
    ("200", 200.0),
    ("10分", 10.0),
    ("10 分", 10.0),
    ("2,200", 2200.0),
    ("1,234.56万元", 1234.56),
    ("100%", 100.0),
    ("97.30%", 97.3),
    ("１００％", 100.0),
    ("-5", -5.0),
    (".5", 0.5),
    (10, 10.0),
    (1.0, 1.0),
    (132.9, 132.9),
    (None, None),
    ("", None),
    ("　", None),
    # marks that mean "none" in 上年结转资金/其他资金 rows and 分值 cells of part rows
    ("—", None), ("/", None), ("无", None), (" -- ", None),
])
def test_parse_number(cell: object, expected: float | None) -> None:
    got = parse_number(cell)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)
        assert isinstance(got, float)


@pytest.mark.parametrize("cell", ["十分", "没有", "达成预期指标", "≥95%", "2021年12月", "10分钟", True,
                                  dt.date(2023, 6, 30)])
def test_parse_number_unreadable(cell: object) -> None:
    with pytest.raises(Unreadable):
        parse_number(cell)


@pytest.mark.parametrize(("cell", "expected"), [
    ("100%", 1.0),
    (1.0, 1.0),
    ("97.30%", 0.973),
    (97.3, 0.973),
    ("86%", 0.86),
    (0.656, 0.656),
    ("65.6", 0.656),
    (100, 1.0),
    ("１００％", 1.0),
    (1.2, 1.2),  # spending above budget (执行数 > 预算数) is a ratio above 1, not 1.2%
    (0, 0.0),
    (None, None),
    ("", None),
])
def test_parse_rate(cell: object, expected: float | None) -> None:
    got = parse_rate(cell)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_parse_rate_unreadable() -> None:
    with pytest.raises(Unreadable):
        parse_rate("全部执行")


# --- reconcile_percent ----------------------------------------------------------------------------

def test_reconcile_ratio_actual_beside_percent_target() -> None:
    target, actual = reconcile_percent(parse_value("≥95%"), parse_value(0.97))
    assert target == parse_value("≥95%")
    assert actual.kind is P and actual.unit == "%"
    assert actual.value == pytest.approx(97)
    assert actual.op is None


def test_reconcile_ratio_target_beside_percent_actual() -> None:
    target, actual = reconcile_percent(parse_value(0.95), parse_value("100%"))
    assert actual == parse_value("100%")
    assert target.kind is P and target.unit == "%"
    assert target.value == pytest.approx(95)


def test_reconcile_full_ratio() -> None:
    # ═100% against a %-formatted cell holding 1.0
    _, actual = reconcile_percent(parse_value("═100%"), parse_value(1.0))
    assert actual.kind is P
    assert actual.value == pytest.approx(100)


@pytest.mark.parametrize(("target", "actual"), [
    ("≥50个", 50),  # plain quantities: nothing to reconcile
    ("≤90万元", "90"),
    ("43.2", "37.24"),
    ("≥95%", "97%"),  # both already percent
    ("100", "100%"),  # 100 is not a ratio
    ("≥95%", "达成预期指标"),  # not comparable; left for the checker to report
    ("2021年12月完成", 0.5),
])
def test_reconcile_leaves_other_pairs_alone(target: object, actual: object) -> None:
    t, a = parse_value(target), parse_value(actual)
    assert reconcile_percent(t, a) == (t, a)


# --- properties -----------------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _consistent(v: Value) -> None:
    assert isinstance(v, Value)
    assert v.op in (">=", ">", "=", "<=", "<", None)
    assert isinstance(v.raw, str) and isinstance(v.unit, str)
    if v.kind in (Q, P):
        assert v.value is not None and not math.isnan(v.value)
        assert v.date is None
    elif v.kind is D:
        assert v.date is not None and _ISO.match(v.date)
        assert v.value is None and v.op is not None
    else:
        assert v.kind in (T, E)
        assert v.value is None and v.date is None and v.op is None and v.unit == ""
    if v.kind is P:
        assert v.unit in ("%", "‰")


@given(st.text())
def test_parse_value_never_raises_on_text(text: str) -> None:
    _consistent(parse_value(text))


# st.text() rarely spells a value; this alphabet makes near-miss targets (`2023-6-`, `≥,5%以内`, `2021年度内`).
_VALUE_CHARS = "0123456789.,-+/%％‰≥≤≧≦═=<>＞＜年月日号底末前内度完成以上下不低于少高个人万元　 ()（）★"


@given(st.text(alphabet=_VALUE_CHARS, max_size=16))
def test_parse_value_never_raises_on_value_like_text(text: str) -> None:
    _consistent(parse_value(text))


_CELLS = st.one_of(st.integers(), st.floats(), st.none(), st.booleans())  # a hostile <v>NaN</v> reads as NaN


@given(_CELLS)
def test_parse_value_never_raises_on_cells(cell: object) -> None:
    v = parse_value(cell)
    _consistent(v)
    if cell is None:
        assert v.kind is E
    elif isinstance(cell, bool) or (isinstance(cell, float) and not math.isfinite(cell)):
        assert v.kind is T  # NaN and ±∞ measure nothing
    else:
        assert v.kind is Q


@pytest.mark.parametrize("cell", [math.nan, math.inf, -math.inf, 1e308, -2e15, "1" + "0" * 400, "1e308", 2**63])
def test_non_finite_and_absurd_numbers_are_unreadable(cell: object) -> None:
    """Found by fuzzing the reader: ∞ and NaN reached messages (OverflowError) and the summary (TypeError)."""
    with pytest.raises(Unreadable):
        parse_number(cell)


def test_float_noise_is_zero() -> None:
    assert parse_number(5e-324) == 0.0 and parse_number(-1e-12) == 0.0 and parse_number(1e-6) == 1e-6
    assert parse_value("1" + "0" * 400).kind is T


@given(st.one_of(st.text(), st.text(alphabet=_VALUE_CHARS, max_size=16), _CELLS))
def test_parse_number_returns_float_none_or_unreadable(cell: object) -> None:
    try:
        got = parse_number(cell)
    except Unreadable:
        return
    assert got is None or isinstance(got, float)
