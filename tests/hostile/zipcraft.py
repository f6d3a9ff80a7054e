"""Build hostile zip-based workbooks from a clean one: members replaced, streamed, or their sizes forged.

Everything is written with zipfile in streaming mode, chunk by chunk, so a test that builds a 1.5 GB
bomb holds a megabyte of it at a time in memory and about 1.5 MB on disk.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from formbuilder import FormSpec, Raw, clean_spec, write_workbook

from processor.check import check_file
from processor.core.model import Finding, Status

SHEET1 = "xl/worksheets/sheet1.xml"


def refused(path: Path) -> Finding:
    """check_file rejects the file with exactly one finding, which is returned for the caller's assertions."""
    result = check_file(path)
    assert result.status is Status.REJECTED
    [found] = result.findings
    return found


def clean_xlsx(path: Path, sheets: list[tuple[str, FormSpec | list[list[Raw]]]] | None = None) -> Path:
    return write_workbook(path, sheets or [("表", clean_spec())])


def rewrite(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes]] | None = None,
            streams: dict[str, Callable[[bytes], Iterable[bytes]]] | None = None, level: int = 6) -> Path:
    """Copy a zip, passing members named in `edits` through a bytes → bytes function, and writing those
    named in `streams` chunk by chunk from a generator (given the original content)."""
    edits, streams = edits or {}, streams or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in streams:
                with zout.open(info.filename, "w") as out:
                    for chunk in streams[info.filename](data):
                        out.write(chunk)
            else:
                zout.writestr(info.filename, edits[info.filename](data) if info.filename in edits else data)
    return dst


def padded(total: int, chunk: int = 1 << 20) -> Callable[[bytes], Iterable[bytes]]:
    """A sheet XML made `total` bytes longer by one inline-string cell of spaces after the form: still
    well-formed, and what calamine would turn into one `total`-byte string if it were let through."""
    def gen(original: bytes) -> Iterable[bytes]:
        head, _, rest = original.partition(b"</sheetData>")
        yield head + b'<row r="999"><c r="A999" t="inlineStr"><is><t xml:space="preserve">'
        block = b" " * chunk
        left = total
        while left > 0:
            yield block[:min(chunk, left)]
            left -= chunk
        yield b"</t></is></c></row></sheetData>" + rest
    return gen


def forge_size(path: Path, member: str, declared: int) -> None:
    """Overwrite a member's uncompressed size in its local header and central directory entry."""
    path.write_bytes(forged(path.read_bytes(), member, declared))


def forged(package: bytes, member: str, declared: int) -> bytes:
    """The package with `member`'s uncompressed size overwritten (local header and central directory)."""
    data = bytearray(package)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        local = zf.getinfo(member).header_offset
    struct.pack_into("<I", data, local + 22, declared)
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        n, m, k = struct.unpack_from("<HHH", data, at + 28)
        if bytes(data[at + 46:at + 46 + n]) == name:
            struct.pack_into("<I", data, at + 24, declared)
            break
        at = data.find(b"PK\x01\x02", at + 46 + n + m + k)
    return bytes(data)
