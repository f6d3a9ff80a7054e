"""Label normalisation and the synonym table of DOMAIN.md §1.

The normalising functions are pure and memoised (bounded): the same few hundred labels recur on every
form, and normalisation was the reader's largest cost. Only short texts are memoised: a cache holding
narratives or a hostile file's 32,767-character cells would keep every old submission's text alive.

Departments retype labels in every possible way (line breaks, U+3000, full-width brackets, trailing
colons, weights in brackets); matching happens on a key with all of that removed, so adding a synonym
is one line here and no code anywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

# Characters NFKC leaves alone but departments use as comparators or spaces.
_EXTRA = str.maketrans({
    "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤", "═": "=", "〓": "=",
    "﹥": ">", "﹤": "<", "〈": "<", "〉": ">",
    "\u200b": "", "\ufeff": "", "\u00a0": " ",
})
_SPACE = re.compile(r"\s+")
_PAREN = re.compile(r"\([^()]*\)")
_WEIGHT = re.compile(r"\((\d+(?:\.\d+)?)分?\)|(\d+(?:\.\d+)?)分$")
_TRAIL = re.compile(r"[:;,.。、]+$")
_POINTS = re.compile(r"\d+(?:\.\d+)?分$")
_INLINE = re.compile(r"^\s*([^:]{2,12}?)\s*:\s*(.+)$", re.S)
_R = TypeVar("_R")
SHORT = 64  # labels and typed numbers; longer texts are normalised afresh each time


def memo_short(fn: Callable[[str], _R]) -> Callable[[str], _R]:
    """Memoise a pure function of one text, for short texts only and with a bounded cache (see above).

    Also used by the value grammar (values.parse_value) and the table parser: whatever it returns is
    shared between callers, so it must be immutable (str, bool, a frozen dataclass).
    """
    cached = lru_cache(maxsize=1 << 16)(fn)

    def call(text: str) -> _R:
        return cached(text) if len(text) <= SHORT else fn(text)

    call.__doc__ = fn.__doc__
    return call


@memo_short
def nfkc(text: str) -> str:
    """Full-width → half-width (（）：％０-９ U+3000), plus the comparator look-alikes NFKC misses."""
    return unicodedata.normalize("NFKC", text).translate(_EXTRA)


@memo_short
def squash(text: str) -> str:
    """nfkc without any whitespace: `年度\\n指标值` and `产 出 指 标` become one word."""
    return _SPACE.sub("", nfkc(text))


@memo_short
def label_key(text: str) -> str:
    """The key a label is matched on: no spaces, no bracketed notes or weights, no trailing colon."""
    key = _PAREN.sub("", squash(text))
    key = _POINTS.sub("", key)
    return _TRAIL.sub("", key)


def declared_weight(text: str) -> float | None:
    """The weight printed in a group label: `产出指标(50分)` → 50, `数量指标（30分）` → 30."""
    m = _WEIGHT.search(squash(text))
    if not m:
        return None
    return float(m.group(1) or m.group(2))


def clean_group_name(text: str) -> str:
    """A 一级/二级 name without its weight and line breaks: `社会效\\n益指标（10分）` → 社会效益指标."""
    return label_key(text)


# canonical field id → labels (written as they are printed; keys are derived)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "project_name": ("项目名称",),
    "department": ("主管部门", "主管单位", "主管部门名称"),
    "unit": ("实施单位", "项目实施单位", "执行单位"),
    "funds": ("项目资金", "项目资金情况", "资金情况"),
    "initial_budget": ("年初预算数", "年初预算"),
    "annual_budget": ("全年预算数", "调整预算数", "调整后预算数", "预算数", "全年预算", "全年(调整)预算数"),
    "executed": ("全年执行数", "执行数", "预算执行数", "全年执行"),
    "weight": ("分值", "权重", "指标分值", "指标权重"),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分", "自评得分", "自评分", "指标得分"),
    "fund_total": ("年度资金总额", "资金总额"),
    "fund_current": ("其中:当年财政拨款", "其中:本年财政拨款", "其中:财政资金", "当年财政拨款",
                     "本年财政拨款", "财政拨款"),
    "fund_carryover": ("上年结转资金", "上年结转"),
    "fund_other": ("其他资金",),
    "goals": ("年度总体目标", "总体目标"),
    "goal_expected": ("预期目标", "年初设定目标", "项目年度目标", "年度预期目标"),
    "goal_actual": ("实际完成情况", "年度总体目标完成情况综述", "年度目标完成情况", "具体完成情况"),
    "indicators": ("绩效指标",),
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "level3": ("三级指标", "三级指标名称", "指标名称"),
    "target": ("年度指标值", "指标值", "年初指标值", "预期指标值", "年度目标指标值", "年度目标值"),
    "actual": ("实际完成值", "全年实际值", "完成值", "年终完成值", "全年完成值", "全年实际完成值", "实际值"),
    "reason": ("偏差原因分析及改进措施", "未完成原因及拟采取的改进措施", "未完成原因分析",
               "未完成原因分析及改进措施", "原因", "偏差原因分析", "偏差原因分析及改进措施说明"),
    "target_op": ("指标性质",),
    "target_unit": ("度量单位", "计量单位"),
    "total": ("总分", "总得分", "合计得分", "自评总分"),
    "grade": ("自评等级", "评价等级", "绩效等级", "等级", "评价结果等级"),
}

LABELS: dict[str, str] = {label_key(s): field for field, names in SYNONYMS.items() for s in names}

# Labels longer than this are sentences (填表说明, narratives), never field labels.
MAX_LABEL_LEN = 24


@memo_short
def field_of(text: str) -> str | None:
    """The field a cell's text labels, or None. Cheap enough to call on every string cell."""
    if len(text) > 60:
        return None
    key = label_key(text)
    if not key or len(key) > MAX_LABEL_LEN:
        return None
    return LABELS.get(key)


def inline_value(text: str) -> tuple[str, str] | None:
    """`项目名称：城市基层党建工作经费` in one cell → (field, value)."""
    flat = nfkc(text).strip()
    m = _INLINE.match(flat)
    if not m:
        return None
    field = LABELS.get(label_key(m.group(1)))
    if field is None:
        return None
    return field, m.group(2).strip()


GRADE_WORDS: dict[str, str] = {
    "优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "合格": "中", "及格": "中",
    "差": "差", "不合格": "差", "较差": "差",
}


def grade_of_word(text: str) -> str | None:
    return GRADE_WORDS.get(label_key(text))
