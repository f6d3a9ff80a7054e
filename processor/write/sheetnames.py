"""Sheet names Excel accepts: at most 31 characters, none of []:*?/\\, unique ignoring case.

Names come from departments' project names, so they are cleaned, cut and numbered here; the full
project name is always written on the sheet itself.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX = 31
RESERVED = {"history"}  # Excel refuses a sheet called History


def clean(name: str) -> str:
    return _FORBIDDEN.sub("_", name).strip() or "项目"


def _cut(name: str, units: int) -> str:
    """Excel counts a sheet name's length in UTF-16 code units: an emoji counts twice."""
    out, used = [], 0
    for ch in name:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > units:
            break
        out.append(ch)
        used += width
    return "".join(out)


def _trim(name: str) -> str:
    """Excel refuses a sheet name that begins or ends with an apostrophe: trim after cutting to length."""
    return name.strip().strip("'").strip() or "项目"


def sheet_ref(sheet: str, cell: str = "A1") -> str:
    """'Sheet'!A1, the quoted form every link uses; an apostrophe inside a quoted sheet name is doubled."""
    return "'" + sheet.replace("'", "''") + f"'!{cell}"


def internal_link(sheet: str, cell: str = "A1") -> str:
    """An xlsxwriter link to a cell of the same workbook."""
    return "internal:" + sheet_ref(sheet, cell)


def unique_names(wanted: list[str], taken: set[str] | None = None) -> list[str]:
    """One sheet name per wanted name, in order: cleaned, cut to 31, made unique with ~2, ~3 …"""
    used = {t.casefold() for t in (taken or set())} | RESERVED
    out = []
    for name in wanted:
        base = _trim(_cut(clean(name), MAX))
        candidate, n = base, 1
        while candidate.casefold() in used:
            n += 1
            suffix = f"~{n}"
            candidate = _trim(_cut(base, MAX - len(suffix))) + suffix
        used.add(candidate.casefold())
        out.append(candidate)
    return out
