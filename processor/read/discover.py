"""Stage 1: which files are submissions. Everything found gets an answer, even if it is "skipped".

Excel and WPS leave owner files (`~$name.xlsx`) beside open workbooks, LibreOffice leaves
`.~lock.name#`, copy tools leave `.part`/`.tmp`: these are never submissions, and saying so beats
rejecting them as broken.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from processor.core.errors import UsageError

_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".crdownload", ".partial", ".swp", ".bak~")
# names a workbook may carry (WPS 表格 saves .et); anything else is looked at before it is called a workbook
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".xlt", ".ods", ".fods", ".et", ".ett")
REPORT_SUFFIXES = (".docx", ".docm", ".doc", ".wps")
NOT_WORKBOOK = "非工作簿"  # how a skipped document, picture or text reads in every list
_SYSTEM_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}


@dataclass(frozen=True)
class Candidate:
    path: Path
    shown: str  # the path as the user should see it
    skip_reason: str = ""
    other: bool = False  # plainly not a workbook (a document, picture or text): filed away, never reviewed
    report: bool = False  # a Word (or PDF) 绩效自评报告 to check against its form (processor/narrative/)


def skip_reason(path: Path) -> str:
    """Why a file is not a submission, in Chinese, or "" when it is one."""
    name = path.name
    lower = name.lower()
    if name.startswith("~$"):
        return "Excel/WPS 打开文件时生成的临时锁定文件（~$ 开头），不是提交的自评表"
    if name.startswith(".~lock.") or (name.startswith("~") and lower.endswith(".tmp")):
        return "办公软件生成的锁定/临时文件，不是提交的自评表"
    if lower in _SYSTEM_NAMES:
        return "系统生成的文件，不是提交的自评表"
    if name.startswith("."):
        return "隐藏文件，不作为提交处理"
    if lower.endswith(_TEMP_SUFFIXES):
        return "临时文件或未复制完成的文件，不作为提交处理"
    if _hidden_on_windows(path):
        return "隐藏文件，不作为提交处理"
    if _plainly_not_a_workbook(path):
        return f"{NOT_WORKBOOK}：文件名和内容都不是 Excel/WPS/ODS 工作簿（如说明文档、图片、PDF），未审核"
    return ""


def _plainly_not_a_workbook(path: Path) -> bool:
    """Neither its name nor its first bytes say workbook: a 说明.pdf or 照片.jpg beside the forms is answered as
    what it is, with no feedback letter. A file named like a workbook is always reviewed (a PDF renamed .xlsx
    is rejected and told so), and so is a container (zip, OLE) that may hold one: the guarded reader decides."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    if head.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
        return _container_without_workbook(path)
    lowered = head.lower()
    return b"urn:schemas-microsoft-com:office:spreadsheet" not in lowered and b"<table" not in lowered


def _container_without_workbook(path: Path) -> bool:
    """A zip that holds no workbook part (a .docx, .pptx, a plain archive); only the directory is read."""
    if not zipfile.is_zipfile(path):
        return False  # OLE (an .xls or a .doc) or a damaged zip: the reader says which
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if any(n.startswith("xl/") for n in names):
                return False
            if "mimetype" in names:
                with zf.open("mimetype") as mime:
                    return b"spreadsheet" not in mime.read(100)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return False
    return True


def _hidden_on_windows(path: Path) -> bool:
    try:
        attrs = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attrs & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def discover(paths: list[Path], exclude: tuple[Path, ...] = (), reports: bool = False) -> list[Candidate]:
    """Files under the given paths in a stable order; folders are walked recursively.

    Hidden folders are not entered (version-control and sync folders live there); a path that does
    not exist is a usage error, since the user typed it. With `reports`, Word documents (and PDFs named as a
    报告) are candidates as reports instead of documents filed away.
    """
    found: list[Candidate] = []
    skip = {p.resolve() for p in exclude}
    for root in paths:
        if not root.exists():
            raise UsageError(f"找不到路径：{root}（请检查拼写，或先创建该文件夹）")
        if root.is_file():
            found.append(_candidate(root, reports))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and (Path(dirpath) / d).resolve() not in skip)
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue
                found.append(_candidate(path, reports))
    return found


def is_report(path: Path) -> bool:
    """A Word document (.docx, or .doc/.wps to be asked for again as .docx), or a PDF whose name says 报告."""
    suffix = path.suffix.lower()
    return suffix in REPORT_SUFFIXES or (suffix == ".pdf" and "报告" in path.stem)


def _candidate(path: Path, reports: bool = False) -> Candidate:
    why = skip_reason(path)
    if reports and (not why or why.startswith(NOT_WORKBOOK)) and is_report(path):
        return Candidate(path, str(path), report=True)
    return Candidate(path, str(path), why, other=why.startswith(NOT_WORKBOOK))
