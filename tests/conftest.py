from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
FIXTURES = TESTS / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def reader_codes(result: object) -> list[tuple[str, str, str]]:
    """The reader's findings of a FileResult as (code, sheet, cell); review findings are tested apart."""
    from processor.core.findings import CATALOGUE

    return [(f.code, f.sheet, f.cell) for f in result.findings  # type: ignore[attr-defined]
            if CATALOGUE[f.code].stage == "read"]


@pytest.fixture(autouse=True)
def settle_wait_recorded(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A night run in this process does not sleep through its settle wait (up to settle_seconds: 10 minutes
    in some tests): the wait is recorded instead, and the second look happens at once. Files that must change
    during the wait are changed by a test's own `_pause`; tests/test_settle.py asserts the wait's length.
    Nights run as subprocesses set settle_seconds = 0 or really wait."""
    from processor.nightly import intake

    waits: list[float] = []
    monkeypatch.setattr(intake, "_pause", waits.append)
    return waits
