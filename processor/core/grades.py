"""Grade bands (docs/rulebook.md §2): 90 (含) 优, 80 (含) 良, 60 (含) 中, below 差. Profiles may move them."""

from __future__ import annotations

DEFAULT_BANDS: tuple[tuple[float, str], ...] = ((90.0, "优"), (80.0, "良"), (60.0, "中"))


def grade_for(total: float | None, bands: tuple[tuple[float, str], ...] = DEFAULT_BANDS,
              tolerance: float = 1e-9) -> str | None:
    """The grade of a total; boundaries are inclusive (a total of exactly 90 is 优)."""
    if total is None:
        return None
    for floor, grade in bands:
        if total >= floor - tolerance:
            return grade
    return "差"
