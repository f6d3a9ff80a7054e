"""processor.core.pool.ordered_map: input order whatever the workers' speed, a dead worker is a clear OutputError."""

from __future__ import annotations

import os
import time

import pytest

from processor.core.errors import OutputError
from processor.core.pool import ordered_map


def _slow_square(x: int) -> int:
    time.sleep(0.02 * (x % 3))  # later items often finish first
    return x * x


def _die(x: int) -> int:
    if x == 3:
        os._exit(9)  # what the kernel's OOM killer does to a worker
    return x


def _fail(x: int) -> int:
    if x == 2:
        raise ValueError("bad item 2")
    return x


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_input_order(jobs: int) -> None:
    assert list(ordered_map(_slow_square, range(20), jobs, window=3)) == [x * x for x in range(20)]


def test_a_worker_that_dies_is_an_output_error_naming_jobs() -> None:
    with pytest.raises(OutputError, match="--jobs"):
        list(ordered_map(_die, range(8), 2))


def test_an_error_in_the_work_propagates_as_it_is() -> None:
    with pytest.raises(ValueError, match="bad item 2"):
        list(ordered_map(_fail, range(8), 2))


def test_only_a_window_of_items_is_taken_ahead() -> None:
    taken: list[int] = []

    def items() -> object:
        for x in range(100):
            taken.append(x)
            yield x

    results = ordered_map(_slow_square, items(), 2, window=4)  # type: ignore[arg-type]
    assert next(results) == 0
    assert len(taken) <= 5  # four in flight, then the first result is handed back
    assert list(results) == [x * x for x in range(1, 100)]


def test_chunks_are_small_enough_that_no_core_waits_long_for_the_last() -> None:
    from processor.check import chunk_size

    assert chunk_size(100, 2) == 3  # city-year: 34 chunks, not 13 of which the last ran alone
    assert chunk_size(2000, 2) == 8  # a province: IPC per chunk stays negligible
    assert chunk_size(10, 2) == 1
    assert chunk_size(100, 8) == 1
