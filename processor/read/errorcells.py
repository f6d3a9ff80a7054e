"""Cells whose formula ended in an error (#REF!, #DIV/0!, #N/A …), read back from the sheet XML.

python-calamine hands such cells over as blanks (its issue #105), so a broken formula in 分值 or 得分 would be
answered as "not filled in" and the department told the wrong thing. An .xlsx keeps the error as the cell's
cached value (<c r="G13" t="e"><f>…</f><v>#REF!</v></c>); it is put back in the cell here, as a CellError the
parsers recognise, wherever calamine left a blank. The guard has already bounded every part's size, so reading
the sheet parts that hold an error (a cheap byte test first) is safe.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

from processor.read import guard
from processor.read.values import CellError

if TYPE_CHECKING:
    from processor.read.workbook import Sheet

_CELL = re.compile(rb"<(?:[\w.\-]+:)?c\s([^>]*?)(?:/>|>(.*?)</(?:[\w.\-]+:)?c>)", re.S)
_TYPE_E = re.compile(rb"""(?:^|\s)t\s*=\s*["']e["']""")
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
_VALUE = re.compile(rb"<(?:[\w.\-]+:)?v>([^<]*)</(?:[\w.\-]+:)?v>")


def xlsx_errors(data: bytes, sheets: set[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name → {(row, col) 0-based: the error as Excel shows it}, for `sheets`: those whose XML the guard
    saw an error cell in (most forms have none, and their parts are not inflated a second time)."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    if not sheets:
        return found
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for part, name in guard.xlsx_sheet_paths(data, zf).items():
            if name not in sheets:
                continue
            try:
                xml = zf.read(part)
            except KeyError:
                continue
            if b't="e"' not in xml and b"t='e'" not in xml:
                continue
            for m in _CELL.finditer(xml):
                attrs, body = m.group(1), m.group(2) or b""
                if not _TYPE_E.search(attrs) or not (ref := _REF.search(attrs)) or not (v := _VALUE.search(body)):
                    continue
                col = guard.column_index(ref.group(1))
                found.setdefault(name, {})[(int(ref.group(2)) - 1, col)] = v.group(1).decode("utf-8", "replace")
    return found


def put_back(sheets: list[Sheet], errors: dict[str, dict[tuple[int, int], str]]) -> None:
    """Write each error into its cell where calamine left a blank (the rows are this reader's own lists)."""
    for sheet in sheets:
        for (r, c), text in errors.get(sheet.name, {}).items():
            if r < len(sheet.rows) and c < len(sheet.rows[r]) and sheet.rows[r][c] in ("", None):
                sheet.rows[r][c] = CellError(text)
