"""Decompression bombs: refused from the zip's own figures before calamine inflates a byte, in bounded memory.

The 1.5 GB bomb is checked in a child process whose peak resident memory is measured: the answer must
come with the figures in the message, and the process must stay a few hundred MB.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from zipcraft import SHEET1, clean_xlsx, forge_size, padded, refused, rewrite

from processor import check_file
from processor.core.model import Status
from processor.read import guard

ROOT = Path(__file__).resolve().parents[2]
GB15 = 1536 * 1024 * 1024  # 1.5 GiB of padding in sheet1.xml


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid-looking xlsx whose sheet1.xml is the form followed by 1.5 GiB of whitespace (~1.5 MB zipped)."""
    tmp = tmp_path_factory.mktemp("bomb")
    return rewrite(clean_xlsx(tmp / "base.xlsx"), tmp / "bomb.xlsx", streams={SHEET1: padded(GB15)}, level=9)


def _member(path: Path, name: str) -> zipfile.ZipInfo:
    with zipfile.ZipFile(path) as zf:
        return zf.getinfo(name)


_CHILD = """
import json, resource, sys
from pathlib import Path
from processor import check_file
result = check_file(Path(sys.argv[1]))
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
try:
    status = Path("/proc/self/status").read_text()
    peak_kb = max(peak_kb, int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]))
except (OSError, StopIteration):
    pass
print(json.dumps({"status": result.status.value, "codes": [f.code for f in result.findings],
                  "message": result.reason, "peak_mb": peak_kb / 1024}, ensure_ascii=False))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read as KiB from resource and /proc (Linux)")
def test_a_1_5_gb_bomb_is_refused_with_its_figures_in_bounded_memory(bomb: Path) -> None:
    assert bomb.stat().st_size < 5 * 1024 * 1024  # the test itself stays small on disk
    info = _member(bomb, SHEET1)
    assert info.file_size > GB15
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(bomb)], capture_output=True, text=True,
                          encoding="utf-8", timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["status"] == "rejected"
    assert out["codes"] == ["file-bomb"]
    ratio = f"{info.file_size / info.compress_size:,.0f}"
    assert "压缩炸弹" in out["message"] and SHEET1 in out["message"]
    assert f"解压后声明为 {info.file_size / guard.MB:,.1f} MB" in out["message"]  # 1,536.0 MB
    assert f"压缩比约 {ratio}:1" in out["message"]
    print(f"bomb: {info.file_size / guard.MB:,.0f} MB declared, ratio {ratio}:1, child peak RSS {out['peak_mb']:.0f} MB")
    assert out["peak_mb"] < 300


def test_the_bomb_in_process_answers_with_the_figures(bomb: Path) -> None:
    found = refused(bomb)
    assert (found.code, found.severity.value) == ("file-bomb", "error")
    assert "1,536.0 MB" in found.message and "上限 100:1" in found.message
    assert "正常的工作簿" in found.hint


def test_a_member_inflating_past_its_declared_size_is_refused(tmp_path: Path) -> None:
    """Headers lie: 250 MB of padding declared as 7,000 bytes. Counted as it inflates, never trusted."""
    path = rewrite(clean_xlsx(tmp_path / "base.xlsx"), tmp_path / "forged.xlsx",
                   streams={SHEET1: padded(250 * 1024 * 1024)}, level=9)
    forge_size(path, SHEET1, 7000)
    assert _member(path, SHEET1).file_size == 7000
    found = refused(path)
    assert found.code == "file-size-forged"
    assert "声明解压后为 0.01 MB，实际解压后已达 200 MB 以上" in found.message


def test_total_size_over_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An honest but large workbook (incompressible picture, ratio ~1): refused by total size, figures shown."""
    monkeypatch.setattr(guard, "MAX_TOTAL_BYTES", 2 * guard.MB)
    path = clean_xlsx(tmp_path / "big.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/media/image1.png", random.Random(7).randbytes(3 * guard.MB))
    found = refused(path)
    assert found.code == "file-too-large"
    assert "工作簿解压后共 3.0 MB" in found.message and "超过处理上限 2 MB" in found.message


def test_too_many_members_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_MEMBERS", 50)
    path = clean_xlsx(tmp_path / "many.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(60):
            zf.writestr(f"xl/media/image{i}.png", b"x")
    found = refused(path)
    assert found.code == "file-too-many-parts"
    assert "有 70 个部件" in found.message and "上限 50 个" in found.message


def test_compressible_but_small_parts_are_not_bombs(tmp_path: Path) -> None:
    """2 MB of whitespace compresses far beyond 100:1 and is still a normal workbook (under 10 MB)."""
    path = rewrite(clean_xlsx(tmp_path / "base.xlsx"), tmp_path / "padded.xlsx",
                   streams={SHEET1: padded(2 * 1024 * 1024)}, level=9)
    info = _member(path, SHEET1)
    assert info.file_size / info.compress_size > 100
    result = check_file(path)
    assert result.status is Status.ACCEPTED, result.findings
