"""Writing files so that a crash, a full disk or a kill never leaves half a file under the final name."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


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


def atomic_folder(target: Path, fill: Callable[[Path], Any]) -> None:
    """Let `fill` write a temporary folder beside the target, then put it in the target's place.

    A folder cannot be renamed over another in one step: the old one is renamed aside first and removed
    after, so the target is missing only between two renames, never half written.
    """
    tmp = Path(tempfile.mkdtemp(prefix=".selfeval-", dir=target.parent))
    old: Path | None = None
    try:
        fill(tmp)
        os.chmod(tmp, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".selfeval-old-", dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
