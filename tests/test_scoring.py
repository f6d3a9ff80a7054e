"""Rulebook rescoring (processor/review/scoring.py) and rule profiles (processor/review/profiles.py).

Every expected score below is worked out by hand from docs/rulebook.md §2 — target met → full 分值;
positive B/A × 分值; reverse A/B × 分值 (or (2 − B/A) × 分值 with the "linear" profile option);
`=` as positive; A = 0 reverse full only if B = 0; dates earlier-or-equal met; qualitative bands
80–100 / 60–80 / 0–60 (older forms 80 / 50); never above 分值 — not captured from running the code.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from processor.core.errors import UsageError
from processor.core.model import Indicator, Severity, Value, ValueKind
from processor.read.values import parse_value
from processor.review.profiles import Profile, load_profile
from processor.review.scoring import budget_score, score_indicator

CENTRAL = load_profile("central2020")
HUNAN = load_profile("hunan-legacy")
LINEAR = dataclasses.replace(CENTRAL, reverse_formula="linear")


def indicator(name: str, target: object, actual: object, weight: float | None, self_score: float | None = None,
              level1: str = "产出指标", level2: str = "数量指标") -> Indicator:
    key = name.startswith("★")
    clean = name.lstrip("★")
    return Indicator(level1=level1, level2=level2, name=clean, raw_name=name, row=1,
                     target=parse_value(target), actual=parse_value(actual), weight=weight,
                     self_score=self_score, reason="", key_indicator=key)


# -- docs/rulebook.md §4, every row ------------------------------------------------------------------------
# (三级指标, 年度指标值, 实际完成值, 分值, 得分, 一级, 二级, expected method, expected recomputed score)
SECTION4: list[tuple[str, str, str, float, float, str, str, str, float]] = [
    # ≥50 → 50: 50 ≥ 50 met → 8
    ("基建工程委托业务项目数量", "≥50个", "50", 8, 8, "产出指标", "数量指标", "positive", 8),
    # ≥100% → 100 (bare number beside a percent): 100 ≥ 100 met → 8
    ("委托业务报告合格率", "≥100百分比", "100", 8, 8, "产出指标", "质量指标", "positive", 8),
    # qualitative, 达成预期指标 → achieved band 80–100% of 8 = [6.4, 8]; self 8 inside → stands
    ("经费支出合规性", "严格执行相关制度规定", "达成预期指标", 8, 8, "产出指标", "质量指标", "qualitative", 8),
    # no date in the target: qualitative; achieved band [6.4, 8]; self 8 stands
    ("提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", 8, 8, "产出指标", "时效指标", "qualitative", 8),
    # reverse ≤90 → 90: 90 ≤ 90 met → 8
    ("项目总成本", "≤90万元", "90", 8, 8, "产出指标", "成本指标", "reverse", 8),
    # = scores as positive: 8 ≥ 8 met → 8
    ("补助村(社区)数量", "=8个", "8", 8, 8, "产出指标", "数量指标", "equal", 8),
    # reverse ≤202.6 → 132.9: 132.9 ≤ 202.6 met → 10 (the low 执行率 is the budget check's business)
    ("项目总成本", "≤202.6万元", "132.9", 10, 10, "产出指标", "成本指标", "reverse", 10),
    # qualitative achieved band [8, 10]; self 10 stands
    ("对维护基建市场公平的影响程度", "效果明显", "达成预期指标", 10, 10, "效益指标", "社会效益指标", "qualitative", 10),
    # bare number → positive, not met: 37.24 / 43.2 × 10 = 8.6204 → 8.62
    ("工程资金金额", "43.2", "37.24", 10, 9, "产出指标", "数量指标", "positive", 8.62),
    # bare 100 → 100: met → 10
    ("工程验收合格率", "100", "100", 10, 10, "产出指标", "质量指标", "positive", 10),
    # actual restates the target (a finding elsewhere); as numbers 266 ≥ 266 met → 10
    ("安装坡面水标尺", "≥266米", "≥266米", 10, 10, "产出指标", "数量指标", "positive", 10),
    # 95 ≥ 95 met → 10
    ("受益脱贫(含监测对象)户满意度", "≥95%", "≥95%", 10, 10, "满意度指标", "服务对象满意度指标", "positive", 10),
    # ★ key-indicator mark; bare 29.5 → 29.5 met → 20
    ("★补助各类瓜果蔬菜种植面积", "29.5亩", "29.5亩", 20, 20, "产出指标", "数量指标", "positive", 20),
    # 12 ≥ 11.376 met → 20
    ("特色产业带动增加受益农户收入", "≥11.376万元", "12万元", 20, 20, "效益指标", "经济效益指标", "positive", 20),
    # bare 95% → 100%: met → 5
    ("养殖家畜家禽成活率", "95%", "100%", 5, 5, "产出指标", "质量指标", "positive", 5),
    # 2370 ≥ 2370 met → 10
    ("保障人数", "2370人", "2370人", 10, 10, "产出指标", "数量指标", "positive", 10),
    # date 2021-12 → 2021-12: equal is met → full 5 (the self-score 4 is below, not above)
    ("公用经费完成时间", "2021年12月完成", "2021年12月完成", 5, 4, "产出指标", "时效指标", "date", 5),
    # JIS ≧: 735 ≥ 735 met → 10
    ("学生受资助人数", "≧735人次", "735", 10, 10, "产出指标", "数量指标", "positive", 10),
    # ═ (box-drawing double bar) is `=`: 100 ≥ 100 met → 10
    ("生均补助标准达标率", "═100%", "100%", 10, 10, "产出指标", "质量指标", "equal", 10),
    # ≧100% → 100%: met → 10 (self 7 is below; no inflation)
    ("资金到位及时率", "≧100%", "100%", 10, 7, "产出指标", "时效指标", "positive", 10),
    # 100 ≥ 95 met → 10
    ("学生满意度", "≧95%", "100%", 10, 10, "满意度指标", "服务对象满意度指标", "positive", 10),
]


@pytest.mark.parametrize(("name", "target", "actual", "weight", "self_score", "level1", "level2", "method", "score"),
                         SECTION4, ids=[f"{r[0]}:{r[1]}→{r[2]}" for r in SECTION4])
def test_section4_rows(name: str, target: str, actual: str, weight: float, self_score: float, level1: str,
                       level2: str, method: str, score: float) -> None:
    ind = indicator(name, target, actual, weight, self_score, level1, level2)
    got = score_indicator(ind, CENTRAL)
    assert got.method == method
    assert got.score == pytest.approx(score, abs=1e-9)


def test_section4_has_every_row() -> None:
    assert len(SECTION4) == 21


# -- docs/rulebook.md §3: inflated self-scores (自评分虚高) ------------------------------------------------

def test_inflated_positive() -> None:
    # ≥4754 → 4604, scored 5/5: 4604 / 4754 × 5 = 4.8422 → 4.84
    got = score_indicator(indicator("培训人次", "≥4754", "4604", 5, 5), CENTRAL)
    assert (got.method, got.score, got.met) == ("positive", pytest.approx(4.84), False)


def test_inflated_reverse_ratio() -> None:
    # ≤5300元/户 → 5830元/户, scored 10/10: reverse, 5300 / 5830 × 10 = 9.0909 → 9.09
    ind = indicator("户均建设成本", "≤5300元/户", "5830元/户", 10, 10, level2="成本指标")
    got = score_indicator(ind, CENTRAL)
    assert (got.method, got.score, got.met) == ("reverse", pytest.approx(9.09), False)


def test_inflated_reverse_linear() -> None:
    # the provincial formula: (2 − 5830 / 5300) × 10 = (2 − 1.1) × 10 = 9.0
    ind = indicator("户均建设成本", "≤5300元/户", "5830元/户", 10, 10, level2="成本指标")
    got = score_indicator(ind, LINEAR)
    assert (got.method, got.score) == ("reverse", pytest.approx(9.0))


def test_linear_reaches_zero_at_twice_the_target() -> None:
    # (2 − 180 / 100) × 10 = 2.0; at B = 2A: (2 − 2) × 10 = 0; beyond 2A still 0, never negative
    assert score_indicator(indicator("项目成本", "≤100万元", "180万元", 10, level2="成本指标"), LINEAR).score \
        == pytest.approx(2.0)
    assert score_indicator(indicator("项目成本", "≤100万元", "200万元", 10, level2="成本指标"), LINEAR).score == 0
    assert score_indicator(indicator("项目成本", "≤100万元", "350万元", 10, level2="成本指标"), LINEAR).score == 0
    # the ratio formula at 350: 100 / 350 × 10 = 2.857 → 2.86
    assert score_indicator(indicator("项目成本", "≤100万元", "350万元", 10, level2="成本指标"), CENTRAL).score \
        == pytest.approx(2.86)


# -- direction ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "actual", "weight", "score"), [
    ("=8个", "6", 8, 6.0),      # 6 / 8 × 8 = 6.0
    ("=100%", "90%", 10, 9.0),  # 90 / 100 × 10 = 9.0
    ("=8个", "10", 8, 8),       # = scores as positive: above the target is met → full
    ("等于20人", "15人", 4, 3.0),  # 15 / 20 × 4 = 3.0
])
def test_equal_scores_as_positive(target: str, actual: str, weight: float, score: float) -> None:
    got = score_indicator(indicator("补助村数量", target, actual, weight), CENTRAL)
    assert got.method == "equal"
    assert got.score == pytest.approx(score)


@pytest.mark.parametrize(("name", "level2", "target", "actual", "score"), [
    # no comparator: the name or the 成本 二级 makes it reverse; A/B × 10
    ("项目总成本", "成本指标", "90万元", "100万元", 9.0),     # 90 / 100 × 10 = 9.0
    ("资金结余率", "质量指标", "5%", "8%", 6.25),             # 5 / 8 × 10 = 6.25
    ("预算调整率", "质量指标", "10%", "16%", 6.25),           # 10 / 16 × 10 = 6.25
    ("安全事故次数", "质量指标", "2次", "4次", 5.0),          # 2 / 4 × 10 = 5.0
    ("群众投诉件数", "质量指标", "4件", "5件", 8.0),          # 4 / 5 × 10 = 8.0
    ("人均培训费用", "成本指标", "1000元", "800元", 10),      # under the cost: met
    # words for ≤: 不高于, 以内
    ("设备采购价", "数量指标", "不高于50万元", "60万元", 8.33),  # 50 / 60 × 10 = 8.333 → 8.33
    ("工期", "时效指标", "30天以内", "40天", 7.5),              # 30 / 40 × 10 = 7.5
])
def test_reverse_direction(name: str, level2: str, target: str, actual: str, score: float) -> None:
    got = score_indicator(indicator(name, target, actual, 10, level2=level2), CENTRAL)
    assert got.method == "reverse"
    assert got.score == pytest.approx(score)


@pytest.mark.parametrize(("target", "actual", "score"), [
    ("不少于200人", "150人", 7.5),   # 150 / 200 × 10 = 7.5
    ("不低于95%", "90%", 9.47),      # 90 / 95 × 10 = 9.4737 → 9.47
    ("100户以上", "80户", 8.0),      # 80 / 100 × 10 = 8.0
    ("200", "250", 10),              # over-achieved: never above 分值
])
def test_positive_words(target: str, actual: str, score: float) -> None:
    got = score_indicator(indicator("培训人数", target, actual, 10), CENTRAL)
    assert got.method == "positive"
    assert got.score == pytest.approx(score)


def test_strict_greater_needs_more_than_the_target() -> None:
    # >100 → 100 is not met: 100 / 100 × 10 = 10 by the ratio, but met is False; 101 meets it
    at = score_indicator(indicator("培训人数", ">100人", "100人", 10), CENTRAL)
    above = score_indicator(indicator("培训人数", ">100人", "101人", 10), CENTRAL)
    assert (at.met, at.score) == (False, pytest.approx(10))
    assert (above.met, above.score) == (True, 10)


def test_rounding_never_lifts_a_score_above_its_weight() -> None:
    # >1 → 1 with weight 1.875: not met, 1 / 1 × 1.875 = 1.875; rounding to 2 places (1.88) would exceed 分值
    got = score_indicator(indicator("培训人数", ">1人", "1人", 1.875), CENTRAL)
    assert (got.met, got.score) == (False, 1.875)
    # a late date with late_date_score 1: 1 × 1.875, not 1.88
    lenient = dataclasses.replace(CENTRAL, late_date_score=1.0)
    late = score_indicator(indicator("完成时间", "2023年12月", "2024年1月", 1.875, level2="时效指标"), lenient)
    assert late.score == 1.875
    assert budget_score(1.0, 1.875, CENTRAL) == 1.875


@pytest.mark.parametrize(("target", "actual", "score"), [
    ("0次", "0次", 5),   # A = 0, B = 0: full
    ("0次", "1次", 0),   # A = 0, B > 0: nothing (A/B would be 0 anyway; no division by zero)
    ("≤0起", "0起", 5),
    ("≤0起", "3起", 0),
])
def test_reverse_zero_target(target: str, actual: str, score: float) -> None:
    got = score_indicator(indicator("安全事故发生次数", target, actual, 5, level2="质量指标"), CENTRAL)
    assert got.method == "reverse"
    assert got.score == score
    assert score_indicator(indicator("安全事故发生次数", target, actual, 5, level2="质量指标"), LINEAR).score == score


# -- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("actual", "met", "score"), [
    ("2023年10月", True, 5),      # earlier: met
    ("2023年12月", True, 5),      # equal: met
    ("2023年12月20日", True, 5),  # inside the target month: met
    ("2024年1月", False, 3),      # later: 未达成, capped at late_date_score (0.6) × 5 = 3
    ("2024年3月完成", False, 3),
])
def test_dates(actual: str, met: bool, score: float) -> None:
    got = score_indicator(indicator("项目完成时间", "2023年12月", actual, 5, 5, level2="时效指标"), CENTRAL)
    assert (got.method, got.met, got.score) == ("date", met, score)


def test_late_date_keeps_a_lower_self_score() -> None:
    got = score_indicator(indicator("项目完成时间", "2023年12月", "2024年2月", 5, 2, level2="时效指标"), CENTRAL)
    assert (got.met, got.score) == (False, 2)  # below the cap: the department's own deduction stands


def test_late_date_score_is_a_profile_setting() -> None:
    half = dataclasses.replace(CENTRAL, late_date_score=0.5)
    got = score_indicator(indicator("项目完成时间", "2023年12月", "2024年2月", 5, 5, level2="时效指标"), half)
    assert (got.method, got.met, got.score) == ("date", False, 2.5)  # 0.5 × 5


def test_date_target_answered_in_words() -> None:
    ok = score_indicator(indicator("项目完成时间", "2023年12月", "按时完成", 5, level2="时效指标"), CENTRAL)
    assert (ok.method, ok.score) == ("date", 5)
    vague = score_indicator(indicator("项目完成时间", "2023年12月", "正在推进", 5, level2="时效指标"), CENTRAL)
    assert (vague.method, vague.score) == ("unscorable", None)


# -- qualitative bands -----------------------------------------------------------------------------
ACHIEVED, PARTIAL, MISSED = "达成预期指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差"


@pytest.mark.parametrize(("profile", "actual", "self_score", "band", "score"), [
    # central2020, weight 10: achieved [8, 10], partial [6, 8), missed [0, 6)
    (CENTRAL, ACHIEVED, 10, "achieved", 10),
    (CENTRAL, ACHIEVED, 9, "achieved", 9),     # inside: stands
    (CENTRAL, ACHIEVED, 8, "achieved", 8),     # the edge is inside
    (CENTRAL, ACHIEVED, 6, "achieved", 8),     # below its band: the band's edge 0.8 × 10
    (CENTRAL, PARTIAL, 7, "partial", 7),       # inside [6, 8]
    (CENTRAL, PARTIAL, 10, "partial", 8),      # 部分达成 scored 10: capped at 0.8 × 10
    (CENTRAL, PARTIAL, 5, "partial", 6),       # below: 0.6 × 10 (5 < 6 − 0.5 tolerance)
    (CENTRAL, MISSED, 3, "missed", 3),         # inside [0, 6]
    (CENTRAL, MISSED, 9, "missed", 6),         # 未达成 scored 9: 0.6 × 10
    # hunan-legacy, weight 10: achieved [8, 10], partial [5, 8), missed [0, 5)
    (HUNAN, ACHIEVED, 9, "achieved", 9),
    (HUNAN, PARTIAL, 5, "partial", 5),         # inside [5, 8] there, outside central's [6, 8]
    (HUNAN, PARTIAL, 10, "partial", 8),
    (HUNAN, PARTIAL, 4, "partial", 5),         # 4 < 5 − 0.5: the edge 0.5 × 10
    (HUNAN, MISSED, 6, "missed", 5),           # 6 > 5 + 0.5 tolerance: 0.5 × 10 (central would let 6 stand)
    (HUNAN, MISSED, 2, "missed", 2),
])
def test_qualitative_bands(profile: Profile, actual: str, self_score: float, band: str, score: float) -> None:
    ind = indicator("社会效益", "效果明显", actual, 10, self_score, "效益指标", "社会效益指标")
    got = score_indicator(ind, profile)
    assert (got.method, got.band) == ("qualitative", band)
    assert got.score == pytest.approx(score)
    assert got.met is (band == "achieved")


def test_qualitative_central_missed_six_stands() -> None:
    # the other side of the hunan row above: central2020's missed band is [0, 6], 6 is inside
    ind = indicator("社会效益", "效果明显", MISSED, 10, 6, "效益指标", "社会效益指标")
    assert score_indicator(ind, CENTRAL).score == 6


def test_qualitative_bands_scale_with_weight() -> None:
    # weight 8, 部分达成 scored 8: central partial ceiling 0.8 × 8 = 6.4
    ind = indicator("经费支出合规性", "严格执行相关制度规定", PARTIAL, 8, 8, level2="质量指标")
    assert score_indicator(ind, CENTRAL).score == pytest.approx(6.4)


def test_qualitative_without_self_score_or_band() -> None:
    none = score_indicator(indicator("社会效益", "效果明显", ACHIEVED, 10, None), CENTRAL)
    assert (none.method, none.score) == ("qualitative", None)
    unknown = score_indicator(indicator("社会效益", "效果明显", "见附件", 10, 7), CENTRAL)
    assert (unknown.method, unknown.band, unknown.score) == ("qualitative", None, 7)
    # no band to judge by, but never above 分值 nor below 0: 12 of 10 → 10, −1 → 0
    over = score_indicator(indicator("社会效益", "效果明显", "见附件", 10, 12), CENTRAL)
    assert (over.method, over.score) == ("qualitative", 10)
    assert score_indicator(indicator("社会效益", "效果明显", "见附件", 10, -1), CENTRAL).score == 0


# -- unscorable ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "actual", "weight"), [
    ("", "100", 10),               # empty target
    ("≥100人", "", 10),            # empty actual
    ("≥100人", "100人", None),     # no weight
    ("100%", "1000件", 10),        # percent against a count: not comparable
    ("不低于95%", ACHIEVED, 10),   # a number answered with words
])
def test_unscorable(target: str, actual: str, weight: float | None) -> None:
    got = score_indicator(indicator("培训人数", target, actual, weight, 10), CENTRAL)
    assert (got.method, got.score) == ("unscorable", None)


# -- budget execution ------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "weight", "score"), [
    (1.0, 10, 10),
    (0.86, 10, 8.6),     # 0.86 × 10
    (1.2, 10, 10),       # min(1.2, 1) × 10: capped
    (0.656, 10, 6.56),   # the 项目总成本 row's 65.6%
    (0.0, 10, 0),
    (0.5, 20, 10),       # 0.5 × 20
    (None, 10, None),
])
def test_budget_score(rate: float | None, weight: float, score: float | None) -> None:
    got = budget_score(rate, weight, CENTRAL)
    if score is None:
        assert got is None
    else:
        assert got == pytest.approx(score)


# -- properties (hypothesis) -----------------------------------------------------------------------
OPS = [">=", ">", "=", "<=", "<", None]
NAMES = [("培训人数", "数量指标"), ("项目总成本", "成本指标"), ("资金结余率", "质量指标"), ("受益人口", "社会效益指标")]
amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
positive_amounts = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
weights = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
profiles = st.sampled_from([CENTRAL, LINEAR, HUNAN])


def number(op: str | None, value: float, unit: str = "人") -> Value:
    sym = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<", None: ""}[op]
    return Value(raw=f"{sym}{value}{unit}", op=op, value=value, unit=unit, kind=ValueKind.QUANTITY)


def built(name: str, level2: str, target: Value, actual: Value, weight: float,
          self_score: float | None = None) -> Indicator:
    return Indicator(level1="产出指标", level2=level2, name=name, raw_name=name, row=1, target=target,
                     actual=actual, weight=weight, self_score=self_score, reason="")


@given(a=amounts, b=amounts, w=weights, op=st.sampled_from(OPS), named=st.sampled_from(NAMES), profile=profiles,
       percent=st.booleans())
def test_score_lies_in_zero_to_weight(a: float, b: float, w: float, op: str | None, named: tuple[str, str],
                                      profile: Profile, percent: bool) -> None:
    target = number(op, a, "%" if percent else "人")
    if percent:
        target = dataclasses.replace(target, kind=ValueKind.PERCENT)
    got = score_indicator(built(*named, target, number(None, b, ""), w), profile)
    assert got.method != "unscorable"
    assert got.score is not None
    assert 0 <= got.score <= w


@given(actual=st.sampled_from([ACHIEVED, PARTIAL, MISSED, "见附件"]), w=weights,
       s=st.floats(min_value=-10, max_value=200, allow_nan=False), profile=profiles)
def test_qualitative_score_lies_in_zero_to_weight(actual: str, w: float, s: float, profile: Profile) -> None:
    got = score_indicator(indicator("社会效益", "效果明显", actual, w, s), profile)
    assert got.score is not None
    assert 0 <= got.score <= w


@given(y=st.integers(2015, 2030), m=st.integers(1, 12), y2=st.integers(2015, 2030), m2=st.integers(1, 12),
       w=weights, profile=profiles)
def test_date_score_lies_in_zero_to_weight(y: int, m: int, y2: int, m2: int, w: float, profile: Profile) -> None:
    got = score_indicator(indicator("完成时间", f"{y}年{m}月", f"{y2}年{m2}月", w, level2="时效指标"), profile)
    assert got.method == "date"
    assert got.met is ((y2, m2) <= (y, m))
    assert got.score is not None
    assert 0 <= got.score <= w


@given(a=amounts, b1=amounts, b2=amounts, w=weights, op=st.sampled_from([">=", ">", "=", None]), profile=profiles)
def test_positive_never_falls_when_actual_rises(a: float, b1: float, b2: float, w: float, op: str | None,
                                                profile: Profile) -> None:
    assume(a > 0 or op in (">=", ">"))  # a bare or = target of 0 (0人, =0起) is fewer-is-better: see below
    lo, hi = sorted((b1, b2))
    s_lo = score_indicator(built("培训人数", "数量指标", number(op, a), number(None, lo), w), profile)
    s_hi = score_indicator(built("培训人数", "数量指标", number(op, a), number(None, hi), w), profile)
    assert s_lo.method == s_hi.method == ("equal" if op == "=" else "positive")
    assert s_lo.score is not None and s_hi.score is not None
    assert s_lo.score <= s_hi.score


@given(a=amounts, b1=amounts, b2=amounts, w=weights, op=st.sampled_from(["<=", "<", None]), profile=profiles)
def test_reverse_never_rises_when_actual_rises(a: float, b1: float, b2: float, w: float, op: str | None,
                                               profile: Profile) -> None:
    lo, hi = sorted((b1, b2))
    s_lo = score_indicator(built("项目总成本", "成本指标", number(op, a, "万元"), number(None, lo, ""), w), profile)
    s_hi = score_indicator(built("项目总成本", "成本指标", number(op, a, "万元"), number(None, hi, ""), w), profile)
    assert s_lo.method == s_hi.method == "reverse"
    assert s_lo.score is not None and s_hi.score is not None
    assert s_lo.score >= s_hi.score


@given(a=amounts, extra=amounts, w=weights, op=st.sampled_from([">=", "=", None]), profile=profiles)
def test_met_positive_target_scores_full_weight(a: float, extra: float, w: float, op: str | None,
                                               profile: Profile) -> None:
    assume(a > 0 or op == ">=")  # a bare or = target of 0 is fewer-is-better: exceeding it is missing it
    got = score_indicator(built("培训人数", "数量指标", number(op, a), number(None, a + extra), w), profile)
    assert (got.met, got.score) == (True, w)


@given(a=amounts, extra=positive_amounts, w=weights, profile=profiles)
def test_met_strict_target_scores_full_weight(a: float, extra: float, w: float, profile: Profile) -> None:
    assume(a + extra > a)
    got = score_indicator(built("培训人数", "数量指标", number(">", a), number(None, a + extra), w), profile)
    assert (got.met, got.score) == (True, w)


@given(a=amounts, below=st.floats(0, 1, allow_nan=False), w=weights, op=st.sampled_from(["<=", None]),
       profile=profiles)
def test_met_reverse_target_scores_full_weight(a: float, below: float, w: float, op: str | None,
                                              profile: Profile) -> None:
    got = score_indicator(built("项目总成本", "成本指标", number(op, a, "万元"), number(None, a * below, ""), w), profile)
    assert (got.met, got.score) == (True, w)


@given(y=st.integers(2015, 2030), m=st.integers(1, 12), back=st.integers(0, 30), w=weights, profile=profiles)
def test_met_date_scores_full_weight(y: int, m: int, back: int, w: float, profile: Profile) -> None:
    months = y * 12 + (m - 1) - back
    y2, m2 = divmod(months, 12)
    got = score_indicator(indicator("完成时间", f"{y}年{m}月", f"{y2}年{m2 + 1}月", w, level2="时效指标"), profile)
    assert (got.met, got.score) == (True, w)


# -- grades ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["central2020", "hunan-legacy"])
@pytest.mark.parametrize(("total", "grade"), [
    (100, "优"), (90, "优"), (89.999, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差"),
    (None, None),
])
def test_grade_boundaries_inclusive(profile: str, total: float | None, grade: str | None) -> None:
    assert load_profile(profile).grade(total) == grade


RANK = {"差": 0, "中": 1, "良": 2, "优": 3}


@given(x=st.floats(-10, 110, allow_nan=False), y=st.floats(-10, 110, allow_nan=False))
def test_grade_monotonic_in_total(x: float, y: float) -> None:
    lo, hi = sorted((x, y))
    g_lo, g_hi = CENTRAL.grade(lo), CENTRAL.grade(hi)
    assert g_lo is not None and g_hi is not None
    assert RANK[g_lo] <= RANK[g_hi]


@given(x=st.floats(0, 100, allow_nan=False))
def test_grade_matches_the_bands(x: float) -> None:
    expected = "优" if x >= 90 else "良" if x >= 80 else "中" if x >= 60 else "差"
    assume(min(abs(x - 90), abs(x - 80), abs(x - 60)) > 1e-6)  # the grader's tolerance is 1e-9
    assert CENTRAL.grade(x) == expected


@pytest.mark.parametrize(("word", "grade"), [
    ("优", "优"), ("优秀", "优"), ("良", "良"), ("良好", "良"), ("中", "中"), ("合格", "中"), ("差", "差"), ("不合格", "差"),
])
def test_grade_words(word: str, grade: str) -> None:
    assert CENTRAL.grade_of_word(word) == grade


# -- profile loading ---------------------------------------------------------------------------------

def test_shipped_profiles() -> None:
    assert (CENTRAL.reverse_formula, CENTRAL.qualitative_bands["partial"]) == ("ratio", (0.6, 0.8))
    assert CENTRAL.level1_weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert CENTRAL.budget_weight == 10
    assert (CENTRAL.over_achievement, CENTRAL.execution_reason_below) == (1.3, 0.9)
    assert CENTRAL.grade_bands == ((90, "优"), (80, "良"), (60, "中"))
    # hunan-legacy: 80 / 50 bands, 50 / 40 weights, the rest inherited
    assert HUNAN.qualitative_bands == {"achieved": (0.8, 1.0), "partial": (0.5, 0.8), "missed": (0.0, 0.5)}
    assert HUNAN.level1_weights == {"产出指标": 50, "效益指标": 40}
    assert HUNAN.satisfaction_level == 2
    assert (HUNAN.reverse_formula, HUNAN.over_achievement, HUNAN.grade_bands) == \
        (CENTRAL.reverse_formula, CENTRAL.over_achievement, CENTRAL.grade_bands)


def test_user_profile_extends_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('extends = "central2020"\nover_achievement = 1.5\n\n[severity]\n"reason-missing" = "off"\n'
                    '"score-inflated" = "warning"\n', encoding="utf-8")
    mine = load_profile(path)
    assert mine.over_achievement == 1.5
    assert mine.severity == {"reason-missing": None, "score-inflated": Severity.WARNING}
    # everything else inherited unchanged
    assert mine.shown == "mine"  # a user's profile is shown by its own name, not by the label it extends
    assert dataclasses.replace(mine, name=CENTRAL.name, title=CENTRAL.title, over_achievement=CENTRAL.over_achievement,
                               severity=CENTRAL.severity, label=CENTRAL.label) == CENTRAL


def test_user_profile_extends_hunan_linear(tmp_path: Path) -> None:
    path = tmp_path / "province.toml"
    path.write_text('extends = "hunan-legacy"\nreverse_formula = "linear"\n', encoding="utf-8")
    mine = load_profile(path)
    assert mine.reverse_formula == "linear"
    assert mine.qualitative_bands == HUNAN.qualitative_bands
    # and the scorer follows it: (2 − 5830 / 5300) × 10 = 9.0
    ind = indicator("户均建设成本", "≤5300元/户", "5830元/户", 10, 10, level2="成本指标")
    assert score_indicator(ind, mine).score == pytest.approx(9.0)


def test_unknown_profile_name() -> None:
    with pytest.raises(UsageError) as err:
        load_profile("guangdong2099")
    assert "guangdong2099" in str(err.value)
    assert "找不到评分规则" in str(err.value)
    assert "central2020" in str(err.value)  # the message lists what is available


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="找不到评分规则"):
        load_profile(tmp_path / "nowhere.toml")


def test_bad_reverse_formula(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('extends = "central2020"\nreverse_formula = "quadratic"\n', encoding="utf-8")
    with pytest.raises(UsageError) as err:
        load_profile(path)
    message = str(err.value)
    assert "reverse_formula" in message
    assert "quadratic" in message
    assert "应为" in message


def test_bad_severity_level(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('extends = "central2020"\n[severity]\n"reason-missing" = "loud"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"reason-missing.*loud"):
        load_profile(path)


def test_bad_toml_syntax(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('extends = "central2020"\nover_achievement = \n', encoding="utf-8")
    with pytest.raises(UsageError, match="格式有误"):
        load_profile(path)


def test_profile_without_extends_names_missing_keys(tmp_path: Path) -> None:
    path = tmp_path / "bare.toml"
    path.write_text('name = "bare"\nover_achievement = 1.5\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"缺少设置.*reverse_formula"):
        load_profile(path)


def test_extends_cycle(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(f'extends = "{b}"\n', encoding="utf-8")
    b.write_text(f'extends = "{a}"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="循环"):
        load_profile(a)


@pytest.mark.parametrize(("name", "target", "actual", "met", "score"), [
    ("因经济困难辍学学生人数", "0人", "0人", True, 10),      # a target of 0: fewer is better, 0 meets it
    ("因经济困难辍学学生人数", "0人", "2人", False, 0),      # any above 0 misses it (A = 0, reverse: 0)
    ("安全生产责任事故", "=0起", "0起", True, 10),           # = 0 is a ceiling, not an equality to score by B/A
    ("学生失学人数", "3人", "2人", True, 10),                # a name the profile lists as fewer-is-better
    ("食品安全投诉件数", "10件", "20件", False, 5),          # 10 / 20 × 10
])
def test_fewer_is_better_indicators_are_reverse(name: str, target: str, actual: str, met: bool, score: float) -> None:
    got = score_indicator(indicator(name, target, actual, 10), CENTRAL)
    assert (got.method, got.met, got.score) == ("reverse", met, score)


def test_fewer_is_better_words_are_the_profiles(tmp_path: Path) -> None:
    """The words are data: a bureau's profile can add one (here 漏报) without code."""
    own = tmp_path / "own.toml"
    own.write_text('extends = "central2020"\nreverse_words = ["漏报"]\n', encoding="utf-8")
    profile = load_profile(str(own))
    assert score_indicator(indicator("统计漏报户数", "5户", "10户", 10), profile).method == "reverse"
    assert score_indicator(indicator("统计漏报户数", "5户", "10户", 10), CENTRAL).method == "positive"
