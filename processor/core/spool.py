"""Each file's full result on disk while a batch runs; the parent process keeps only a thin copy.

A province's year is 20,000 forms at about 42 KB of reviewed detail each (every indicator, value and
cell): 850 MB held until the summary is written, and 19 s of one core unpickling it from the workers.
Workers therefore write each full FileResult here themselves and send back a thin one — the projects'
header figures and every finding, all that aggregation, the summary tables and the duplicate check need.
Whoever writes a project sheet or a feedback letter loads that one file's full result again.

The folder is private to one run and removed afterwards; results are pickled (they never leave this
machine or this run, and are read back only by the process pool of the same program).
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from processor.core.errors import OutputError
from processor.core.model import FileResult, Funds, Project, Report


def thin(result: FileResult) -> FileResult:
    """The result without the indicator rows, fund parts, groups and goal texts of its projects."""
    if not result.projects:
        return result
    return replace(result, projects=tuple(_thin_project(p) for p in result.projects))


def _thin_project(p: Project) -> Project:
    funds: Funds = replace(p.funds, parts=(), cells={})
    return replace(p, indicators=(), groups=(), funds=funds, goal_expected="", goal_actual="")


class Spool:
    """Full results by their index in the batch, as pickles in a temporary folder."""

    def __init__(self, parent: Path | None = None) -> None:
        """`parent`: the output or state folder rather than the system's temporary one, which may be in
        memory (tmpfs) or on a small system drive (Windows' %TEMP% on C:)."""
        try:
            if parent is not None:
                parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=".selfeval-spool-", dir=parent))
        except OSError as exc:
            raise OutputError(f"无法在 {parent or tempfile.gettempdir()} 中创建临时文件夹（{exc.strerror}）。"
                              "请检查路径、权限和磁盘空间后重新运行。") from exc

    def path(self, index: int) -> Path:
        return self.folder / f"{index:06d}.pickle"

    def put(self, index: int, result: FileResult) -> None:
        store(self.folder, index, result)

    def get(self, index: int) -> FileResult:
        return load(self.folder, index)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @classmethod
    def of(cls, report: Report, parent: Path | None = None) -> Spool:
        """A spool of results already in memory (the nightly ledger's), for workers in other processes."""
        spool = cls(parent)
        for i, result in enumerate(report.files):
            spool.put(i, result)
        return spool

    def settle(self, before: Report, after: Report) -> None:
        """Store findings added after checking (project-duplicated) in the full results as well: only the
        files whose thin result was replaced are read and written again."""
        for i, (old, new) in enumerate(zip(before.files, after.files, strict=True)):
            if new is not old:
                self.put(i, replace(self.get(i), findings=new.findings))


STALE_AFTER = 24 * 3600  # seconds: no run takes a day, so an older spool is a killed run's


def sweep_stale(parent: Path, now: float | None = None) -> list[Path]:
    """Remove spools a killed one-shot run left in `parent` more than a day ago. One-shot runs take no lock,
    so a younger spool may belong to a run still going on in the same folder and is left alone."""
    now = time.time() if now is None else now
    removed = []
    for folder in parent.glob(".selfeval-spool-*") if parent.is_dir() else ():
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue
    return removed


def store(folder: Path, index: int, result: FileResult) -> None:
    try:
        (folder / f"{index:06d}.pickle").write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        raise OutputError(f"无法写入临时文件夹 {folder}（{exc.strerror}）。请检查磁盘空间后重新运行。") from exc


def load(folder: Path, index: int) -> FileResult:
    """A module-level reader, so a worker process can load a result knowing only the folder."""
    result: FileResult = pickle.loads((folder / f"{index:06d}.pickle").read_bytes())
    return result
