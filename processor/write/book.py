"""The xlsxwriter workbook every output of ours starts from: safe string handling and a pinned date.

Every text is written as a string (never a formula: departments' text may start with = + - @), and every
workbook gets a pinned creation date, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import DuplicateWorksheetName


class Book(xlsxwriter.Workbook):  # type: ignore[misc]  # xlsxwriter ships no stubs
    """A Workbook whose sheet-name uniqueness check is a set lookup.

    Stock xlsxwriter compares each new name with every sheet already added, so adding n sheets costs
    O(n²): about 100 s of a 20,000-sheet workbook (docs/benchmarks.md). The other checks (length,
    characters, apostrophes) are still the library's own; only the scan over existing sheets is replaced.
    """

    def __init__(self, filename: Any, options: dict[str, Any] | None = None) -> None:
        self._taken: set[str] = set()
        super().__init__(filename, options)

    def _check_sheetname(self, sheetname: str | None, is_chartsheet: bool = False) -> str:
        sheets: list[Any] = getattr(self, "worksheets_objs")  # noqa: B009  (untyped library attribute)
        self.worksheets_objs = []  # the library's own uniqueness scan then has nothing to scan
        try:
            name: str = super()._check_sheetname(sheetname, is_chartsheet)
        finally:
            self.worksheets_objs = sheets
        key = name.lower()  # case ignored, like Excel and the library
        if key in self._taken:
            raise DuplicateWorksheetName(f"Sheetname '{name}', with case ignored, is already in use.")
        self._taken.add(key)
        return name

    def close(self) -> None:
        """Close, then let go of every sheet's cells at once. Each worksheet's tables are only reachable through
        reference cycles, so without this they wait for a full run of the cyclic garbage collector: on city-year
        (1,006 sheets, 440,000 objects) that run took 0.6 s, paid later in the batch or when the process ends,
        against 0.05 s freed here by reference counting."""
        super().close()
        for ws in getattr(self, "worksheets_objs"):  # noqa: B009  (untyped library attribute)
            ws.__dict__.clear()


IN_MEMORY_SHEETS = 2000  # up to this many sheets a workbook is assembled in memory


def options(in_memory: bool = True) -> dict[str, Any]:
    """`in_memory` assembles the parts in memory instead of one temporary file per sheet: creating and
    removing 1,000 temporary files cost 10% of writing the city-year summary here (more where a virus
    scanner inspects each one). Above IN_MEMORY_SHEETS the parts' XML would weigh too much; callers ask
    for temporary files then."""
    return {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "in_memory": in_memory}


def open_book(path: Path, created: dt.date, title: str = "项目支出绩效自评汇总", *, sheets: int = 0) -> Book:
    book = Book(str(path), options(in_memory=sheets <= IN_MEMORY_SHEETS))
    stamp = dt.datetime(created.year, created.month, created.day)
    book.set_properties({"title": title, "author": "selfeval", "created": stamp})
    return book
