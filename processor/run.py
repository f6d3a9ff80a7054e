"""`selfeval run`: the one-shot job — check every file in an inbox, aggregate, write the 汇总表.

A thin layer over check_paths, aggregate and write_summary (or deptbooks.write_split), so the nightly lifecycle
(ledger, archive, email) can call the same pieces.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError

from processor.aggregate import Aggregate, aggregate
from processor.check import check_spooled
from processor.core.errors import OutputError
from processor.core.fsutil import atomic_pair, atomic_write
from processor.core.model import Report
from processor.core.names import DEFAULT_NAME, check_mode, folder_for, main_year, should_split, summary_name
from processor.core.spool import Spool, sweep_stale
from processor.read.workbook import DEFAULT_MAX_FILE_MB, check_cap
from processor.review.past import Earlier
from processor.review.profiles import Profile
from processor.write.deptbooks import BookStore, write_split
from processor.write.feedback import write_feedback
from processor.write.lettertext import FOLDER
from processor.write.summary import write_summary


@dataclass(frozen=True)
class RunResult:
    """`report` is thin (processor.core.spool): each project's figures and every finding, not its indicator rows,
    which are in the summary's project sheets; `check_paths` / `selfeval check --json` give everything."""

    report: Report
    aggregate: Aggregate
    summary: Path
    sheets: tuple[str, ...]
    feedback: tuple[Path, ...] = ()  # one 审核意见 workbook per returned, rejected or warned file
    feedback_dir: Path | None = None  # OUT/审核意见, or None when feedback was not asked for


def publish_summary(report: Report, agg: Aggregate, out: Path, *, name: str, year: int | None,
                    date: dt.date, spool: Spool | None = None, split: str = "auto",
                    jobs: int = 1, store: BookStore | None = None) -> tuple[Path, list[str]]:
    """Write the summary into `out` atomically (temporary file, then rename); returns its path and sheets.

    `spool` holds the full results when `report` holds thin ones. Above SPLIT_ABOVE projects (or with
    split="department") the project sheets go to one workbook per 主管部门 in a folder beside the summary
    (processor.write.deptbooks), written by `jobs` processes. A failure leaves any previous summary of the same
    name untouched and raises OutputError (exit 3).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹 {out}（{exc.strerror}）。请检查路径和权限。") from exc
    target = out / summary_name(name, year, date)
    folder = folder_for(target)
    sheets: list[str] = []
    try:
        if should_split(split, len(agg.projects)):
            # the nightly ledger's results are in memory: put them on disk for the workers
            with nullcontext(spool) if spool is not None else Spool.of(report, out) as source:
                atomic_pair(target, folder, lambda tmp, into: sheets.extend(
                    write_split(report, agg, tmp, into, folder.name, source, created=date, year=year, jobs=jobs,
                                store=store)))
        else:
            full = spool.get if spool is not None else None
            atomic_write(target, lambda tmp: sheets.extend(
                write_summary(report, agg, tmp, created=date, year=year, full=full, jobs=jobs)))
            shutil.rmtree(folder, ignore_errors=True)  # an earlier split summary of the same name: stale now
    except (OSError, FileCreateError) as exc:  # xlsxwriter wraps a full disk in FileCreateError
        raise OutputError(f"写入汇总表 {target} 失败（{getattr(exc, 'strerror', None) or exc}）。原有文件未被改动；"
                          "请关闭已打开的汇总表和分部门工作簿，检查磁盘空间和权限后重新运行。") from exc
    return target, sheets


def run(inbox: Path, out: Path, *, profile: Profile | None = None, date: dt.date | None = None,
        year: int | None = None, name: str = DEFAULT_NAME, feedback: bool = True, jobs: int = 1,
        split: str = "auto", labels: Sequence[Path] | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        max_file_mb: float = DEFAULT_MAX_FILE_MB, require_report: bool = False,
        history: Sequence[Earlier] = ()) -> RunResult:
    """Check the inbox and write the summary atomically: a half-written workbook never has the final name.

    Full results wait in a spool on disk; the returned report is thin (each project's figures and every
    finding, not its indicator rows), so memory does not grow with the indicators of a province's forms.
    With `feedback`, each department's files with problems are also written back as 审核意见 copies
    (processor.write.feedback), after the summary, so a failing copy never costs the summary.
    `progress(done, total, file name)` follows the checking (processor.check.counted). A file larger than
    `max_file_mb` MB is rejected unread (`file-over-size-cap`). Word 绩效自评报告 in the inbox are checked against
    their forms; with `require_report` a form project without one gets a warning. `history`: earlier years'
    projects (processor.nightly.earlier.load_history), each matched project shown beside its earlier years.

    The spool lies in `out` and is locked while this run uses it; a spool that no process holds (a killed run's)
    is removed first (processor.core.spool.sweep_stale).
    """
    date = date or dt.date.today()
    check_mode(split)  # before the checking, not after it
    check_cap(max_file_mb)
    sweep_stale(out)
    with Spool(out) as spool:
        report = check_spooled([inbox], spool, profile, exclude=(out,), jobs=jobs, labels=labels,
                                progress=progress, max_file_mb=max_file_mb, require_report=require_report,
                                history=history)
        agg = aggregate(report)
        year = year or main_year(p.year for f in report.files for p in f.projects)
        target, sheets = publish_summary(report, agg, out, name=name, year=year, date=date, spool=spool,
                                         split=split, jobs=jobs)
        if not feedback:
            return RunResult(report, agg, target, tuple(sheets))
        written = write_feedback(report, out, created=date, full=spool.get, jobs=jobs)
    return RunResult(report, agg, target, tuple(sheets), tuple(written), out / FOLDER)
