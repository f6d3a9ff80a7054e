"""Earlier years' projects, where they come from (issue 19): a folder of earlier years' workbooks, another nightly
job's ledger opened read-only (`--history PATH`), and the nightly job's own `[history] folders`, recorded in its
ledger once.

Everything here reads; nothing is moved, answered or mailed: a department is not sent a letter about last year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from processor.check import check_paths, check_safely
from processor.core.errors import UsageError
from processor.core.model import Status
from processor.nightly.config import load_config
from processor.nightly.ledger import HISTORY_RUN, Ledger
from processor.read.discover import discover
from processor.read.workbook import DEFAULT_MAX_FILE_MB, cap_bytes
from processor.review.past import Earlier
from processor.review.profiles import Profile

LEDGER = "ledger.sqlite"


def ledger_of(path: Path) -> Path | None:
    """The ledger a --history path names: the file itself, a state folder holding one, or a job's folder (its
    selfeval.toml says where the state is); None for a folder of workbooks."""
    if path.is_file():
        return path if path.suffix.lower() in (".sqlite", ".db", ".sqlite3") else None
    for candidate in (path / LEDGER, path / "状态" / LEDGER):
        if candidate.is_file():
            return candidate
    config = path / "selfeval.toml"
    if config.is_file():
        state = load_config(config).state / LEDGER
        return state if state.is_file() else None
    return None


def load_history(paths: Sequence[Path], profile: Profile | None = None, *, labels: Sequence[Path] | None = None,
                 max_file_mb: float = DEFAULT_MAX_FILE_MB) -> list[Earlier]:
    """Every project the --history paths hold, whole. A ledger gives its current versions of every year; a folder is
    checked like an inbox (its Word reports left out), with the bureau's `labels` and size cap, and its readable
    forms taken. Raises UsageError for a path that does not exist, LedgerBusy/LedgerError for a ledger that cannot
    be read."""
    found: list[Earlier] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"找不到 --history 指定的路径：{path}（应为往年自评表所在的文件夹，或夜间任务的台账 ledger.sqlite）")
        ledger_path = ledger_of(path)
        if ledger_path is not None:
            ledger = Ledger.read_only(ledger_path)
            try:
                found += list(ledger.earlier(None))
            finally:
                ledger.close()
            continue
        report = check_paths([path], profile, labels=labels, max_file_mb=max_file_mb, reports=False)
        found += [(f.path, i, p) for f in report.files if f.status is not Status.REJECTED and not ours(Path(f.path))
                  for i, p in enumerate(f.projects)]
    return found


_OUR_TITLE = "<dc:title>项目支出绩效自评汇总".encode()  # the summary and each department's workbook
_OUR_COPY = "<cp:lastModifiedBy>绩效自评复核</cp:lastModifiedBy>".encode()  # a 审核意见 copy no one has saved since


def ours(path: Path) -> bool:
    """What selfeval wrote: a summary workbook (author selfeval, titled 项目支出绩效自评汇总…), or a 审核意见 copy of a
    department's form that nobody has saved since (Excel and WPS put the saver's name in lastModifiedBy). Last year's
    job folder holds them beside the forms, and their sheets read as forms again. Only the small core part is read."""
    try:
        with zipfile.ZipFile(path) as zf:
            core = zf.read("docProps/core.xml")[:4096] if "docProps/core.xml" in zf.namelist() else b""
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return False
    return (b"<dc:creator>selfeval</dc:creator>" in core and _OUR_TITLE in core) or _OUR_COPY in core


def load_history_folders(folders: Sequence[Path], ledger: Ledger, profile: Profile | None, now: dt.datetime,
                         max_file_mb: float, say: Callable[[str], None], exclude: tuple[Path, ...] = ()) -> int:
    """`[history] folders`: each earlier year's form recorded in the ledger where it lies, once (a file unchanged since
    it was recorded is not read again; the same content elsewhere is not recorded twice), in a run of its own whose
    files a crash never answers. Returns how many files were recorded tonight."""
    run_id: int | None = None
    count = 0
    for folder in folders:
        if not folder.is_dir():
            say(f"[history] folders 中的文件夹 {folder} 不存在，已跳过（请检查 selfeval.toml 中的路径）")
            continue
        for cand in discover([folder], exclude):  # never the job's own folders: the inbox is answered, not history
            if cand.skip_reason or cand.other or ours(cand.path):
                continue
            path = cand.path
            try:
                stat = path.stat()
                if ledger.known_at(path, stat.st_size, stat.st_mtime) or stat.st_size > cap_bytes(max_file_mb):
                    continue
                data = path.read_bytes()
            except OSError as exc:
                say(f"无法读取往年文件 {path}（{exc.strerror}），下次再试")
                continue
            sha = hashlib.sha256(data).hexdigest()
            if ledger.file(sha) is not None:
                continue
            if run_id is None:
                run_id = ledger.start_run(now, HISTORY_RUN)
            result = replace(check_safely(path, path.name, profile, data, max_file_mb), path=str(path))
            received = dt.date.fromtimestamp(stat.st_mtime).isoformat()
            ledger.record(sha, path.name, stat.st_size, stat.st_mtime, received, run_id, result, stored=path)
            count += 1
    if run_id is not None:
        ledger.finish_run(run_id, HISTORY_RUN, {"files": count})
        say(f"已从往年文件夹读入 {count} 个文件（只作历年对比，不发审核意见）")
    return count
