"""The nightly job's intake: each file of the inbox read, hashed, reviewed, recorded and filed away.

Crash safety comes from the order: a file is moved only after its ledger row is committed, and a file
found in the inbox whose content is already in the ledger is only moved (never reviewed twice). New files
are reviewed in `jobs` processes a batch at a time, and recorded and moved in inbox order.

Settling (`settle_seconds` > 0): a file is taken only when two looks agree on its size and mtime (never its
ctime). The first look is the one recorded in 状态/sightings.json by an earlier night, taken when it is at least
`settle_seconds` old by the night's clock. A file with no usable earlier look (first seen tonight, or only its
mtime changed, as `cp -p` and robocopy set it once the data is in) whose mtime is older than `settle_seconds`
is looked at again once every other candidate is done, at least `settle_seconds` after its first look (the run
waits for what is left of that time; the reviews of the other files usually use some of it), and taken if it has
not changed. Anything else waits for the next night: an mtime younger than `settle_seconds`, a
file changed at the re-check, a file whose size differs from the earlier night's look (it is still growing). A
truncated container (damaged zip, short OLE file) is left for the next night once, then refused; any other
content is answered as soon as the file is settled. `settle_seconds` = 0 takes every file at once.
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

from processor.check import check_safely, default_jobs, read_report_safely
from processor.core.fsutil import atomic_write
from processor.core.model import STATUS_ZH, FileResult, Severity, Status
from processor.core.pool import ordered_map
from processor.nightly.config import Config
from processor.nightly.ledger import FileRecord, Ledger
from processor.read.discover import NOT_WORKBOOK, Candidate
from processor.read.labels import worker_setup
from processor.read.workbook import OLE_MAGIC, cap_bytes, sniff
from processor.review.profiles import Profile

log = logging.getLogger("selfeval.night")


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


def checkpoint(state: Path, name: str) -> None:
    """A seam for the crash tests: with SELFEVAL_PAUSE_AT=<name> the run stops here and waits to be
    killed, so a test can kill it at exactly this point. Unset (always, in production) it does nothing."""
    if os.environ.get("SELFEVAL_PAUSE_AT") == name:
        (state / f"paused-{name}").write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(120)


SIGHTINGS = "sightings.json"  # in the state folder: each pending inbox file's last look, by its path in the inbox


def inbox_key(inbox: Path, path: Path) -> str:
    """A file's path inside the inbox (市委组织部/报告.docx), as sightings and reports record it."""
    try:
        return path.relative_to(inbox).as_posix()
    except ValueError:
        return str(path)


class Sightings:
    """What the inbox held at the last look: {path in the inbox: {size, mtime_ns, seen (the night's clock), left
    (a truncated container already left once)}}. Only files still waiting are kept; written once a run is done."""

    def __init__(self, state: Path, inbox: Path) -> None:
        self.path, self.inbox = state / SIGHTINGS, inbox
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            self.old: dict[str, dict[str, Any]] = loaded.get("files", {}) if isinstance(loaded, dict) else {}
        except (OSError, ValueError) as exc:  # none yet, or damaged: every file is simply first seen tonight
            if self.path.exists():
                log.warning("无法读取 %s（%s），所有文件按今晚首次看到处理", self.path, exc)
            self.old = {}
        self.new: dict[str, dict[str, Any]] = {}

    def key(self, path: Path) -> str:
        return inbox_key(self.inbox, path)

    def last(self, key: str) -> dict[str, Any] | None:
        entry = self.new.get(key) or self.old.get(key)
        return entry if isinstance(entry, dict) else None

    def saw(self, key: str, size: int, mtime_ns: int, now: float) -> None:
        """Record a look; an unchanged file keeps the time it was first seen so."""
        last = self.last(key) or {}
        same = last.get("size") == size and last.get("mtime_ns") == mtime_ns
        self.new[key] = {"size": size, "mtime_ns": mtime_ns, "seen": last.get("seen", now) if same else now,
                         **({"left": True} if last.get("left") else {})}

    def leave(self, key: str) -> None:
        self.new.setdefault(key, {})["left"] = True

    def taken(self, key: str) -> None:
        self.new.pop(key, None)

    def save(self) -> None:
        if self.new == self.old:
            return
        text = json.dumps({"files": self.new}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        try:
            atomic_write(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"), 0o600)
        except OSError as exc:  # the files are still in the inbox: they are only looked at afresh next night
            log.warning("无法写入 %s（%s）", self.path, exc.strerror)


def _settle(stat: os.stat_result, key: str, config: Config, sightings: Sightings, now: dt.datetime) -> str:
    """take | pending | recheck (looked at again once every other candidate is done). See the module's text."""
    size, mtime_ns, clock = stat.st_size, stat.st_mtime_ns, now.timestamp()
    last = sightings.last(key)
    sightings.saw(key, size, mtime_ns, clock)
    if last and last.get("size") == size and last.get("mtime_ns") == mtime_ns and "seen" in last:
        return "take" if clock - float(last["seen"]) >= config.settle_seconds else "pending"
    if last and "size" in last and last["size"] != size:
        return "pending"  # it grew (or shrank) since the last look: still being written
    age = clock - stat.st_mtime
    return "pending" if 0 <= age < config.settle_seconds else "recheck"


def _truncated(data: bytes | None) -> bool:
    """A container cut short, as a copy still under way leaves it: a zip without its central directory, or an
    OLE file ending before the last sector its allocation table uses."""
    if data is None:
        return False
    if data.startswith(OLE_MAGIC):
        return _short_ole(data)
    return sniff(data) == "damaged-zip"


def _short_ole(data: bytes) -> bool:
    if len(data) < 512:
        return True
    shift = int.from_bytes(data[30:32], "little")
    if shift not in (9, 12):
        return False  # not a header we understand: the reader decides
    sector = 1 << shift
    fat_sectors = int.from_bytes(data[44:48], "little")
    highest = -1
    for i in range(min(fat_sectors, 109)):
        sid = int.from_bytes(data[76 + 4 * i:80 + 4 * i], "little")
        if sid >= 0xFFFFFFFA:
            continue
        start = (sid + 1) * sector
        if start + sector > len(data):
            return True  # the allocation table itself is missing
        table = data[start:start + sector]
        for j in range(0, sector, 4):
            if table[j:j + 4] != b"\xff\xff\xff\xff":
                highest = max(highest, i * (sector // 4) + j // 4)
    return len(data) <= (highest + 1) * sector


OTHER_FOLDER = "其他文件"  # under 归档/<date>/: what was dropped in the inbox but is no workbook


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


@dataclass(frozen=True)
class Outcome:
    kind: str  # accepted | returned | rejected | duplicates | recovered | pending | skipped | failed
    result: FileResult | None = None
    sha256: str = ""


@dataclass(frozen=True)
class Ready:
    """A new file, read and hashed, waiting for its review. `data` is None for a file over the size cap: it
    was hashed in chunks, never held, and its review refuses it unread (file-over-size-cap)."""

    path: Path
    data: bytes | None
    sha256: str
    size: int
    mtime: float
    report: bool = False  # a Word/PDF 绩效自评报告, read as one (processor.narrative) and matched in the summary


def _prepare(path: Path, skip_reason: str, config: Config, ledger: Ledger, run_id: int, now: dt.datetime,
             today: str, journal: Journal, other: bool = False, *, sightings: Sightings,
             confirmed: bool = False, report: bool = False) -> Outcome | Ready:
    """One file of the inbox up to its review: skipped, still being copied (pending, or recheck: looked at again
    once the others are done), unreadable or already known (then filed away here), or Ready. `confirmed`: the
    run's second look found it unchanged. Never raises for the file's sake."""
    if skip_reason and not other:
        return Outcome("skipped")
    key = sightings.key(path)
    try:
        stat = path.stat()
        if config.settle_seconds and not confirmed:
            verdict = _settle(stat, key, config, sightings, now)
            if verdict != "take":
                return Outcome(verdict)
        if other:
            sightings.taken(key)
            return _file_other(path, config, today, journal)
        if now.timestamp() < stat.st_mtime:
            journal("clock", f"{path.name} 的修改时间晚于现在（共享盘时钟不一致），按已复制完成处理", file=path.name)
        if stat.st_size > cap_bytes(config.max_file_mb):  # over the cap: never in memory, only hashed
            data, sha = None, _sha256_of(path)
        else:
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
    except OSError as exc:  # removed or locked meanwhile: it is still wherever it is, nothing lost
        journal("vanished", f"跳过 {path.name}：读取时出错（{exc.strerror}），下次再处理", file=path.name)
        return Outcome("failed")
    known = ledger.file(sha)
    if known is not None:
        sightings.taken(key)
        return _known(path, sha, known, config, ledger, run_id, now, today, journal)
    if config.settle_seconds and _truncated(data) and not (sightings.last(key) or {}).get("left"):
        sightings.leave(key)
        journal("truncated", f"{path.name} 像是没有复制完整的文件（压缩包或 OLE 文件被截断），留到下一晚再看；"
                             "届时仍不完整则拒收", file=path.name)
        return Outcome("pending")
    sightings.taken(key)
    return Ready(path, data, sha, stat.st_size, stat.st_mtime, report)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _file_other(path: Path, config: Config, today: str, journal: Journal, why: str = NOT_WORKBOOK) -> Outcome:
    """A document, picture or text dropped beside the forms (and settled): kept, out of the inbox, in
    归档/<date>/其他文件/, and said once, so that it neither clutters every night's list nor disappears. It is not
    reviewed."""
    dest = _free(config.archive / today / OTHER_FOLDER / path.name)
    if not _file_away(path, dest, journal):
        return Outcome("failed")
    journal("other", f"其他文件（{why}，未审核）：{path.name} 已移到 {dest}", file=path.name, stored=str(dest))
    return Outcome("skipped")


def _review(item: tuple[Ready, Profile | None, float]) -> FileResult:
    ready, profile, max_file_mb = item
    if ready.report:
        return read_report_safely(ready.path, ready.path.name, ready.data, max_file_mb)
    return check_safely(ready.path, ready.path.name, profile, ready.data, max_file_mb)


def _finish(ready: Ready, result: FileResult, config: Config, ledger: Ledger, run_id: int, today: str,
            journal: Journal) -> Outcome:
    """Record the reviewed file, then file it away (in this order: a kill in between is finished next night)."""
    path, sha = ready.path, ready.sha256
    if result.status is Status.SKIPPED:  # a Word document that is no report (a cover letter): kept, not recorded
        return _file_other(path, config, today, journal, f"{NOT_WORKBOOK}：Word 文档，但不是绩效自评报告")
    folder = config.rejected if result.status is Status.REJECTED else config.archive / today
    submitted = inbox_key(config.inbox, path)
    # a report keeps the inbox folder it came in, also in the archive: that folder may be all that names its department
    keep_folder = result.report is not None and folder != config.rejected and not Path(submitted).is_absolute()
    dest = _free(folder / (submitted if keep_folder else path.name))
    result = replace(result, path=str(dest))
    if result.report is not None:
        result = replace(result, report=replace(result.report, submitted=submitted))
    ledger.record(sha, path.name, ready.size, ready.mtime, today, run_id, result, stored=dest)
    checkpoint(config.state, "after-record")
    checkpoint(config.state, "before-move")
    if not _file_away(path, dest, journal):
        return Outcome("failed")
    if result.status is Status.REJECTED:
        _write_reason(dest, result, today)
    journal("file", f"{STATUS_ZH[result.status]}：{path.name}（{len(result.projects)} 个项目，"
                    f"{sum(f.severity is Severity.ERROR for f in result.findings)} 个错误）",
            file=path.name, status=result.status.value, sha256=sha)
    return Outcome(result.status.value, result, sha)


def take_all(candidates: list[Candidate], config: Config, ledger: Ledger, run_id: int, profile: Profile | None,
              now: dt.datetime, today: str, journal: Journal,
              progress: Callable[[int, int, str], None] | None) -> Iterator[Outcome]:
    """Every candidate, in batches: read, hash and sort out in this process, review the new ones in `jobs`
    processes, record and file away in order. A second copy of content already in the batch waits for the
    next batch, so it meets the first one in the ledger and is counted as a duplicate, as one by one. A file
    first seen tonight with an old mtime is looked at again once all the others are done (see the module)."""
    jobs = config.jobs or default_jobs()
    size = 1 if jobs <= 1 else 8 * jobs
    sightings = Sightings(config.state, config.inbox)
    done = 0
    again: list[Candidate] = []
    looked = 0.0

    def batches(queue: list[Candidate], confirmed: bool) -> Iterator[Outcome]:
        nonlocal done, looked
        while queue:
            batch, queue = queue[:size], queue[size:]
            ready: list[Ready] = []
            later: list[Candidate] = []
            for cand in batch:
                prepared = _prepare(cand.path, cand.skip_reason, config, ledger, run_id, now, today, journal,
                                    cand.other, sightings=sightings, confirmed=confirmed, report=cand.report)
                if isinstance(prepared, Ready) and any(r.sha256 == prepared.sha256 for r in ready):
                    later.append(cand)  # its twin is recorded first; then it is a duplicate, as one by one
                    continue
                if isinstance(prepared, Outcome) and prepared.kind == "recheck":
                    again.append(cand)
                    looked = time.monotonic()
                    continue
                done += 1
                if progress:
                    progress(done, len(candidates), cand.path.name)
                if isinstance(prepared, Outcome):
                    yield prepared
                else:
                    ready.append(prepared)
            queue = later + queue
            for item, result in zip(ready, ordered_map(_review, [(r, profile, config.max_file_mb) for r in ready],
                                                       jobs, setup=worker_setup()), strict=True):
                yield _finish(item, result, config, ledger, run_id, today, journal)

    yield from batches(list(candidates), confirmed=False)
    if again:  # the run's second look, once: at least settle_seconds after the latest first look
        wait = config.settle_seconds - (time.monotonic() - looked)
        if wait > 0:
            _pause(wait)
        unchanged: list[Candidate] = []
        for cand in again:
            key = sightings.key(cand.path)
            last = sightings.last(key) or {}
            try:
                stat = cand.path.stat()
            except OSError as exc:
                journal("vanished", f"跳过 {cand.path.name}：读取时出错（{exc.strerror}），下次再处理", file=cand.path.name)
                sightings.taken(key)
                outcome = Outcome("failed")
            else:
                if (stat.st_size, stat.st_mtime_ns) == (last.get("size"), last.get("mtime_ns")):
                    unchanged.append(cand)
                    continue
                sightings.saw(key, stat.st_size, stat.st_mtime_ns, now.timestamp())
                journal("pending", f"{cand.path.name} 在本次运行中仍有变化（仍在复制），下次再处理", file=cand.path.name)
                outcome = Outcome("pending")
            done += 1
            if progress:
                progress(done, len(candidates), cand.path.name)
            yield outcome
        yield from batches(unchanged, confirmed=True)
    sightings.save()


def _pause(seconds: float) -> None:
    """The run's one wait before its second look (a seam for the tests)."""
    time.sleep(seconds)


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


def _write_reason(dest: Path, result: FileResult, today: str) -> None:
    note = _free(dest.with_name(dest.name + ".txt"))  # never over a department's own file of that name
    note.write_text(_why(result, today), encoding="utf-8")
