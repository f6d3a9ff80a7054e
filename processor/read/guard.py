"""Look inside a workbook before calamine does: hostile files become findings, never a dead process.

The same zip checks stand in front of the Word report reader (processor/narrative/docxtext.py, format "docx"),
whose refusals are worded for a 文档 rather than a 工作簿 (refusal()).

calamine trusts what it reads. A zip whose 1 MB inflates to gigabytes, an XML entity declaration, or a
single stray value at XFD1048576 (calamine then allocates a dense range of 1.7 × 10^10 cells and the
process aborts) would each take the whole batch down. This module reads the container itself, cheaply
and with bounded memory, and says what must not be handed to calamine:

- zip-based formats (xlsx, xlsm, xlsb, ods): the declared sizes, member count and compression ratios,
  then every member inflated through a bounded stream (declared sizes are not trusted: a member that
  inflates to more than it declares is refused), scanning XML for `<!DOCTYPE`/`<!ENTITY` on the way
  (in any part named as XML, or whose first byte after its leading whitespace, however long, is `<`);
- the cell extent of every worksheet (xlsx/xlsm sheet XML, ods content.xml; xls BIFF records in guard_xls.py), counted
  from A1 the way the reader materialises it, against the limits below.

xlsx/xlsm sheets are loaded one by one, so an oversized sheet is skipped and the others are read; ods and
xls are parsed whole when opened, so an oversized sheet refuses the file. Everything here runs on every
file: an ordinary 10–50 KB workbook costs about 0.3–0.8 ms (half of it zipfile and zlib).
"""

from __future__ import annotations

import copy
import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

from processor.core.findings import finding
from processor.core.model import Finding

MB = 1024 * 1024
# Limits (module-level so a deployment or a test can change them). An ordinary form is 10–50 KB
# zipped, well under 1 MB unzipped, one sheet of about 30 × 10 cells.
MAX_TOTAL_BYTES = 200 * MB  # all members together, declared and actually inflated
MAX_RATIO = 100  # a member inflating more than 100:1 ...
RATIO_MIN_BYTES = 10 * MB  # ... and to more than 10 MB is a bomb (small XML can compress 100:1 honestly)
MAX_MEMBERS = 10_000
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLS = 1_000
MAX_SHEET_CELLS = 2_000_000  # rows × columns from A1: what the reader turns into Python lists
MAX_BOOK_CELLS = 10_000_000  # all sheets that are read, together
MAX_TAG_BYTES = 64 * 1024  # one XML tag longer than this is not a spreadsheet's
CHUNK = 1 * MB


class Refused(Exception):
    """The file must not be handed to calamine; carries the finding that says why."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.message)
        self.finding = found


# The guard's refusals as a Word report (format "docx") is told them: the catalogue words them for a workbook
# (工作簿, Excel, .xlsx), and a department told to re-save its report as .xlsx looks for the wrong file. Same
# codes (ledgers and profiles refer to them), same placeholders; file-damaged names no kind of file and is shared.
_DOCX_WORDING: dict[str, tuple[str, str]] = {
    "file-too-large": (
        "Word 文档解压后共 {size} MB（文件本身 {packed} MB），超过处理上限 {limit} MB，未打开。",
        "绩效自评报告通常只有几十到几百 KB：请在 Word 或 WPS 中删除或压缩文档中的图片（“压缩图片”）和嵌入的附件，"
        "另存为 .docx 后重新提交。"),
    "file-too-many-parts": (
        "Word 文档压缩包内有 {count} 个部件，超过处理上限 {limit} 个，未打开。",
        "请在 Word 或 WPS 中删除文档中多余的图片和嵌入对象（或把正文复制到新文档），另存为 .docx 后重新提交。"),
    "file-bomb": (
        "Word 文档中的“{member}”压缩后只有 {packed} MB，解压后声明为 {size} MB（压缩比约 {ratio}:1，上限 {limit}:1），"
        "疑似“压缩炸弹”，为安全起见未打开。",
        "正常的报告不会这样：请用 Word 或 WPS 重新保存一份正常的文档（.docx）后提交；来源不明的文件请勿打开。"),
    "file-size-forged": (
        "Word 文档中的“{member}”声明解压后为 {declared} MB，实际解压后已达 {actual}：压缩包的大小信息是伪造或损坏的，"
        "为安全起见未打开。",
        "请用 Word 或 WPS 重新保存一份正常的文档（.docx）后提交；来源不明的文件请勿打开。"),
    "file-xml-dtd": (
        "Word 文档中的“{member}”含有 XML 文档类型或实体声明（{what}），正常的 Word/WPS 文件从不包含这种内容，"
        "为安全起见未打开。",
        "请在 Word 或 WPS 中打开该文件，“另存为”新的 .docx 后重新提交；来源不明的文件请勿打开。"),
}


def refusal(code: str, fmt: str, **fields: str) -> Refused:
    """The refusal `code` for a file of format `fmt`: the catalogue's finding, worded for a Word report when fmt
    is "docx" (a workbook's wording is the catalogue's, byte for byte: the golden outputs hold it)."""
    found = finding(code, **fields)
    if fmt == "docx" and code in _DOCX_WORDING:
        message, hint = _DOCX_WORDING[code]
        found = replace(found, message=message.format(**fields), hint=hint.format(**fields))
    return Refused(found)


@dataclass(frozen=True)
class Extent:
    """A sheet's used range from A1: `rows` × `cols` cells (what to_python(skip_empty_area=False) makes)."""

    sheet: str
    rows: int
    cols: int
    errors: bool = False  # xlsx: the sheet XML holds an error cell (t="e"), which calamine reads as blank
    error_cells: tuple[tuple[int, int, str], ...] = ()  # ods: (row, col, text) of each error cell, 0-based

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    @property
    def oversized(self) -> bool:
        return self.rows > MAX_SHEET_ROWS or self.cols > MAX_SHEET_COLS or self.cells > MAX_SHEET_CELLS

    @property
    def corner(self) -> str:
        return f"{column_name(max(self.cols, 1) - 1)}{max(self.rows, 1)}"


def limits_text() -> str:
    return f"单表最多 {MAX_SHEET_ROWS:,} 行、{MAX_SHEET_COLS:,} 列、{MAX_SHEET_CELLS:,} 个单元格"


def sheet_figures(extent: Extent) -> dict[str, object]:
    """The placeholders of the sheet-size findings."""
    return {"name": extent.sheet, "rows": f"{extent.rows:,}", "cols": f"{extent.cols:,}",
            "cells": f"{extent.cells:,}", "corner": extent.corner, "limit": limits_text()}


def column_name(index: int) -> str:
    """0 → A, 16383 → XFD."""
    name = ""
    index += 1
    while index > 0:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def column_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def _mb(n: int) -> str:
    return f"{n / MB:,.1f}"


# -- zip-based workbooks ------------------------------------------------------------------------------

ZIP_FORMATS = ("xlsx", "xlsm", "xlsb", "ods")
_WORKBOOK_PARTS = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml",
                   "content.xml", "styles.xml", "META-INF/manifest.xml", "[Content_Types].xml", "_rels/.rels"}


def inspect_zip(data: bytes, fmt: str) -> list[Extent]:
    """Check a zip-based workbook (fmt one of ZIP_FORMATS) or Word report ("docx"); return the extents of
    its worksheets (xlsx/xlsm, ods).

    Raises Refused for a bomb, a forged size, a DTD, or (ods) an oversized sheet, worded for the kind of file
    `fmt` names. Returns the extents of xlsx/xlsm worksheets so the reader can skip the oversized ones; an
    empty list where none were scanned.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_declared(infos, len(data), fmt)
            sheets = xlsx_sheet_paths(data, zf) if fmt in ("xlsx", "xlsm") else {}
            extents: list[Extent] = []
            for info in infos:
                if info.is_dir():
                    continue
                if info.filename in sheets:
                    scan: _Scanner = _XlsxCells(sheets[info.filename])
                elif fmt == "ods" and info.filename == "content.xml":
                    scan = _OdsCells()
                else:
                    scan = _Scanner()
                parsed = info.filename in sheets or info.filename in _WORKBOOK_PARTS
                try:
                    try:
                        _scan_member(data, zf, info, scan, parsed, fmt)
                    except _Restart:  # cells without positions: scan again, tracking every row and cell
                        scan = _XlsxCells(sheets[info.filename], exact=True)
                        _scan_member(data, zf, info, scan, parsed, fmt)
                except (zlib.error, zipfile.BadZipFile):
                    # a broken stream: calamine cannot inflate past the break either (and says the file is
                    # damaged if it needs this part); what came before it has been checked
                    pass
                extents.extend(scan.extents())
    except Refused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError,
            OSError, struct.error) as exc:
        detail = str(exc).strip()[:120] or type(exc).__name__
        raise Refused(finding("file-damaged", detail=f"压缩数据损坏：{detail}")) from exc
    if fmt == "ods":
        refuse_whole(extents, "ODS 格式的工作簿只能整体读取")
    return extents


def _check_declared(infos: list[zipfile.ZipInfo], packed: int, fmt: str) -> None:
    if len(infos) > MAX_MEMBERS:
        raise refusal("file-too-many-parts", fmt, count=f"{len(infos):,}", limit=f"{MAX_MEMBERS:,}")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise refusal("file-bomb", fmt, member=info.filename, packed=f"{info.compress_size / MB:,.2f}",
                          size=_mb(info.file_size), ratio=f"{ratio:,.0f}", limit=f"{MAX_RATIO}")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise refusal("file-too-large", fmt, size=_mb(total), packed=f"{packed / MB:,.2f}",
                      limit=f"{MAX_TOTAL_BYTES // MB:,}")


def _inflate(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo, fmt: str) -> Iterator[bytes]:
    """A member's real content in chunks of at most CHUNK bytes, refusing a member that yields more than
    it declares (counted on, within MAX_TOTAL_BYTES, to show the figure).

    zipfile stops at the declared size, calamine's reader may not: so stored and deflated members (all
    that Excel, WPS and LibreOffice write) are inflated here from their raw bytes, trusting no header.
    """
    count = 0
    for chunk in _raw_chunks(data, zf, info):
        count += len(chunk)
        if count > info.file_size:
            for more in _raw_chunks(data, zf, info):
                count += len(more)
                if count > MAX_TOTAL_BYTES:
                    break
            actual = f"{MAX_TOTAL_BYTES // MB:,} MB 以上" if count > MAX_TOTAL_BYTES else f"{count / MB:,.2f} MB"
            raise refusal("file-size-forged", fmt, member=info.filename,
                          declared=f"{info.file_size / MB:,.2f}", actual=actual)
        yield chunk


def _raw_chunks(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
        unbounded = copy.copy(info)  # other methods (rare; calamine may not read them): zipfile, unbounded
        unbounded.file_size = 1 << 62
        with zf.open(unbounded) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
        return
    offset = info.header_offset
    if data[offset:offset + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: 本地文件头缺失")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), CHUNK):
            yield bytes(raw[i:i + CHUNK])
        return
    inflater = zlib.decompressobj(-15)
    pending: bytes | memoryview = raw
    while not inflater.eof:
        chunk = inflater.decompress(pending, CHUNK)
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break
        if chunk:
            yield chunk


def _dtd(buf: bytes, wide: bool) -> str | None:
    """`<!DOCTYPE` or `<!ENTITY` (any case; UTF-16 too where `wide`) in a buffer: the declaration, or None."""
    marks = ((b"<!", 1), (b"<\x00!\x00", 2), (b"\x00<\x00!", 2)) if wide else ((b"<!", 1),)
    for mark, step in marks:
        at = buf.find(mark)
        while at >= 0:
            word = buf[at + len(mark):at + len(mark) + 7 * step]
            if step == 2:
                word = word.replace(b"\x00", b"")
            word = word.upper()
            if word.startswith((b"DOCTYPE", b"ENTITY")):
                return "<!" + word.decode("ascii", "replace").rstrip()
            at = buf.find(mark, at + 1)
    return None


_MEDIA = re.compile(r"\.(?:svg|png|jpe?g|gif|bmp|emf|wmf|tiff?|wdp|ico)$", re.IGNORECASE)
_XML_NAME = re.compile(r"\.(?:xml|rels|vml)$", re.IGNORECASE)
# What may come before an XML part's first `<`: XML whitespace, a UTF-8 or UTF-16 byte-order mark, and the NUL
# half of each UTF-16 character. A comment or processing instruction before a DOCTYPE starts with `<` itself.
_NOT_BLANK = re.compile(rb"[^\xef\xbb\xbf\xff\xfe\x00 \t\r\n]")
BLANK_HEAD = 4096  # a part opening with this much blank is scanned whatever follows


def _scan_member(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _Scanner,
                 parsed: bool, fmt: str) -> None:
    """Inflate one member, refusing a DTD in anything a reader may parse as XML: every `parsed` part
    (sheets), every part named as XML (.xml, .rels, .vml), and any other part whose first byte after its
    leading blank is `<`, except pictures (an SVG may carry a DOCTYPE; no reader here parses pictures) and
    binary parts (vbaProject.bin may hold any bytes, an HTML page in a macro's text among them).

    XML allows any amount of whitespace before a DOCTYPE, so no fixed head can show that a part is not XML:
    the first byte is looked for across chunks, and a part whose first BLANK_HEAD bytes are all blank (XML
    hiding what follows, or padding) is scanned to its end. Looking stops there, so a gigabyte of spaces
    costs one find per chunk, not a byte-by-byte walk."""
    tail = b""
    check: bool | None = True if parsed or _XML_NAME.search(info.filename) else None
    if check is None and _MEDIA.search(info.filename):
        check = False
    wide: bool | None = None
    blank = 0
    for chunk in _inflate(data, zf, info, fmt):
        if wide is None:  # UTF-16 text has a BOM or a NUL in its first characters
            wide = chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]
        if check is None:
            room = BLANK_HEAD - blank
            if first := _NOT_BLANK.search(chunk, 0, room):
                check = chunk[first.start()] == ord("<")
            elif len(chunk) >= room:
                check = True
            else:
                blank += len(chunk)
        if check:
            window = tail + chunk if tail else chunk
            if what := _dtd(window, wide):
                raise refusal("file-xml-dtd", fmt, member=info.filename, what=what)
            tail = window[-32:]
        scan.feed(chunk)


class _Restart(Exception):
    """The fast cell scan met a cell it cannot place; the member is scanned again exactly."""


class _Scanner:
    """Sees a member's content chunk by chunk; the base class only needs the DTD check of _scan_member."""

    def feed(self, chunk: bytes) -> None:
        pass

    def extents(self) -> list[Extent]:
        return []


class _TagScanner(_Scanner):
    """Hands whole tags to `scan`: a chunk's unfinished last tag waits for the next chunk."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        buf = self._tail + chunk if self._tail else chunk
        cut = buf.rfind(b"<")
        if cut >= 0 and buf.find(b">", cut) < 0:
            self._tail = buf[cut:]
            buf = buf[:cut]
            if len(self._tail) > MAX_TAG_BYTES:
                raise Refused(finding("file-damaged", detail=f"XML 中有超过 {MAX_TAG_BYTES // 1024} KB 的标记，结构异常"))
        else:
            self._tail = b""
        self.scan(buf)

    def scan(self, buf: bytes) -> None:
        raise NotImplementedError


# Fast: every writer seen puts r first (<c r="B7" s="3" t="s">); `<c` is a literal prefix, so this runs at
# memchr speed. Anything else (a prefixed <x:c>, r elsewhere or missing) takes the exact path.
_FAST_CELL = re.compile(rb'<c(?=[\s/>])(\s+r="([A-Z]{1,3})([0-9]{1,7})")?([^>]*)>')
# Faster still, the same scan with less to hand back. Every alternative consumes the whole tag, as _FAST_CELL
# does (a tag read again from each `<c` inside it would make a hostile long tag quadratic): (column, row, "")
# for a cell with a plain r first that holds something; ("", "", "") for one that is formatting only
# (<c r="Z9" s="3"/>, which calamine skips); ("", "", ">") for a cell whose r is missing or not first, which
# sends the buffer to _FAST_CELL's exact handling. The first alternative's `[^>]*` is greedy: it can stop only at
# the tag's first `>` either way (it cannot cross one), and the greedy form finds it at twice the speed of
# trying `(?<!/)>` after every character; this scan was a fifth of the cost of reading a workbook.
_USED_CELL = re.compile(rb'<c(?=[\s/>])(?:\s+r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>'
                        rb'|\s+r="[A-Z]{1,3}[0-9]{1,7}"[^>]*>|[^>]*(>))')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_EXACT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,7})([0-9]{0,10})["']""")


class _XlsxCells(_TagScanner):
    """The extent of a sheet XML's cells that hold something, positioned as calamine positions them.

    calamine skips value-less cells (<c r="Z9" s="3"/>, formatting only), and places a cell without an
    r attribute after the previous one, in the row of the last <row r>.
    """

    def __init__(self, sheet: str, exact: bool = False) -> None:
        super().__init__()
        self.sheet = sheet
        self.exact = exact
        self.row = self.col = self.max_row = self.max_col = -1
        self.errors = False

    def scan(self, buf: bytes) -> None:
        self.errors = self.errors or b't="e"' in buf or b"t='e'" in buf  # one pass over bytes already in hand
        if self.exact:
            self._exact(buf)
            return
        if _PREFIXED_CELL.search(buf):
            raise _Restart
        used = _USED_CELL.findall(buf)
        if not used:
            return
        cols, rows, odd = zip(*used, strict=True)  # C speed: no Python code per cell, only per distinct row/column
        if b">" in odd:
            self._fast(buf)
            return
        rows_used, cols_used = set(rows) - {b""}, set(cols) - {b""}  # "": formatting-only cells
        if rows_used:
            self.max_row = max(self.max_row, max(map(int, rows_used)) - 1)
            self.max_col = max(self.max_col, max(map(column_index, cols_used)))

    def _fast(self, buf: bytes) -> None:
        """The per-cell scan, for a buffer where _USED_CELL met a cell without a plain r first."""
        cells = _FAST_CELL.findall(buf)
        if any(not r for r, _, _, _ in cells):
            raise _Restart
        used = [(col, row) for _, col, row, rest in cells if not rest.endswith(b"/")]
        if used:
            self.max_row = max(self.max_row, max(map(int, {row for _, row in used})) - 1)
            self.max_col = max(self.max_col, max(map(column_index, {col for col, _ in used})))

    def _exact(self, buf: bytes) -> None:
        for m in _EXACT_TAG.finditer(buf):
            tag, attrs = m.group(1), m.group(2)
            r = _R_ATTR.search(attrs)
            if tag == b"row":
                self.row = int(r.group(2)) - 1 if r and r.group(2) else self.row + 1
                self.col = -1
                continue
            self.col = column_index(r.group(1)) if r and r.group(1) else self.col + 1
            row = int(r.group(2)) - 1 if r and r.group(2) else self.row
            if not attrs.endswith(b"/"):
                self.max_row = max(self.max_row, row)
                self.max_col = max(self.max_col, self.col)

    def extents(self) -> list[Extent]:
        return [Extent(self.sheet, self.max_row + 1, self.max_col + 1, self.errors)]


# calamine matches ODS elements by their qualified names (table:table-cell …), so only those count here:
# a literal prefix, and closing tags only for tables and rows, keep this at regex-engine speed.
_ODS_TAG = re.compile(rb"</table:(table|table-row)>|<table:(table|table-row|table-cell|covered-table-cell)"
                      rb"(?=[\s/>])([^>]*)>")
_ODS_NAME = re.compile(rb"""(?:^|\s)table:name\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ODS_TEXT = re.compile(rb"\s*<text:p>([^<]{1,40})</text:p>")
_ODS_REPEAT = re.compile(rb"""number-(?:rows|columns)-repeated\s*=\s*["']([0-9]{1,10})["']""")


class _OdsCells(_TagScanner):
    """The extent of every table in an ODS content.xml; repeated rows and columns count as many."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Extent] = []
        self.name = ""
        self.row = self.col = self.row_start = self.row_repeat = self.max_row = self.max_col = 0
        self.row_used = False
        self.errors: list[tuple[int, int, str]] = []

    def scan(self, buf: bytes) -> None:
        for m in _ODS_TAG.finditer(buf):
            closed, tag, attrs = (g or b"" for g in m.groups())  # as findall gives them: b"" for no match
            repeat = 1
            if b"repeated" in attrs and (rep := _ODS_REPEAT.search(attrs)):
                repeat = int(rep.group(1))
            if tag == b"table-cell" or tag == b"covered-table-cell":
                if b'value-type="error"' in attrs and (text := _ODS_TEXT.match(buf, m.end())):
                    # a formula's error, which calamine reads as blank: kept with its place (errorcells.py)
                    self.errors.append((self.row_start, self.col, text.group(1).decode("utf-8", "replace")))
                if attrs[-1:] != b"/" or b"value-type" in attrs:  # empty unless it has content or a type
                    self.max_col = max(self.max_col, self.col + repeat)
                    self.row_used = True
                self.col += repeat
            elif tag == b"table-row":
                if attrs[-1:] == b"/":
                    self.row += repeat
                else:
                    self.row_start, self.row_repeat, self.row_used, self.col = self.row, repeat, False, 0
            elif closed == b"table-row":
                if self.row_used:
                    self.max_row = max(self.max_row, self.row_start + self.row_repeat)
                self.row = self.row_start + self.row_repeat
            elif tag == b"table":
                name = _ODS_NAME.search(attrs)
                self.name = _text(name) if name else ""
                self.row = self.max_row = self.max_col = 0
                self.errors = []
            elif closed == b"table":
                self.found.append(Extent(self.name, self.max_row, self.max_col, bool(self.errors), tuple(self.errors)))

    def extents(self) -> list[Extent]:
        return self.found


_SHEET_TAG = re.compile(rb"<(?:[\w.\-]+:)?sheet\s([^>]*)>")
_REL_TAG = re.compile(rb"<(?:[\w.\-]+:)?Relationship\s([^>]*)>")


def _attr(attrs: bytes, name: bytes) -> str | None:
    m = _attr_pattern(name).search(attrs)
    return _text(m) if m else None


@cache  # called with three literal names only
def _attr_pattern(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?:^|\s)" + name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _text(m: re.Match[bytes]) -> str:
    """An attribute value matched as "…" (group 1) or '…' (group 2), XML escapes resolved."""
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return html.unescape(raw.decode("utf-8", "replace"))


def _small_member(data: bytes, zf: zipfile.ZipFile, name: str) -> bytes:
    """A workbook-level part (workbook.xml, its rels), at most 16 MB of it; its DTD check comes later."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return b""
    parts: list[bytes] = []
    size = 0
    for chunk in _inflate(data, zf, info, "xlsx"):
        parts.append(chunk)
        size += len(chunk)
        if size > 16 * MB:
            break
    return b"".join(parts)


def xlsx_sheet_paths(data: bytes, zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip member → sheet name, resolved from xl/workbook.xml and its relationships as calamine does."""
    targets: dict[str, str] = {}
    for m in _REL_TAG.finditer(_small_member(data, zf, "xl/_rels/workbook.xml.rels")):
        rid, target = _attr(m.group(1), b"Id"), _attr(m.group(1), b"Target")
        if rid is not None and target is not None:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            targets[rid] = path
    paths: dict[str, str] = {}
    for m in _SHEET_TAG.finditer(_small_member(data, zf, "xl/workbook.xml")):
        name, rid = _attr(m.group(1), b"name"), _attr(m.group(1), rb"[\w.\-]+:id")
        if name is not None and rid is not None and rid in targets:
            paths[targets[rid]] = name
    for info in zf.infolist():  # a sheet part the relationships do not name still gets scanned
        if re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename) and info.filename not in paths:
            paths[info.filename] = info.filename
    return paths


# -- whole-workbook decisions -------------------------------------------------------------------------


def refuse_whole(extents: list[Extent], why: str) -> None:
    """Formats parsed whole when opened (ods, xls): one oversized sheet refuses the file."""
    for extent in extents:
        if extent.oversized:
            raise Refused(finding("file-sheet-too-large", sheet=extent.sheet, cell=extent.corner, why=why,
                                  **sheet_figures(extent)))
    check_book_cells(extents)


def check_book_cells(kept: list[Extent]) -> None:
    """All sheets that will be read, together, within MAX_BOOK_CELLS."""
    total = sum(e.cells for e in kept)
    if total > MAX_BOOK_CELLS:
        raise Refused(finding("file-cells-too-many", cells=f"{total:,}", sheets=f"{len(kept):,}",
                              limit=f"{MAX_BOOK_CELLS:,}"))
