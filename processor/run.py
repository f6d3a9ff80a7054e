"""`selfeval run`: the one-shot job — check every file in an inbox, aggregate, write the 汇总表.

A thin layer over check_paths, aggregate and write_summary, so the nightly lifecycle (ledger, archive,
email) can call the same pieces.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError

from processor.aggregate import Aggregate, aggregate
from processor.check import check_paths
from processor.errors import OutputError, UsageError
from processor.feedback import FOLDER, write_feedback
from processor.fsutil import atomic_write
from processor.model import Report
from processor.profiles import Profile
from processor.summary import write_summary

DEFAULT_NAME = "绩效自评汇总_{year}_{date}.xlsx"


@dataclass(frozen=True)
class RunResult:
    report: Report
    aggregate: Aggregate
    summary: Path
    sheets: tuple[str, ...]
    feedback: tuple[Path, ...] = ()  # one 审核意见 workbook per returned, rejected or warned file
    feedback_dir: Path | None = None  # OUT/审核意见, or None when feedback was not asked for


def main_year(report: Report) -> int | None:
    years = Counter(p.year for f in report.files for p in f.projects if p.year)
    return min(years, key=lambda y: (-years[y], y)) if years else None


def summary_name(template: str, year: int | None, date: dt.date) -> str:
    try:
        name = template.format(year=year or "年度不详", date=date.isoformat())
    except (KeyError, IndexError, ValueError) as exc:
        raise UsageError(f"汇总表文件名模板“{template}”有误（{exc}）：只能使用 {{year}} 和 {{date}}。") from exc
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise UsageError(f"汇总表文件名“{name}”不能包含路径分隔符。")
    return name if name.lower().endswith(".xlsx") else name + ".xlsx"


def publish_summary(report: Report, agg: Aggregate, out: Path, *, name: str, year: int | None,
                    date: dt.date) -> tuple[Path, list[str]]:
    """Write the summary into `out` atomically (temporary file, then rename); returns its path and sheets.

    A failure leaves any previous summary of the same name untouched and raises OutputError (exit 3).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹 {out}（{exc.strerror}）。请检查路径和权限。") from exc
    target = out / summary_name(name, year, date)
    sheets: list[str] = []

    def write(tmp: Path) -> None:
        sheets.extend(write_summary(report, agg, tmp, created=date, year=year))

    try:
        atomic_write(target, write)
    except (OSError, FileCreateError) as exc:  # xlsxwriter wraps a full disk in FileCreateError
        raise OutputError(f"写入汇总表 {target} 失败（{getattr(exc, 'strerror', None) or exc}）。原有文件未被改动；"
                          "请检查磁盘空间和权限后重新运行。") from exc
    return target, sheets


def run(inbox: Path, out: Path, *, profile: Profile | None = None, date: dt.date | None = None,
        year: int | None = None, name: str = DEFAULT_NAME, feedback: bool = True, jobs: int = 1) -> RunResult:
    """Check the inbox and write the summary atomically: a half-written workbook never has the final name.

    With `feedback`, each department's files with problems are also written back as 审核意见 copies
    (processor.feedback), after the summary, so a failing copy never costs the summary.
    """
    date = date or dt.date.today()
    report = check_paths([inbox], profile, exclude=(out,), jobs=jobs)
    agg = aggregate(report)
    year = year or main_year(report)
    target, sheets = publish_summary(report, agg, out, name=name, year=year, date=date)
    if not feedback:
        return RunResult(report, agg, target, tuple(sheets))
    written = write_feedback(report, out, created=date)
    return RunResult(report, agg, target, tuple(sheets), tuple(written), out / FOLDER)
