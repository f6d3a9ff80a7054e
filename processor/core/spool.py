"""Each file's full result on disk while a batch runs; the parent process keeps only a thin copy.

A province's year is 20,000 forms at about 42 KB of reviewed detail each (every indicator, value and
cell): 850 MB held until the summary is written, and 19 s of one core unpickling it from the workers.
Workers therefore write each full FileResult here themselves and send back a thin one — the projects'
header figures and every finding, all that aggregation, the summary tables and the duplicate check need.
Whoever writes a project sheet or a feedback letter loads that one file's full result again.

The folder is private to one run and removed afterwards; results are pickled (they never leave this
machine or this run, and are read back only by the process pool of the same program). While in use the
folder holds an OS lock on a file inside it (processor.core.fsutil.try_lock), which the operating system
drops when the process ends in any way: a spool whose lock nobody holds is a killed run's, and the next
one-shot run in the same folder removes it at once (sweep_stale).
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import IO

from processor.core.errors import OutputError
from processor.core.fsutil import try_lock
from processor.core.model import FileResult, Funds, Project, Report

PREFIX = ".selfeval-spool-"
LOCK = "lock"  # the file inside a spool whose OS lock says "in use"
_HELD: set[Path] = set()  # this process's spools: a POSIX lock keeps other processes out, not its own


def thin(result: FileResult) -> FileResult:
    """The result without the indicator rows, fund parts, groups and goal texts of its projects."""
    if not result.projects:
        return result
    return replace(result, projects=tuple(_thin_project(p) for p in result.projects))


def _thin_project(p: Project) -> Project:
    funds: Funds = replace(p.funds, parts=(), cells={})
    return replace(p, indicators=(), groups=(), funds=funds, goal_expected="", goal_actual="")


class Spool:
    """Full results by their index in the batch, as pickles in a temporary folder locked while in use."""

    def __init__(self, parent: Path | None = None) -> None:
        """`parent`: the output or state folder rather than the system's temporary one, which may be in
        memory (tmpfs) or on a small system drive (Windows' %TEMP% on C:)."""
        self._handle: IO[bytes] | None = None
        try:
            if parent is not None:
                parent.mkdir(parents=True, exist_ok=True)
            for _ in range(8):  # another run's sweep may take a new folder between its creation and its lock
                self.folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
                self._handle = _hold(self.folder)
                if self._handle is not None:
                    break
            else:
                raise OSError(0, "另一进程反复清理了新建的临时文件夹")
        except OSError as exc:
            raise OutputError(f"无法在 {parent or tempfile.gettempdir()} 中创建临时文件夹（{exc.strerror}）。"
                              "请检查路径、权限和磁盘空间后重新运行。") from exc
        _HELD.add(self.folder.resolve())
        self._later: dict[int, Callable[[], FileResult]] = {}

    def path(self, index: int) -> Path:
        return self.folder / f"{index:06d}.pickle"

    def put(self, index: int, result: FileResult) -> None:
        self._later.pop(index, None)
        store(self.folder, index, result)

    def get(self, index: int) -> FileResult:
        if (make := self._later.pop(index, None)) is not None:
            result = make()
            store(self.folder, index, result)
            return result
        return load(self.folder, index)

    def defer(self, index: int, make: Callable[[], FileResult]) -> None:
        """Result `index` is made by `make` when first asked for, not now: the nightly ledger holds every full result of
        the year, but a night needs only those of the department workbooks it rewrites and of its letters."""
        self._later[index] = make

    def ensure(self, indexes: Iterable[int]) -> None:
        """Make the deferred results among `indexes` now: a worker process reads the spool's files, not this object."""
        for index in indexes:
            if index in self._later:
                self.get(index)

    def close(self) -> None:
        if self._handle is not None:
            _HELD.discard(self.folder.resolve())
            self._handle.close()  # releases the lock (and Windows cannot delete a file open in this process)
            self._handle = None
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

    def keep(self, indexes: list[int]) -> None:
        """Only these results, numbered again from 0 in the given (increasing) order: a batch that dropped some."""
        later, self._later = self._later, {}
        for new, old in enumerate(indexes):
            if old in later:
                self._later[new] = later[old]
            elif new != old:
                os.replace(self.path(old), self.path(new))

    def settle(self, before: Report, after: Report) -> None:
        """Store what was decided after checking (project-duplicated, a report's match, findings and status) in
        the full results as well: only the files whose thin result was replaced are read and written again."""
        for i, (old, new) in enumerate(zip(before.files, after.files, strict=True)):
            if new is old:
                continue
            decided = partial(replace, findings=new.findings, status=new.status, reason=new.reason, report=new.report)
            if (make := self._later.get(i)) is not None:  # still deferred: decided when it is made
                self._later[i] = partial(_then, make, decided)
            else:
                self.put(i, decided(self.get(i)))


def _then(make: Callable[[], FileResult], change: Callable[[FileResult], FileResult]) -> FileResult:
    return change(make())


def _hold(folder: Path) -> IO[bytes] | None:
    """Create and lock the spool's lock file; None when a sweeping run got there first (it holds the lock, or
    has removed the file this handle was opened on: on POSIX an open file can be unlinked)."""
    path = folder / LOCK
    handle = open(path, "a+b")  # noqa: SIM115 -- held open for the spool's life
    try:
        if try_lock(handle) and os.path.samestat(os.fstat(handle.fileno()), os.stat(path)):
            handle.write(f"pid {os.getpid()}".encode())
            handle.flush()
            return handle
    except OSError:
        pass
    handle.close()
    return None


STALE_AFTER = 24 * 3600  # seconds: no run takes a day, so an older spool without a lock file is a killed run's


def sweep_stale(parent: Path, now: float | None = None) -> list[Path]:
    """Remove the spools in `parent` that no process holds: a killed one-shot run's, at once. A spool whose
    lock is held belongs to a run still going on in the same folder and is left alone; one without a lock
    file (made by a version before the lock, or killed between creating the folder and its lock file) is
    removed only when more than a day old."""
    now = time.time() if now is None else now
    removed = []
    for folder in sorted(parent.glob(PREFIX + "*")) if parent.is_dir() else ():
        try:
            if folder.is_dir() and folder.resolve() not in _HELD and _remove_if_free(folder, now):
                removed.append(folder)
        except OSError:
            continue
    return removed


def _remove_if_free(folder: Path, now: float) -> bool:
    try:
        handle = open(folder / LOCK, "r+b")  # noqa: SIM115 -- closed below, at a point that depends on the system
    except FileNotFoundError:
        if now - folder.stat().st_mtime <= STALE_AFTER:
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return True
    try:
        if not try_lock(handle):
            return False  # a live run's
        if os.name != "nt":
            # removed while locked: a run that opened the lock file before us finds it gone and makes another
            shutil.rmtree(folder, ignore_errors=True)
            return True
        # Windows cannot delete a file open anywhere: empty the folder under the lock, then release and remove
        # the lock file; a new run that opened the file before us keeps it (and the folder) and goes on
        for entry in folder.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name != LOCK:
                entry.unlink(missing_ok=True)
    finally:
        handle.close()
    (folder / LOCK).unlink(missing_ok=True)
    folder.rmdir()
    return True


def store(folder: Path, index: int, result: FileResult) -> None:
    try:
        (folder / f"{index:06d}.pickle").write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        raise OutputError(f"无法写入临时文件夹 {folder}（{exc.strerror}）。请检查磁盘空间后重新运行。") from exc


def load(folder: Path, index: int) -> FileResult:
    """A module-level reader, so a worker process can load a result knowing only the folder."""
    result: FileResult = pickle.loads((folder / f"{index:06d}.pickle").read_bytes())
    return result
