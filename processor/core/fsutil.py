"""Writing files so that a crash, a full disk or a kill never leaves half a file under the final name."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

if sys.platform == "win32":
    import msvcrt

    def try_lock(handle: IO[Any]) -> bool:
        """Lock the first byte of an open file, without waiting; False when another handle holds it. The
        operating system releases the lock when the handle is closed or its process ends, SIGKILL included."""
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
else:
    import fcntl

    def try_lock(handle: IO[Any]) -> bool:
        """Lock an open file, without waiting; False when another process holds it. The operating system
        releases the lock when the process ends, SIGKILL included. A POSIX record lock (lockf), not flock: it
        belongs to this process alone (worker processes forked meanwhile do not keep it), and closing *any*
        handle this process has on the file releases it, so a process must not open its own lock file twice."""
        try:
            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0, os.SEEK_SET)
            return True
        except OSError:
            return False


def atomic_write(target: Path, write: Callable[[Path], Any], mode: int = 0o644, *, sync: bool = False) -> None:
    """Let `write` fill a temporary file in the target's folder, then rename it over the target.

    mkstemp creates files 0600; `mode` is applied before the rename (0644: reviewers on the share read
    summaries and feedback; 0600 for private state). `sync` also fsyncs the data before the rename.
    Errors propagate (callers turn them into their own message); the temporary file never survives.
    """
    fd, tmp = tempfile.mkstemp(prefix=".selfeval-", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        if sync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_pair(target: Path, folder: Path, fill: Callable[[Path, Path], Any], mode: int = 0o644) -> None:
    """Let `fill` write a file and a folder that belong together (a summary and the workbooks its links
    open), then put both in place, or neither: the old pair stays whole when any step fails.

    A folder cannot be renamed over another in one step, and on Windows a rename fails while a workbook in
    it (or the summary) is open in Excel or WPS. So the old folder is moved aside, the new one moved in and
    the summary renamed last; a failure undoes the moves before the error propagates.
    """
    tmp_dir = Path(tempfile.mkdtemp(prefix=".selfeval-", dir=target.parent))
    fd, name = tempfile.mkstemp(prefix=".selfeval-", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    tmp_file, aside = Path(name), None
    try:
        fill(tmp_file, tmp_dir)
        os.chmod(tmp_file, mode)
        os.chmod(tmp_dir, 0o755)
        if folder.exists():
            aside = Path(tempfile.mkdtemp(prefix=".selfeval-old-", dir=target.parent))
            os.replace(folder, aside / folder.name)
        try:
            os.replace(tmp_dir, folder)
            try:
                os.replace(tmp_file, target)
            except OSError:
                os.replace(folder, tmp_dir)
                raise
        except OSError:
            if aside is not None:
                os.replace(aside / folder.name, folder)
            raise
    finally:
        if tmp_file.exists():
            tmp_file.unlink()
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)  # the old folder, or nothing if it went back in place
