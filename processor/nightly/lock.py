"""One run at a time: an OS lock on a file in the state folder.

The lock is held on an open file handle (fcntl on POSIX, msvcrt on Windows), so the operating system
releases it when the process ends in any way, SIGKILL and power loss included: there is no stale lock
to clean up after a crash, which a lock that is "a file that exists" would leave behind.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from processor.core.errors import AlreadyRunning
from processor.core.fsutil import try_lock


class RunLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        if not try_lock(handle):
            try:
                handle.seek(0)
                holder = handle.read().strip() or "未知进程"
            except OSError:  # Windows: the holder's locked byte cannot be read
                holder = "另一进程"
            handle.close()
            raise AlreadyRunning(f"另一个 selfeval 任务正在运行（{holder}），本次未做任何处理。"
                                 f"如确认没有任务在运行，可稍后重试；锁文件：{self.path}")
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}，开始于 {dt.datetime.now().isoformat(timespec='seconds')}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None
