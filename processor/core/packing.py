"""Office files (xlsx, docx) are zip packages whose writers stamp the clock into every entry: the same
inputs would give different bytes on every run, and golden tests and "unchanged" checks could not hold.

`pinned` re-packs such a package with one fixed time and a fixed part order, content untouched.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile


def stamp_of(day: dt.date) -> dt.datetime:
    """Midnight of the day, never before 1980 (a zip entry cannot hold an earlier time)."""
    return max(dt.datetime(day.year, day.month, day.day), dt.datetime(1980, 1, 1))


def pinned(package: bytes, stamp: dt.datetime) -> bytes:
    """Every entry dated `stamp`, [Content_Types].xml first (Office expects it there), the rest by name."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename)):
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
