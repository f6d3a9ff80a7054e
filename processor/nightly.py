"""`selfeval run --config`: one night of the drop-folder lifecycle, unattended and losing nothing.

lock → discover (skip owner/temp files and files still being copied) → for each new file: hash, review,
record in the ledger, then move (archive/DATE/ or rejected/ with a .txt) → rebuild the year's summary
from the ledger → feedback for tonight's files → mail (or .eml files) → record the run.

Crash safety comes from the order: a file is moved only after its ledger row is committed, and a file
found in the inbox whose content is already in the ledger is only moved (never reviewed twice).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from processor.aggregate import aggregate
from processor.check import check_file, default_jobs
from processor.config import Config
from processor.discover import Candidate, discover
from processor.errors import OutputError
from processor.feedback import plan, write_feedback
from processor.findings import finding
from processor.fsutil import atomic_write
from processor.ledger import FileRecord, Ledger, keep_aside
from processor.lock import RunLock
from processor.mail import Delivery, Outgoing, SmtpSettings, deliver, department_mail, summary_mail
from processor.model import STATUS_ZH, FileResult, Report, Severity, Status
from processor.pool import ordered_map
from processor.profiles import Profile, load_profile
from processor.run import publish_summary
from processor.spool import Spool, thin

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
            line = {"time": dt.datetime.now().isoformat(timespec="seconds"), "event": event, **fields}
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            except OSError as exc:  # a log that cannot be written must not stop the night
                log.warning("无法写入 JSON 日志 %s（%s）", self.path, exc.strerror)


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


def _file_away(source: Path, dest: Path, journal: Journal) -> bool:
    """Move a submission to its recorded destination. Across filesystems the copy goes to a temporary name
    first, so the destination never holds half a file; the source is removed only after the copy is whole."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(source, dest)
            return True
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        part = dest.with_name(f".selfeval-{dest.name}.part")
        with source.open("rb") as src, part.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, dest)
        source.unlink()
        return True
    except OSError as exc:
        journal("move-failed", f"无法把 {source.name} 移到 {dest}（{exc.strerror}）：台账已记录，文件留在原处，下次运行再移",
                file=source.name)
        return False


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


@dataclass(frozen=True)
class Outcome:
    kind: str  # accepted | returned | rejected | duplicates | recovered | pending | skipped | failed
    result: FileResult | None = None
    sha256: str = ""


@dataclass(frozen=True)
class Ready:
    """A new file, read and hashed, waiting for its review."""

    path: Path
    data: bytes
    sha256: str
    size: int
    mtime: float


def _prepare(path: Path, skip_reason: str, config: Config, ledger: Ledger, run_id: int, now: dt.datetime,
             today: str, journal: Journal) -> Outcome | Ready:
    """One file of the inbox up to its review: skipped, still being copied, unreadable or already known (then
    filed away here), or Ready. Never raises for the file's sake."""
    if skip_reason:
        return Outcome("skipped")
    try:
        stat = path.stat()
        age = now.timestamp() - stat.st_mtime
        if 0 <= age < config.settle_seconds:
            return Outcome("pending")  # still being copied: the next night takes it
        if age < 0:
            journal("clock", f"{path.name} 的修改时间晚于现在（共享盘时钟不一致），按已复制完成处理", file=path.name)
        data = path.read_bytes()
    except OSError as exc:  # removed or locked meanwhile: it is still wherever it is, nothing lost
        journal("vanished", f"跳过 {path.name}：读取时出错（{exc.strerror}），下次再处理", file=path.name)
        return Outcome("failed")
    sha = hashlib.sha256(data).hexdigest()
    known = ledger.file(sha)
    if known is not None:
        return _known(path, sha, known, config, ledger, run_id, now, today, journal)
    return Ready(path, data, sha, stat.st_size, stat.st_mtime)


def _review(item: tuple[Ready, Profile | None]) -> FileResult:
    """check_file in a worker; a bug met by one strange file rejects that file, not the night."""
    ready, profile = item
    try:
        return check_file(ready.path, ready.path.name, profile, ready.data)
    except MemoryError:
        raise
    except Exception as exc:
        found = finding("internal-error", detail=f"{type(exc).__name__}: {str(exc)[:120]}")
        return FileResult(ready.path.name, Status.REJECTED, found.message, findings=(found,))


def _finish(ready: Ready, result: FileResult, config: Config, ledger: Ledger, run_id: int, today: str,
            journal: Journal) -> Outcome:
    """Record the reviewed file, then file it away (in this order: a kill in between is finished next night)."""
    path, sha = ready.path, ready.sha256
    folder = config.rejected if result.status is Status.REJECTED else config.archive / today
    dest = _free(folder / path.name)
    result = replace(result, path=str(dest))
    ledger.record(sha, path.name, ready.size, ready.mtime, today, run_id, result, stored=dest)
    _checkpoint(config.state, "after-record")
    _checkpoint(config.state, "before-move")
    if not _file_away(path, dest, journal):
        return Outcome("failed")
    if result.status is Status.REJECTED:
        _write_reason(dest, result, today)
    journal("file", f"{STATUS_ZH[result.status]}：{path.name}（{len(result.projects)} 个项目，"
                    f"{sum(f.severity is Severity.ERROR for f in result.findings)} 个错误）",
            file=path.name, status=result.status.value, sha256=sha)
    return Outcome(result.status.value, result, sha)


def _take_all(candidates: list[Candidate], config: Config, ledger: Ledger, run_id: int, profile: Profile | None,
              now: dt.datetime, today: str, journal: Journal,
              progress: Callable[[int, int, str], None] | None) -> Iterator[Outcome]:
    """Every candidate, in batches: read, hash and sort out in this process, review the new ones in `jobs`
    processes, record and file away in order. A second copy of content already in the batch waits for the
    next batch, so it meets the first one in the ledger and is counted as a duplicate, as one by one."""
    jobs = config.jobs or default_jobs()
    size = 1 if jobs <= 1 else 8 * jobs
    queue, done = list(candidates), 0
    while queue:
        batch, queue = queue[:size], queue[size:]
        ready: list[Ready] = []
        later: list[Candidate] = []
        for cand in batch:
            prepared = _prepare(cand.path, cand.skip_reason, config, ledger, run_id, now, today, journal)
            if isinstance(prepared, Ready) and any(r.sha256 == prepared.sha256 for r in ready):
                later.append(cand)  # its twin is recorded first; then it is a duplicate, as one by one
                continue
            done += 1
            if progress:
                progress(done, len(candidates), cand.path.name)
            if isinstance(prepared, Outcome):
                yield prepared
            else:
                ready.append(prepared)
        queue = later + queue
        for item, result in zip(ready, ordered_map(_review, [(r, profile) for r in ready], jobs), strict=True):
            yield _finish(item, result, config, ledger, run_id, today, journal)


def _known(path: Path, sha: str, known: FileRecord, config: Config, ledger: Ledger, run_id: int,
           now: dt.datetime, today: str, journal: Journal) -> Outcome:
    stored = Path(known.stored) if known.stored else None
    if known.name == path.name and (stored is None or not stored.exists()):
        # a previous run recorded it and died before moving it: only the move is left to do
        folder = config.rejected if known.status is Status.REJECTED else config.archive / today
        dest = stored if stored is not None else _free(folder / path.name)
        if not _file_away(path, dest, journal):
            return Outcome("failed")
        ledger.stored(sha, dest)
        result = ledger.result(sha)
        if result.status is Status.REJECTED:
            _write_reason(dest, result, today)
        journal("recovered", f"补完上次中断的归档：{path.name} → {dest}", file=path.name)
        return Outcome("recovered")
    dest = _free((config.rejected if known.status is Status.REJECTED else config.archive / today) / path.name)
    if not _file_away(path, dest, journal):
        return Outcome("failed")
    ledger.sighting(sha, path.name, now.isoformat(timespec="seconds"), run_id, dest)
    journal("duplicate", f"重复提交（内容与 {known.name} 相同），已归档不再审核：{path.name}",
            file=path.name, same_as=known.name)
    return Outcome("duplicates")


def _sweep(*folders: Path) -> None:
    """What a killed run left behind: its spool of results and half-written summaries (all named .selfeval-…).
    Only called under the run lock, so no other run can be using them."""
    for folder in folders:
        for leftover in folder.glob(".selfeval-*") if folder.is_dir() else ():
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _write_reason(dest: Path, result: FileResult, today: str) -> None:
    note = _free(dest.with_name(dest.name + ".txt"))  # never over a department's own file of that name
    note.write_text(_why(result, today), encoding="utf-8")


def _night(config: Config, ledger: Ledger, now: dt.datetime, today: str, journal: Journal,
           progress: Callable[[int, int, str], None] | None, backoff: float) -> Night:
    run_id = ledger.start_run(now)
    _sweep(config.state, config.outbox)
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
    candidates = discover([config.inbox], exclude=others)
    for outcome in _take_all(candidates, config, ledger, run_id, profile, now, today, journal, progress):
        counts[outcome.kind] += 1
        if outcome.result is not None:
            tonight.append((outcome.sha256, thin(outcome.result)))
    counts["new"] = sum(counts[k] for k in ("accepted", "returned", "rejected"))
    _checkpoint(config.state, "before-summary")
    with Spool(config.state) as spool:
        report, year = ledger.current_report(config.year, spool)
        _checkpoint(config.state, "summary-spooled")
        agg = aggregate(report)
        summary, _ = publish_summary(report, agg, config.outbox, name=config.summary_name, year=year,
                                     date=now.date(), spool=spool, split=config.split_by,
                                     jobs=config.jobs or default_jobs())
    latest = config.outbox / LATEST
    _copy_atomic(summary, latest)
    journal("summary", f"汇总表已生成：{summary}（{agg.overview['projects']} 个项目）", path=str(summary))
    tonight_report = Report(tuple(result for _, result in tonight))
    shas = [sha for sha, _ in tonight]
    feedback = tuple(write_feedback(tonight_report, config.outbox / today, created=now.date(),
                                    full=lambda i: ledger.result(shas[i]), jobs=config.jobs or default_jobs()))
    delivery = deliver(_mails(config, agg.overview, counts, summary, tonight_report, feedback, now.date()),
                       _smtp(config), outbox=config.outbox, queue=config.state / "mailqueue", when=now,
                       backoff=backoff)
    if delivery.error:
        journal("mail-queued", f"邮件暂未发出，已排队，下次运行时重发：{delivery.error}", error=delivery.error)
    code = EXIT_RETRY if delivery.error else EXIT_FINDINGS if counts["returned"] or counts["rejected"] else EXIT_OK
    ledger.finish_run(run_id, "retry" if delivery.error else "ok", counts)
    return Night(counts, tonight_report, summary, latest, feedback, delivery, code)


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
    with Spool(config.state) as spool, RunLock(config.state / "selfeval.lock"):
        ledger = Ledger(config.state / "ledger.sqlite")
        try:
            report, year = ledger.current_report(config.year, spool)
        finally:
            ledger.close()
        # still under the lock: a night starting meanwhile must not replace the summary's folder beneath us
        summary, _ = publish_summary(report, aggregate(report), config.outbox, name=config.summary_name, year=year,
                                     date=now.date(), spool=spool, split=config.split_by,
                                     jobs=config.jobs or default_jobs())
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
        ledger = Ledger(path, rebuilding=True)
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
