"""The value grammar: numbers written as text, and targets/actuals with comparators and units.

Departments write `"　200"`, `"10分"`, `"2,200"`, `"97.30%"`, `≧735人次`, `不低于95%`, `2021年12月完成`.
Everything is parsed here, in one place, so the reader and the reviewer agree on what a cell says.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from processor.core.model import EMPTY_VALUE, Value, ValueKind
from processor.read.labels import memo_short, nfkc

Cell = object  # what calamine hands back: str, int, float, bool, date, datetime, time, timedelta

_NUM = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?|[-+]?\.\d+"
_NUMBER_TEXT = re.compile(rf"^(?P<num>{_NUM})(?P<unit>分|万元|元|%|‰|个|项)?$")
_SPACES = re.compile(r"\s+")


class Unreadable(ValueError):
    """A cell that should hold a number holds text that is not one."""


class CellError(str):
    """A formula's error result (#REF!, #DIV/0!, #N/A) kept from the file: text to whoever reads text, and to
    whoever wants a number a ErrorValue, so that the finding names the error, never a blank."""


class ErrorValue(Unreadable):
    """The number asked for is a formula error; its text is the error as Excel shows it."""


def cell_text(cell: Cell) -> str:
    """A cell as the text a reviewer would see (numbers without a spurious `.0`)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    return str(cell).strip()


def is_blank(cell: Cell) -> bool:
    if isinstance(cell, str):
        return _blank_text(cell)
    return cell is None


@memo_short
def _blank_text(text: str) -> bool:
    """is_blank of a text, memoised: the parsers ask it of most cells of every form, and the texts recur."""
    return not text or not nfkc(text).strip()  # "" is what calamine gives for an empty cell


NONE_MARKS = {"—", "——", "-", "--", "/", "无", "—-", "－"}

# No figure on a 自评表 comes near 1e15 (万元, 元 or 分); beyond it sums and ratios could overflow to ∞, which
# no message and no workbook can show. Below 1e-9 a number is float noise (=0.1+0.2-0.3): it is 0, never a
# divisor that turns 执行率 into ∞.
MAX_NUMBER = 1e15
NOISE = 1e-9


def _sane(x: float, cell: int | float | str) -> float:
    """A number fit to compute with; NaN, ±∞ (a hostile `<v>NaN</v>`) and absurd magnitudes are unreadable."""
    if not math.isfinite(x) or abs(x) > MAX_NUMBER:
        raise Unreadable(cell.strip() if isinstance(cell, str) else f"{cell:g}")
    return 0.0 if abs(x) < NOISE else x


def parse_number(cell: Cell) -> float | None:
    """A number from a cell, or None for a blank cell or a "none" mark (—, /, 无); raises Unreadable
    for text that is no number.

    `"100%"` gives 100.0 (not 1.0): callers that want a ratio use `parse_rate`.
    """
    if type(cell) is float:  # most cells: a float passes every check below the same way
        return _sane(cell, cell)
    if isinstance(cell, CellError):
        raise ErrorValue(str(cell))
    if is_blank(cell):
        return None
    if isinstance(cell, bool):
        raise Unreadable(str(cell))
    if isinstance(cell, int | float):
        return _sane(float(cell), cell)
    if not isinstance(cell, str):
        raise Unreadable(cell_text(cell))
    readable, number = _text_number(cell)
    if not readable:
        raise Unreadable(cell.strip())
    return number


@memo_short
def _text_number(text: str) -> tuple[bool, float | None]:
    """parse_number of a non-blank text: (False, None) where it raises Unreadable (whose message is the text
    stripped), else (True, the number or None). Memoised, because a form's numbers typed as text (`10分`, `100%`,
    `2,200`) recur on form after form; an exception cannot be kept, so whether to raise one is."""
    flat = _SPACES.sub("", nfkc(text))
    if flat in NONE_MARKS:
        return True, None
    m = _NUMBER_TEXT.match(flat)
    if not m:
        return False, None
    try:
        return True, _sane(float(m.group("num").replace(",", "")), text)
    except Unreadable:
        return False, None


def parse_rate(cell: Cell) -> float | None:
    """An execution rate as a ratio: `100%`, `"97.30%"`, 1.0 (a %-formatted number) and 97.3 all work.

    A bare number above 2 can only be a percentage typed without its sign (no project spends
    twice its budget and says so in the rate), so it is divided by 100.
    """
    value = parse_number(cell)
    if value is None:
        return None
    if isinstance(cell, str) and ("%" in nfkc(cell)):
        return value / 100
    return value / 100 if value > 2 else value


# -- targets and actuals ------------------------------------------------------------------------

_PREFIX_OPS: list[tuple[str, str]] = [
    ("大于或等于", ">="), ("大于等于", ">="), ("不少于", ">="), ("不低于", ">="), ("不小于", ">="),
    ("至少", ">="), ("达到", ">="), ("≥", ">="), (">=", ">="), ("=>", ">="),
    ("小于或等于", "<="), ("小于等于", "<="), ("不高于", "<="), ("不超过", "<="), ("不大于", "<="),
    ("不多于", "<="), ("控制在", "<="), ("≤", "<="), ("<=", "<="), ("=<", "<="),
    ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"), (">", ">"),
    ("小于", "<"), ("低于", "<"), ("少于", "<"), ("<", "<"),
    ("等于", "="), ("==", "="), ("=", "="),
]
_SUFFIX_OPS: list[tuple[str, str]] = [
    ("及以上", ">="), ("以上", ">="), ("之上", ">="),
    ("及以下", "<="), ("以下", "<="), ("以内", "<="), ("之内", "<="), ("内", "<="),
]
_PERCENT_UNITS = {"%": "%", "百分比": "%", "百分点": "%", "‰": "‰"}
_QUANTITY = re.compile(rf"^(?P<num>{_NUM})(?P<unit>[^\d]{{0,10}}?)$")
_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:年|[-/])\s*(?P<m>\d{1,2})\s*(?:月|[-/])?(?:\s*(?P<d>\d{1,2})\s*(?:日|号)?)?"
    r"(?:底|末)?(?:前|之前|以前)?(?:完成|前完成|到位|全部完成|拨付到位)?$"
)
_YEAR_END = re.compile(r"^(?P<y>\d{4})年度?(?=.)(?:底|末|年底|年末|内)?(?:前|之前|以前)?(?:完成|到位)?$")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_LEADING_LABEL = re.compile(r"^[^\d≥≤<>=]{1,15}(?=[≥≤<>=]\d)")


def _strip_ops(text: str) -> tuple[str | None, str]:
    op: str | None = None
    for word, sym in _PREFIX_OPS:
        if text.startswith(word):
            op, text = sym, text[len(word):]
            break
    for word, sym in _SUFFIX_OPS:
        if text.endswith(word):
            op, text = (op if op in ("<", ">") else sym), text[: -len(word)]
            break
    return op, text


def _date_value(raw: str, text: str, op: str | None) -> Value | None:
    m = _DATE.match(text)
    if m:
        y, mo = int(m.group("y")), int(m.group("m"))
        if not (1900 <= y <= 2200 and 1 <= mo <= 12):
            return None
        iso = f"{y:04d}-{mo:02d}" + (f"-{int(m.group('d')):02d}" if m.group("d") else "")
        return Value(raw=raw, op=op or "<=", value=None, unit="", kind=ValueKind.DATE, date=iso)
    m = _YEAR_END.match(text)
    if m and 1900 <= int(m.group("y")) <= 2200:
        return Value(raw=raw, op=op or "<=", value=None, unit="", kind=ValueKind.DATE,
                     date=f"{int(m.group('y')):04d}-12")
    return None


def parse_value(cell: Cell) -> Value:
    """Parse a 年度指标值 or 实际完成值 cell. Never raises: what is not a number is qualitative text.

    Dates always get an op ("<=" unless written otherwise): finishing earlier meets a date target.
    """
    if isinstance(cell, str):
        return _parse_text(cell)
    if cell is None:
        return EMPTY_VALUE
    raw = cell_text(cell)
    if isinstance(cell, bool):
        return Value(raw=raw, op=None, value=None, unit="", kind=ValueKind.QUALITATIVE)
    if isinstance(cell, int | float):
        if not math.isfinite(cell):  # NaN or ±∞ from a hostile file measures nothing
            return Value(raw=raw, op=None, value=None, unit="", kind=ValueKind.QUALITATIVE)
        return Value(raw=raw, op=None, value=float(cell), unit="", kind=ValueKind.QUANTITY)
    if isinstance(cell, dt.datetime | dt.date):
        day = cell.date() if isinstance(cell, dt.datetime) else cell
        return Value(raw=raw, op="<=", value=None, unit="", kind=ValueKind.DATE, date=day.isoformat())
    return Value(raw=raw, op=None, value=None, unit="", kind=ValueKind.QUALITATIVE)


@memo_short
def _parse_text(cell: str) -> Value:
    """parse_value of a text, a pure function of it: memoised, because targets and actuals repeat from form
    to form (`100%`, `≥95%`, `达成预期指标`, `2023年12月`) and this grammar was 7% of a run. `Value` is frozen,
    so one instance can serve every indicator that wrote the same text."""
    if is_blank(cell):
        return EMPTY_VALUE
    raw = cell.strip()  # cell_text of a str
    text = _SPACES.sub("", nfkc(cell))
    text = _TRAILING_NOTE.sub("", text) or text
    text = text.rstrip("。，,;；.、") or text
    text = _LEADING_LABEL.sub("", text)  # 满意度≥95% → ≥95%
    op, body = _strip_ops(text)
    date = _date_value(raw, body, op)
    if date is not None:
        return date
    m = _QUANTITY.match(body)
    if m is None:
        return Value(raw=raw, op=None, value=None, unit="", kind=ValueKind.QUALITATIVE)
    number = float(m.group("num").replace(",", ""))
    unit = m.group("unit")
    if unit.startswith("月") or not math.isfinite(number):
        # 12月底前: a month without its year is no quantity of anything; 400 digits overflow to ∞
        return Value(raw=raw, op=None, value=None, unit="", kind=ValueKind.QUALITATIVE)
    percent = next((p for p in _PERCENT_UNITS if unit == p or (p in "%‰" and unit.startswith(p))), None)
    if percent is not None:  # 100%, 95%以上, 100%完成
        return Value(raw=raw, op=op, value=number, unit=_PERCENT_UNITS[percent], kind=ValueKind.PERCENT)
    return Value(raw=raw, op=op, value=number, unit=unit, kind=ValueKind.QUANTITY)


def reconcile_percent(target: Value, actual: Value) -> tuple[Value, Value]:
    """A %-formatted number reaches us as a ratio (0.95). Beside a percent partner it means 95%.
    (Its helpers live at module level: this runs once per indicator, and made two closures each time.)"""
    if target.kind is ValueKind.PERCENT and _ratio_like(actual) and target.value and target.value > 1.5:
        return target, _scaled(actual)
    if actual.kind is ValueKind.PERCENT and _ratio_like(target) and actual.value and actual.value > 1.5:
        return _scaled(target), actual
    return target, actual


def _scaled(v: Value) -> Value:
    assert v.value is not None
    return Value(raw=v.raw, op=v.op, value=round(v.value * 100, 10), unit="%", kind=ValueKind.PERCENT)


def _ratio_like(v: Value) -> bool:
    return v.kind is ValueKind.QUANTITY and not v.unit and v.value is not None and 0 < v.value <= 1.5
