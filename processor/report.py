"""One report, three renderings: JSON (stable schema, docs/report-schema.md), a terminal table, text lines.

The JSON keys are a contract with scripts and later stages: add keys, never rename them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from processor.aggregate import reports_said
from processor.core.findings import CATALOGUE, rule_title
from processor.core.model import (
    SEVERITY_ZH,
    STATUS_ZH,
    FileResult,
    Finding,
    Funds,
    Indicator,
    Project,
    Report,
    ReportInfo,
    Severity,
    Status,
    Value,
    YearFigures,
)
from processor.review.profiles import shown_name

if TYPE_CHECKING:
    from processor.draft import DraftResult
    from processor.nightly.mail import Delivery
    from processor.nightly.night import Night
    from processor.run import RunResult

SCHEMA_VERSION = 1


def _value(v: Value) -> dict[str, Any]:
    out: dict[str, Any] = {"raw": v.raw, "op": v.op, "value": v.value, "unit": v.unit, "kind": v.kind.value}
    if v.date is not None:
        out["date"] = v.date
    return out


def _funds(f: Funds) -> dict[str, Any]:
    return {
        "initial_budget": f.initial_budget, "annual_budget": f.annual_budget, "executed": f.executed,
        "execution_rate": f.execution_rate, "weight": f.weight, "self_score": f.self_score,
        "computed_score": f.computed_score, "money_unit": f.money_unit, "row": f.row, "cells": f.cells,
        "parts": [{"key": p.key, "label": p.label, "row": p.row, "initial_budget": p.initial_budget,
                   "annual_budget": p.annual_budget, "executed": p.executed} for p in f.parts],
    }


def _indicator(i: Indicator) -> dict[str, Any]:
    return {
        "level1": i.level1, "level2": i.level2, "name": i.name, "raw_name": i.raw_name, "row": i.row,
        "target": _value(i.target), "actual": _value(i.actual), "weight": i.weight, "self_score": i.self_score,
        "computed_score": i.computed_score, "method": i.method, "reason": i.reason,
        "key_indicator": i.key_indicator, "cells": i.cells,
    }


def project_dict(p: Project) -> dict[str, Any]:
    # earlier years only where some were matched (--history, the nightly ledger): a batch without history keeps the
    # entries it always had
    earlier = {"previous": _year(p.previous) if p.previous else None,
               "history": [_year(h) for h in p.history]} if p.history else {}
    return {
        "sheet": p.sheet, "year": p.year, "name": p.name, "department": p.department, "unit": p.unit,
        "profile": p.profile, "funds": _funds(p.funds), "indicators": [_indicator(i) for i in p.indicators],
        "self_total": p.self_total, "computed_total": p.computed_total, "self_grade": p.self_grade,
        "computed_grade": p.computed_grade, "declared_grade": p.declared_grade, "weight_total": p.weight_total,
        "goal_expected": p.goal_expected, "goal_actual": p.goal_actual,
        "code": p.code, "points": p.points, "conclusion": p.conclusion, "problems": p.problems, "measures": p.measures,
        "groups": [{"level": g.level, "name": g.name, "parent": g.parent, "declared_weight": g.declared_weight,
                    "cell": g.cell} for g in p.groups],
        "cells": p.cells,
        **earlier,
    }


def _year(h: YearFigures) -> dict[str, Any]:
    return {"year": h.year, "file": h.file, "sheet": h.sheet, "name": h.name, "matched_by": h.matched_by,
            "annual_budget": h.annual_budget, "executed": h.executed, "rate": h.rate, "self_total": h.self_total,
            "computed_total": h.computed_total, "self_grade": h.self_grade, "computed_grade": h.computed_grade}


def finding_dict(f: Finding) -> dict[str, Any]:
    return {"code": f.code, "severity": f.severity.value, "message": f.message, "hint": f.hint,
            "sheet": f.sheet, "cell": f.cell, "value": f.value, "project": f.project}


def report_dict(info: ReportInfo) -> dict[str, Any]:
    """A Word/PDF 绩效自评报告's entry: which form it restates, what it states (by key, with paragraph and quote)."""
    form = {"path": info.form, "project": info.project, "name": info.project_name} if info.form else None
    return {
        "kind": info.kind, "title": info.title, "name": info.name, "year": info.year, "department": info.department,
        "form": form, "match": info.match, "verdict": info.verdict,
        "stated": {s.key: s.value for s in reversed(info.statements)},  # the first statement of each key wins
        "statements": [{"key": s.key, "value": s.value, "raw": s.raw, "paragraph": s.paragraph, "where": s.where,
                        "quote": s.quote} for s in info.statements],
        "sections": list(info.sections),
    }


def file_dict(r: FileResult) -> dict[str, Any]:
    projects = [{**project_dict(p), "status": r.project_status(i).value} for i, p in enumerate(r.projects)]
    out: dict[str, Any] = {"path": r.path, "status": r.status.value, "reason": r.reason, "format": r.format,
           "projects": projects, "findings": [finding_dict(f) for f in r.findings]}
    if r.report is not None:
        out["report"] = report_dict(r.report)
    return out


def to_dict(report: Report) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "files": [file_dict(f) for f in report.files]}


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2)


def _place(f: Finding) -> str:
    """工作表 X，单元格 B4 — or, for a Word report's finding, its paragraph (第12段, 表格1第3行) as it is."""
    cell = (f.cell if f.cell.startswith(("第", "表格")) else f"单元格 {f.cell}") if f.cell else ""
    return "，".join(x for x in (f"工作表 {f.sheet}" if f.sheet else "", cell) if x)


def finding_text(f: Finding) -> str:
    """One finding on one line under its file's line: severity, title, code, sheet, cell, what is wrong, how to fix
    it — whole enough for grep without the file's path."""
    place = _place(f)
    return (f"[{SEVERITY_ZH[f.severity]}] {rule_title(f.code)}（{f.code}）{' ' + place if place else ''}："
            f"{f.message} 修改建议：{f.hint}")


def finding_line(path: str, f: Finding) -> str:
    """The sentence a clerk reads on its own: file, sheet, cell, what is wrong, how to fix it."""
    where = "，".join(x for x in (f"文件 {path}", _place(f)) if x)
    return f"[{SEVERITY_ZH[f.severity]}] {rule_title(f.code)}（{f.code}） {where}：{f.message} 修改建议：{f.hint}"


_STATUS_STYLE = {Status.ACCEPTED: "green", Status.RETURNED: "yellow", Status.REJECTED: "red", Status.SKIPPED: "dim"}
_SEV_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_CODE_WIDTH = 18  # the title's column in a terminal; a code under it is broken at its hyphens
_WIDE = 120  # from this terminal width on the code has a column of its own, whole


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def _severity(severity: Severity) -> Text:
    return Text(SEVERITY_ZH[severity], style=_SEV_STYLE[severity])


def _code(code: str, width: int = _CODE_WIDTH) -> str:
    """`overachievement-unexplained` as two lines at its hyphen, not cut mid-word by the column's edge."""
    lines = [""]
    for part in code.split("-"):
        piece = part if not lines[-1] else f"-{part}"
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append(part)
        else:
            lines[-1] += piece
    return "-\n".join(lines)


def _findings_table(findings: tuple[Finding, ...], width: int) -> Table:
    """级别 | 问题 | 代码 | 位置 | 说明与修改建议. Below `_WIDE` columns the code goes under the title (broken at its
    hyphens), so that the sentences keep room to be read."""
    wide = width >= _WIDE
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1), pad_edge=False)
    table.add_column("级别", no_wrap=True)
    table.add_column("问题", overflow="fold", max_width=_CODE_WIDTH)
    if wide:
        table.add_column("代码", style="dim", no_wrap=True)
    table.add_column("位置", overflow="fold", max_width=16)
    table.add_column("说明与修改建议", overflow="fold", ratio=1)
    for f in findings:
        text = Text(f.message)
        text.append("\n修改建议：", style="bold")
        text.append(f.hint)
        title = Text(rule_title(f.code))
        if not wide:
            title.append("\n" + _code(f.code), style="dim")
        place = Text("\n".join(x for x in (f.sheet, f.cell) if x))
        table.add_row(_severity(f.severity), title, *([f.code] if wide else []), place, text)
    return table


def render_table(report: Report, console: Console) -> None:
    """Each file's line, its projects and its findings indented beneath it: a table in a terminal, else one
    line per finding that grep can find whole (`finding_text`)."""
    for r in report.files:
        style = _STATUS_STYLE[r.status]
        console.print(f"[bold]{escape(r.path)}[/bold]  [{style}]{STATUS_ZH[r.status]}[/{style}]"
                      + (f"  {escape(r.reason)}" if r.reason and r.status is Status.SKIPPED else ""), soft_wrap=True)
        for p in r.projects:
            console.print(f"  · 工作表 {p.sheet}：{p.name or '（无项目名称）'} / {p.department or '（未填主管部门）'}"
                          f" / {p.year or '年度不详'}，指标 {len(p.indicators)} 项，自评 {_score(p.self_total)} 分"
                          f"（{p.self_grade or '—'}），复核 {_score(p.computed_total)} 分（{p.computed_grade or '—'}），"
                          f"评分规则 {shown_name(p.profile)}", markup=False, highlight=False, soft_wrap=True)
        if r.findings and not console.is_terminal:
            # piped or logged: one finding per line, never wrapped, so grep and log readers see whole sentences
            for f in r.findings:
                console.print("    " + finding_text(f), markup=False, highlight=False, soft_wrap=True)
        elif r.findings:
            console.print(Padding(_findings_table(r.findings, console.width), (0, 0, 0, 4)))
    # forms and Word reports counted apart, as `run` and 总览 count them
    forms = [f for f in report.files if f.report is None]
    reports = [f for f in report.files if f.report is not None]
    counts = "，".join(f"{STATUS_ZH[s]} {sum(f.status is s for f in forms)}" for s in Status)
    console.print(f"\n共 {len(forms)} 个文件：{counts}")
    if reports:
        said = "，".join(f"{STATUS_ZH[s]} {n}" for s in Status if (n := sum(f.status is s for f in reports)))
        console.print(f"绩效自评报告 {len(reports)} 份：{said}")
    history_line(report, console)


_STAGE_ZH = {"read": "读取", "review": "复核", "report": "自评报告", "history": "历年对比"}


def rules_markdown() -> str:
    """The catalogue as docs/rules.md: generated, so the published list can never drift from the code."""
    lines = ["# 问题代码一览 / Finding codes", "",
             "Generated by `selfeval rules --markdown`; a test keeps this file equal to the catalogue in",
             "`processor/core/findings.py`. A profile's `[severity]` table can change a code's severity or turn it `off`.",
             "",
             "**Severity follows the effect** (issue 14). Arithmetic that is simply wrong — sums (`funds-sum-mismatch`),",
             "rates (`rate-miscomputed`), totals (`total-mismatch`), a score above its weight (`score-above-weight`) — is an",
             "error whatever its size: the form is returned. A score finding (`score-inflated`, `qualitative-out-of-band`,",
             "`budget-score-miscomputed`) is an error when it lowers the form's total by the profile's `effect_error_points`",
             "(1 point) or more, or changes its grade (90.0 → 89.8 turns 优 into 良); a smaller one is a warning, and so is",
             "one where the department scored itself too low. The severity column below is the code's default; a bureau",
             "that wants every 自评分虚高 finding to send the form back sets `effect_error_points = 0` in its profile",
             "(differences within `score_tolerance`, such as 86% execution scored 9 for 8.6, stay notes).",
             "The score findings of one form count together: three inflations of 0.4 lower its total by 1.2.",
             "Every re-score that no other finding explains and that differs from the self-score by more than the",
             "profile's `rounding_tolerance` (0.05: departments round to one decimal) gets `score-recomputed` on its row,",
             "quoting the department's own reason when the score was raised.",
             "", "| 代码 code | 级别 severity | 阶段 stage | 名称 title | 示例 example | 修改建议 hint |",
             "|---|---|---|---|---|---|"]
    for r in CATALOGUE.values():
        cells = (f"`{r.code}`", r.severity.value, _STAGE_ZH[r.stage], r.title, r.example, r.hint)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render_rules(console: Console) -> None:
    """Every code with its severity, stage, title, example and hint: a table in a terminal, else one line per rule."""
    if not console.is_terminal:
        for r in CATALOGUE.values():
            console.print(f"{r.code}  {SEVERITY_ZH[r.severity]}  {_STAGE_ZH[r.stage]}  {r.title}  示例：{r.example}  "
                          f"修改建议：{r.hint}", markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("代码", style="dim", no_wrap=True)
    table.add_column("级别", no_wrap=True)
    table.add_column("阶段", no_wrap=True)
    table.add_column("名称", overflow="fold", max_width=_CODE_WIDTH)
    table.add_column("示例", overflow="fold", ratio=1)
    table.add_column("修改建议", overflow="fold", ratio=2)
    for r in CATALOGUE.values():
        table.add_row(_code(r.code), _severity(r.severity), _STAGE_ZH[r.stage], Text(r.title), Text(r.example),
                      Text(r.hint))
    console.print(table)


def render_run(result: RunResult, console: Console) -> None:
    o = result.aggregate.overview
    console.print(f"汇总表已生成：{escape(str(result.summary))}", soft_wrap=True)
    rate = "—" if o["rate"] is None else f"{o['rate']:.1%}"
    console.print(f"收到 {o['files_received']} 个文件（通过 {o['files_accepted']}，退回修改 {o['files_returned']}，"
                  f"拒收 {o['files_rejected']}），跳过 {o['files_skipped']} 个；项目 {o['projects']} 个，"
                  f"主管部门 {o['departments']} 个；全年预算 {o['annual_budget']:,.2f} 万元，执行率 {rate}；"
                  f"自评分虚高的项目 {o['inflated']} 个。", soft_wrap=True)
    if o.get("reports"):
        console.print(f"绩效自评报告 {o['reports']} 份：{reports_said(o, '其他（未匹配、PDF 未核对、格式不符等）')}。",
                      soft_wrap=True)
    history_line(result.report, console)
    if result.feedback_dir is None:
        return
    if result.feedback:
        folders = len({p.parent for p in result.feedback})
        console.print(f"审核意见已生成 {len(result.feedback)} 个（{folders} 个主管部门文件夹）："
                      f"{escape(str(result.feedback_dir))}", soft_wrap=True)
    else:
        console.print("无需生成审核意见：没有退回、拒收或有警告的文件。", soft_wrap=True)


HISTORY_CODES = tuple(r.code for r in CATALOGUE.values() if r.stage == "history")


def history_line(report: Report, console: Console) -> None:
    """With --history: how many projects found their earlier years, and what history alone showed (by rule title)."""
    projects = [p for f in report.files for p in f.projects]
    matched = sum(1 for p in projects if p.history)
    if not matched:
        return
    found = [x.code for f in report.files for x in f.findings if x.code in HISTORY_CODES]
    said = "，".join(f"{rule_title(c)} {found.count(c)}" for c in HISTORY_CODES if c in found)
    console.print(f"历年对比：{len(projects)} 个项目中 {matched} 个与往年对应" + (f"；{said}" if said else "") + "。",
                  soft_wrap=True)


def render_draft(result: DraftResult, console: Console) -> None:
    """Where the drafts went, which were kept (exist: --force), and which files had no project to draft."""
    console.print(f"自评报告初稿已生成 {result.written} 份：{escape(str(result.out))}", soft_wrap=True)
    noted = sum(1 for d in result.drafts if d.state == "written" and d.findings)
    if noted:
        console.print(f"其中 {noted} 份的自评表有问题，初稿开头的黄色“审核提示”列出了这些问题：请部门先修改自评表。",
                      soft_wrap=True)
    for d in result.drafts:
        if d.state == "kept":
            console.print(f"[yellow]已存在，未覆盖：{escape(str(d.path))}[/yellow]（部门可能已在修改；确需重新生成请加 --force）",
                          soft_wrap=True)
    for f in result.undrafted:
        why = f.reason or STATUS_ZH[f.status]
        console.print(f"未生成初稿：{escape(f.path)}（{STATUS_ZH[f.status]}：{escape(why)}）", soft_wrap=True)


def render_night(night: Night, console: Console) -> None:
    c = night.counts
    console.print(f"今晚新收 {c['new']} 个文件：通过 {c['accepted']}，退回修改 {c['returned']}，拒收 {c['rejected']}；"
                  f"重复提交 {c['duplicates']}，仍在复制（下次处理）{c['pending']}，跳过 {c['skipped']}"
                  + (f"，补完上次中断的归档 {c['recovered']}" if c["recovered"] else "") + "。", soft_wrap=True)
    console.print(f"汇总表：{escape(str(night.summary))}（最新副本：{escape(str(night.latest))}）", soft_wrap=True)
    if night.feedback:
        console.print(f"审核意见 {len(night.feedback)} 个：{escape(str(night.feedback[0].parent.parent))}", soft_wrap=True)
    if night.delivery is not None:
        render_delivery(night.delivery, console)


def render_delivery(d: Delivery, console: Console) -> None:
    """What became of the mail, tonight or after `selfeval mail --resend`: sent, written, refused, parked, queued."""
    if d.sent:
        console.print(f"邮件已发出 {len(d.sent)} 封。", soft_wrap=True)
    if d.written:
        console.print(f"未配置邮件服务器：邮件已写成 {len(d.written)} 个 .eml 文件，在 {escape(str(d.written[0].parent))}",
                      soft_wrap=True)
    if d.refused:
        said = "；".join(f"{r.address}（{r.answer}；邮件 {r.key}）" for r in d.refused)
        console.print(f"[yellow]邮件服务器拒收了 {len(d.refused)} 个收件人，邮件已发给其他收件人，对这些地址不再重发："
                      f"{escape(said)}。请核对 selfeval.toml 中的地址。[/yellow]", soft_wrap=True)
    for p in d.parked:
        console.print(f"[red]邮件 {escape(p.key)} 被服务器拒收（{escape(p.answer)}），已移到 {escape(str(p.path.parent))}"
                      f"（回答另存于 {escape(p.path.with_suffix('.txt').name)}），不再自动重发。改正收件人地址或邮件大小后运行 "
                      "selfeval mail --resend --config selfeval.toml 重发（或把该 .eml 移回 mailqueue 文件夹）。[/red]",
                      soft_wrap=True)
    if d.config_error:
        console.print(f"[red]邮件未能发出（{escape(d.error)}）。配置错误：{escape(d.config_error)}[/red]", soft_wrap=True)
    elif d.queued:
        console.print(f"[yellow]邮件未能发出（{escape(d.error)}），{len(d.queued)} 封已排队，下次运行时重发。[/yellow]",
                      soft_wrap=True)
