"""Stage 6: aggregate reviewed forms across departments with pandas (docs/rulebook.md §2, last bullet).

Counts add up; rates are money-weighted (Σ执行数 ÷ Σ全年预算数); scores are reported both as plain
means and as means weighted by 全年预算数, with the number of projects per grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from processor.core.findings import rule_title
from processor.core.model import (
    DUPLICATE,
    SEVERITY_ZH,
    STATUS_ZH,
    SUPERSEDED,
    WAITING,
    FileResult,
    Project,
    Report,
    Severity,
    Status,
)
from processor.core.names import main_year
from processor.review.profiles import shown_name
from processor.review.scoring import execution_rate

GRADES = ("优", "良", "中", "差")
UNGRADED = "未评级"  # blank forms, forms without points, weights not adding to 100: no grade, no score in the means
LAYOUT_ZH = {"weights": "分值和得分", "scores": "只列得分", "none": "未列分值"}
INFLATION = -0.5  # 复核 − 自评 below this counts as 自评分虚高 (the default score tolerance)
LOW_EXECUTION = 0.9  # 执行率 below this stands out (the rulebook's common local threshold)
TOP_RULES = 10  # 总览 lists the rules with the most findings, this many


def money_rate(frame: pd.DataFrame) -> float | None:
    """Σ执行数 ÷ Σ全年预算数 over the projects whose own rate is defined, so numerator and denominator
    always cover the same projects."""
    ok = frame["rate"].notna()
    return _ratio(float(frame.loc[ok, "executed"].sum()), float(frame.loc[ok, "annual_budget"].sum()))


@dataclass(frozen=True)
class Aggregate:
    projects: pd.DataFrame  # one row per project, in the summary's order
    departments: pd.DataFrame  # one row per 主管部门
    findings: pd.DataFrame  # one row per finding
    files: pd.DataFrame  # one row per file (every status)
    overview: dict[str, Any]
    grades: dict[str, tuple[int, int]]  # 优/良/中/差 → (self count, computed count)
    rules: pd.DataFrame  # the rules with the most errors and warnings: title, code, findings, projects
    totals: dict[str, Any]  # 合计 over every project, keyed like a 部门汇总 row (department "合计")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _weighted(scores: pd.Series, weights: pd.Series) -> float | None:
    """A money-weighted mean score, rounded to 2 decimals here, where it is made (a reader sees 96.14, never
    96.14214285714)."""
    ok = scores.notna() & weights.notna() & (weights > 0)
    mean = _ratio(float((scores[ok] * weights[ok]).sum()), float(weights[ok].sum()))
    return None if mean is None else round(mean, 2)


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 2) if values.notna().any() else None


def _money(values: pd.Series) -> float | None:
    """A money column's sum, to 2 decimals (万元 to the 元); None when no project has the figure."""
    total = values.sum(min_count=1)
    return None if pd.isna(total) else round(float(total), 2)


def report_verdicts(report: Report) -> dict[tuple[str, int], str]:
    """(form path, project index) → the 自评报告 column of 项目汇总: the verdict of the report used for that project
    (一致, 有出入, PDF未核对 …); a project no report restates shows 未提交, but only in a batch that has reports."""
    out: dict[tuple[str, int], str] = {}
    for f in report.files:
        info = f.report
        if info is not None and info.form and info.project is not None and info.verdict not in (DUPLICATE, SUPERSEDED):
            out[(info.form, info.project)] = info.verdict
    return out


def aggregate(report: Report) -> Aggregate:
    verdicts = report_verdicts(report)
    any_reports = any(f.report is not None for f in report.files) or any(
        x.code == "report-missing" for f in report.files for x in f.findings)
    project_rows: list[dict[str, Any]] = []
    finding_rows: list[dict[str, Any]] = []
    file_rows: list[dict[str, Any]] = []
    for f in report.files:
        file_rows.append({"path": f.path, "file": Path(f.path).name, "status": f.status.value, "status_zh": STATUS_ZH[f.status],
                          "format": f.format, "reason": f.reason, "projects": len(f.projects),
                          "errors": sum(x.severity is Severity.ERROR for x in f.findings),
                          "warnings": sum(x.severity is Severity.WARNING for x in f.findings),
                          "departments": "、".join(sorted({p.department for p in f.projects if p.department}))})
        for i, p in enumerate(f.projects):
            own = f.findings_of(i)
            a, b = p.funds.annual_budget, p.funds.executed
            project_rows.append({
                "path": f.path, "file": Path(f.path).name, "index": i, "sheet": p.sheet, "department": p.department or "（未填主管部门）",
                "unit": p.unit, "name": p.name or "（未填项目名称）", "year": p.year,
                "initial_budget": p.funds.initial_budget, "annual_budget": a, "executed": b,
                "rate": execution_rate(a, b),
                "self_total": p.self_total, "computed_total": p.computed_total,
                "diff": round(p.computed_total - p.self_total, 2)
                if p.computed_total is not None and p.self_total is not None else None,
                "self_grade": p.self_grade or UNGRADED, "computed_grade": p.computed_grade or UNGRADED,
                "graded": p.computed_grade is not None, "profile": shown_name(p.profile), "layout": LAYOUT_ZH.get(p.points, p.points),
                "errors": sum(x.severity is Severity.ERROR for x in own),
                "warnings": sum(x.severity is Severity.WARNING for x in own),
                "status": _status_shown(f, i), "version": p.version, "received": p.received,
                "report": verdicts.get((f.path, i), "未提交" if any_reports else ""),
                **previous_columns(p, a, b),
            })
        seen: dict[int | None, int] = {}
        for x in f.findings:
            owner = f.projects[x.project] if x.project is not None else None
            position = seen[x.project] = seen.get(x.project, -1) + 1  # its place in f.findings_of(project)
            # a report's findings are listed under the department and project it was matched with
            department = (owner.department if owner else f.report.department if f.report else "") or ""
            name = (owner.name if owner else (f.report.project_name or f.report.name) if f.report else "") or ""
            finding_rows.append({
                "severity": x.severity.value, "severity_zh": SEVERITY_ZH[x.severity], "code": x.code,
                "title": rule_title(x.code),
                "department": department, "name": name,
                "path": f.path, "file": Path(f.path).name, "index": x.project, "position": position,
                "sheet": x.sheet, "cell": x.cell, "value": x.value, "message": x.message, "hint": x.hint,
            })
    projects = pd.DataFrame(project_rows, columns=[
        "path", "file", "index", "sheet", "department", "unit", "name", "year", "initial_budget", "annual_budget",
        "executed", "rate", "self_total", "computed_total", "diff", "self_grade", "computed_grade", "graded",
        "profile", "layout", "errors", "warnings", "status", "version", "received", "report", *HISTORY_KEYS])
    projects = projects.sort_values(["department", "name", "path", "index"], kind="stable").reset_index(drop=True)
    for col in ("initial_budget", "annual_budget", "executed", "rate", "self_total", "computed_total", "diff",
                *HISTORY_KEYS[2:]):
        projects[col] = projects[col].astype("float64")
    projects["history"] = projects["history"].astype("int64")
    findings = pd.DataFrame(finding_rows, columns=[
        "severity", "severity_zh", "code", "title", "department", "name", "path", "file", "index", "position",
        "sheet", "cell", "value", "message", "hint"])
    order = {"error": 0, "warning": 1, "info": 2}
    findings = findings.assign(_o=findings["severity"].map(order)).sort_values(
        ["_o", "department", "path", "sheet"], kind="stable").drop(columns="_o").reset_index(drop=True)
    files = pd.DataFrame(file_rows, columns=["path", "file", "status", "status_zh", "format", "reason", "projects", "errors",
                                             "warnings", "departments"])
    return Aggregate(projects, _departments(projects), findings, files, _overview(report, projects),
                     _grades(projects), _rules(findings), summarize("合计", projects))


# 项目汇总's history columns (issue 19): how many earlier years were matched, 上年's year, its figures and the changes
HISTORY_KEYS = ("history", "prev_year", "prev_self_total", "prev_computed_total", "prev_rate", "self_change",
                "computed_change", "rate_change")


def _change(now: float | None, before: float | None, scale: float = 1.0) -> float | None:
    """This year's figure minus last year's, rounded to 2 decimals here, where it is made (a reader sees 1.5,
    never 1.4999999999999)."""
    return None if now is None or before is None else round((now - before) * scale, 2)


def previous_columns(p: Project, annual_budget: float | None, executed: float | None) -> dict[str, Any]:
    """The project beside its 上年: last year's totals and rate, and this year's minus them (the rate's change in
    percentage points), both years' rates as review.scoring.years_rate has them."""
    prev = p.previous
    if prev is None:
        return {"history": len(p.history), "prev_year": None, "prev_self_total": None, "prev_computed_total": None,
                "prev_rate": None, "self_change": None, "computed_change": None, "rate_change": None}
    prev_rate = prev.rate
    return {"history": len(p.history), "prev_year": prev.year, "prev_self_total": prev.self_total,
            "prev_computed_total": prev.computed_total, "prev_rate": prev_rate,
            "self_change": _change(p.self_total, prev.self_total),
            "computed_change": _change(p.computed_total, prev.computed_total),
            "rate_change": _change(execution_rate(annual_budget, executed), prev_rate, 100.0)}


def _status_shown(f: FileResult, index: int) -> str:
    """The project's own status, with the file's beside it when they differ: 通过（同文件其他项目退回）."""
    own = f.project_status(index)
    if own is f.status:
        return STATUS_ZH[own]
    others = any(f.project_status(j) is Status.RETURNED for j in range(len(f.projects)) if j != index)
    return f"{STATUS_ZH[own]}（{'同文件其他项目' if others else '文件'}{STATUS_ZH[f.status]}）"


def summarize(label: str, projects: pd.DataFrame) -> dict[str, Any]:
    """A 部门汇总 row over these projects: counts and money summed, the money-weighted 执行率 (money_rate), the
    plain and money-weighted mean scores of the graded ones (_score_means), the 复核 grades counted. The same
    for one department and for the 合计 of all of them."""
    row: dict[str, Any] = {
        "department": label, "projects": len(projects),
        "initial_budget": _money(projects["initial_budget"]), "annual_budget": _money(projects["annual_budget"]),
        "executed": _money(projects["executed"]),
        "rate": money_rate(projects),
        **_score_means(projects),
        "errors": int(projects["errors"].sum()), "warnings": int(projects["warnings"].sum()),
    }
    for grade in (*GRADES, UNGRADED):
        row[f"grade_{grade}"] = int((projects["computed_grade"] == grade).sum())
    return row


def _departments(projects: pd.DataFrame) -> pd.DataFrame:
    rows = [summarize(str(dept), g) for dept, g in projects.groupby("department", sort=True)]
    columns = ["department", "projects", "initial_budget", "annual_budget", "executed", "rate", "self_mean",
               "computed_mean", "self_weighted", "computed_weighted", *[f"grade_{g}" for g in (*GRADES, UNGRADED)],
               "errors", "warnings"]
    return pd.DataFrame(rows, columns=columns)


def _rules(findings: pd.DataFrame) -> pd.DataFrame:
    """The TOP_RULES rules with the most errors and warnings (a note is no problem): the rule's title, its code,
    its findings and the projects they are on; ties by projects, then by code, so the order never varies."""
    shown = findings[findings["severity"] != Severity.INFO.value]
    rows = []
    for code, g in shown.groupby("code", sort=True):
        on = g[g["index"].notna()]
        projects = len(set(zip(on["path"], on["index"].astype(int), strict=True)))
        rows.append({"title": rule_title(str(code)), "code": code, "findings": len(g), "projects": projects})
    frame = pd.DataFrame(rows, columns=["title", "code", "findings", "projects"])
    frame = frame.sort_values(["findings", "projects", "code"], ascending=[False, False, True], kind="stable")
    return frame.head(TOP_RULES).reset_index(drop=True)


def _grades(projects: pd.DataFrame) -> dict[str, tuple[int, int]]:
    return {g: (int((projects["self_grade"] == g).sum()), int((projects["computed_grade"] == g).sum()))
            for g in (*GRADES, UNGRADED)}


def _score_means(projects: pd.DataFrame) -> dict[str, float | None]:
    """Plain and money-weighted means of the self and recomputed scores, over graded projects only: a blank
    form's missing score or a 266-point total says nothing about how well money was spent. Money sums and
    execution rates still count every project."""
    graded = projects[projects["graded"].astype(bool)]
    return {"self_mean": _mean(graded["self_total"]), "computed_mean": _mean(graded["computed_total"]),
            "self_weighted": _weighted(graded["self_total"], graded["annual_budget"]),
            "computed_weighted": _weighted(graded["computed_total"], graded["annual_budget"])}


def reports_said(overview: dict[str, Any], other: str = "其他") -> str:
    """The reports' breakdown as 总览 and the closing line say it; 待匹配 only where the nightly job has any."""
    o = overview
    waiting = o.get("reports_waiting", 0)
    rest = o["reports"] - o["reports_consistent"] - o["reports_differ"] - waiting
    return (f"与自评表一致 {o['reports_consistent']}，有出入 {o['reports_differ']}，"
            + (f"待匹配 {waiting}，" if waiting else "") + f"{other} {rest}")


def _overview(report: Report, projects: pd.DataFrame) -> dict[str, Any]:
    # the forms' files, then the Word/PDF reports apart: 收到 16 个文件 would mix two kinds of submission
    forms = [f for f in report.files if f.report is None]
    reports = [f.report for f in report.files if f.report is not None]
    received = [f for f in forms if f.status is not Status.SKIPPED]
    year = main_year(projects["year"].dropna())
    return {
        "files_received": len(received),
        "files_accepted": sum(f.status is Status.ACCEPTED for f in forms),
        "files_returned": sum(f.status is Status.RETURNED for f in forms),
        "files_rejected": sum(f.status is Status.REJECTED for f in forms),
        "files_skipped": sum(f.status is Status.SKIPPED for f in forms),
        "reports": len(reports),
        "reports_consistent": sum(r.verdict == "一致" for r in reports),
        "reports_differ": sum(r.verdict == "有出入" for r in reports),
        "reports_waiting": sum(r.verdict == WAITING for r in reports),
        "projects": len(projects),
        "departments": int(projects["department"].nunique()),
        "annual_budget": float(projects["annual_budget"].sum()),
        "executed": float(projects["executed"].sum()),
        "rate": money_rate(projects),
        "rate_projects": int(projects["rate"].notna().sum()),
        **_score_means(projects),
        "ungraded": int((~projects["graded"].astype(bool)).sum()),
        "inflated": int((projects["diff"] < INFLATION).sum()),
        "main_year": year,
        "other_year": int((projects["year"] != year).sum()) if len(projects) else 0,
    }
