"""A report's restatements against the form as submitted: the form's own figures, never our re-scored ones
(the department signs both, and they must agree; whether the form's score is right is the form's review).

A figure agrees when the form's value, rounded as the report rounds it, is the stated one: a report that writes
123.46万元 for a form's 123.4567 agrees, one that writes 123万元 for it does too (it wrote no decimals), one that
writes 120万元 does not.
"""

from __future__ import annotations

import re

from processor.core.findings import finding, num
from processor.core.model import Finding, Project, Statement
from processor.narrative.content import money, printed_rate
from processor.narrative.statements import GRADES
from processor.review.scoring import execution_rate

# key → (finding code, what the figure is called in the message)
CODES = {
    "total": ("report-score-mismatch", "综合得分"), "grade": ("report-grade-mismatch", "评价等级"),
    "budget": ("report-budget-mismatch", "全年预算数"), "initial_budget": ("report-budget-mismatch", "年初预算数"),
    "executed": ("report-executed-mismatch", "全年执行数"),
    "rate": ("report-rate-mismatch", "执行率"), "balance": ("report-balance-mismatch", "结余资金"),
    "level1_count": ("report-indicator-count-mismatch", "一级指标个数"),
    "level2_count": ("report-indicator-count-mismatch", "二级指标个数"),
    "year": ("report-year-mismatch", "年度"),
}
AMOUNTS = ("budget", "initial_budget", "executed", "balance")  # in 万元; a report may state them in 元
REQUIRED_SECTIONS = ("overview", "work", "conclusion", "analysis", "problems", "other")  # 结果应用 is not in every outline


def form_values(p: Project) -> dict[str, tuple[float | str, str]]:
    """The form's figure for each statement key, with the cell it is in ("" when the form has no such cell)."""
    f = p.funds
    out: dict[str, tuple[float | str, str]] = {}
    if p.self_total is not None:
        out["total"] = (p.self_total, p.cells.get("total", ""))
    grade = p.declared_grade or p.self_grade
    if grade:  # 优秀 on the form is 优, as 优秀 in the report is
        out["grade"] = (GRADES.get(grade.strip(), grade.strip()), p.cells.get("grade", p.cells.get("total", "")))
    if f.annual_budget is not None:
        out["budget"] = (f.annual_budget, f.cells.get("annual_budget", ""))
    if f.initial_budget is not None:  # read only where a report states no 全年预算 (statements.py says why)
        out["initial_budget"] = (f.initial_budget, f.cells.get("initial_budget", ""))
    if f.executed is not None:
        out["executed"] = (f.executed, f.cells.get("executed", ""))
    rate = printed_rate(f)
    if rate is not None:
        out["rate"] = (rate * 100, f.cells.get("rate", ""))
    if f.annual_budget is not None and f.executed is not None:
        out["balance"] = (f.annual_budget - f.executed, f.cells.get("executed", ""))
    if p.indicators:
        out["level1_count"] = (float(len({i.level1 for i in p.indicators})), "")
        out["level2_count"] = (float(len({(i.level1, i.level2) for i in p.indicators})), "")
    if p.year is not None:
        out["year"] = (float(p.year), "")
    return out


def exact_rate(p: Project) -> float | None:
    rate = execution_rate(p.funds.annual_budget, p.funds.executed)
    return None if rate is None else rate * 100


def _decimals(raw: str) -> int:
    """How many decimals the report wrote for the figure (12.5万元 → 1)."""
    m = re.search(r"\d[\d,，]*(?:\.(\d+))?", raw)
    return len(m.group(1)) if m and m.group(1) else 0


def agrees(key: str, stated: float | str, form: float | str, raw: str) -> bool:
    try:
        return _agrees(key, stated, form, raw)
    except (OverflowError, ValueError):  # 999…9 个指标: a number no form holds
        return False


def _agrees(key: str, stated: float | str, form: float | str, raw: str) -> bool:
    if isinstance(stated, str) or isinstance(form, str):
        return str(stated) == str(form)
    if key in ("level1_count", "level2_count", "year"):
        return round(stated) == round(form)
    scale = 10000.0 if key in AMOUNTS and "万" not in raw and "元" in raw else 1.0
    digits = _decimals(raw)
    # stated in its own unit: 元 amounts were turned into 万元 by the reader, so compare in 元 again
    gap: float = abs(round(form * scale, digits) - round(stated * scale, digits))
    return gap < 0.5 / 10.0**digits + 1e-9


def _shown(key: str, value: float | str) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if key in AMOUNTS:
        return money(value) + " 万元"
    if key == "rate":
        return num(value) + "%"
    if key == "total":
        return num(value) + " 分"
    if key == "year":
        return f"{int(value)} 年度"
    return f"{int(value)} 个"


def mismatches(statements: tuple[Statement, ...], p: Project, form_file: str) -> list[Finding]:
    """One finding per statement that contradicts the form, at its paragraph, quoting it, with both values."""
    values = form_values(p)
    found: list[Finding] = []
    for s in statements:
        if s.key not in values or s.key not in CODES:
            continue
        form, cell = values[s.key]
        if agrees(s.key, s.value, form, s.raw):
            continue
        exact = exact_rate(p) if s.key == "rate" else None
        if exact is not None and agrees("rate", s.value, exact, s.raw):
            continue  # 97.76% where the rate cell shows 97.8%: the report is the more precise, not wrong
        code, what = CODES[s.key]
        where = s.where or f"第{s.paragraph}段"
        found.append(finding(code, cell=where, value=s.raw, where=where, quote=s.quote, what=what, stated=s.raw,
                             form=_shown(s.key, form), form_file=form_file, form_sheet=p.sheet,
                             form_cell=f" {cell} 单元格" if cell else ""))
    return found


def missing_sections(sections: tuple[str, ...], titles: dict[str, str]) -> list[Finding]:
    return [finding("report-section-missing", section=titles[k]) for k in REQUIRED_SECTIONS if k not in sections]
