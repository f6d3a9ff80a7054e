"""`selfeval run --config`: one night of the drop-folder lifecycle, unattended and losing nothing.

lock → discover (skip owner/temp files and files still being copied) → intake (processor.nightly.intake: hash,
review, record in the ledger, then move to archive/DATE/ or rejected/ with a .txt) → rebuild the year's
summary from the ledger → feedback for tonight's files → mail (or .eml files) → record the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from processor.aggregate import Aggregate, aggregate
from processor.check import check_safely, default_jobs, read_report_safely
from processor.core.errors import LedgerError, OutputError
from processor.core.fsutil import atomic_write
from processor.core.model import WAITING, Report, Status
from processor.core.names import BLANK_DEPARTMENT, folder_for, safe_name
from processor.core.spool import Spool, thin
from processor.nightly.config import Config
from processor.nightly.earlier import load_history_folders
from processor.nightly.intake import OTHER_FOLDER, Journal, checkpoint, take_all
from processor.nightly.ledger import Ledger, LedgerBusy, keep_aside
from processor.nightly.lock import RunLock
from processor.nightly.mail import Delivery, Outgoing, deliver, department_mail, summary_mail
from processor.nightly.matching import answers, year_report
from processor.read.discover import discover, is_report
from processor.read.labels import use_labels
from processor.review.profiles import load_profile
from processor.run import publish_summary
from processor.write.deptbooks import BookStore
from processor.write.feedback import lettered, plan, write_feedback

log = logging.getLogger("selfeval.night")
EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG, EXIT_RETRY, EXIT_PARKED = 0, 1, 4, 6, 9
LATEST = "绩效自评汇总_latest.xlsx"


@dataclass(frozen=True)
class Night:
    counts: dict[str, int]
    tonight: Report
    summary: Path
    latest: Path
    feedback: tuple[Path, ...]
    delivery: Delivery | None
    exit_code: int


def night(config: Config, *, now: dt.datetime | None = None,
          progress: Callable[[int, int, str], None] | None = None, backoff: float = 5.0) -> Night:
    """Run one night. Raises AlreadyRunning, ConfigError or OutputError; everything else is a finding.

    `backoff` is the first wait between SMTP retries (doubling each time)."""
    now = now or dt.datetime.now()
    today = now.date().isoformat()
    journal = Journal(config.jsonl)
    with RunLock(config.state / "selfeval.lock"):
        ledger = Ledger(config.state / "ledger.sqlite")
        try:
            return _night(config, ledger, now, today, journal, progress, backoff)
        finally:
            ledger.close()


def _sweep(*folders: Path) -> None:
    """What a killed run left behind: its spool of results and half-written summaries (all named .selfeval-…).
    Only called under the run lock, so no other run can be using them."""
    for folder in folders:
        for leftover in folder.glob(".selfeval-*") if folder.is_dir() else ():
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _night(config: Config, ledger: Ledger, now: dt.datetime, today: str, journal: Journal,
           progress: Callable[[int, int, str], None] | None, backoff: float) -> Night:
    run_id = ledger.start_run(now)
    _sweep(config.state, config.outbox)
    use_labels(config.labels)
    profile = load_profile(config.profile) if config.profile else None
    counts = dict.fromkeys(("new", "accepted", "returned", "rejected", "duplicates", "recovered", "pending",
                            "skipped", "failed"), 0)
    # tonight's files by hash, each kept thin: a first night of a province's 2,000 files would otherwise hold
    # every form's detail until the feedback is written (the ledger has them)
    crashed = ledger.close_crashed(run_id)  # finish what a killed run could not
    tonight = [(sha, thin(ledger.result(sha))) for sha in crashed]
    if tonight:
        journal("crashed", f"上次运行未完成：补做其 {len(tonight)} 个文件的审核意见和邮件", files=len(tonight))
    for folder in (config.inbox, config.archive, config.rejected, config.outbox):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"无法创建文件夹 {folder}（{exc.strerror}）。请检查配置中的路径和权限。") from exc
    others = (config.archive, config.rejected, config.outbox, config.state)  # never read our own folders back
    candidates = discover([config.inbox], exclude=others, reports=True)
    for outcome in take_all(candidates, config, ledger, run_id, profile, now, today, journal, progress):
        counts[outcome.kind] += 1
        if outcome.result is not None:
            tonight.append((outcome.sha256, thin(outcome.result)))
    counts["new"] = sum(counts[k] for k in ("accepted", "returned", "rejected"))
    if config.history_folders:  # earlier years' forms, recorded once where they lie: no letter, no mail
        load_history_folders(config.history_folders, ledger, profile, now, config.max_file_mb,
                             lambda said: journal("history", said), exclude=(config.inbox, *others))
    checkpoint(config.state, "before-summary")
    with Spool(config.state) as spool:
        report, year = year_report(ledger, config, spool, now.date(), profile)
        checkpoint(config.state, "summary-spooled")
        agg = aggregate(report)
        summary = _publish(report, agg, config, ledger, spool, year, now.date())
        latest = config.outbox / LATEST
        _copy_atomic(summary, latest)
        journal("summary", f"汇总表已生成：{summary}（{agg.overview['projects']} 个项目）", path=str(summary))
        answered = answers(tonight, report, spool, ledger)
        _journal_waiting(journal, answered.tonight)
        feedback = tuple(write_feedback(answered.letters, config.outbox / today, created=now.date(),
                                        full=answered.full, jobs=config.jobs or default_jobs(),
                                        known=config.departments))
        ledger.answer(answered.reports, today)
    delivery = deliver(_mails(config, agg.overview, counts, summary, answered.letters, feedback, now.date()),
                       config.smtp, outbox=config.outbox, queue=config.state / "mailqueue", when=now,
                       backoff=backoff)
    _journal_mail(journal, delivery)
    ours = [summary, folder_for(summary), *([config.outbox / today] if feedback else []), *delivery.written]
    ledger.wrote([p for p in ours if p.exists()], today)
    _prune(config, ledger, now.date(), journal)
    mail = mail_exit(delivery)
    code = mail or (EXIT_FINDINGS if counts["returned"] or counts["rejected"] else EXIT_OK)
    status = {EXIT_CONFIG: "mail-config", EXIT_PARKED: "mail-failed", EXIT_RETRY: "retry"}.get(mail, "ok")
    # the refused addresses themselves are in the journal and the night's output; the ledger keeps how many
    ledger.finish_run(run_id, status, {**counts, "mail_refused": len(delivery.refused),
                                       "mail_parked": len(delivery.parked)})
    return Night(counts, answered.tonight, summary, latest, feedback, delivery, code)


def _publish(report: Report, agg: Aggregate, config: Config, ledger: Ledger, spool: Spool, year: int | None,
             date: dt.date) -> Path:
    """The year's summary, carrying forward every department workbook an earlier night wrote from the same content
    (processor.write.deptbooks), and the ledger told which workbooks tonight's summary links to."""
    kept: list[tuple[str, str, str]] = []
    store = BookStore(ledger.identity, ledger.book, lambda digest, name, landed: kept.append((digest, name, landed)))
    summary, _ = publish_summary(report, agg, config.outbox, name=config.summary_name, year=year, date=date,
                                 spool=spool, split=config.split_by, jobs=config.jobs or default_jobs(), store=store)
    ledger.books([(digest, folder_for(summary) / name, landed) for digest, name, landed in kept], date.isoformat())
    return summary


def _prune(config: Config, ledger: Ledger, today: dt.date, journal: Journal) -> None:
    """[output] keep_days: what a night wrote (as the ledger recorded it) goes once it is older; nothing else in the
    outbox is touched, and 绩效自评汇总_latest.xlsx is always tonight's."""
    if not config.keep_days:
        return
    cutoff = (today - dt.timedelta(days=config.keep_days)).isoformat()
    old = [p for p in ledger.outputs_before(cutoff) if p.is_relative_to(config.outbox) and p != config.outbox
           and p.name != LATEST]
    gone = 0
    for path in old:
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:  # kept for the next night: a folder open in Explorer must not stop the run
            journal("prune-failed", f"无法删除过期的输出 {path}（{exc.strerror}），下次再试", path=str(path))
            continue
        ledger.forget_outputs([path])
        ledger.forget_books(path)
        gone += 1
    if gone:
        journal("pruned", f"已删除 {config.keep_days} 天前的输出 {gone} 项（[output] keep_days）", count=gone)


def mail_exit(delivery: Delivery) -> int:
    """The exit code the mail alone calls for (0 when it calls for none): 4 the server refused the login or the
    sender (fix selfeval.toml; every mail stays queued), 9 a mail was refused for good tonight and parked in
    mail-failed/ (not retried: `selfeval mail --resend` after the fix), 6 a mail stays queued for the next run."""
    if delivery.config_error:
        return EXIT_CONFIG
    if delivery.parked:
        return EXIT_PARKED
    return EXIT_RETRY if delivery.error else EXIT_OK


def _journal_waiting(journal: Journal, tonight: Report) -> None:
    """A report that came before its form is said once, on its night; the summary lists it as 待匹配 until then."""
    for f in tonight.files:
        if f.report is not None and f.report.verdict == WAITING:
            journal("report-waiting", f"绩效自评报告 {Path(f.path).name} 暂无对应的自评表，待匹配（收到自评表后自动核对）",
                    file=Path(f.path).name)


def _journal_mail(journal: Journal, delivery: Delivery) -> None:
    """The mail's news in the log and the JSON-lines journal, with the refused addresses and the server's answers."""
    if delivery.refused:
        said = "；".join(f"{r.address}（{r.answer}）" for r in delivery.refused)
        journal("mail-refused", f"邮件服务器拒收了这些收件人，不再重发（邮件已发给其他收件人）：{said}",
                refused=[{"mail": r.key, "address": r.address, "answer": r.answer} for r in delivery.refused])
    for parked in delivery.parked:
        journal("mail-parked", f"邮件 {parked.key} 被服务器拒收（{parked.answer}），已移到 {parked.path.parent}，不再自动"
                "重发；改正收件人地址或邮件大小后运行 selfeval mail --resend", mail=parked.key, path=str(parked.path),
                answer=parked.answer)
    if delivery.config_error:
        journal("mail-config", f"邮件未能发出：{delivery.config_error}（{delivery.error}）", error=delivery.error)
    elif delivery.error:
        journal("mail-queued", f"邮件暂未发出，已排队，下次运行时重发：{delivery.error}", error=delivery.error)


def _copy_atomic(source: Path, target: Path) -> None:
    try:
        atomic_write(target, lambda tmp: shutil.copyfile(source, tmp))
    except OSError as exc:
        raise OutputError(f"无法写入 {target}（{exc.strerror}）。请检查磁盘空间和权限。") from exc


def _mails(config: Config, overview: dict[str, Any], counts: dict[str, int], summary: Path, tonight: Report,
           feedback: tuple[Path, ...], date: dt.date) -> list[Outgoing]:
    mails = [summary_mail(config.recipients, overview, counts, summary, date)]
    if config.send_feedback and feedback:
        by_dept: dict[str, list[Path]] = {}
        planned = plan(lettered(tonight), config.outbox / date.isoformat(), config.departments)
        folders = {safe_name(d, BLANK_DEPARTMENT): d for d in config.departments}
        for (_result, base), path in zip(planned, feedback, strict=True):
            # the department folder its letter went to: also a refused file's, or a report's, that names no 主管部门
            by_dept.setdefault(folders.get(base.parent.name, ""), []).append(path)
        for dept, files in sorted(by_dept.items()):
            if dept in config.departments:
                mails.append(department_mail(config.departments[dept], dept, files, date))
    return mails


def rebuild(config: Config, *, now: dt.datetime | None = None) -> Path:
    """`selfeval report`: the year's summary again from the ledger, without touching the inbox."""
    now = now or dt.datetime.now()
    with Spool(config.state) as spool, RunLock(config.state / "selfeval.lock"):
        ledger = Ledger(config.state / "ledger.sqlite")
        try:  # open until the summary is written: the spool reads each full result from it when a sheet needs it
            profile = load_profile(config.profile) if config.profile else None
            report, year = year_report(ledger, config, spool, now.date(), profile)
            # still under the lock: a night starting meanwhile must not replace the summary's folder beneath us
            summary = _publish(report, aggregate(report), config, ledger, spool, year, now.date())
            _copy_atomic(summary, config.outbox / LATEST)
            ledger.wrote([p for p in (summary, folder_for(summary)) if p.exists()], now.date().isoformat())
        finally:
            ledger.close()
    return summary


def rebuild_ledger(config: Config, *, now: dt.datetime | None = None) -> tuple[Path | None, dict[str, int]]:
    """`selfeval rebuild-ledger`: a new ledger from what the archive and rejected folders hold.

    The old ledger (if any) is kept aside under a new name. Files are reviewed again where they lie and
    are not moved; their received date is their archive folder's date (归档/YYYY-MM-DD/).
    """
    now = now or dt.datetime.now()
    path = config.state / "ledger.sqlite"
    counts = {"files": 0, "duplicates": 0}
    with RunLock(config.state / "selfeval.lock"):
        aside = keep_aside(path, "old") if path.exists() else None
        ledger = Ledger(path, rebuilding=True)
        try:
            run_id = ledger.start_run(now)
            use_labels(config.labels)
            profile = load_profile(config.profile) if config.profile else None
            found = sorted(p for p in config.archive.rglob("*") if p.is_file()) if config.archive.is_dir() else []
            found += sorted(p for p in config.rejected.iterdir()
                            if p.is_file() and p.suffix != ".txt") if config.rejected.is_dir() else []
            for file in found:
                inside = file.relative_to(config.archive).parts if file.is_relative_to(config.archive) else ()
                day = inside[0] if inside and _is_date(inside[0]) else ""
                # what the intake filed as 其他文件 was never a submission, except a Word report that a version before
                # reports were checked filed there: it is read as one now
                if len(inside) > 2 and inside[1] == OTHER_FOLDER and not is_report(file):
                    continue
                data = file.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                received = day or dt.date.fromtimestamp(file.stat().st_mtime).isoformat()
                if ledger.file(sha) is not None:
                    ledger.sighting(sha, file.name, received, run_id, file)
                    counts["duplicates"] += 1
                    continue
                # the path where it lies, as the intake records it: two departments' 自评表.xlsx stay apart
                result = replace(read_report_safely(file, file.name, data) if is_report(file)
                                 else check_safely(file, file.name, profile, data), path=str(file))
                if result.status is Status.SKIPPED:  # a Word document that is no report
                    continue
                if result.report is not None and day and inside[1] != OTHER_FOLDER:
                    # a report is archived under the inbox folder it came in (归档/<date>/市委组织部/…), which may be
                    # all that names its department
                    result = replace(result, report=replace(result.report, submitted="/".join(inside[1:])))
                ledger.record(sha, file.name, len(data), file.stat().st_mtime, received, run_id, result)
                ledger.stored(sha, file)
                counts["files"] += 1
            if aside is not None:
                _answered_from(aside, ledger)
            ledger.finish_run(run_id, "rebuilt", counts)
        finally:
            ledger.close()
    return aside, counts


def _answered_from(aside: Path, ledger: Ledger) -> None:
    """The reports the old ledger had answered stay answered (they lie where they lay): a rebuilt ledger must not
    send every department its reports' letters again. An old ledger too damaged to say is simply not asked."""
    try:
        old = Ledger.read_only(aside)
    except (LedgerBusy, LedgerError):
        return
    try:
        answered = old.answered()
    except sqlite3.DatabaseError:  # older than the answered table, or damaged: nothing to carry over
        answered = set()
    finally:
        old.close()
    ledger.answer(answered, dt.date.today().isoformat())


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
