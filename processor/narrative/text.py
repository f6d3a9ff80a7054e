"""A report's text as the readers of its outline (headings.py) and of its statements (statements.py) match it, and
the numbers in it: one normalisation for both, so that a heading and a figure are found on the same text, and every
match can be quoted back as the department wrote it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol


class ParaLike(Protocol):
    """What the readers take of a paragraph (processor.narrative.docxtext.Para has this shape): the tests build
    paragraphs without a .docx."""

    @property
    def number(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def cells(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Text:
    """NFKC of a text (full-width digits, ％, ：, （） half-width; the full-width comma kept, so that 1，200 is two
    numbers, not one), with each character's index in the text as written."""

    orig: str
    norm: str
    pos: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Text:
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


def sentences(t: Text) -> list[tuple[int, int]]:
    """(start, end) in t.norm of each sentence: a ； ends one too, as reports list their figures with it."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(t.norm):
        out.append((start, m.end()))
        start = m.end()
    if start < len(t.norm):
        out.append((start, len(t.norm)))
    return out


def squash(text: str) -> str:
    """Text.of without whitespace: a label or heading set with spaces (产 出 指 标) is one word. Unlike
    processor.read.labels.squash, the full-width comma is kept, as in Text."""
    return re.sub(r"\s+", "", Text.of(text).norm)


# ---------------------------------------------------------------- numbers

NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def number(text: str) -> float:
    return float(text.replace(",", ""))


def wan(num: str, unit: str) -> float:
    """An amount in 万元, the form's unit: 元 ÷ 10000, 亿元 × 10000."""
    scale = {"亿元": 10000.0, "万元": 1.0, "元": 0.0001}[unit]
    return round(number(num) * scale, 6)


def count_value(text: str) -> float | None:
    """A count as reports write it, in digits or in Chinese up to 九十九 (两个, 十二个); None for anything else."""
    if text.isdigit():
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = CN_DIGITS.get(tens, -1) if tens else 1
        o = CN_DIGITS.get(ones, -1) if ones else 0
        return float(t * 10 + o) if t >= 0 and o >= 0 else None
    if len(text) == 1 and text in CN_DIGITS:
        return float(CN_DIGITS[text])
    return None
