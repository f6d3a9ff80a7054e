"""The guard for .xls (BIFF8 in an OLE compound file), beside processor.read.guard's zip checks: calamine
materialises every sheet of an .xls when it opens the file, so an oversized sheet refuses the whole workbook, and
the BIFF records are walked once here for the sheets' extents and their error cells (which calamine reads as blanks).
"""

from __future__ import annotations

import struct

from processor.read.guard import Extent, refuse_whole

# -- xls (BIFF8 in an OLE compound file) --------------------------------------------------------------

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_CELL_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0006, 0x0406, 0x0206, 0x0205, 0x0003, 0x0004,
                 0x0002, 0x0005}
_MULRK = 0x00BD


def inspect_xls(data: bytes) -> list[Extent]:
    """Refuse an .xls with an oversized sheet: calamine materialises every sheet when it opens the file.
    Returns the sheets' extents, with their error cells (which calamine reads as blanks).

    A container this reader cannot follow is left to calamine, which then says it is damaged.
    """
    stream = _ole_stream(data)
    if stream is None:
        return []
    extents = _biff_extents(stream)
    refuse_whole(extents, "XLS 格式的工作簿只能整体读取")
    return extents


def _ole_stream(data: bytes) -> bytes | None:
    """The Workbook (or BIFF5 Book) stream of an OLE compound file, or None where it cannot be followed."""
    try:
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if not 7 <= shift <= 16 or not 2 <= mini_shift < shift:
            return None
        size = 1 << shift
        n_sectors = (len(data) - 512 + size - 1) // size  # v3 headers are 512 bytes; v4 pad to 4096
        dir_start, _, mini_cutoff, minifat_start, _, difat_start, n_difat = struct.unpack_from("<7I", data, 48)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < _END]
        seen: set[int] = set()
        sector = difat_start
        for _ in range(n_difat):
            if sector >= _END or sector in seen or sector > n_sectors:
                break
            seen.add(sector)
            links = struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size)
            fat_sectors += [s for s in links[:-1] if s < _END]
            sector = links[-1]

        def sector_bytes(i: int) -> bytes:
            return data[(i + 1) * size:(i + 2) * size]

        fat: list[int] = []
        for s in fat_sectors:
            fat.extend(struct.unpack(f"<{size // 4}I", sector_bytes(s).ljust(size, b"\xff")))

        def chain(start: int, table: list[int], limit: int) -> list[int]:
            out: list[int] = []
            while start < len(table) and start not in (_FREE, _END) and len(out) < limit:
                out.append(start)
                start = table[start]
            return out

        directory = b"".join(sector_bytes(s) for s in chain(dir_start, fat, n_sectors + 1))
        entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
        if not entries:
            return None
        root = entries[0]
        for entry in entries:
            name_len = min(struct.unpack_from("<H", entry, 64)[0], 64)
            name = entry[:max(name_len - 2, 0)].decode("utf-16-le", "replace")
            if entry[66] == 2 and name in ("Workbook", "Book", "WORKBOOK", "BOOK"):
                start, length = struct.unpack_from("<II", entry, 116)
                if length < mini_cutoff:
                    mini_stream = b"".join(sector_bytes(s) for s in chain(
                        struct.unpack_from("<I", root, 116)[0], fat, n_sectors + 1))
                    minifat_bytes = b"".join(sector_bytes(s) for s in chain(minifat_start, fat, n_sectors + 1))
                    minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
                    mini = 1 << mini_shift
                    return b"".join(mini_stream[s * mini:(s + 1) * mini]
                                    for s in chain(start, minifat, len(minifat) + 1))[:length]
                return b"".join(sector_bytes(s) for s in chain(start, fat, n_sectors + 1))[:length]
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _biff_extents(stream: bytes) -> list[Extent]:
    """Each worksheet's cell extent from the BIFF records (named by the BOUNDSHEET records)."""
    names: dict[int, str] = {}
    extents: dict[int, list[int]] = {}  # BOF offset → [max row, max col]
    current: list[int] | None = None
    outer: list[list[int] | None] = []  # an embedded chart's BOF … EOF sits inside its sheet's substream
    errors: dict[int, list[tuple[int, int, str]]] = {}  # BOF offset → error cells (row, col, text)
    sheet_at = 0
    pos, end = 0, len(stream) - 4
    while pos <= end:
        typ, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if typ == 0x0809:  # BOF: a substream begins; 0x0010 is a worksheet
            kind = struct.unpack_from("<H", stream, body + 2)[0] if length >= 4 else 0
            outer.append(current)
            current = extents.setdefault(pos, [-1, -1]) if kind == 0x0010 else None
            sheet_at = pos if kind == 0x0010 else sheet_at
        elif typ == 0x0085 and length >= 8:  # BOUNDSHEET: name and the offset of the sheet's BOF
            offset, count, flags = struct.unpack_from("<IxxBB", stream, body)
            raw = stream[body + 8:body + length]
            names[offset] = (raw[:count * 2].decode("utf-16-le", "replace") if flags & 1
                             else raw[:count].decode("latin-1"))
        elif typ == 0x002F:  # FILEPASS: the rest is encrypted; calamine says so
            return []
        elif current is not None and length >= 4 and (typ in _CELL_RECORDS or typ == _MULRK):
            row, col = struct.unpack_from("<HH", stream, body)
            if typ == _MULRK and length >= 6:
                col = struct.unpack_from("<H", stream, body + length - 2)[0]
            current[0] = max(current[0], row)
            current[1] = max(current[1], col)
            if (text := _biff_error(typ, stream, body, length)) is not None:
                errors.setdefault(sheet_at, []).append((row, col, text))
        elif typ == 0x000A:  # EOF
            current = outer.pop() if outer else None
        pos = body + length
    return [Extent(names.get(offset, f"第 {i + 1} 张"), r + 1, c + 1, offset in errors, tuple(errors.get(offset, ())))
            for i, (offset, (r, c)) in enumerate(sorted(extents.items()))]


# the BIFF error codes as Excel shows them
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _biff_error(typ: int, stream: bytes, body: int, length: int) -> str | None:
    """The error a FORMULA record's cached result or a BOOLERR record holds, or None."""
    if typ == 0x0006 and length >= 14:  # FORMULA: an 8-byte result; FFFF in its last two bytes, type 2 = error
        result = stream[body + 6:body + 14]
        if result[6:8] == b"\xff\xff" and result[0] == 2:
            return _BIFF_ERRORS.get(result[2], "#错误")
    if typ == 0x0205 and length >= 8 and stream[body + 7] == 1:  # BOOLERR flagged as an error
        return _BIFF_ERRORS.get(stream[body + 6], "#错误")
    return None
