"""What a draft 绩效自评报告 says, as plain data: paragraphs of spans, some of them marked for the department to
fill in. Kept apart from the Word typesetting (narrative/document.py) so the wording can be tested as text.

Only the form's own figures are restated (the department signs the report; our recomputed score belongs in the
review note above the text, not in its sentences). What the form cannot tell (how the work was organised,
how the money was managed, where the report is published) is a placeholder `【请填写：…】`, never prose made up.
The outline is the one departments use (the 一、… 七、 sections and 附件 of docs/narrative.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cache

from processor.core.errors import SelfevalError
from processor.core.findings import rule_title
from processor.core.model import FileResult, Finding, Funds, Indicator, Project, Severity, YearFigures
from processor.review.checks import is_filler
from processor.review.profiles import DEFAULT, Profile, load_profile
from processor.review.scoring import execution_rate, score_indicator, years_rate


@dataclass(frozen=True)
class Span:
    text: str
    fill: bool = False  # a placeholder or note the department must act on: highlighted in the document


@dataclass(frozen=True)
class Para:
    """kind: title | subtitle | note | h1 | h2 | body | item | signer | sign | attachment"""

    kind: str
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class Draft:
    title: str
    paras: tuple[Para, ...]


def fill(what: str) -> Span:
    return Span(f"【请填写：{what}】", fill=True)


def _p(kind: str, *parts: str | Span) -> Para:
    return Para(kind, tuple(p if isinstance(p, Span) else Span(p) for p in parts if p != ""))


def money(x: float | None) -> str:
    """万元 as the form has them: up to 4 decimals (1 元 = 0.0001 万元), no trailing zeros."""
    if x is None:
        return "—"
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points(x: float | None) -> str:
    if x is None:
        return "—"
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(rate: float | None) -> str:
    return "—" if rate is None else points(rate * 100) + "%"


def year_text(p: Project) -> str:
    return f"{p.year}年" if p.year else "本年"


def part_label(label: str) -> str:
    """A fund part as the form labels it, without 其中： and padding: 其中：当年财政拨款　 → 当年财政拨款."""
    text = re.sub(r"\s+", "", label)
    return re.sub(r"^其中[:：]?", "", text) or "其他资金"


def title_of(p: Project) -> str:
    return f"{p.year}年度{p.name}绩效自评报告" if p.year else f"{p.name}绩效自评报告"


@cache
def _profile(name: str) -> Profile:
    try:
        return load_profile(name or DEFAULT)
    except SelfevalError:  # a bureau's own profile file, named by path, that is not here: the default's comparison
        return load_profile(DEFAULT)


def fell_short(ind: Indicator, profile: str = DEFAULT) -> bool:
    """Short of its target by the form's own score (self-score below 分值), by the recomputed score, or — on forms
    without 分值 — by the rulebook's comparison of the form's target and actual: either way the report must say why."""
    if ind.weight is not None and any(s is not None and s < ind.weight - 1e-9
                                      for s in (ind.self_score, ind.computed_score)):
        return True
    return score_indicator(replace(ind, weight=1.0, self_score=None), _profile(profile)).met is False


def _names(items: list[str]) -> str:
    return "、".join(items)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def review_note(result: FileResult, index: int) -> list[Para]:
    """The highlighted note above the text: what the review found (the form should be fixed first)."""
    p = result.projects[index]
    found = [f for f in result.findings if (f.project == index or f.project is None)
             and f.severity in (Severity.ERROR, Severity.WARNING)]
    rescored = (p.computed_total is not None and p.self_total is not None
                and abs(p.computed_total - p.self_total) >= 0.005)
    if not found:  # a re-score within tolerance, or info only: nothing for the department to fix
        return []
    paras = [_p("note", Span(f"【审核提示，定稿前删除】本项目自评表经审核发现 {len(found)} 个问题，请先修改自评表，"
                            "再据以修改本报告（本初稿按自评表所填数字起草）：", fill=True))]
    for n, f in enumerate(found, 1):
        paras.append(_p("note", Span(f"{n}. {_finding_line(f)}", fill=True)))
    if rescored:
        grade = f"，等级{p.computed_grade}" if p.computed_grade else ""
        paras.append(_p("note", Span(f"按评分规则复核，综合得分为 {points(p.computed_total)} 分{grade}"
                                     f"（自评 {points(p.self_total)} 分）。", fill=True)))
    return paras


def _finding_line(f: Finding) -> str:
    where = f"（{f.sheet}!{f.cell}）" if f.sheet and f.cell else (f"（{f.sheet}）" if f.sheet else "")
    return f"{rule_title(f.code)}{where}：{f.message} 修改建议：{f.hint}"


def overview(p: Project) -> list[Para]:
    code = f"（项目代码 {p.code}）" if p.code else ""
    roles = [x for x in (f"{p.department}主管" if p.department else "", f"{p.unit}实施" if p.unit else "") if x]
    lead = f"{p.name}{code}" + (f"由{'、'.join(roles)}" if roles else "") + "。"
    sources = [f"{part_label(r.label)}{money(r.annual_budget)}万元" for r in p.funds.parts
               if r.key != "total" and r.annual_budget]
    if p.funds.annual_budget is None:
        return [_p("h1", "一、项目概况"), _p("body", lead, fill("项目资金来源和全年预算数（自评表未填写项目资金）")),
                _p("body", fill("项目立项依据、主要内容和年度绩效目标的设定情况"))]
    funds = f"{year_text(p)}度项目资金全年预算数{money(p.funds.annual_budget)}万元"
    funds += f"，其中{_names(sources)}。" if sources else "。"
    return [_p("h1", "一、项目概况"), _p("body", lead, funds),
            _p("body", fill("项目立项依据、主要内容和年度绩效目标的设定情况"))]


def level2_groups(p: Project) -> list[tuple[str, str]]:
    """The (一级, 二级) pairs of the form: 其他 under two 一级 is two groups."""
    return list(dict.fromkeys((i.level1, i.level2) for i in p.indicators if i.level2))


def system_sentence(p: Project) -> str:
    if not p.indicators:
        return f"{year_text(p)}项目支出绩效自评表未列出绩效指标。"
    level1 = _unique([i.level1 for i in p.indicators])
    pairs = level2_groups(p)
    level2 = f"细化为{_names(_unique([b for _, b in pairs]))}等{len(pairs)}个二级指标，" if pairs else "下设"
    return (f"根据{year_text(p)}项目支出绩效自评表，绩效评价指标体系划分为{_names(level1)}等{len(level1)}个一级指标，"
            f"{level2}共{len(p.indicators)}个三级指标。")


def conclusion(p: Project, total_computed: bool) -> list[Para]:
    """The verdict as the form gives it; a total the form left blank (summed by the reader) is said to be a sum."""
    grade = p.declared_grade or p.self_grade
    graded = f"，等级为“{grade}”。" if grade else "。"
    rest: tuple[str | Span, ...]
    if p.points == "none":
        rest = ("自评表未设分值，不计算综合得分。",)
    elif p.self_total is None:
        rest = ("自评表未填写综合得分：", fill("综合得分和评价等级"))
    elif total_computed:
        rest = (f"自评表未填写总分，各项自评得分合计为{points(p.self_total)}分{graded}", fill("核实并填写自评表总分"))
    else:
        rest = (f"经评价，本项目综合得分为{points(p.self_total)}分{graded}", "具体评分情况详见附件。")
    out = [_p("h1", "三、综合评价结论"), _p("body", system_sentence(p), *rest)]
    if p.conclusion.strip():
        out.append(_p("body", "自评表评价结论：", sentence(p.conclusion)))
    return out


def printed_rate(f: Funds) -> float | None:
    """The form's 执行率 as printed, else as its own budget and spending give it."""
    return f.execution_rate if f.execution_rate is not None else execution_rate(f.annual_budget, f.executed)


def money_use(p: Project) -> list[Para]:
    f = p.funds
    rate = printed_rate(f)
    balance = (f.annual_budget - f.executed) if f.annual_budget is not None and f.executed is not None else None
    head = _p("h2", "（一）项目资金使用及管理情况")
    if f.annual_budget is None and f.executed is None:
        return [head, _p("body", fill("全年预算数、执行数和预算执行率（自评表未填写项目资金）")),
                _p("body", fill("资金拨付、使用和管理情况（管理制度、监管措施等）"))]
    initial = f"（年初预算数{money(f.initial_budget)}万元）" if f.initial_budget is not None else ""
    clauses = [f"{year_text(p)}度项目资金全年预算数{money(f.annual_budget)}万元{initial}" if f.annual_budget is not None
               else "自评表未填写全年预算数",
               f"全年执行数{money(f.executed)}万元" if f.executed is not None else "未填写全年执行数"]
    if rate is not None:
        clauses.append(f"预算执行率{percent(rate)}")
    if balance is not None:
        clauses.append(f"结余资金{money(balance)}万元" if balance >= 0 else f"超支{money(-balance)}万元")
    return [head, _p("body", "，".join(clauses) + "。"), *versus_last_year(p),
            _p("body", fill("资金拨付、使用和管理情况（管理制度、监管措施等）"))]


def versus_last_year(p: Project) -> list[Para]:
    """四（一）'s comparison with 上年 (issue 19), only when a --history form of the year before was matched: a reader
    of the report asks first whether the money and the score moved together. Both years' figures are the forms' own,
    and both years' rates are taken alike (scoring.years_rate: 执行数 ÷ 全年预算数, as 项目汇总 compares them); each
    year's grade is the one its own total earns, so the two are graded alike; a figure either year lacks leaves its
    clause out rather than print a dash."""
    before = p.previous
    if before is None:
        return []
    clauses = [c for c in (_budget_change(before.annual_budget, p.funds.annual_budget),
                           _rate_change(before.rate, years_rate(p.funds)),
                           _score_change(before, p)) if c]
    if not clauses:
        return []
    return [_p("body", f"与上年（{before.year}年度）相比，" + "；".join(clauses) + "。")]


def _budget_change(then: float | None, now: float | None) -> str:
    if then is None or now is None:
        return ""
    if money(then) == money(now):
        return f"全年预算数与上年持平（均为{money(now)}万元）"
    word, moved = ("增至", "增长") if now > then else ("减至", "减少")
    ratio = f"（{moved}{percent(abs(now - then) / then)}）" if then > 0 else ""
    return f"全年预算数由{money(then)}万元{word}{money(now)}万元{ratio}"


def _rate_change(then: float | None, now: float | None) -> str:
    """Percentage points between the two rates as printed (rounded alike), so the words agree with the figures."""
    if then is None or now is None:
        return ""
    if percent(then) == percent(now):
        return f"预算执行率与上年持平（均为{percent(now)}）"
    word, moved = ("升至", "提高") if now > then else ("降至", "下降")
    gap = abs(round(now * 100, 2) - round(then * 100, 2))
    return f"预算执行率由{percent(then)}{word}{percent(now)}（{moved}{points(gap)}个百分点）"


def _score_change(before: YearFigures, p: Project) -> str:
    if before.self_total is None or p.self_total is None or p.points == "none":
        return ""

    def graded(grade: str | None) -> str:
        return f"（{grade}）" if grade else ""

    return (f"上年自评{points(before.self_total)}分{graded(before.self_grade)}，"
            f"本年自评{points(p.self_total)}分{graded(p.self_grade)}")


def goals(p: Project) -> list[Para]:
    expected = p.goal_expected.strip()
    actual = p.goal_actual.strip()
    return [_p("h2", "（二）总体绩效目标完成情况"),
            _p("body", "年度总体目标：", sentence(expected) if expected else fill("年度总体目标（自评表未填写）")),
            _p("body", "实际完成情况：", sentence(actual) if actual else fill("年度总体目标的实际完成情况（自评表未填写）"))]


def indicators(p: Project) -> list[Para]:
    out = [_p("h2", "（三）绩效指标完成情况")]
    if not p.indicators:
        return [*out, _p("body", fill("绩效指标完成情况（自评表未列出绩效指标）"))]
    declared = {g.name: g.declared_weight for g in p.groups if g.level == 1}
    for level1 in _unique([i.level1 for i in p.indicators]):
        mine = [i for i in p.indicators if i.level1 == level1]
        level2 = _unique([i.level2 for i in mine if i.level2])
        weight = declared.get(level1)
        head = f"{level1}（{points(weight)}分）" if weight is not None else level1
        scores = [i.self_score for i in mine]
        got = f"，自评得分{points(sum(s for s in scores if s is not None))}分" if any(s is not None for s in scores) else ""
        short = [i for i in mine if fell_short(i, p.profile)]
        where = f"共设{_names(level2)}{len(level2)}个二级指标、{len(mine)}个三级指标" if level2 else f"共设{len(mine)}个三级指标"
        if not short:
            out.append(_p("body", f"{head}：{where}{got}，各项指标均达到年度指标值。"))
            continue
        if len(short) == len(mine):
            out.append(_p("body", f"{head}：{where}{got}，{'均' if len(mine) > 1 else ''}未达到年度指标值："))
        else:
            out.append(_p("body", f"{head}：{where}{got}，其中{len(mine) - len(short)}个达到年度指标值，"
                                  f"{len(short)}个未达到："))
        out += [_shortfall(i) for i in short]
    return out


def _shortfall(i: Indicator) -> Para:
    score = f"，自评得分{points(i.self_score)}分（分值{points(i.weight)}分）" if i.self_score is not None else ""
    head = f"“{i.name}”年度指标值为{i.target.raw or '（未填）'}，实际完成值为{i.actual.raw or '（未填）'}{score}。偏差原因："
    reason = i.reason.strip()
    return _p("item", head, sentence(reason) if reason and not says_nothing(reason)
              else fill("未达到年度指标值的原因（自评表未说明）"))


def sentence(text: str) -> str:
    """The form's text as a sentence of the report: ended with one 。 unless it already ends a sentence; a
    trailing colon or comma (原因如下：) gives way to it."""
    text = re.sub(r"[。.]{2,}", "。", text.strip()).rstrip("：:，,、；; ")
    return text if not text or text[-1] in "。！？.!?…）)”\"" else text + "。"


def says_nothing(reason: str) -> bool:
    """无, 暂无, 无偏差。, 已完成。: a reason with nothing to report."""
    flat = re.sub(r"[\s。.；;，,！!]+$", "", reason.strip())
    return is_filler(flat) or flat in ("暂无", "无偏差", "无差异", "不存在偏差", "见附件", "详见附件")


def problems(p: Project) -> list[Para]:
    """The form's own 存在问题/改进措施 blocks; the shortfalls are named once, under 四（三）, and referred to here."""
    short = sum(1 for i in p.indicators if fell_short(i, p.profile))
    out = [_p("h1", "五、存在的问题和改进措施"), _p("h2", "（一）存在的问题")]
    if p.problems.strip():
        out.append(_p("body", sentence(p.problems)))
    if short:
        out.append(_p("body", f"本年度有{short}个绩效指标未达到年度指标值，偏差原因见本报告四（三）。"))
    out.append(_p("body", fill("项目实施中存在的问题")))
    out.append(_p("h2", "（二）建议和改进措施"))
    if p.measures.strip():
        out.append(_p("body", sentence(p.measures)))
    out.append(_p("body", fill("针对上述问题的改进措施")))
    return out


def compose(result: FileResult, index: int, date: dt.date) -> Draft:
    """The whole draft of one project of a file, in reading order."""
    p = result.projects[index]
    title = title_of(p)
    heading = f"{p.year}年度{p.name}\n绩效自评报告" if p.year else f"{p.name}\n绩效自评报告"
    paras: list[Para] = [_p("title", heading), _p("subtitle", "（初稿）"), *review_note(result, index)]
    paras += overview(p)
    paras += [_p("h1", "二、绩效自评工作开展情况"),
              _p("body", fill("自评工作的组织实施情况：组织方式、自评范围、方法和过程"))]
    computed = any(f.code == "value-computed" and f.cell == p.cells.get("total") for f in result.findings_of(index))
    paras += conclusion(p, computed)
    paras += [_p("h1", "四、绩效目标实现情况分析"), *money_use(p), *goals(p), *indicators(p)]
    paras += problems(p)
    paras += [_p("h1", "六、绩效自评结果拟应用和公开情况"),
              _p("body", fill("自评结果的应用（如用于完善管理、调整预算）和公开方式（如在本部门网站公开）"))]
    paras += [_p("h1", "七、其他需要说明的问题"), _p("body", fill("其他需要说明的问题；没有则填写“无”"))]
    paras += [_p("signer", p.department or p.unit or fill("单位名称")), _p("sign", f"{date.year}年{date.month}月{date.day}日")]
    paras += [_p("attachment", "附件：项目支出绩效自评表")]
    return Draft(title, tuple(x for x in paras if x.spans))
