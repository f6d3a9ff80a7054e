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
