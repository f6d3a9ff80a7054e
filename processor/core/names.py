"""How outputs are named and grouped: names that the writers, the jobs and the nightly job all need.

They live here, below every stage, so that the nightly configuration can check a split mode and the
mailer can name a queued mail without importing the workbook writers (and pandas and openpyxl with them).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from processor.core.errors import UsageError

DEFAULT_NAME = "绩效自评汇总_{year}_{date}.xlsx"  # the summary workbook: --name, [review] summary_name
SPLIT_ABOVE = 2000  # projects: above this `--split-by auto` writes one workbook per 主管部门
MODES = ("auto", "none", "department")
CONFIG_FILE = "selfeval.toml"  # the nightly job's configuration (selfeval init, --config)
PARKED = "mail-failed"  # beside the mail queue: mails the server refused for good, each with a .txt of its answer
FOLDER_SUFFIX = "_分部门"
BLANK_DEPARTMENT = "未填主管部门"  # the folder (and name) of forms whose 主管部门 is blank

_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')  # Windows refuses these in names; / and \ are also separators
_RESERVED = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def summary_name(template: str, year: int | None, date: dt.date) -> str:
    """The summary's file name from the user's pattern; a pattern that could name another folder is refused."""
    try:
        name = template.format(year=year or "年度不详", date=date.isoformat())
    except (KeyError, IndexError, ValueError) as exc:
        raise UsageError(f"汇总表文件名模板“{template}”有误（{exc}）：只能使用 {{year}} 和 {{date}}。") from exc
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise UsageError(f"汇总表文件名“{name}”不能包含路径分隔符。")
    return name if name.lower().endswith(".xlsx") else name + ".xlsx"


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise UsageError(f"--split-by 只能是 {'、'.join(MODES)}，现为“{mode}”。")
    return mode


def should_split(mode: str, projects: int) -> bool:
    return check_mode(mode) == "department" or (mode == "auto" and projects > SPLIT_ABOVE)


def folder_for(summary: Path) -> Path:
    """The department workbooks' folder, named after the summary so two summaries never share one."""
    return summary.with_name(linkable(summary.stem) + FOLDER_SUFFIX)


def linkable(name: str) -> str:
    """A hyperlink's target is cut at its first # and % starts an escape: neither may be in a linked path."""
    return name.replace("#", "_").replace("%", "_")


def safe_name(text: str, fallback: str, limit: int = 120) -> str:
    """A name from a submission's text that cannot leave its folder on any system: separators, "..", control
    and bidi characters, Windows' forbidden characters and device names, leading dots (hidden) and trailing
    dots or spaces (Windows drops them) go. `limit` is UTF-8 bytes: 255 per name, 3 per CJK character."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"))
    text = re.sub(r"\s+", " ", _FORBIDDEN.sub("_", text))
    text = re.sub(r"\.{2,}", ".", text).strip(" .")
    text = text.encode("utf-8")[:limit].decode("utf-8", "ignore").strip(" .")
    return ("_" + text if _RESERVED.match(text) else text) or fallback


def project_key(year: int | None, department: str, name: str, code: str = "") -> tuple[object, ...]:
    """What makes two forms the same project: the budget system's code where the form prints one (a project
    keeps it when renamed, and 工资性支出 is the name of many), else its name; always within a year and a
    主管部门. The batch's duplicate check and the nightly ledger's versions both count by it."""
    return (year, department, "code", code) if code else (year, department, "name", name)


def main_year(years: Iterable[int | float | None]) -> int | None:
    """The year a summary is titled and named after: the most common one, the earlier on a tie.

    A department that typed last year's date moves nothing. Blank years (None, NaN, 0) are not counted;
    each caller decides what it counts (the projects of a run, or every stored version in the ledger).
    """
    counts = Counter(int(y) for y in years if y is not None and not (isinstance(y, float) and math.isnan(y)) and y)
    return min(counts, key=lambda y: (-counts[y], y)) if counts else None
