"""Stage 2: turn a file's bytes into sheets of cells, or say exactly why that is impossible.

The format is decided by the file's first bytes, never by its extension: departments rename web
exports to .xls, and encrypted .xlsx files are really OLE containers. Before any of that, a file larger
than the cap (`max_file_mb`) is refused from its size alone: its content is never read.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import python_calamine as pc

from processor.core.errors import UsageError
from processor.core.findings import finding
from processor.core.model import Finding
from processor.read import guard, guard_xls
from processor.read.errorcells import put_back, xlsx_errors

DEFAULT_MAX_FILE_MB = 50  # a form is tens of KB, one with scanned pictures a few MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class Sheet:
    """A sheet's cells from A1 (rows and columns 0-based here; A1 names are made at the edges)."""

    name: str
    rows: list[list[Any]]
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    merges_known: bool  # ods: calamine does not report merged ranges
    visible: bool = True


@dataclass(frozen=True)
class Workbook:
    format: str
    sheets: tuple[Sheet, ...]
    findings: tuple[Finding, ...] = ()  # about the workbook as read: sheets skipped as too large


class ReadFailure(Exception):
    """Internal to the reader: the file cannot be read; carries the finding that says why."""

    def __init__(self, found: Finding, fmt: str = "") -> None:
        super().__init__(found.message)
        self.finding = found
        self.format = fmt


def sniff(data: bytes) -> str:
    """The workbook format from content: xlsx, xlsb, ods, xls, encrypted, or a non-workbook label."""
    if not data:
        return "empty"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if data.startswith(OLE_MAGIC):
        return "encrypted" if _ENCRYPTED_STREAM in data else "xls"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:  # before HTML: it has a <Table> too
        return "spreadsheetml"
    if b"<html" in head or b"<!doctype html" in head or b"<table" in head:
        return "html"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "xml"
    return "unknown"


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                return "xlsm" if b"macroEnabled" in types else "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100]
                return "ods" if b"spreadsheet" in mime else "odf-other"
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("ppt/") for n in names):
                return "pptx"
            return "zip"
    except (zipfile.BadZipFile, EOFError, ValueError):
        return "damaged-zip"


_DESCRIBE = {
    "pdf": "PDF 文档", "docx": "Word 文档", "pptx": "PowerPoint 演示文稿", "zip": "ZIP 压缩包",
    "odf-other": "非表格的 OpenDocument 文档", "xml": "XML 文本", "unknown": "无法识别的内容（可能是文本或图片）",
}


_HOW = {  # what the department should do, by what it sent
    "pdf": "这是 PDF（可能是打印或扫描件），无法读取其中的表格：请提交填写自评表时使用的 Excel/WPS 原文件（.xlsx）。",
    "docx": "这是 Word 文档：如是绩效自评报告，请另行提交；自评表请提交 Excel/WPS 原文件（.xlsx）。",
    "pptx": "这是演示文稿：请提交 Excel/WPS 格式的自评表（.xlsx）。",
    "zip": "这是压缩包：请解压后分别提交其中的自评表（.xlsx）。",
}


def check_cap(max_file_mb: float) -> None:
    """The size cap is a positive number of MB (UsageError otherwise: it comes from an option or a setting)."""
    if isinstance(max_file_mb, bool) or not isinstance(max_file_mb, int | float) or not (
            math.isfinite(max_file_mb) and max_file_mb > 0):
        raise UsageError(f"文件大小上限（--max-file-mb 或 [review] max_file_mb）应为正数（MB），现为 {max_file_mb!r}。")


def cap_bytes(max_file_mb: float) -> int:
    return int(max_file_mb * guard.MB)


def over_cap(size: int, max_file_mb: float) -> Finding:
    """`file-over-size-cap`: the size in MB and the cap, and where the cap is raised."""
    shown = f"{size / guard.MB:,.1f}"
    if float(shown.replace(",", "")) <= max_file_mb:  # 50.04 MB over a 50 MB cap: not "50.0 MB, over 50 MB"
        shown = f"{size / guard.MB:,.3f}"
    return finding("file-over-size-cap", size=shown, limit=f"{max_file_mb:g}")


def load(path: Path, data: bytes | None = None, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Workbook:
    """Read every sheet of a workbook. Raises ReadFailure with the finding that explains the refusal.

    A file (or `data`) larger than `max_file_mb` MB is refused (`file-over-size-cap`) before its content is read:
    the size is taken from the open file's stat, and a file still growing is read no further than the cap."""
    limit = cap_bytes(max_file_mb)
    if data is None:
        try:
            data = _read_capped(path, limit, max_file_mb)
        except OSError as exc:
            raise ReadFailure(finding("file-unreadable", detail=exc.strerror or type(exc).__name__)) from exc
    elif len(data) > limit:
        raise ReadFailure(over_cap(len(data), max_file_mb))
    fmt = sniff(data)
    ext = path.suffix or "（无扩展名）"
    if fmt == "empty":
        raise ReadFailure(finding("file-empty"), fmt)
    if fmt == "encrypted":
        raise ReadFailure(finding("file-encrypted"), fmt)
    if fmt == "damaged-zip":
        raise ReadFailure(finding("file-damaged", detail="压缩结构不完整，文件可能被截断"), fmt)
    if fmt in ("html", "spreadsheetml"):
        what = "网页（HTML）" if fmt == "html" else " Excel 2003 XML 表格"
        raise ReadFailure(finding("file-web-export", detected=what, ext=ext), fmt)
    if fmt not in ("xlsx", "xlsm", "xlsb", "ods", "xls"):
        sent = finding("file-not-workbook", detected=_DESCRIBE.get(fmt, fmt))
        raise ReadFailure(replace(sent, hint=_HOW.get(fmt, sent.hint)), fmt)  # a PDF gets a PDF's hint
    try:  # before calamine sees a byte: bombs, entity declarations, sheets too large to materialise
        extents = guard.inspect_zip(data, fmt) if fmt in guard.ZIP_FORMATS else []
        xls_extents = guard_xls.inspect_xls(data) if fmt == "xls" else []  # only for their error cells
        guard.check_book_cells([e for e in extents if not e.oversized])
    except guard.Refused as refused:
        raise ReadFailure(refused.finding, fmt) from refused
    oversized = {e.sheet: e for e in extents if e.oversized}
    skipped: list[guard.Extent] = []
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        with book:
            names = {meta.name for meta in book.sheets_metadata}
            for extent in oversized.values():
                if extent.sheet not in names:  # a part calamine would know by another name: cannot skip it
                    raise guard.Refused(finding("file-sheet-too-large", sheet=extent.sheet, cell=extent.corner,
                                                why="无法确定它属于哪张工作表，不能单独跳过",
                                                **guard.sheet_figures(extent)))
            sheets = []
            for meta in book.sheets_metadata:
                if meta.typ != pc.SheetTypeEnum.WorkSheet:
                    continue
                if meta.name in oversized:  # never handed to calamine: a dense range would not fit in memory
                    skipped.append(oversized[meta.name])
                    continue
                sheet = _read_sheet(book, meta, fmt)
                if isinstance(sheet, guard.Extent):  # caught after loading, from calamine's own size
                    skipped.append(sheet)
                else:
                    sheets.append(sheet)
    except guard.Refused as refused:
        raise ReadFailure(refused.finding, fmt) from refused
    except pc.PasswordError as exc:
        raise ReadFailure(finding("file-encrypted"), fmt) from exc
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # calamine's Rust panics on some damaged files arrive as BaseException
        raise ReadFailure(finding("file-damaged", detail=_short(exc)), fmt) from exc
    if fmt in ("xlsx", "xlsm"):  # a part that cannot be read again leaves its cells as calamine read them
        with contextlib.suppress(zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
            put_back(sheets, xlsx_errors(data, {e.sheet for e in extents if e.errors}))
    elif fmt in ("ods", "xls"):  # the guard's scan of content.xml or of the BIFF records kept them with their places
        put_back(sheets, {e.sheet: {(r, c): text for r, c, text in e.error_cells}
                          for e in (*extents, *xls_extents) if e.error_cells})
    if skipped and not sheets:  # every worksheet was too large: say so rather than "no form found"
        first = skipped[0]
        raise ReadFailure(finding("file-sheet-too-large", sheet=first.sheet, cell=first.corner,
                                  why="工作簿中没有其他工作表可读", **guard.sheet_figures(first)), fmt)
    found = tuple(finding("sheet-too-large", sheet=e.sheet, cell=e.corner, **guard.sheet_figures(e)) for e in skipped)
    return Workbook(format=fmt, sheets=tuple(sheets), findings=found)


def _read_capped(path: Path, limit: int, max_file_mb: float) -> bytes:
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise ReadFailure(over_cap(size, max_file_mb))
        data = fh.read(size + 1)  # one byte more shows a file still being written
        if len(data) > size:
            data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise ReadFailure(over_cap(len(data), max_file_mb))
    return data


def _read_sheet(book: pc.CalamineWorkbook, meta: pc.SheetMetadata, fmt: str) -> Sheet | guard.Extent:
    sheet = book.get_sheet_by_name(meta.name)
    end = sheet.end  # (last row, last column) of calamine's range, None when the sheet is empty
    if end is not None and guard.Extent(meta.name, end[0] + 1, end[1] + 1).oversized:
        return guard.Extent(meta.name, end[0] + 1, end[1] + 1)
    rows = sheet.to_python(skip_empty_area=False)
    merged = sheet.merged_cell_ranges
    return Sheet(
        name=meta.name,
        rows=rows,
        merged=tuple(merged or ()),
        merges_known=merged is not None,
        visible=meta.visible == pc.SheetVisibleEnum.Visible,
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
