"""Stage 5: review a parsed form the way a finance-bureau reviewer does (docs/rulebook.md §2–3).

Recompute every score, then check the arithmetic, the explanations and the indicators themselves.
Every check adds findings; none raises. The computed scores go back into the Project.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace

from processor.core.findings import finding, num
from processor.core.model import Finding, Funds, Indicator, Project, Severity, ValueKind
from processor.read.labels import LEVEL1, LEVEL2_STEMS, label_key, squash
from processor.review.profiles import Profile
from processor.review.scoring import (
    EQUAL,
    POSITIVE,
    QUALITATIVE,
    REVERSE,
    UNSCORABLE,
    Score,
    budget_score,
    comparable,
    score_indicator,
)

FILLER = {"", "无", "/", "—", "-", "--", "——", "已完成", "完成", "没有", "无偏差", "不适用", "空", "0", "无。"}
_BUDGET_WORDS = re.compile(r"资金|预算|执行|支付|拨付|结余|结转|采购|进度|工程款|未付|尾款")
_METHOD_ZH = {
    POSITIVE: "正向指标“完成值 ÷ 指标值 × 分值”", EQUAL: "等于型指标“完成值 ÷ 指标值 × 分值”",
    REVERSE: "反向指标“指标值 ÷ 完成值 × 分值”", "reverse-linear": "反向指标“(2 − 完成值 ÷ 指标值) × 分值”",
    "date": "时间指标（按期完成得满分）",
}
_BAND_ZH = {"achieved": "达成年度指标", "partial": "部分达成年度指标", "missed": "未达成年度指标"}
_COUNTED = re.compile("数量|成本")  # 二级指标 whose targets must be numbers
_INDICATOR_FIELDS = ("level1", "level2", "name", "raw_name", "row", "target", "actual", "weight", "self_score",
                     "reason", "key_indicator", "computed_score", "method", "cells")
# _scored names every field of Indicator: a field added there must be added to it too
assert tuple(f.name for f in fields(Indicator)) == _INDICATOR_FIELDS, "update _scored for Indicator's new fields"


def _scored(ind: Indicator, method: str | None, computed_score: float | None) -> Indicator:
    """`replace(ind, method=method, computed_score=computed_score)`, spelled out: dataclasses.replace walks the
    class's fields and builds keyword arguments on every call, and it ran once for every indicator reviewed."""
    return Indicator(level1=ind.level1, level2=ind.level2, name=ind.name, raw_name=ind.raw_name, row=ind.row,
                     target=ind.target, actual=ind.actual, weight=ind.weight, self_score=ind.self_score,
                     reason=ind.reason, key_indicator=ind.key_indicator, computed_score=computed_score,
                     method=method, cells=ind.cells)


def is_filler(reason: str) -> bool:
    flat = squash(reason)
    return flat in FILLER or len(flat) < 2


def pct(x: float) -> str:
    return f"{x * 100:.2f}".rstrip("0").rstrip(".") + "%"


class Reviewer:
    def __init__(self, project: Project, profile: Profile) -> None:
        self.p = project
        self.profile = profile
        self.tol = profile.score_tolerance
        self.findings: list[Finding] = []
        self._effects: list[tuple[int, float]] = []  # (index in findings, points it lowers the total by)

    def note(self, code: str, cell: str, **kw: object) -> None:
        self.findings.append(finding(code, sheet=self.p.sheet, cell=cell, **kw))

    def run(self) -> Project:
        funds = self.review_funds()
        indicators = tuple(self.review_indicator(i) for i in self.p.indicators)
        self.review_weights(funds)
        self.review_totals()
        self.review_form(indicators)
        self.settle_effects()
        total = self.computed_total(funds, indicators)
        scale = self.on_100_scale(funds)
        grade = self.profile.grade(total) if total is not None and scale and self.within_100(total) else None
        own = self.p.self_total
        self_grade = self.profile.grade(own) if indicators and own is not None and scale and own <= 100 + 1e-9 else None
        return replace(self.p, profile=self.profile.name, funds=funds, indicators=indicators,
                       self_grade=self_grade, computed_total=total, computed_grade=grade)

    def computed_total(self, funds: Funds, indicators: tuple[Indicator, ...]) -> float | None:
        """The total by the rulebook. A blank form and a form without points have none; a form that prints
        scores only (no 分值) keeps its own total, corrected by the one score that can be recomputed."""
        if not indicators or self.p.points == "none":
            return None
        budget = funds.computed_score if funds.computed_score is not None else (funds.self_score or 0.0)
        if self.p.points == "scores":
            scores = sum(i.self_score or 0.0 for i in indicators)
            own = self.p.self_total if self.p.self_total is not None else scores + (funds.self_score or 0.0)
            return round(own - (funds.self_score or 0.0) + budget, self.profile.rounding)
        computed = [i.computed_score if i.computed_score is not None else (i.self_score or 0.0) for i in indicators]
        return round(budget + sum(computed), self.profile.rounding)

    def on_100_scale(self, funds: Funds) -> bool:
        """A grade means something only on a 100-point scale: the printed weights (where there are any) and the
        budget's add to 100. Otherwise neither the department's total nor ours is graded."""
        weights = [i.weight for i in self.p.indicators]
        if self.p.indicators and self.p.points == "weights" and all(w is not None for w in weights):
            whole = sum(w for w in weights if w is not None) + self._budget_weight(funds)
            if abs(whole - 100) > 0.01:
                self.note("not-graded", self._total_cell(),
                          why=f"各指标分值与预算执行率分值合计为 {num(whole)}，不是 100 分制")
                return False
        return True

    def _total_cell(self) -> str:
        """Where a finding about the whole score points: the 总分, else the project's name."""
        return self.p.cells.get("total") or self.p.cells.get("name", "")

    def within_100(self, total: float) -> bool:
        """A total above 100 (scores above their weights) is no grade on a 100-point scale."""
        if total > 100 + 1e-9:
            self.note("not-graded", self._total_cell(), why=f"复核总分 {num(total)} 超过 100")
            return False
        return True

    def _budget_weight(self, funds: Funds) -> float:
        """The budget row's points: as printed, else the profile's; nothing when the form has no funds row."""
        if funds.weight is not None:
            return funds.weight
        return self.profile.budget_weight if funds.row else 0.0

    # -- 项目资金 ------------------------------------------------------------------------------------
    def review_funds(self) -> Funds:
        f, prof = self.p.funds, self.profile
        if not f.row:
            return f
        for col, zh in (("initial_budget", "年初预算数"), ("annual_budget", "全年预算数"), ("executed", "全年执行数")):
            parts = [getattr(part, col) for part in f.parts if getattr(part, col) is not None]
            total = getattr(f, col)
            if parts and total is not None and abs(total - sum(parts)) > prof.money_tolerance:
                self.note("funds-sum-mismatch", f.cells.get(col, ""), field=zh, value=num(total),
                          expected=num(round(sum(parts), 4)), parts=_part_names(f))
        a, b = f.annual_budget, f.executed
        rate: float | None = None
        if a is not None and b is not None:
            if a == 0 and b > 0:
                self.note("budget-zero-with-spending", f.cells.get("annual_budget", ""), value=num(a), executed=num(b))
            elif a > 0:
                rate = b / a
                if b > a + prof.money_tolerance:
                    self.note("executed-over-budget", f.cells.get("executed", ""), value=num(b), budget=num(a))
        if rate is not None and f.execution_rate is not None and abs(f.execution_rate - rate) > prof.rate_tolerance:
            self.note("rate-miscomputed", f.cells.get("rate", ""), value=pct(f.execution_rate), expected=pct(rate))
        weight = f.weight if f.weight is not None else prof.budget_weight
        computed = budget_score(rate, weight, prof)
        if f.self_score is not None and f.self_score > weight + 1e-9:
            self.note("score-above-weight", f.cells.get("score", ""), name="预算执行率", value=num(f.self_score),
                      weight=num(weight))
        elif f.self_score is not None and computed is not None and abs(f.self_score - computed) > self.tol:
            self.note_effect(f.self_score - computed, "budget-score-miscomputed", f.cells.get("score", ""),
                             value=num(f.self_score), rate=pct(rate or 0), weight=num(weight), expected=num(computed))
        elif f.self_score is not None and computed is not None:
            self.explain_rescore("预算执行率", f.self_score, computed, f.cells.get("score", ""), "")
        if rate is not None and rate < prof.execution_reason_below and not self._budget_explained():
            self.note("low-execution-unexplained", f.cells.get("rate", f.cells.get("executed", "")), value=pct(rate),
                      threshold=pct(prof.execution_reason_below))
        return replace(f, computed_score=computed)

    def note_effect(self, delta: float, code: str, cell: str, **kw: object) -> None:
        """A score finding whose severity follows its effect on the form, settled once all are known
        (settle_effects): `delta` is how much it lowers the department's total (negative: the department scored
        itself too low). Wrong arithmetic is not judged this way: it is always an error."""
        self._effects.append((len(self.findings), delta))
        self.findings.append(finding(code, sheet=self.p.sheet, cell=cell, **kw))

    def settle_effects(self) -> None:
        """The form's score findings together lower its total by the sum of their deltas: when that sum reaches
        the profile's effect_error_points, or changes the grade of the department's total, each of them is an
        error (the form is returned); otherwise each is a warning, and so is every one that raises the total."""
        prof = self.profile
        lowered = round(sum(d for _, d in self._effects if d > 0), prof.rounding)
        base = self.p.self_total
        if base is None:  # no 总分 printed: the department's total is the sum of its scores
            base = sum(i.self_score or 0.0 for i in self.p.indicators) + (self.p.funds.self_score or 0.0)
        regraded = lowered > 0 and prof.grade(base) != prof.grade(round(base - lowered, prof.rounding))
        big = lowered > 0 and (lowered >= prof.effect_error_points - 1e-9 or regraded)
        for index, delta in self._effects:
            severity = Severity.ERROR if big and delta > 0 else Severity.WARNING
            self.findings[index] = replace(self.findings[index], severity=severity)

    def explain_rescore(self, name: str, own: float, computed: float, cell: str, reason: str) -> None:
        """A re-score that no other finding explains, when it differs by more than departments' rounding: a
        reviewer must be able to say why a 7 became a 10 (or a 9 an 8.6) without redoing the sum."""
        diff = round(computed - own, self.profile.rounding)
        if abs(diff) <= self.profile.rounding_tolerance + 1e-9:
            return
        if diff > 0:
            said = f"（部门的偏差说明：“{reason.strip()}”）" if reason and not is_filler(reason) else ""
            how = f"复核提高 {num(diff)} 分{said}"
        else:
            how = f"复核降低 {num(-diff)} 分（在评分容差 {num(self.tol)} 分以内，不算自评分虚高）"
        self.note("score-recomputed", cell, name=name, value=num(own), expected=num(computed), how=how)

    def _budget_explained(self) -> bool:
        return any(not is_filler(i.reason) and _BUDGET_WORDS.search(i.reason) for i in self.p.indicators)

    # -- 每个三级指标 ---------------------------------------------------------------------------------
    def review_indicator(self, ind: Indicator) -> Indicator:
        name = ind.name or ind.raw_name or f"第{ind.row}行指标"
        w, s, cells = ind.weight, ind.self_score, ind.cells
        self._indicator_setup(ind, name)
        if w is None:
            return _scored(ind, UNSCORABLE, ind.computed_score)
        if ind.target.kind is ValueKind.EMPTY:
            self.note("empty-target", cells.get("target", ""), name=name)
        if ind.actual.kind is ValueKind.EMPTY:
            self.note("empty-actual", cells.get("actual", ""), name=name)
        sc = score_indicator(ind, self.profile)
        explained = True  # by a finding on the score cell, or no re-score to explain
        if s is not None and s > w + 1e-9:
            self.note("score-above-weight", cells.get("score", ""), name=name, value=num(s), weight=num(w))
        elif sc.method == QUALITATIVE:
            explained = self._qualitative(ind, name, sc)
        elif sc.score is not None and s is not None and (
                s > sc.score + self.tol or (sc.met is False and s >= w - 1e-9 and sc.score < w)):
            # beyond rounding, or full marks although the target was missed (docs/rulebook.md §3.3: ≥4754 → 4604, 5/5)
            method = "reverse-linear" if sc.method == REVERSE and self.profile.reverse_formula == "linear" else sc.method
            self.note_effect(s - sc.score, "score-inflated", cells.get("score", ""), name=name,
                             target=ind.target.raw or "（空）", actual=ind.actual.raw or "（空）", weight=num(w),
                             value=num(s), method=_METHOD_ZH[method], expected=num(sc.score))
        else:
            explained = False
        if not explained and sc.score is not None and s is not None:
            self.explain_rescore(name, s, sc.score, cells.get("score", ""), ind.reason)
        if sc.method == UNSCORABLE and ind.target.kind is not ValueKind.EMPTY and ind.actual.kind is not ValueKind.EMPTY:
            self._unscorable(ind, name)
        if s is not None and s < w - 1e-9 and is_filler(ind.reason) and not (sc.score is not None and sc.score >= w - 1e-9):
            # a deduction the rules reverse (full marks by the formula) needs no explanation
            self.note("reason-missing", cells.get("reason", cells.get("score", "")), name=name, value=num(s),
                      weight=num(w), filler=f"（填写的是“{ind.reason}”）" if ind.reason else "")
        self._overachievement(ind, name, sc)
        return _scored(ind, sc.method, sc.score)

    def _qualitative(self, ind: Indicator, name: str, sc: Score) -> bool:
        """The band check; True when it found the self-score outside the band its completion text claims."""
        if sc.band is None or ind.self_score is None or ind.weight is None:
            return False
        lo, hi = (x * ind.weight for x in self.profile.qualitative_bands[sc.band])
        if lo - self.tol <= ind.self_score <= hi + self.tol:
            return False
        self.note_effect(ind.self_score - (sc.score if sc.score is not None else ind.self_score),
                         "qualitative-out-of-band", ind.cells.get("score", ""), name=name, actual=ind.actual.raw,
                         band=_BAND_ZH[sc.band], low=num(lo), high=num(hi), value=num(ind.self_score))
        return True

    def _unscorable(self, ind: Indicator, name: str) -> None:
        t, a = ind.target, ind.actual
        numeric = (ValueKind.QUANTITY, ValueKind.PERCENT)
        why = ""
        if t.kind in numeric and a.kind not in numeric:
            why = "一个是数值、一个是文字，无法比较"
        elif t.kind in numeric and a.kind in numeric and not comparable(t, a):
            why = f"计量口径不同（{t.unit or '无单位'} 与 {a.unit or '无单位'}）"
        if why:
            self.note("not-comparable", ind.cells.get("actual", ""), name=name, target=t.raw, value=a.raw, why=why)
        else:
            self.note("unscorable", ind.cells.get("score", ""), name=name, target=t.raw, actual=a.raw,
                      value=num(ind.self_score))

    def _overachievement(self, ind: Indicator, name: str, sc: Score) -> None:
        a, b = ind.target.value, ind.actual.value
        if sc.method not in (POSITIVE, EQUAL) or a is None or b is None or a <= 0 or not comparable(ind.target, ind.actual):
            return
        if b >= self.profile.over_achievement * a and is_filler(ind.reason):
            self.note("overachievement-unexplained", ind.cells.get("actual", ""), name=name, value=ind.actual.raw,
                      target=ind.target.raw, ratio=pct(b / a))

    def _indicator_setup(self, ind: Indicator, name: str) -> None:
        """Checks of how the indicator was set, independent of its score."""
        t, a, cells = ind.target, ind.actual, ind.cells
        numeric = (ValueKind.QUANTITY, ValueKind.PERCENT)
        if a.kind in numeric and a.op is not None:
            example = f"{num(a.value)}{a.unit}" if a.value is not None else "实际数值"  # its own unit: 268米, 96%
            self.note("actual-restates-target", cells.get("actual", ""), name=name, value=a.raw, example=example)
        if t.kind not in numeric and t.kind is not ValueKind.EMPTY and _COUNTED.search(ind.level2):
            self.note("target-not-quantified", cells.get("target", ""), level2=ind.level2, name=name, value=t.raw)
        if "满意度" in ind.name or "满意度" in ind.level2:
            why = ""
            if t.kind is not ValueKind.PERCENT and t.kind is not ValueKind.EMPTY:
                why = "，不是百分比"
            elif t.kind is ValueKind.PERCENT and t.value is not None and t.value < self.profile.satisfaction_min:
                why = f"，低于 {num(self.profile.satisfaction_min)}%"
            if why:
                self.note("satisfaction-target-low", cells.get("target", ""), name=name, value=t.raw, why=why)

    # -- 分值 ------------------------------------------------------------------------------------------
    def review_weights(self, funds: Funds) -> None:
        inds = self.p.indicators
        weights = [i.weight for i in inds if i.weight is not None]
        if len(weights) < len(inds):
            return  # an unreadable 分值 is already a finding; sums around it would only repeat it
        budget_w = self._budget_weight(funds)
        if inds and abs(sum(weights) + budget_w - 100) > 0.01:
            budget = f" 加预算执行率分值 {num(budget_w)} " if funds.row else "（表中没有预算执行率行）"
            self.note("weights-not-100", self.p.cells.get("total", ""), indicators=num(sum(weights)),
                      budget=budget, value=num(sum(weights) + budget_w))
        level1: dict[str, tuple[float, str]] = {}
        # each group's members' weights in indicator order (so that each sum adds the same numbers in the same
        # order), gathered in one pass rather than one pass over the indicators for every group
        by_level1: dict[str, list[float]] = {}
        by_level2: dict[tuple[str, str], list[float]] = {}
        for i in inds:
            by_level1.setdefault(i.level1, []).append(i.weight or 0.0)
            by_level2.setdefault((i.level2, i.level1), []).append(i.weight or 0.0)
        for g in self.p.groups:
            members = by_level1.get(g.name, []) if g.level == 1 else by_level2.get((g.name, g.parent), [])
            if g.declared_weight is not None and abs(sum(members) - g.declared_weight) > 0.01:
                self.note("group-weight-mismatch", g.cell, name=g.name, declared=num(g.declared_weight),
                          value=num(sum(members)))
            if g.level == 1:
                key = LEVEL1.get(label_key(g.name), g.name)
                level1[key] = (g.declared_weight if g.declared_weight is not None else sum(members), g.cell)
            elif label_key(g.name).removesuffix("指标") not in LEVEL2_STEMS:
                self.note("unknown-group", g.cell, level="二级", value=g.name)
            if g.level == 1 and label_key(g.name) not in LEVEL1:
                self.note("unknown-group", g.cell, level="一级", value=g.name)
        if not level1:
            return
        first_cell = next(iter(level1.values()))[1]
        for name, expected in self.profile.level1_weights.items():
            if name not in level1:  # the form has no such group at all: say so, not "分值为 0"
                self.note("weights-off-profile", first_cell, name=name, what="缺失（表中没有这一类指标）", value="0",
                          profile=self.profile.shown, expected=num(expected))
                continue
            got, cell = level1[name]
            if abs(got - expected) > 0.01:
                self.note("weights-off-profile", cell, name=name, what=f"分值为 {num(got)}", value=num(got),
                          profile=self.profile.shown, expected=num(expected))

    # -- 总分与等级 ------------------------------------------------------------------------------------
    def review_totals(self) -> None:
        p = self.p
        scores = [i.self_score for i in p.indicators if i.self_score is not None]
        complete = len(scores) == len(p.indicators)  # an unreadable score is already a finding; do not sum around it
        if p.self_total is not None and scores and complete:
            expected = round(sum(scores) + (p.funds.self_score or 0.0), 2)
            if abs(expected - p.self_total) > self.tol:
                self.note("total-mismatch", p.cells.get("total", ""), value=num(p.self_total), expected=num(expected))
        if p.declared_grade:
            grade = self.profile.grade_of_word(p.declared_grade)
            if grade is None:
                self.note("grade-word-unknown", p.cells.get("grade", ""), value=p.declared_grade)
            elif p.self_total is not None and grade != self.profile.grade(p.self_total):
                self.note("grade-mismatch", p.cells.get("grade", ""), value=p.declared_grade, total=num(p.self_total),
                          expected=self.profile.grade(p.self_total))

    # -- 整表 ------------------------------------------------------------------------------------------
    def review_form(self, indicators: tuple[Indicator, ...]) -> None:
        p = self.p
        copied = [i for i in indicators if i.target.raw and squash(i.target.raw) == squash(i.actual.raw)]
        if len(indicators) >= 3 and len(copied) == len(indicators) and (p.self_total or 0) >= 100 - self.tol:
            self.note("copied-actuals", p.cells.get("total", ""), count=len(indicators), value=num(p.self_total))
        printed = "goal_expected" in p.cells or "goal_actual" in p.cells
        for key, zh in (("goal_expected", "预期目标"), ("goal_actual", "实际完成情况")):
            if not getattr(p, key).strip() and (printed or self.profile.goal_block):
                self.note("goal-missing", p.cells.get(key, ""), field=zh)
        if p.goal_expected.strip() and squash(p.goal_expected) == squash(p.goal_actual):
            self.note("goals-identical", p.cells.get("goal_actual", ""))


def _part_names(funds: Funds) -> str:
    """The parts a total is compared with, as the form labels them (其中：当年财政拨款 → 当年财政拨款)."""
    return "、".join(squash(p.label).removeprefix("其中:").removeprefix("其中") or p.key for p in funds.parts)


def apply_severity(findings: list[Finding], profile: Profile | None) -> list[Finding]:
    """A profile may change a code's severity or silence it ("off")."""
    if profile is None or not profile.severity:
        return findings
    out = []
    for f in findings:
        if f.code not in profile.severity:
            out.append(f)
        elif (level := profile.severity[f.code]) is not None:
            out.append(replace(f, severity=Severity(level)))
    return out


def review(project: Project, profile: Profile) -> tuple[Project, list[Finding]]:
    reviewer = Reviewer(project, profile)
    reviewed = reviewer.run()
    return reviewed, reviewer.findings
