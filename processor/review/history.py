"""The checks only an earlier year makes possible (issue 19): a reviewer's look at last year's form beside this one.

Each finding sits on this year's form, at this year's cell, and its message names both years' figures and the earlier
file, so a reviewer can open it. Thresholds are the evaluated year's profile's (history_* keys). Nothing here decides
which earlier form is the same project: processor.review.across does, and only its unambiguous matches come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from processor.core.findings import finding, num
from processor.core.model import Finding, FundRow, Indicator, Project, ProjectAt, Value, ValueKind
from processor.review.across import indicator_pairs, plain_name
from processor.review.checks import pct
from processor.review.profiles import Profile
from processor.review.scoring import POSITIVE, REVERSE, comparable, direction, years_rate

_EPS = 1e-9  # a threshold met exactly (0.95 − 0.85 = 0.0999…) is met
_NUMERIC = (ValueKind.QUANTITY, ValueKind.PERCENT)


def history_findings(project: Project, previous: Project, profile: Profile, *, file: str | None = None) -> list[Finding]:
    """This year's project against `previous`, the same project's form of the year before (whole, with indicators).
    `file` is the earlier form's file; by default the one project.previous names (the history the caller attached)."""
    if file is None:
        before = project.previous
        file = before.file if before is not None else ""
    earlier: dict[str, object] = {"year": previous.year if previous.year is not None else "上",
                                  "file": PurePath(file).name or "往年文件", "then_sheet": previous.sheet}
    return [*_carryover(project, previous, profile, earlier), *_targets(project, previous, profile, earlier),
            *_score_and_rate(project, previous, profile, earlier), *_budget(project, previous, profile, earlier)]


def ambiguous_finding(project: Project, year: int, entries: Sequence[ProjectAt]) -> Finding:
    """Two or more forms of one earlier year could each be this project: none is used, and the reviewer is told which
    ones, so that a [history] match entry can name the right one."""
    listed = "；".join(f"{PurePath(e.file).name} 工作表“{e.project.sheet}”的“{_coded(e.project)}”"
                      f"（{e.project.department.strip() or '主管部门未填'}）" for e in entries)
    return finding("history-ambiguous", sheet=project.sheet, cell=project.cells.get("name", ""), value=project.name,
                   year=year, count=len(entries), candidates=listed)


def _coded(p: Project) -> str:
    """The name as the form printed it: two 工资性支出 differ only by their codes."""
    return f"{p.code}-{p.name}" if p.code else p.name


def _carryover(p: Project, prev: Project, profile: Profile, earlier: dict[str, object]) -> list[Finding]:
    """This year's 上年结转资金 can only come out of what last year left unspent: more than that is a wrong number
    (or money from elsewhere that needs saying). Less is normal, as the treasury may take back a balance."""
    row = _part(p, "carryover")
    carried, budget, executed = (row.annual_budget if row else None), prev.funds.annual_budget, prev.funds.executed
    if row is None or carried is None or budget is None or executed is None:
        return []
    balance = max(round(budget - executed, 6), 0.0)  # an overspent year left nothing to carry
    excess = round(carried - balance, 6)
    if excess <= profile.money_tolerance + _EPS:
        return []
    return [finding("carryover-excess", sheet=p.sheet, cell=row.cells.get("annual_budget", ""), value=num(carried),
                    balance=num(balance), budget=num(budget), executed=num(executed), excess=num(excess), **earlier)]


def _part(p: Project, key: str) -> FundRow | None:
    return next((r for r in p.funds.parts if r.key == key), None)


def _targets(p: Project, prev: Project, profile: Profile, earlier: dict[str, object]) -> list[Finding]:
    """A target copied from last year although last year's actual beat it by far was set low and left low: the
    indicator scores full marks without asking anything of the project."""
    margin = profile.history_target_margin
    out: list[Finding] = []
    for now, before in indicator_pairs(p, prev):
        if not _same_number(now.target, before.target):
            continue
        how = _beaten(before, margin, profile)
        if how:
            out.append(finding("targets-unchanged", sheet=p.sheet, cell=now.cells.get("target", ""),
                               value=now.target.raw.strip(), name=now.name or now.raw_name,
                               actual=before.actual.raw.strip(), how=how, **earlier))
    return out


def _same_number(a: Value, b: Value) -> bool:
    """The same quantitative target: the same number in the same unit (≥500人次 and 500人次 ask the same)."""
    return (a.kind in _NUMERIC and a.kind is b.kind and a.value is not None and b.value is not None
            and abs(a.value - b.value) <= _EPS * max(1.0, abs(a.value)) and plain_name(a.unit) == plain_name(b.unit))


def _beaten(ind: Indicator, margin: float, profile: Profile) -> str:
    """How far last year's actual beat its target, in words, when by `margin` or more; "" when it did not."""
    target, actual = ind.target.value, ind.actual.value
    if target is None or actual is None or target <= 0 or not comparable(ind.target, ind.actual):
        return ""
    units = plain_name(ind.target.unit), plain_name(ind.actual.unit)
    if all(units) and units[0] != units[1]:
        return ""  # ≥1.5万人次 against 16000人次: not the same scale, not a ratio to judge

    ratio = actual / target
    way = direction(ind, profile)
    if way == POSITIVE and ratio >= 1 + margin - _EPS:
        return f"已达到指标值的 {pct(ratio)}（超出 {pct(margin)} 以上）：指标值设置偏低且未调整"
    if way == REVERSE and ratio <= 1 - margin + _EPS:
        return f"仅为指标值的 {pct(ratio)}（反向指标，低于指标值 {pct(margin)} 以上）：指标值设置偏宽松且未调整"
    return ""


def _rate(p: Project) -> float | None:
    """执行数 ÷ 全年预算数, as the summary compares the years; the printed rate only where the figures are missing.
    Capped at 100%, as the rulebook scores it: spending 118% last year is no better use of money than 100% this year."""
    rate = years_rate(p.funds)
    return None if rate is None else min(rate, 1.0)


def _score_and_rate(p: Project, prev: Project, profile: Profile, earlier: dict[str, object]) -> list[Finding]:
    """A self-score that rose while the money went unspent: the department rates itself higher for doing less."""
    now, before, rate, rate_before = p.self_total, prev.self_total, _rate(p), _rate(prev)
    if now is None or before is None or rate is None or rate_before is None:
        return []
    rise, fall = round(now - before, 2), round(rate_before - rate, 6)
    if rise < profile.history_score_rise - _EPS or fall < profile.history_rate_fall - _EPS:
        return []
    return [finding("score-up-money-down", sheet=p.sheet, cell=p.cells.get("total") or p.cells.get("name", ""),
                    value=num(round(now, 2)), before=num(round(before, 2)), rise=num(rise), rate=pct(rate),
                    rate_before=pct(rate_before), fall=num(round(fall * 100, 2)), **earlier)]


def _budget(p: Project, prev: Project, profile: Profile, earlier: dict[str, object]) -> list[Finding]:
    """A budget that moved by half or more is worth a sentence in the report, and usually new targets."""
    now, before = p.funds.annual_budget, prev.funds.annual_budget
    if now is None or before is None or before <= 0:
        return []
    change = (now - before) / before
    if abs(change) < profile.history_budget_change - _EPS:
        return []
    word, moved = ("增至", "增加") if change > 0 else ("减至", "减少")
    return [finding("budget-jump", sheet=p.sheet, cell=p.funds.cells.get("annual_budget", ""), value=num(now),
                    before=num(before), change=word, ratio=f"{moved} {pct(abs(change))}", **earlier)]
