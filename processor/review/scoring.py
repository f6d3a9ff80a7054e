"""Recompute scores by the rulebook (docs/rulebook.md §2). Pure functions of values and a profile.

What cannot be recomputed is said so (`unscorable`) rather than guessed; the review engine then
decides what that means for the total and which finding it deserves.
"""

from __future__ import annotations

from dataclasses import dataclass

from processor.core.model import Funds, Indicator, Value, ValueKind
from processor.read.labels import memo_short, squash
from processor.review.profiles import Profile

POSITIVE, REVERSE, EQUAL, DATE, QUALITATIVE, UNSCORABLE = (
    "positive", "reverse", "equal", "date", "qualitative", "unscorable")

_ACHIEVED = ("达成年度指标", "达成预期指标", "达成预期", "达到预期", "达成", "达到", "已完成", "全部完成", "完成",
             "有效", "显著", "明显", "良好", "较好", "好", "优", "合格", "达标", "符合", "按时", "及时", "满意", "是", "提升",
             "提高", "改善", "增强")
_PARTIAL = ("部分达成", "部分完成", "基本达成", "基本完成", "基本达到", "基本实现", "一般", "有一定效果", "有所")
_MISSED = ("未达成", "未完成", "未达到", "未实现", "没有完成", "效果较差", "较差", "无效", "不合格", "不满意", "未按时",
           "滞后")


@dataclass(frozen=True)
class Score:
    method: str
    score: float | None
    met: bool | None = None
    band: str | None = None  # qualitative: achieved | partial | missed


def direction(ind: Indicator, profile: Profile) -> str:
    """Which way is better. An operator says so; without one, a target of 0 (0人, =0起) means smaller is better;
    then a name the profile lists as better large (完成率, 覆盖率, 降低 …) wins over one it lists as fewer-is-better
    (辍学, 事故, 投诉 …) or a 成本 group."""
    op, target = ind.target.op, ind.target.value
    if op in (">=", ">"):
        return POSITIVE
    if op in ("<=", "<"):
        return REVERSE
    if target == 0:
        return REVERSE
    if op == "=":
        return EQUAL
    if any(w in ind.name for w in profile.positive_words):
        return POSITIVE  # 整改完成率, 降低…成本: a rate of work done or a reduction is better large
    if "成本" in ind.level2 or any(w in ind.name for w in profile.reverse_words):
        return REVERSE
    return POSITIVE


@memo_short
def completion_band(text: str) -> str | None:
    """Which qualitative band a completion text claims; None when it says nothing recognisable.
    Memoised: the same completion texts (达成预期指标, 已完成, 满意) recur on form after form, and each one was
    squashed and searched for some forty words every time."""
    flat = squash(text)
    if not flat:
        return None
    for band, words in (("missed", _MISSED), ("partial", _PARTIAL), ("achieved", _ACHIEVED)):
        if any(w in flat for w in words):
            return band
    return None


def comparable(target: Value, actual: Value) -> bool:
    """Two numbers that measure the same kind of thing: percent with percent or a bare number, etc."""
    numeric = (ValueKind.QUANTITY, ValueKind.PERCENT)
    if target.kind not in numeric or actual.kind not in numeric or actual.value is None:
        return False
    if target.kind is actual.kind:
        return True
    # percent against a quantity: fine when the quantity is a bare number (100 for 100%)
    quantity = actual if actual.kind is ValueKind.QUANTITY else target
    return not quantity.unit


def _clamp(x: float, weight: float) -> float:
    return max(0.0, min(weight, x))


def _bounded(x: float, weight: float, digits: int) -> float:
    """Rounded, then clamped: rounding last could lift 1.875 × 1.0 to 1.88, above its 分值."""
    return _clamp(round(x, digits), weight)


def score_indicator(ind: Indicator, profile: Profile) -> Score:
    """The rulebook score of one indicator; never above its weight, never below 0."""
    w, target, actual = ind.weight, ind.target, ind.actual
    if w is None or target.kind is ValueKind.EMPTY or actual.kind is ValueKind.EMPTY:
        return Score(UNSCORABLE, None)
    r = profile.rounding
    if target.kind is ValueKind.DATE:
        if actual.kind is ValueKind.DATE and actual.date and target.date:
            met = actual.date[: len(target.date)] <= target.date
            if met:
                return Score(DATE, w, True)
            # late is 未达成: the self-score stands up to the cap (the rulebook gives no late formula)
            cap = _bounded(w * profile.late_date_score, w, r)
            return Score(DATE, cap if ind.self_score is None else min(_bounded(ind.self_score, w, r), cap), False)
        band = completion_band(actual.raw)
        if band == "achieved":
            return Score(DATE, w, True)
        return Score(UNSCORABLE, None)
    if target.kind is ValueKind.QUALITATIVE:
        return _qualitative(ind, profile)
    if not comparable(target, actual):
        return Score(UNSCORABLE, None)
    a, b = target.value, actual.value
    assert a is not None and b is not None
    way = direction(ind, profile)
    if way == REVERSE:
        if b <= a:
            return Score(REVERSE, w, True)
        if a == 0:
            return Score(REVERSE, 0.0, False)
        ratio = a / b if profile.reverse_formula == "ratio" else 2 - b / a
        return Score(REVERSE, _bounded(ratio * w, w, r), False)
    met = b > a if target.op == ">" else b >= a
    if met or a <= 0:
        return Score(way, w, True)
    return Score(way, _bounded(b / a * w, w, r), False)


def _qualitative(ind: Indicator, profile: Profile) -> Score:
    """The self-score stands when it lies inside the band its completion text claims; else the band's edge."""
    w = ind.weight
    assert w is not None
    band = completion_band(ind.actual.raw) if ind.actual.kind is ValueKind.QUALITATIVE else None
    if band is None and ind.actual.kind is ValueKind.PERCENT and ind.actual.value is not None:
        band = "achieved" if ind.actual.value >= 100 else None
    if band is None or ind.self_score is None:
        # no band to judge by: the self-score stands, but never above 分值 nor below 0 (docs/rulebook.md §2)
        return Score(QUALITATIVE, _clamp(ind.self_score, w) if ind.self_score is not None else None, None, band)
    low, high = profile.qualitative_bands[band]
    lo, hi = low * w, high * w
    tol = profile.score_tolerance
    s = ind.self_score
    inside = lo - tol <= s <= hi + tol
    return Score(QUALITATIVE, _bounded(s if inside else min(max(s, lo), hi), w, profile.rounding),
                 band == "achieved", band)


def execution_rate(annual_budget: float | None, executed: float | None) -> float | None:
    """执行率 = 全年执行数 ÷ 全年预算数 (not 年初预算数), only where both are known and the budget is positive."""
    if annual_budget is None or executed is None or annual_budget <= 0:
        return None
    return executed / annual_budget


def years_rate(funds: Funds) -> float | None:
    """The 执行率 by which years are compared (项目汇总's 上年执行率, 历年对比, the history checks, the draft's 与上年相比):
    执行数 ÷ 全年预算数, as this year's is computed; the form's printed rate only where those figures are missing."""
    rate = execution_rate(funds.annual_budget, funds.executed)
    return funds.execution_rate if rate is None else rate


def budget_score(rate: float | None, weight: float, profile: Profile) -> float | None:
    if rate is None:
        return None
    return _bounded(min(rate, 1.0) * weight, weight, profile.rounding)
