"""The outline of a 绩效自评报告: its title (the project name and year it states), its section headings, and the
lines that are not its text (the review note a draft opens with, the 附件 line the form follows). Statements are
read within this outline (statements.py); the sections found are what a report is checked for (compare.py), and
SECTION_TITLES names a missing one in a finding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from processor.narrative.text import CN_DIGITS, ParaLike, Text, squash

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

_NUMBERING = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.]|\([一二三四五六七八九十\d]+\)"
                        r"|\d+\s*[、.](?!\d))\s*")
_YEAR = re.compile(r"(?P<y>\d{4}|[〇零一二三四五六七八九]{4})\s*年度?")


def section_of(text: str) -> str | None:
    """The SECTIONS key of a heading line (numbered 一、/（一）/1./第一部分/7、, or a short line by itself)."""
    flat = squash(text)
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


def attachment(text: str) -> bool:
    """The 附件 line: what follows is the form itself (as a table), not a restatement of it."""
    flat = squash(text)
    return flat.startswith(("附件", "附表")) and len(flat) <= 30


NOTE_SCORE = "按评分规则复核"  # the note's recomputed score, which may also stand on its own line


def opens_note(text: str) -> bool:
    """A selfeval draft opens with a yellow 审核提示 (findings, a recomputed score) above its first heading: it is to
    be deleted before the report is final, and its figures are not the report's."""
    return squash(text).startswith("【审核提示")


# ---------------------------------------------------------------- the title


@dataclass(frozen=True)
class Title:
    text: str  # "" when there is none
    name: str  # the project name it states ("" if none)
    year: int | None
    year_raw: str  # the year as matched: 2021年度
    paragraph: int  # the paragraph the year is in (0 when the caller passed the title)


def _year_of(text: str) -> tuple[int, str] | None:
    m = _YEAR.search(Text.of(text).norm)
    if not m:
        return None
    y = m.group("y")
    digits = y if y.isdigit() else "".join(str(CN_DIGITS[c]) for c in y)
    year = int(digits)
    return (year, m.group(0)) if 1990 <= year <= 2100 else None


def _name_of(title: str) -> str:
    flat = squash(title)
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
        if re.fullmatch(r"附[件表]\d*", squash(p.text)):
            continue
        lines.append(p)
    for k, p in enumerate(lines):
        if "报告" in p.text and len(squash(p.text)) <= 60 and "。" not in p.text:
            flat = squash(p.text)
            prev = lines[k - 1] if k else None
            if (prev is not None and not _YEAR.match(flat) and not flat.startswith("关于")
                    and len(squash(prev.text)) <= 30 and not re.search(r"[。，,]", prev.text)):
                return [prev, p]
            return [p]
    return []


def title_of(paragraphs: Sequence[ParaLike], given: str = "") -> Title:
    """The year and the project name come from the title only: years in the body are ranges, plans and dates.
    `given` is the title when the caller knows it (the document's title property); else the lines above the first
    heading are read."""
    heads = _title_lines(paragraphs)
    text = given.strip() or "".join(p.text.strip() for p in heads)
    if not text:
        return Title("", "", None, "", 0)
    y = _year_of(text)
    if y is None:
        return Title(text, _name_of(text), None, "", 0)
    at = next((p.number for p in heads if y[1] in Text.of(p.text).norm), heads[0].number if heads else 0)
    return Title(text, _name_of(text), y[0], y[1], at)
