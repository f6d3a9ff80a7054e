"""The statements of a 绩效自评报告 that restate its form (docs/narrative.md, "Sentences that restate the form"),
and the sections the report has: what checking a submitted report against its form compares (issue 18).

The reader is deliberately narrow: a wrong mismatch finding is worse than a missed one, so a figure is taken only
when the words around it say plainly which of the form's figures it restates. The decisions:

- 全年预算 (全年预算数, 预算资金, 预算数, 项目资金全年为…, 资金总额) is the budget. 年初预算 is never taken: the form
  has both columns, the comparison is with 全年预算数, and a report that names only its 年初预算 may differ from the
  全年预算 after an adjustment without being wrong. A budget word qualified by a source or a level (财政拨款, 上年结转,
  其他资金, 其中, 中央/省级/市级/县级, 追加 …) is a part, not the budget, and is not taken either.
- Allocations are not budgets: `拨付160万元至相应社区`, `工作经费为40万元`, and the seed's `2021年─2023年市财政局每年
  安排200万元` in 项目概况 (a three-year plan, stated before the year's budget is: the year's 全年预算 may have been
  adjusted from it, and section 四 restates the year's figure in budget words anyway).
- 执行数 / 实际支出 / 全年支出 / 累计支出 are the spending; 已支出, 共支出, 拨付 are not (they are often parts).
- 结余 / 结余资金 / 无结余 are the balance; 结转 is not (上年结转资金 is a source of money, not what was left).
- 执行率 / 使用率 / 支出率, qualified by 预算/资金/项目 or by nothing, are the rate; `验收率达到100%` and the like are not.
- The total needs a word that means the project's total (综合得分, 自评得分, 总得分, 本项目得分 …); 总分 alone is the
  maximum (总分100分) and is not taken; a score in a sentence about an indicator (…指标…自评得分9分（分值10分）) is
  that indicator's. The grade needs 等级/等次/评价结果/评价结论 … before it, and a one-character grade (优/良/中/差)
  a 为/是/： or quotes, so that `评价结果中，…` is not read as 中.
- Indicator counts: `N个一级指标` / `一级指标N个`; a 二级 count only in a sentence that also counts the 一级 indicators
  or names the 指标体系, and not after 其中/下设 (those count the 二级 groups of one 一级 group).
- The year and the project name come from the title only (years in the body are ranges, plans and dates).
- The review note a draft opens with (【审核提示…】 up to the first heading) is not the report's text and is skipped.
- Everything from the 附件 line on (the form itself, as a table) is not read: it is the form, not a restatement.
- A table-layout report: a cell that is a label (综合得分, 全年预算数（万元） …) followed by a value cell gives the same
  statement; an amount is taken only when a unit is written (in the label, the value or the row). The quote of a
  table statement is the row's non-empty cells joined by ` | `.

Amounts are in 万元 (元 ÷ 10000, 亿元 × 10000); a rate in percent; counts and the year as floats.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from processor.core.model import Statement


class ParaLike(Protocol):
    """What extract reads of a paragraph (processor.narrative.docxtext.Para has this shape)."""

    @property
    def number(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def cells(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Stated:
    statements: tuple[Statement, ...]
    sections: tuple[str, ...]  # keys of SECTIONS, in the order found
    name: str  # the project name stated in the title ("" if none)
    year: int | None  # the year stated in the title


SECTIONS: dict[str, tuple[str, ...]] = {
    "overview": ("项目概况", "基本情况"),
    "work": ("绩效自评工作开展情况", "绩效评价工作开展情况", "自评工作开展情况", "评价工作开展情况"),
    "conclusion": ("综合评价结论", "综合评价情况及评价结论", "评价结论", "自评结论"),
    "analysis": ("绩效目标实现情况分析", "绩效指标分析", "绩效指标完成情况", "绩效目标实现情况", "绩效评价指标分析",
                 "绩效目标完成情况", "项目绩效情况", "绩效情况分析"),
    "problems": ("存在的问题", "问题及原因", "改进措施", "有关建议", "主要问题"),
    "application": ("结果拟应用和公开", "应用和公开", "结果应用", "应用"),
    "other": ("其他需要说明的问题", "其他需要说明的事项", "其他说明"),
}

SECTION_TITLES: dict[str, str] = {
    "overview": "项目概况",
    "work": "绩效自评工作开展情况",
    "conclusion": "综合评价结论",
    "analysis": "绩效目标实现情况分析",
    "problems": "存在的问题和改进措施",
    "application": "绩效自评结果拟应用和公开情况",
    "other": "其他需要说明的问题",
}

# the order a heading is classified in: the narrower words first ("其他需要说明的问题" is not 存在的问题)
_SECTION_ORDER = ("other", "application", "problems", "conclusion", "work", "analysis", "overview")

GRADES: dict[str, str] = {
    "优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "中等": "中", "合格": "中", "及格": "中",
    "差": "差", "较差": "差", "不合格": "差",
}


# ---------------------------------------------------------------- text as written ↔ text as matched


@dataclass(frozen=True)
class _Text:
    """NFKC of a text (full-width digits, ％, ：, （） half-width; the full-width comma kept, so that 1，200 is two
    numbers, not one), with each character's index in the text as written."""

    orig: str
    norm: str
    pos: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Text:
        chars: list[str] = []
        pos: list[int] = []
        for i, ch in enumerate(text):
            out = ch if ch in "，。、" else unicodedata.normalize("NFKC", ch)
            for c in out:
                chars.append(c)
                pos.append(i)
        return cls(text, "".join(chars), tuple(pos))

    def written(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        return self.orig[self.pos[start]:self.pos[end - 1] + 1]


_SENTENCE_END = re.compile(r"[。;!?\n]")
_CLAUSE_END = re.compile(r"[，,:;。]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _sentences(t: _Text) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(t.norm):
        out.append((start, m.end()))
        start = m.end()
    if start < len(t.norm):
        out.append((start, len(t.norm)))
    return out


# ---------------------------------------------------------------- numbers

_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_MONEY = _NUM + r"\s*(?P<unit>亿元|万元|元)"
_CONN = r"\s*(?:为|是|:|共计|共|合计|总计|达到|达|计|约)?\s*"
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_COUNT = r"\d+|[一二两三四五六七八九十]+"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _wan(num: str, unit: str) -> float:
    x = _number(num)
    scale = {"亿元": 10000.0, "万元": 1.0, "元": 0.0001}[unit]
    return round(x * scale, 6)


def _count(text: str) -> float | None:
    if text.isdigit():
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        o = _CN_DIGITS.get(ones, -1) if ones else 0
        return float(t * 10 + o) if t >= 0 and o >= 0 else None
    if len(text) == 1 and text in _CN_DIGITS:
        return float(_CN_DIGITS[text])
    return None


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


_BUDGET = re.compile(r"(?:(?:全年|调整后|年度)?预算(?:总数|总额|金额|资金|数|额)?|资金全年(?:预算数?)?|资金总额|总预算)"
                     + _CONN + _MONEY)
_EXECUTED = re.compile(r"(?:(?:全年|预算|实际)?执行(?:数|金额|资金)|实际(?:支出|使用|执行)(?:数|金额|资金)?"
                       r"|(?:全年|累计)支出(?:数|金额|资金)?|支出数)" + _CONN + _MONEY)
_BALANCE = re.compile(r"(?:结转结余|结余结转|资金结余|结余)(?:资金)?" + _CONN + _MONEY)
_NO_BALANCE = re.compile(r"(?:无|没有|未产生|不存在)(?:资金)?结余")
_RATE = re.compile(r"(?:预算|资金|项目|全年|年度|总体)?(?:执行率|使用率|支出率)\s*(?:为|是|:|达到了|达到|达)?\s*"
                   + _NUM + r"\s*%")
_TOTAL = re.compile(r"(?P<word>综合(?:自评)?(?:得分|评分|分数)|(?:自评|评价|绩效评价|最终)总(?:得)?分|总得分|最终得分"
                    r"|自评(?:得分|分数)|评价得分|得分|评分)\s*(?:为|是|:|共|达到|达)?\s*" + _NUM + r"\s*分")
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
        return _wan(m.group("num"), m.group("unit"))

    def amount(m: re.Match[str], c: _Context) -> bool:
        return _amount_ok(c)

    def balance(m: re.Match[str], c: _Context) -> bool:
        return "上年" not in c.clause

    def always(m: re.Match[str], c: _Context) -> bool:
        return True

    def count(m: re.Match[str]) -> float | None:
        return _count(m.group("n") or m.group("m"))

    each("budget", _BUDGET, money, amount)
    each("executed", _EXECUTED, money, amount)
    each("balance", _BALANCE, money, balance)
    each("balance", _NO_BALANCE, lambda m: 0.0, balance, raw=None)
    each("rate", _RATE, lambda m: round(_number(m.group("num")), 6), _rate_ok)
    each("total", _TOTAL, lambda m: _number(m.group("num")), _total_ok)
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
_UNIT_NOTE = re.compile(r"\((亿元|万元|元|%)\)|单位:(亿元|万元|元)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", _Text.of(text).norm)


def _label(cell: str) -> tuple[str | None, str]:
    """(key, unit written in the label) of a label cell, e.g. 全年预算数（万元） → (budget, 万元)."""
    flat = _squash(cell).rstrip(":")
    unit = _UNIT_NOTE.search(flat)
    bare = re.sub(r"\([^)]*\)", "", flat)
    return _LABELS.get(bare), (unit.group(1) or unit.group(2)) if unit else ""


def _cell_value(key: str, cell: str, unit: str, row_unit: str) -> tuple[float | str, str] | None:
    """(value, raw) of a value cell for a label, or None when it is not one (another label, empty, no unit)."""
    t = _Text.of(cell.strip())
    flat = t.norm.strip()
    if key == "grade":
        m = re.fullmatch(r"[“\"'‘]?(优秀|良好|不合格|合格|较差|中等|及格|优|良|中|差)[”\"'’]?(?:等级|级)?", flat)
        return (GRADES[m.group(1)], cell.strip()) if m else None
    m = re.fullmatch(_NUM + r"\s*(?P<unit>亿元|万元|元|%|分|个|项)?", flat)
    if not m:
        return None
    written = m.group("unit") or ""
    if key in ("budget", "executed", "balance"):
        u = written or unit or row_unit
        if u not in ("亿元", "万元", "元"):
            return None  # an amount without a unit is not read: 元 and 万元 both occur
        return _wan(m.group("num"), u), cell.strip()
    if key == "rate":
        if "%" not in (written, unit):
            return None
        return round(_number(m.group("num")), 6), cell.strip()
    if key == "total":
        return (_number(m.group("num")), cell.strip()) if written in ("", "分") else None
    c = _count(m.group("num"))
    return (c, cell.strip()) if c is not None and written in ("", "个", "项") else None


def _row(cells: tuple[str, ...]) -> list[tuple[str, float | str, str]]:
    """(key, value, raw) of each label cell followed by its value cell."""
    flat = [_squash(c) for c in cells]
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


# ---------------------------------------------------------------- headings and the title

_NUMBERING = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.]|\([一二三四五六七八九十\d]+\)"
                        r"|\d+\s*[、.](?!\d))\s*")
_YEAR = re.compile(r"(?P<y>\d{4}|[〇零一二三四五六七八九]{4})\s*年度?")


def section_of(text: str) -> str | None:
    """The SECTIONS key of a heading line (numbered 一、/（一）/1./第一部分/7、, or a short line by itself)."""
    flat = _squash(text)
    m = _NUMBERING.match(flat)
    if m:
        head = re.split(r"[。:]", flat[m.end():], maxsplit=1)[0]
        if len(head) > 40:
            return None
    elif len(flat) <= 30 and not flat.endswith(("。", ";")):
        head = flat
    else:
        return None
    for key in _SECTION_ORDER:
        if any(w in head for w in SECTIONS[key]):
            return key
    return None


def _attachment(text: str) -> bool:
    flat = _squash(text)
    return flat.startswith(("附件", "附表")) and len(flat) <= 30


def _year_of(text: str) -> tuple[int, str] | None:
    m = _YEAR.search(_Text.of(text).norm)
    if not m:
        return None
    y = m.group("y")
    digits = y if y.isdigit() else "".join(str(_CN_DIGITS[c]) for c in y)
    year = int(digits)
    return (year, m.group(0)) if 1990 <= year <= 2100 else None


def _name_of(title: str) -> str:
    flat = _squash(title)
    flat = re.sub(r"\([^)]*稿\)$", "", flat)
    m = _YEAR.search(flat)
    if m:
        flat = flat[m.end():]
    flat = re.sub(r"^关于", "", flat)
    flat = re.sub(r"(?<=项目)支出(?=绩效)", "", flat)
    flat = re.sub(r"的?(?:绩效自评|绩效评价|自评)报告$", "", flat)
    return flat


def _title_lines(paragraphs: Sequence[ParaLike]) -> list[ParaLike]:
    """The title: the line before the first heading that holds 报告, with the line above it when the title is set on
    two lines (the seed: `2021年度城市基层党建工作` / `专项资金绩效自评报告`)."""
    lines: list[ParaLike] = []
    for p in paragraphs:
        if p.cells:
            break
        if not p.text.strip():
            continue
        if section_of(p.text) is not None:
            break
        if re.fullmatch(r"附[件表]\d*", _squash(p.text)):
            continue
        lines.append(p)
    for k, p in enumerate(lines):
        if "报告" in p.text and len(_squash(p.text)) <= 60 and "。" not in p.text:
            flat = _squash(p.text)
            prev = lines[k - 1] if k else None
            if (prev is not None and not _YEAR.match(flat) and not flat.startswith("关于")
                    and len(_squash(prev.text)) <= 30 and not re.search(r"[。，,]", prev.text)):
                return [prev, p]
            return [p]
    return []


# ---------------------------------------------------------------- extract


_NOTE_SCORE = "按评分规则复核"


def _opens_note(text: str) -> bool:
    """A selfeval draft opens with a yellow 审核提示 (findings, a recomputed score) above its first heading: it is to
    be deleted before the report is final, and its figures are not the report's."""
    return _squash(text).startswith("【审核提示")


def extract(paragraphs: Sequence[ParaLike], title: str = "") -> Stated:
    """The statements that restate the form, the sections present, and the title's project name and year.
    `title` is the report's title when the caller knows it; else it is read from the lines above the first heading."""
    found: list[tuple[int, int, Statement]] = []  # (order of paragraph, position, statement)
    sections: list[str] = []
    heads = _title_lines(paragraphs)
    title_text = title.strip() or "".join(p.text.strip() for p in heads)
    year: int | None = None
    name = _name_of(title_text) if title_text else ""
    y = _year_of(title_text) if title_text else None
    if y is not None:
        year = y[0]
        at = next((p.number for p in heads if y[1] in _Text.of(p.text).norm), heads[0].number if heads else 0)
        found.append((-1, 0, Statement("year", float(year), at, title_text, y[1])))

    in_note = False
    for order, p in enumerate(paragraphs):
        texts = [c for c in p.cells if c.strip()] if p.cells else [p.text]
        if not texts:
            continue
        if sections and _attachment(texts[0]):
            break  # the 附件: the form itself, not a restatement of it
        key = section_of(texts[0])
        in_note = (in_note or _opens_note(texts[0])) and key is None  # the whole note, up to the first heading
        if in_note or _squash(texts[0]).startswith(_NOTE_SCORE):  # the note's recomputed score, even on its own
            continue
        if key is not None and key not in sections:
            sections.append(key)
        if p.cells:
            quote = " | ".join(c.strip() for c in texts)
            for k, value, raw in _row(p.cells):
                found.append((order, 0, Statement(k, value, p.number, quote, raw)))
        for text in texts:
            t = _Text.of(text)
            for s, e in _sentences(t):
                sentence = t.norm[s:e]
                quote = t.written(s, e).strip()
                for h in _find(sentence):
                    raw = t.written(s + h.start, s + h.end)
                    found.append((order, s + h.at, Statement(h.key, h.value, p.number, quote, raw)))

    found.sort(key=lambda f: (f[0], f[1]))
    seen: set[tuple[str, float | str, int]] = set()
    out: list[Statement] = []
    for _, _, st in found:
        if (st.key, st.value, st.paragraph) not in seen:
            seen.add((st.key, st.value, st.paragraph))
            out.append(st)
    return Stated(tuple(out), tuple(sections), name, year)
