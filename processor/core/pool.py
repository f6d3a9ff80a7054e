"""Ordered work in a process pool with a bounded number of tasks in flight.

Executor.map submits every item at once, so each item's arguments (a full FileResult, say) would all be
in memory together; here at most `window` are, and results come back in input order, so the output is
the same as a serial run's.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from processor.core.errors import BROKEN_POOL, OutputError

T = TypeVar("T")
R = TypeVar("R")


def new_pool(jobs: int, setup: Callable[[], object] | None = None) -> ProcessPoolExecutor:
    """A process pool whose workers end when this process does. Killed (SIGKILL, the OOM killer, a power cut
    of the parent only), the parent leaves its workers waiting forever for work by default: they would keep
    memory, and the nightly job's lock file open.

    `setup` (picklable) runs first in each worker: where workers are spawned rather than forked (Windows),
    they start from the modules as imported, without what the parent configured (a bureau's labels)."""
    return ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(os.getpid(), setup))


def _start_worker(parent: int, setup: Callable[[], object] | None) -> None:
    _exit_with_parent(parent)
    if setup is not None:
        setup()


def _exit_with_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="selfeval-parent-watch").start()


def ordered_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, window: int = 0,
                setup: Callable[[], object] | None = None) -> Iterator[R]:
    """fn over items in `jobs` processes (in this one when jobs ≤ 1), in order. A worker that dies (killed for
    memory) is an OutputError telling to lower --jobs; an error raised by fn propagates as it is."""
    if jobs <= 1:
        yield from map(fn, items)
        return
    window = window or 4 * jobs
    pool = new_pool(jobs, setup)
    try:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool as exc:
        raise OutputError(BROKEN_POOL) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
