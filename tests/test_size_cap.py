"""The raw size cap (issue 16): a file larger than `max_file_mb` (default 50 MB; `--max-file-mb`, `[review]
max_file_mb`) is refused from its size alone, `file-over-size-cap`, before a byte of it is read or parsed."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from formbuilder import clean_spec, write_workbook

import processor.read.workbook
from processor.check import check_file, check_paths
from processor.core.errors import ConfigError, UsageError
from processor.core.findings import CATALOGUE
from processor.core.model import Severity, Status
from processor.nightly.config import TEMPLATE, load_config
from processor.nightly.night import night
from processor.run import run

MB = 2**20
ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 27)
MESSAGE = ("文件大小 60.0 MB，超过处理上限 50 MB，未读取。（处理方如确需审核，可用 selfeval 的 --max-file-mb 选项"
           "或 selfeval.toml 的 [review] max_file_mb 提高上限。）")


def sparse(path: Path, size: int = 60 * MB) -> Path:
    """A valid .xlsx made `size` bytes long by a hole at its end: nothing on disk, 60 MB to whoever reads it."""
    write_workbook(path, [("表", clean_spec())])
    with path.open("r+b") as fh:
        fh.truncate(size)
    return path


def padded(path: Path, megabytes: int) -> Path:
    """A readable form in an .xlsx of `megabytes` MB: the form, and an uncompressed attachment (a scanned picture)
    written a megabyte at a time."""
    form = write_workbook(path.with_name("form.xlsx"), [("表", clean_spec())])
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with dst.open(zipfile.ZipInfo("xl/media/image1.bin"), "w", force_zip64=True) as pad:
            block = bytes(range(256)) * 4096  # 1 MB, stored as it is
            for _ in range(megabytes):
                pad.write(block)
    form.unlink()
    assert megabytes * MB < path.stat().st_size < (megabytes + 1) * MB
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 MB: over a cap of 5, under the default. (The 60 MB case is read in a child process: reading it would
    leave this process's memory high for the tests after it, which measure their children's.)"""
    return padded(tmp_path_factory.mktemp("big") / "大表.xlsx", 6)


_CHILD = """
import json, sys
from pathlib import Path
from processor.check import check_file
path = Path(sys.argv[1])
answers = {}
for cap in (None, 100):
    result = check_file(path) if cap is None else check_file(path, max_file_mb=cap)
    answers[str(cap)] = [result.status.value, [f.code for f in result.findings], len(result.projects), result.reason]
print(json.dumps(answers, ensure_ascii=False))
"""


def test_a_60_mb_form_is_refused_at_the_default_and_read_with_a_higher_cap(tmp_path: Path) -> None:
    path = padded(tmp_path / "大表.xlsx", 60)
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, encoding="utf-8",
                          timeout=300, cwd=ROOT, check=True)
    answers = json.loads(proc.stdout)
    assert answers["None"] == ["rejected", ["file-over-size-cap"], 0, MESSAGE]
    assert answers["100"] == ["accepted", [], 1, ""]


def test_a_file_over_the_cap_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sparse(tmp_path / "大.xlsx")

    def parsed(data: bytes) -> str:
        raise AssertionError("the content of a file over the cap was parsed")

    monkeypatch.setattr(processor.read.workbook, "sniff", parsed)
    tracemalloc.start()
    try:
        result = check_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MB  # the 60 MB were never read into memory
    assert result.status is Status.REJECTED and result.reason == MESSAGE
    (found,) = result.findings
    assert (found.code, found.severity, found.message) == ("file-over-size-cap", Severity.ERROR, MESSAGE)
    rule = CATALOGUE["file-over-size-cap"]
    assert rule.stage == "read" and rule.severity is Severity.ERROR and rule.title != CATALOGUE["file-too-large"].title


def test_the_library_takes_the_cap(big: Path) -> None:
    refused = check_file(big, max_file_mb=5)
    assert [f.code for f in refused.findings] == ["file-over-size-cap"]
    assert refused.reason.startswith("文件大小 6.0 MB，超过处理上限 5 MB，未读取。")
    read = check_file(big)
    assert read.status is Status.ACCEPTED and len(read.projects) == 1, read.findings
    assert [f.status for f in check_paths([big]).files] == [Status.ACCEPTED]
    assert [f.findings[0].code for f in check_paths([big], max_file_mb=5).files] == ["file-over-size-cap"]
    small = check_file(big, max_file_mb=0.5, data=b"PK\x03\x04" + bytes(MB))  # bytes already read: capped too
    assert small.findings[0].code == "file-over-size-cap"
    assert small.reason.startswith("文件大小 1.0 MB，超过处理上限 0.5 MB")


def test_the_one_shot_run_takes_the_cap(big: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(big, inbox / big.name)
    write_workbook(inbox / "小表.xlsx", [("表", clean_spec(name="另一项目"))])
    capped = run(inbox, tmp_path / "out", date=DAY, max_file_mb=5)
    status = {Path(f.path).name: (f.status, [x.code for x in f.findings]) for f in capped.report.files}
    assert status == {"大表.xlsx": (Status.REJECTED, ["file-over-size-cap"]), "小表.xlsx": (Status.ACCEPTED, [])}
    (letter,) = capped.feedback  # the department learns why
    assert letter.name == "大表_审核意见.xlsx"
    default = run(inbox, tmp_path / "out2", date=DAY, feedback=False)
    assert {f.status for f in default.report.files} == {Status.ACCEPTED}


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf])
def test_the_cap_must_be_a_positive_number(tmp_path: Path, bad: float) -> None:
    with pytest.raises(UsageError, match="--max-file-mb"):
        check_paths([tmp_path], max_file_mb=bad)
    with pytest.raises(UsageError, match="max_file_mb"):
        run(tmp_path, tmp_path / "out", max_file_mb=bad)


def _config(root: Path, review: str = "") -> Path:
    cfg = root / "selfeval.toml"
    cfg.write_text(f'[review]\nsettle_seconds = 0\njobs = 1\n{review}\n', encoding="utf-8")
    return cfg


def test_the_config_key_is_checked(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path)).max_file_mb == 50
    assert load_config(_config(tmp_path, "max_file_mb = 200")).max_file_mb == 200
    assert "max_file_mb = 50 " in TEMPLATE
    for bad in ("0", "-5", '"50"', "1.5", "true"):
        with pytest.raises(ConfigError, match=r"\[review\] max_file_mb"):
            load_config(_config(tmp_path, f"max_file_mb = {bad}"))


def test_the_night_refuses_an_oversized_file_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(tmp_path)
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    huge = sparse(inbox / "大表.xlsx")
    write_workbook(inbox / "小表.xlsx", [("表", clean_spec())])
    read: list[str] = []
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    done = night(load_config(cfg), now=dt.datetime(2026, 11, 27, 22, 0))
    assert huge.name not in read and "小表.xlsx" in read  # hashed in chunks, never held whole
    results = {Path(f.path).name: f for f in done.tonight.files}
    assert results["大表.xlsx"].status is Status.REJECTED
    assert [f.code for f in results["大表.xlsx"].findings] == ["file-over-size-cap"]
    assert results["小表.xlsx"].status is Status.ACCEPTED
    assert (tmp_path / "拒收" / "大表.xlsx").exists()
    assert MESSAGE in (tmp_path / "拒收" / "大表.xlsx.txt").read_text(encoding="utf-8")
