"""Label normalisation and the synonym table of the form (docs/rulebook.md §1; the table itself is labels.toml).

The normalising functions are pure and memoised (bounded): the same few hundred labels recur on every
form, and normalisation was the reader's largest cost. Only short texts are memoised: a cache holding
narratives or a hostile file's 32,767-character cells would keep every old submission's text alive.

Departments retype labels in every possible way (line breaks, U+3000, full-width brackets, trailing
colons, weights in brackets); matching happens on a key with all of that removed, so adding a synonym
is one line here and no code anywhere else.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from processor.core.errors import UsageError

# Characters NFKC leaves alone but departments use as comparators or spaces.
_EXTRA = str.maketrans({
    "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤", "═": "=", "〓": "=",
    "﹥": ">", "﹤": "<", "〈": "<", "〉": ">",
    "\u200b": "", "\ufeff": "", "\u00a0": " ", "﹦": "=",
})
_SPACE = re.compile(r"\s+")
_PAREN = re.compile(r"\([^()]*\)")
_WEIGHT = re.compile(r"\((\d+(?:\.\d+)?)分?\)|(\d+(?:\.\d+)?)分$")
_TRAIL = re.compile(r"[:;,.。、]+$")
_POINTS = re.compile(r"\d+(?:\.\d+)?分$")
_INLINE = re.compile(r"^\s*([^:]{2,12}?)\s*:\s*(.+)$", re.S)
_R = TypeVar("_R")
_R_co = TypeVar("_R_co", covariant=True)
SHORT = 64  # labels and typed numbers; longer texts are normalised afresh each time
MEMO_SIZE = 1 << 16  # entries per memoised function


class Memo(Protocol[_R_co]):
    def __call__(self, text: str) -> _R_co: ...

    def cache_clear(self) -> None: ...


def memo_short(fn: Callable[[str], _R]) -> Memo[_R]:
    """Memoise a pure function of one text, for short texts only and with a bounded cache (see above).

    Also used by the value grammar (values.parse_value) and the table parser: whatever it returns is
    shared between callers, so it must be immutable (str, bool, a frozen dataclass).

    A plain dict, not lru_cache: these functions are called hundreds of thousands of times per batch and
    nearly always hit, and a dict lookup is less than half the cost of lru_cache's wrapper plus a length
    test. When full, it is emptied: a batch's recurring labels are back within a workbook. (Dropping the oldest
    entry instead, `del cache[next(iter(cache))]`, made each miss scan the deleted slots at the dict's front:
    30 µs a miss, and a province checked in one process got slower with every workbook once the caches filled.)
    """
    cache: dict[str, _R] = {}

    def call(text: str) -> _R:
        try:
            return cache[text]
        except KeyError:
            pass
        result = fn(text)
        if len(text) <= SHORT:
            if len(cache) >= MEMO_SIZE:
                cache.clear()
            cache[text] = result
        return result

    call.__doc__ = fn.__doc__
    call.cache_clear = cache.clear  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


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


SHIPPED = Path(__file__).with_name("labels.toml")
SYNONYMS: dict[str, tuple[str, ...]] = {}  # field → labels as printed (processor/read/labels.toml)
LABELS: dict[str, str] = {}  # label key → field
LEVEL1: dict[str, str] = {}  # 一级指标 key → the name it is counted as
LEVEL2_STEMS: set[str] = set()  # 二级指标 keys without their trailing 指标
_extra: list[Path] = []  # the user's label files in force, in order


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"找不到标签文件 {path}。请检查路径。") from exc
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"标签文件 {path} 无法读取或格式有误（{exc}）。请按 TOML 格式修改，格式见 labels.toml 的说明。") from exc
    unknown = set(data) - {"fields", "groups"}
    if unknown:
        raise UsageError(f"标签文件 {path} 中有未知的部分 {sorted(unknown)}：只能有 [fields] 和 [groups]。")
    return data


@dataclass
class _Tables:
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    level1: dict[str, str] = field(default_factory=dict)
    level2: set[str] = field(default_factory=set)

    def merge(self, data: dict[str, Any], source: Path, shipped: bool) -> None:
        fields = data.get("fields", {})
        if not isinstance(fields, dict):
            raise UsageError(f"标签文件 {source} 中 [fields] 应写成 字段 = [\"写法\", …] 的形式。")
        for name, labels in fields.items():
            if not shipped and name not in self.synonyms:
                raise UsageError(f"标签文件 {source} 中的字段 {name} 无法识别。可用的字段：{', '.join(self.synonyms)}。")
            if not _texts(labels):
                raise UsageError(f"标签文件 {source} 中 {name} 应为文字列表，如 [\"核定预算数\"]，现为 {labels!r}。")
            for label in labels:
                key = label_key(label)
                if self.labels.get(key, name) != name:
                    raise UsageError(f"标签文件 {source} 中“{label}”已是字段 {self.labels[key]} 的写法，不能再作为 {name}。")
                self.labels[key] = name
            self.synonyms[name] = (*self.synonyms.get(name, ()), *labels)
        groups = data.get("groups", {})
        level1, level2 = groups.get("level1", {}), groups.get("level2", [])
        if not isinstance(groups, dict) or set(groups) - {"level1", "level2"}:
            raise UsageError(f"标签文件 {source} 的 [groups] 只能有 level1（一级指标）和 level2（二级指标）。")
        if not isinstance(level1, dict) or not all(_texts(v) for v in level1.values()):
            raise UsageError(f"标签文件 {source} 中 [groups.level1] 应写成 \"一级指标名称\" = [\"写法\", …]，现为 {level1!r}。")
        if not _texts(level2):
            raise UsageError(f"标签文件 {source} 中 [groups] level2 应为文字列表，如 [\"项目管理\"]，现为 {level2!r}。")
        for canonical, labels in level1.items():
            for label in (canonical, *labels):
                self.level1[label_key(label)] = label_key(canonical)
        self.level2.update(label_key(x).removesuffix("指标") for x in level2)


def _texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)


def _tables(paths: Sequence[Path]) -> _Tables:
    tables = _Tables()
    tables.merge(_read(SHIPPED), SHIPPED, shipped=True)
    for path in paths:
        tables.merge(_read(path), path, shipped=False)
    return tables


def check_labels(paths: Sequence[Path]) -> None:
    """Raise UsageError naming the file and the entry when a bureau's label files cannot be used."""
    _tables([Path(p) for p in paths])


def worker_setup() -> Callable[[], None]:
    """What a pool worker runs first so that it reads with the same labels as this process."""
    return partial(use_labels, tuple(_extra))


def use_labels(paths: Sequence[Path] = ()) -> None:
    """Read forms with the shipped labels plus a bureau's own files (in this process and, called again in
    each worker, in the pool's). Calling it again with the same files does nothing; with none, only the
    shipped labels are in force."""
    wanted = [Path(p).resolve() for p in paths]
    if wanted == _extra and LABELS:
        return
    tables = _tables(wanted)  # raises before anything changes
    _extra[:] = wanted
    # the tables are updated in place: other modules hold them by reference
    SYNONYMS.clear()
    SYNONYMS.update(tables.synonyms)
    LABELS.clear()
    LABELS.update(tables.labels)
    LEVEL1.clear()
    LEVEL1.update(tables.level1)
    LEVEL2_STEMS.clear()
    LEVEL2_STEMS.update(tables.level2)
    field_of.cache_clear()


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


use_labels()
