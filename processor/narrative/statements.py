"""The statements of a 绩效自评报告 that restate its form (docs/narrative.md, "Sentences that restate the form"),
and the sections the report has: what checking a submitted report against its form compares (issue 18). The title,
the headings and the lines that are not the report's text are found by headings.py.

The reader is deliberately narrow: a wrong mismatch finding is worse than a missed one, so a figure is taken only
when the words around it say plainly which of the form's figures it restates. The decisions:

- 全年预算 (全年预算数, 预算资金, 预算数, 预算安排, 项目资金全年为…, 资金总额) is the budget. A budget word qualified by
  a source or a level (财政拨款, 上年结转, 其他资金, 其中, 中央/省级/市级/县级, 追加 …) is a part, and is not taken.
- 年初预算 is not the budget: the comparison of `budget` is with the form's 全年预算数, which may differ from the
  年初预算数 after an adjustment without the report being wrong. A report that states no 全年预算 anywhere but states
  its 年初预算 gives that as `initial_budget`, the form's 年初预算数 column, which it does restate; beside a stated
  全年预算 it is context and is dropped. Whether the form has a 年初预算数 to compare it with is the comparison's
  business (compare.form_values): a form without one gives no finding, and the figure is never held against the
  全年预算数.
- Allocations are not budgets: `拨付160万元至相应社区`, `工作经费为40万元`, and the seed's `2021年─2023年市财政局每年
  安排200万元` in 项目概况 (a three-year plan, stated before the year's budget is: the year's 全年预算 may have been
  adjusted from it, and section 四 restates the year's figure in budget words anyway); so is `每年预算安排`.
- 执行数 / 实际支出 / 全年支出 / 累计支出 / 共支出 / 共计支出 are the spending, when nothing qualifies them (全市共支出,
  社区共计支出 are parts); 已支出 and 拨付 are not (they are often parts).
- A total and its parts: the figure before 其中 is the project's. In the scope of a 其中 (to the end of its sentence,
  across ；, or to the bracket around it) a budget, spending, balance or rate is a part when the same figure was stated
  before the 其中 in the paragraph, or when the 其中 opens its sentence (the total was said before it). Another
  figure after the parts is the project's again: `全年预算数200万元，其中财政拨款150万元，全年执行数200万元`.
- 结余 / 结余资金 / 无结余 are the balance; 结转 is not (上年结转资金 is a source of money, not what was left).
- 执行率 / 使用率 / 支出率, qualified by 预算/资金/项目 or by nothing, are the rate; `验收率达到100%` and the like are not.
- The total needs a word that means the project's total (综合得分, 自评得分, 总得分, 本项目得分 …); 总分 alone is the
  maximum (总分100分) and is not taken; a score in a sentence about an indicator (…指标…自评得分9分（分值10分）) is
  that indicator's. The grade needs 等级/等次/评价结果/评价结论 … before it, and a one-character grade (优/良/中/差)
  a 为/是/： or quotes, so that `评价结果中，…` is not read as 中.
- Indicator counts: `N个一级指标` / `一级指标N个`; a 二级 count only in a sentence that also counts the 一级 indicators
  or names the 指标体系, and not after 其中/下设 (those count the 二级 groups of one 一级 group).
- The year and the project name come from the title only (headings.title_of).
- The review note a draft opens with (【审核提示…】 up to the first heading) is not the report's text and is skipped.
- Everything from the 附件 line on (the form itself, as a table) is not read: it is the form, not a restatement.
- A table-layout report: a cell that is a label (综合得分, 全年预算数（万元） …) followed by a value cell gives the same
  statement; an amount is taken only when a unit is written (in the label, the value or the row). The quote of a
  table statement is the row's non-empty cells joined by ` | `.

Amounts are in 万元 (元 ÷ 10000, 亿元 × 10000); a rate in percent; counts and the year as floats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from processor.core.model import Statement
from processor.narrative.headings import (
    NOTE_SCORE,
    SECTION_TITLES,
    SECTIONS,
    attachment,
    opens_note,
    section_of,
    title_of,
)
from processor.narrative.text import NUM, ParaLike, Text, count_value, number, sentences, squash, wan

# the names other modules import from here (link, compare, reading, the tests): the outline's are re-exported
__all__ = ["GRADES", "SECTIONS", "SECTION_TITLES", "Stated", "extract", "section_of"]


@dataclass(frozen=True)
class Stated:
    statements: tuple[Statement, ...]
    sections: tuple[str, ...]  # keys of SECTIONS, in the order found
    name: str  # the project name stated in the title ("" if none)
    year: int | None  # the year stated in the title


GRADES: dict[str, str] = {
    "优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "中等": "中", "合格": "中", "及格": "中",
    "差": "差", "较差": "差", "不合格": "差",
}

_CLAUSE_END = re.compile(r"[，,:;。]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MONEY = NUM + r"\s*(?P<unit>亿元|万元|元)"
_CONN = r"\s*(?:为|是|:|共计|共|合计|总计|达到|达|计|约)?\s*"
_COUNT = r"\d+|[一二两三四五六七八九十]+"


# ---------------------------------------------------------------- the sentence patterns


@dataclass(frozen=True)
class _Hit:
    key: str
    value: float | str
    at: int  # where the match starts, in the normalised sentence
    start: int  # the value as written: "200万元", "优秀", "99分"
    end: int


@dataclass(frozen=True)
class _Context:
    sentence: str  # normalised
    before: str  # the sentence before the match
    clause: str  # the clause before the match (since the last ，：;)
    after: str  # the sentence after the match


def _context(sentence: str, start: int, end: int) -> _Context:
    before = sentence[:start]
    parts = _CLAUSE_END.split(before)
    return _Context(sentence, before, parts[-1], sentence[end:])


# the words a budget or spending word may follow directly; any other Chinese character before it qualifies it
# (年初预算, 市级预算资金, 财政拨款资金全年…): a part, not the project's figure
_FREE_BEFORE = ("项目", "全年", "年度", "本年", "专项", "资金", "批复", "下达", "核定", "落实", "安排", "的", "总",
                "为", "了")
_PART_WORDS = ("其中", "财政拨款", "上年结转", "结转资金", "其他资金", "自筹", "中央", "省级", "市级", "县级", "区级",
               "本级", "上级", "追加", "调减", "调增", "年初")


def _free(before: str) -> bool:
    """Nothing qualifies the word that follows `before`: punctuation, a number or one of _FREE_BEFORE before it."""
    if not before or not _CJK.match(before[-1]):
        return True
    if re.search(r"\d\s*年$", before):
        return True
    return before.endswith(_FREE_BEFORE) and not before.endswith(("年初", "每年"))


def _amount_ok(c: _Context) -> bool:
    return _free(c.before) and not any(w in c.clause for w in _PART_WORDS)


_BUDGET_TAIL = r"(?:安排(?:资金|经费)?|总数|总额|金额|资金|数|额)?"
_BUDGET = re.compile(r"(?:(?:全年|调整后|年度)?预算" + _BUDGET_TAIL + r"|资金全年(?:预算数?)?|资金总额|总预算)"
                     + _CONN + _MONEY)
_INITIAL = re.compile(r"年初(?:批复)?预算" + _BUDGET_TAIL + _CONN + _MONEY)
_EXECUTED = re.compile(r"(?:(?:全年|预算|实际)?执行(?:数|金额|资金)|实际(?:支出|使用|执行)(?:数|金额|资金)?"
                       r"|(?:(?:全年|年度)?(?:累计共计|累计共|累计|共计|共)|全年)支出(?:数|金额|资金)?|支出数)"
                       + _CONN + _MONEY)
_BALANCE = re.compile(r"(?:结转结余|结余结转|资金结余|结余)(?:资金)?" + _CONN + _MONEY)
_NO_BALANCE = re.compile(r"(?:无|没有|未产生|不存在)(?:资金)?结余")
_RATE = re.compile(r"(?:预算|资金|项目|全年|年度|总体)?(?:执行率|使用率|支出率)\s*(?:为|是|:|达到了|达到|达)?\s*"
                   + NUM + r"\s*%")
_TOTAL = re.compile(r"(?P<word>综合(?:自评)?(?:得分|评分|分数)|(?:自评|评价|绩效评价|最终)总(?:得)?分|总得分|最终得分"
                    r"|自评(?:得分|分数)|评价得分|得分|评分)\s*(?:为|是|:|共|达到|达)?\s*" + NUM + r"\s*分")
_GRADE = re.compile(r"(?:(?:综合|自评|评价|绩效|评定|考评)?等级|等次|评价结果|评定结果|自评结果|评价结论|综合评价)"
                    r"\s*(?P<conn>为|是|:|评定为|评为|确定为|定为|属于|达到)?\s*(?P<open>[“\"'‘「『])?"
                    r"(?P<grade>优秀|良好|不合格|合格|较差|中等|及格|优|良|中|差)"
                    r"[”\"'’」』]?(?:等级|等次|级)?(?![\u3400-\u9fff])")
_LEVEL = {
    "level1_count": re.compile(rf"(?P<nraw>(?P<n>{_COUNT})\s*(?:个|项|类))\s*一级(?:绩效)?指标"
                               rf"|一级(?:绩效)?指标\s*(?:共有|共计|共|有|为|数为|数量为|:)?\s*(?P<mraw>(?P<m>{_COUNT})\s*(?:个|项|类))"),
    "level2_count": re.compile(rf"(?P<nraw>(?P<n>{_COUNT})\s*(?:个|项|类))\s*二级(?:绩效)?指标"
                               rf"|二级(?:绩效)?指标\s*(?:共有|共计|共|有|为|数为|数量为|:)?\s*(?P<mraw>(?P<m>{_COUNT})\s*(?:个|项|类))"),
}


def _rate_ok(m: re.Match[str], c: _Context) -> bool:
    return _free(c.before) and not any(w in c.clause for w in _PART_WORDS)


def _total_ok(m: re.Match[str], c: _Context) -> bool:
    word = m.group("word")
    if c.after.lstrip().startswith(("(分值", "/")):
        return False  # an indicator's score beside its 分值
    project = any(w in c.clause for w in ("项目", "综合", "经评价", "经综合评价"))
    if word.startswith(("综合", "总得", "最终")) or "总" in word:
        return "指标" not in c.clause
    if "指标" in c.before and not project:
        return False  # …指标…自评得分9分: that indicator's score
    if word in ("得分", "评分"):
        return _free(c.before) and any(w in c.before for w in ("项目", "经评价", "综合", "自评", "评价"))
    return True


def _grade_ok(m: re.Match[str], c: _Context) -> bool:
    if len(m.group("grade")) == 1 and not (m.group("conn") or m.group("open")):
        return False  # 评价结果中，… is not 中
    return "指标" not in c.clause


def _find(sentence: str) -> list[_Hit]:
    hits: list[_Hit] = []

    def each(key: str, rx: re.Pattern[str], value: Callable[[re.Match[str]], float | str | None],
             ok: Callable[[re.Match[str], _Context], bool], raw: str | None = "num") -> None:
        """raw: the group the value as written starts at (it runs to the match's end); None: the whole match."""
        for m in rx.finditer(sentence):
            v = value(m)
            if v is None or not ok(m, _context(sentence, m.start(), m.end())):
                continue
            if raw is None:
                start, end = m.start(), m.end()
            else:
                group = next(g for g in raw.split("|") if m.group(g) is not None)
                start, end = m.start(group), m.end(group)
                if group == "num":
                    end = m.end()
            hits.append(_Hit(key, v, m.start(), start, end))

    def money(m: re.Match[str]) -> float:
        return wan(m.group("num"), m.group("unit"))

    def amount(m: re.Match[str], c: _Context) -> bool:
        return _amount_ok(c)

    def balance(m: re.Match[str], c: _Context) -> bool:
        return "上年" not in c.clause

    def always(m: re.Match[str], c: _Context) -> bool:
        return True

    def count(m: re.Match[str]) -> float | None:
        return count_value(m.group("n") or m.group("m"))

    each("budget", _BUDGET, money, amount)
    each("initial_budget", _INITIAL, money, amount)
    each("executed", _EXECUTED, money, amount)
    each("balance", _BALANCE, money, balance)
    each("balance", _NO_BALANCE, lambda m: 0.0, balance, raw=None)
    each("rate", _RATE, lambda m: round(number(m.group("num")), 6), _rate_ok)
    each("total", _TOTAL, lambda m: number(m.group("num")), _total_ok)
    each("grade", _GRADE, lambda m: GRADES[m.group("grade")], _grade_ok, raw="grade")
    level1 = list(_LEVEL["level1_count"].finditer(sentence))
    each("level1_count", _LEVEL["level1_count"], count, always, raw="nraw|mraw")

    def level2(m: re.Match[str], c: _Context) -> bool:
        overall = bool(level1) or "指标体系" in c.sentence
        return overall and not any(w in c.clause for w in ("其中", "下设", "分别"))

    each("level2_count", _LEVEL["level2_count"], count, level2, raw="nraw|mraw")
    return hits


# ---------------------------------------------------------------- table rows: label | value

_LABELS: dict[str, str] = {
    **dict.fromkeys(("全年预算数", "全年预算", "调整后预算数", "预算数", "预算资金", "项目预算", "预算金额", "预算总额",
                     "全年预算资金"), "budget"),
    **dict.fromkeys(("年初预算数", "年初预算", "年初预算资金"), "initial_budget"),
    **dict.fromkeys(("全年执行数", "执行数", "实际支出", "实际支出数", "支出数", "实际执行数", "执行金额", "全年支出"),
                    "executed"),
    **dict.fromkeys(("结余资金", "结余", "资金结余", "结转结余"), "balance"),
    **dict.fromkeys(("执行率", "预算执行率", "资金执行率", "资金使用率", "预算资金使用率", "支出率"), "rate"),
    **dict.fromkeys(("综合得分", "自评得分", "综合评分", "总得分", "自评总分", "评价得分", "综合自评得分", "最终得分"),
                    "total"),
    **dict.fromkeys(("自评等级", "评价等级", "等级", "综合等级", "绩效等级", "评定等级", "评价结果", "自评结果"), "grade"),
    **dict.fromkeys(("一级指标数", "一级指标个数", "一级指标数量"), "level1_count"),
    **dict.fromkeys(("二级指标数", "二级指标个数", "二级指标数量"), "level2_count"),
}
_AMOUNTS = ("budget", "initial_budget", "executed", "balance")
_UNIT_NOTE = re.compile(r"\((亿元|万元|元|%)\)|单位:(亿元|万元|元)")


def _label(cell: str) -> tuple[str | None, str]:
    """(key, unit written in the label) of a label cell, e.g. 全年预算数（万元） → (budget, 万元)."""
    flat = squash(cell).rstrip(":")
    unit = _UNIT_NOTE.search(flat)
    bare = re.sub(r"\([^)]*\)", "", flat)
    return _LABELS.get(bare), (unit.group(1) or unit.group(2)) if unit else ""


def _cell_value(key: str, cell: str, unit: str, row_unit: str) -> tuple[float | str, str] | None:
    """(value, raw) of a value cell for a label, or None when it is not one (another label, empty, no unit)."""
    t = Text.of(cell.strip())
    flat = t.norm.strip()
    if key == "grade":
        m = re.fullmatch(r"[“\"'‘]?(优秀|良好|不合格|合格|较差|中等|及格|优|良|中|差)[”\"'’]?(?:等级|级)?", flat)
        return (GRADES[m.group(1)], cell.strip()) if m else None
    m = re.fullmatch(NUM + r"\s*(?P<unit>亿元|万元|元|%|分|个|项)?", flat)
    if not m:
        return None
    written = m.group("unit") or ""
    if key in _AMOUNTS:
        u = written or unit or row_unit
        if u not in ("亿元", "万元", "元"):
            return None  # an amount without a unit is not read: 元 and 万元 both occur
        return wan(m.group("num"), u), cell.strip()
    if key == "rate":
        if "%" not in (written, unit):
            return None
        return round(number(m.group("num")), 6), cell.strip()
    if key == "total":
        return (number(m.group("num")), cell.strip()) if written in ("", "分") else None
    c = count_value(m.group("num"))
    return (c, cell.strip()) if c is not None and written in ("", "个", "项") else None


def _row(cells: tuple[str, ...]) -> list[tuple[str, float | str, str]]:
    """(key, value, raw) of each label cell followed by its value cell."""
    flat = [squash(c) for c in cells]
    row_unit = next((u.group(1) or u.group(2) for f in flat if (u := _UNIT_NOTE.search(f)) and
                     (u.group(1) or u.group(2)) in ("亿元", "万元", "元")), "")
    out: list[tuple[str, float | str, str]] = []
    for i, cell in enumerate(cells):
        key, unit = _label(cell)
        if key is None:
            continue
        nxt = next((c for c in cells[i + 1:] if c.strip()), None)
        if nxt is None:
            continue
        got = _cell_value(key, nxt, unit, row_unit)
        if got is not None:
            out.append((key, got[0], got[1]))
    return out


# ---------------------------------------------------------------- a total and its parts

_PERIOD = re.compile(r"[。!?\n]")  # a ； does not end a 其中's scope: the parts are listed with it
_ASIDE = re.compile(r"\([^()]*\)")
_SHARED = ("budget", "initial_budget", "executed", "balance", "rate")  # the figures a total and its parts share


def _qizhong(norm: str, at: int) -> tuple[int, bool] | None:
    """The 其中 whose scope the figure at `at` is in: (where it is, whether it opens its sentence), or None. An aside
    in brackets that closed before the figure closed a 其中 inside it: （其中上级补助执行数120万元），执行率90%."""
    start = max((m.end() for m in _PERIOD.finditer(norm, 0, at)), default=0)
    head = norm[start:at]
    while (shut := _ASIDE.sub(lambda m: "#" * len(m.group()), head)) != head:
        head = shut
    q = head.rfind("其中")
    if q < 0:
        return None
    return start + q, not re.search(r"\w", head[:q])


def _wholes(norm: str, hits: list[tuple[int, int, _Hit]]) -> list[tuple[int, int, _Hit]]:
    """The hits of one text (each with its sentence's span) less the parts of a total: a part's figure is not the
    project's, and held against the form it would report a contradiction the department did not write."""
    kept: list[tuple[int, int, _Hit]] = []
    for s, e, h in sorted(hits, key=lambda x: x[0] + x[2].at):
        scope = _qizhong(norm, s + h.at) if h.key in _SHARED else None
        if scope is not None and (scope[1] or any(k.key == h.key and a + k.at < scope[0] for a, _, k in kept)):
            continue
        kept.append((s, e, h))
    return kept


# ---------------------------------------------------------------- extract


def extract(paragraphs: Sequence[ParaLike], title: str = "") -> Stated:
    """The statements that restate the form, the sections present, and the title's project name and year.
    `title` is the report's title when the caller knows it; else it is read from the lines above the first heading."""
    found: list[tuple[int, int, Statement]] = []  # (order of paragraph, position, statement)
    sections: list[str] = []
    head = title_of(paragraphs, title)
    if head.year is not None:
        found.append((-1, 0, Statement("year", float(head.year), head.paragraph, head.text, head.year_raw)))

    in_note = False
    for order, p in enumerate(paragraphs):
        texts = [c for c in p.cells if c.strip()] if p.cells else [p.text]
        if not texts:
            continue
        if sections and attachment(texts[0]):
            break  # the 附件: the form itself, not a restatement of it
        key = section_of(texts[0])
        in_note = (in_note or opens_note(texts[0])) and key is None  # the whole note, up to the first heading
        if in_note or squash(texts[0]).startswith(NOTE_SCORE):  # the note's recomputed score, even on its own
            continue
        if key is not None and key not in sections:
            sections.append(key)
        if p.cells:
            quote = " | ".join(c.strip() for c in texts)
            for k, value, raw in _row(p.cells):
                found.append((order, 0, Statement(k, value, p.number, quote, raw)))
        for text in texts:
            t = Text.of(text)
            hits = [(s, e, h) for s, e in sentences(t) for h in _find(t.norm[s:e])]
            for s, e, h in _wholes(t.norm, hits):
                raw = t.written(s + h.start, s + h.end)
                found.append((order, s + h.at, Statement(h.key, h.value, p.number, t.written(s, e).strip(), raw)))

    found.sort(key=lambda f: (f[0], f[1]))
    if any(st.key == "budget" for _, _, st in found):  # the 全年预算 stated: the 年初 one beside it is context
        found = [f for f in found if f[2].key != "initial_budget"]
    seen: set[tuple[str, float | str, int]] = set()
    out: list[Statement] = []
    for _, _, st in found:
        if (st.key, st.value, st.paragraph) not in seen:
            seen.add((st.key, st.value, st.paragraph))
            out.append(st)
    return Stated(tuple(out), tuple(sections), head.name, head.year)
