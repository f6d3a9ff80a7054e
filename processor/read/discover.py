"""Stage 1: which files are submissions. Everything found gets an answer, even if it is "skipped".

Excel and WPS leave owner files (`~$name.xlsx`) beside open workbooks, LibreOffice leaves
`.~lock.name#`, copy tools leave `.part`/`.tmp`: these are never submissions, and saying so beats
rejecting them as broken.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from processor.core.errors import UsageError

_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".crdownload", ".partial", ".swp", ".bak~")
_SYSTEM_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}


@dataclass(frozen=True)
class Candidate:
    path: Path
    shown: str  # the path as the user should see it
    skip_reason: str = ""


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
    return ""


def _hidden_on_windows(path: Path) -> bool:
    try:
        attrs = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attrs & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def discover(paths: list[Path], exclude: tuple[Path, ...] = ()) -> list[Candidate]:
    """Files under the given paths in a stable order; folders are walked recursively.

    Hidden folders are not entered (version-control and sync folders live there); a path that does
    not exist is a usage error, since the user typed it.
    """
    found: list[Candidate] = []
    skip = {p.resolve() for p in exclude}
    for root in paths:
        if not root.exists():
            raise UsageError(f"找不到路径：{root}（请检查拼写，或先创建该文件夹）")
        if root.is_file():
            found.append(Candidate(root, str(root), skip_reason(root)))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and (Path(dirpath) / d).resolve() not in skip)
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue
                found.append(Candidate(path, str(path), skip_reason(path)))
    return found
