"""`selfeval run --config`: one night of the drop-folder lifecycle, unattended and losing nothing.

lock → discover (skip owner/temp files and files still being copied) → for each new file: hash, review,
record in the ledger, then move (archive/DATE/ or rejected/ with a .txt) → rebuild the year's summary
from the ledger → feedback for tonight's files → mail (or .eml files) → record the run.

Crash safety comes from the order: a file is moved only after its ledger row is committed, and a file
found in the inbox whose content is already in the ledger is only moved (never reviewed twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from processor.aggregate import aggregate
from processor.check import check_file
from processor.config import Config
from processor.discover import discover
from processor.feedback import plan, write_feedback
from processor.ledger import Ledger, keep_aside
from processor.lock import RunLock
from processor.mail import Delivery, Outgoing, SmtpSettings, deliver, department_mail, summary_mail
from processor.model import STATUS_ZH, FileResult, Report, Severity, Status
from processor.profiles import load_profile
from processor.run import publish_summary

log = logging.getLogger("selfeval.night")
EXIT_OK, EXIT_FINDINGS, EXIT_RETRY = 0, 1, 6
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


class Journal:
    """Plain log lines (cron mails them), and optionally one JSON object per line for machines."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def __call__(self, event: str, message: str, **fields: Any) -> None:
        log.info(message)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = {"time": dt.datetime.now().isoformat(timespec="seconds"), "event": event, **fields}
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")


def _checkpoint(state: Path, name: str) -> None:
    """A seam for the crash tests: with SELFEVAL_PAUSE_AT=<name> the run stops here and waits to be
    killed, so a test can kill it at exactly this point. Unset (always, in production) it does nothing."""
    if os.environ.get("SELFEVAL_PAUSE_AT") == name:
        (state / f"paused-{name}").write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(120)


def _free(target: Path) -> Path:
    """A name that does not exist yet: nothing is ever overwritten, a collision gets " (2)", " (3)" …"""
    n, candidate = 1, target
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
    return candidate


def _file_away(ledger: Ledger, sha: str, path: Path, wanted: Path) -> Path:
    """Write where the file goes into the ledger, then move it there: a crash in between leaves the file in
    the inbox with its destination known, and the next run completes exactly this move."""
    wanted.parent.mkdir(parents=True, exist_ok=True)
    dest = _free(wanted)
    ledger.stored(sha, dest)
    _checkpoint(ledger.path.parent, "before-move")
    shutil.move(str(path), dest)
    return dest


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dest = _free(folder / path.name)
    shutil.move(str(path), dest)
    return dest


def _why(result: FileResult, received: str) -> str:
    lines = [f"文件：{Path(result.path).name}", f"收到日期：{received}", f"状态：{STATUS_ZH[result.status]}",
             f"原因：{result.reason}", ""]
    lines += [f"- {f.message} 修改建议：{f.hint}" for f in result.findings]
    return "\n".join(lines) + "\n"


def _smtp(config: Config) -> SmtpSettings | None:
    s = config.smtp
    if s is None:
        return None
    return SmtpSettings(host=s.host, port=s.port, security=s.security, user=s.user, password=s.password(),
                        sender=s.sender)


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


def _night(config: Config, ledger: Ledger, now: dt.datetime, today: str, journal: Journal,
           progress: Callable[[int, int, str], None] | None, backoff: float) -> Night:
    run_id = ledger.start_run(now)
    profile = load_profile(config.profile) if config.profile else None
    counts = dict.fromkeys(("new", "accepted", "returned", "rejected", "duplicates", "recovered", "pending",
                            "skipped"), 0)
    tonight: list[FileResult] = []
    candidates = discover([config.inbox]) if config.inbox.is_dir() else []
    for i, cand in enumerate(candidates, 1):
        if progress:
            progress(i, len(candidates), cand.path.name)
        if cand.skip_reason:
            counts["skipped"] += 1
            continue
        try:
            stat = cand.path.stat()
            if now.timestamp() - stat.st_mtime < config.settle_seconds:
                counts["pending"] += 1  # still being copied: the next night takes it
                continue
            data = cand.path.read_bytes()
        except OSError as exc:  # removed or locked meanwhile: it is still wherever it is, nothing lost
            journal("vanished", f"跳过 {cand.path.name}：读取时出错（{exc.strerror}），下次再处理", file=cand.path.name)
            continue
        sha = hashlib.sha256(data).hexdigest()
        known = ledger.file(sha)
        if known is not None:
            folder = config.rejected if known.status is Status.REJECTED else config.archive / today
            if known.name == cand.path.name and (known.stored is None or not Path(known.stored).exists()):
                # a previous run recorded it and died before moving it: only the move is left to do
                dest = _file_away(ledger, sha, cand.path, Path(known.stored) if known.stored else folder / cand.path.name)
                counts["recovered"] += 1
                journal("recovered", f"补完上次中断的归档：{cand.path.name} → {dest}", file=cand.path.name)
            else:
                dest = _move(cand.path, folder)
                ledger.sighting(sha, cand.path.name, now.isoformat(timespec="seconds"), run_id, dest)
                counts["duplicates"] += 1
                journal("duplicate", f"重复提交（内容与 {known.name} 相同），已归档不再审核：{cand.path.name}",
                        file=cand.path.name, same_as=known.name)
            continue
        result = check_file(cand.path, cand.path.name, profile, data)
        ledger.record(sha, cand.path.name, stat.st_size, stat.st_mtime, today, run_id, result)
        _checkpoint(config.state, "after-record")
        folder = config.rejected if result.status is Status.REJECTED else config.archive / today
        dest = _file_away(ledger, sha, cand.path, folder / cand.path.name)
        if result.status is Status.REJECTED:
            dest.with_name(dest.name + ".txt").write_text(_why(result, today), encoding="utf-8")
        counts["new"] += 1
        counts[result.status.value] += 1
        tonight.append(replace(result, path=str(dest)))
        journal("file", f"{STATUS_ZH[result.status]}：{cand.path.name}（{len(result.projects)} 个项目，"
                        f"{sum(f.severity is Severity.ERROR for f in result.findings)} 个错误）",
                file=cand.path.name, status=result.status.value, sha256=sha)
    _checkpoint(config.state, "before-summary")
    report, year = ledger.current_report(config.year)
    agg = aggregate(report)
    summary, _ = publish_summary(report, agg, config.outbox, name=config.summary_name, year=year, date=now.date())
    latest = config.outbox / LATEST
    _copy_atomic(summary, latest)
    journal("summary", f"汇总表已生成：{summary}（{agg.overview['projects']} 个项目）", path=str(summary))
    tonight_report = Report(tuple(tonight))
    feedback = tuple(write_feedback(tonight_report, config.outbox / today, created=now.date()))
    delivery = deliver(_mails(config, agg.overview, counts, summary, tonight_report, feedback, now.date()),
                       _smtp(config), outbox=config.outbox, queue=config.state / "mailqueue", when=now,
                       backoff=backoff)
    if delivery.error:
        journal("mail-queued", f"邮件暂未发出，已排队，下次运行时重发：{delivery.error}", error=delivery.error)
    code = EXIT_RETRY if delivery.error else EXIT_FINDINGS if counts["returned"] or counts["rejected"] else EXIT_OK
    ledger.finish_run(run_id, "retry" if delivery.error else "ok", counts)
    return Night(counts, tonight_report, summary, latest, feedback, delivery, code)


def _copy_atomic(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".selfeval-", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _mails(config: Config, overview: dict[str, Any], counts: dict[str, int], summary: Path, tonight: Report,
           feedback: tuple[Path, ...], date: dt.date) -> list[Outgoing]:
    mails = [summary_mail(config.recipients, overview, counts, summary, date)]
    if config.send_feedback and feedback:
        by_dept: dict[str, list[Path]] = {}
        planned = plan(tonight, config.outbox / date.isoformat())
        for (result, _base), path in zip(planned, feedback, strict=True):
            dept = result.projects[0].department if result.projects else ""
            by_dept.setdefault(dept, []).append(path)
        for dept, files in sorted(by_dept.items()):
            if dept in config.departments:
                mails.append(department_mail(config.departments[dept], dept, files, date))
    return mails


def rebuild(config: Config, *, now: dt.datetime | None = None) -> Path:
    """`selfeval report`: the year's summary again from the ledger, without touching the inbox."""
    now = now or dt.datetime.now()
    with RunLock(config.state / "selfeval.lock"):
        ledger = Ledger(config.state / "ledger.sqlite")
        try:
            report, year = ledger.current_report(config.year)
        finally:
            ledger.close()
    summary, _ = publish_summary(report, aggregate(report), config.outbox, name=config.summary_name, year=year,
                                 date=now.date())
    _copy_atomic(summary, config.outbox / LATEST)
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
        ledger = Ledger(path)
        try:
            run_id = ledger.start_run(now)
            profile = load_profile(config.profile) if config.profile else None
            found = sorted(p for p in config.archive.rglob("*") if p.is_file()) if config.archive.is_dir() else []
            found += sorted(p for p in config.rejected.iterdir()
                            if p.is_file() and p.suffix != ".txt") if config.rejected.is_dir() else []
            for file in found:
                data = file.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                folder = file.parent.name
                received = folder if _is_date(folder) else dt.date.fromtimestamp(file.stat().st_mtime).isoformat()
                if ledger.file(sha) is not None:
                    ledger.sighting(sha, file.name, received, run_id, file)
                    counts["duplicates"] += 1
                    continue
                result = check_file(file, file.name, profile, data)
                ledger.record(sha, file.name, len(data), file.stat().st_mtime, received, run_id, result)
                ledger.stored(sha, file)
                counts["files"] += 1
            ledger.finish_run(run_id, "rebuilt", counts)
        finally:
            ledger.close()
    return aside, counts


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
