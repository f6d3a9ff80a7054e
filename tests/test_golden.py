"""Golden outputs: what the shipped samples give, byte for byte, held against hashes recorded on main.

Written before the package was regrouped into its pipeline stages (issue 12), so that a move which
changes nothing can prove it: `selfeval check --json`, `selfeval run` (one workbook and split by
department, with the 审核意见 copies), `selfeval draft` (issue 17), one nightly night and `selfeval report` on a copy of the sample
inbox, and the two blank templates. Every file they write is hashed.

The bytes depend on the writing libraries (xlsxwriter, openpyxl), on pandas' arithmetic and on zlib,
so the hashes are kept with the versions that made them; where those differ the test is skipped with
the command that records them again. An intended change of output is recorded the same way, in the
commit that makes it:

    SELFEVAL_GOLDEN=record .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zlib
from importlib.metadata import version
from pathlib import Path

import pytest

from processor.nightly.config import load_config
from processor.nightly.night import night, rebuild

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "inbox"
GOLDEN = Path(__file__).resolve().parent / "golden" / "hashes.json"
DATE = "2026-11-27"
NIGHT = dt.datetime(2026, 11, 27, 23, 30)
REPORT = dt.datetime(2026, 11, 28, 8, 0)
DROPPED = dt.datetime(2026, 11, 26, 18, 0).timestamp()  # every sample lands the evening before the night
# The nightly job records where each file lies (absolute), and the summary names it: a fixed folder keeps
# those paths, and so the bytes, the same on every machine and every run.
NIGHT_ROOT = Path(tempfile.gettempdir()) / "selfeval-golden-night"


def environment() -> dict[str, str]:
    return {"python": platform.python_version(), "zlib": zlib.ZLIB_RUNTIME_VERSION,
            # lxml (python-docx needs it) changes how openpyxl serialises the 审核意见 copies
            **{name: version(name) for name in ("xlsxwriter", "openpyxl", "pandas", "numpy", "python-calamine",
                                                "lxml", "python-docx")}}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def eml_digest(path: Path) -> str:
    """A mail's content without what the email package draws at random (Message-ID, MIME boundaries)."""
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    parts = [f"{k}: {v}" for k, v in msg.items() if k.lower() not in ("message-id", "content-type")]
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.append(f"{part.get_content_type()} {part.get_filename()}")
        parts.append(sha(part.get_payload(decode=True)))
    return sha("\n".join(parts).encode("utf-8"))


def hash_tree(folder: Path, prefix: str, into: dict[str, str]) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        into[key] = eml_digest(path) if path.suffix == ".eml" else sha(path.read_bytes())


def selfeval(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "processor", *args], cwd=cwd, capture_output=True, check=False)


def produce(work: Path) -> dict[str, str]:
    """Run every command of the golden set in `work`; the hash of every file each of them wrote."""
    hashes: dict[str, str] = {}
    shutil.copytree(SAMPLES, work / "inbox")
    check = selfeval(work, "check", "inbox", "--json")
    assert check.returncode == 1, check.stderr.decode()  # the samples plant returned and rejected files
    hashes["check.json"] = sha(check.stdout)
    for label, extra in (("run", ()), ("run-split", ("--split-by", "department"))):
        done = selfeval(work, "run", "inbox", "--out", label, "--date", DATE, *extra)
        assert done.returncode == 0, done.stderr.decode()
        hash_tree(work / label, label, hashes)
    drafted = selfeval(work, "draft", "inbox", "--out", "drafts", "--date", DATE)
    assert drafted.returncode == 0, drafted.stderr.decode()
    hash_tree(work / "drafts", "draft", hashes)
    for profile in ("central2020", "hunan-legacy"):
        name = f"项目支出绩效自评表_{profile}.xlsx"
        made = selfeval(work, "template", "--profile", profile, "-o", f"templates/{name}")
        assert made.returncode == 0, made.stderr.decode()
        hashes[f"templates/{name}"] = sha((work / "templates" / name).read_bytes())

    shutil.rmtree(NIGHT_ROOT, ignore_errors=True)
    NIGHT_ROOT.mkdir(parents=True)
    try:
        assert selfeval(NIGHT_ROOT, "init", ".").returncode == 0
        config_path = NIGHT_ROOT / "selfeval.toml"
        hashes["night/selfeval.toml"] = sha(config_path.read_bytes())
        shutil.copytree(SAMPLES, NIGHT_ROOT / "收件箱")
        for path in (NIGHT_ROOT / "收件箱").iterdir():
            os.utime(path, (DROPPED, DROPPED))
        config = load_config(config_path)
        outcome = night(config, now=NIGHT, backoff=0)
        hashes["night/exit"] = sha(str(outcome.exit_code).encode())
        hashes["night/counts"] = sha(json.dumps(outcome.counts, sort_keys=True).encode())
        for folder in ("输出", "归档", "拒收"):
            hash_tree(NIGHT_ROOT / folder, f"night/{folder}", hashes)
        summary = rebuild(config, now=REPORT)
        hashes["report/summary"] = sha(summary.read_bytes())
        hashes["report/latest"] = sha((NIGHT_ROOT / "输出" / "绩效自评汇总_latest.xlsx").read_bytes())
        left = sorted(p.name for p in (NIGHT_ROOT / "收件箱").iterdir())
        hashes["night/left-in-inbox"] = sha(json.dumps(left, ensure_ascii=False).encode())
    finally:
        shutil.rmtree(NIGHT_ROOT, ignore_errors=True)
    return hashes


def test_outputs_match_the_recorded_hashes(tmp_path: Path) -> None:
    got = produce(tmp_path)
    if os.environ.get("SELFEVAL_GOLDEN") == "record":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps({"environment": environment(), "files": got}, ensure_ascii=False, indent=1,
                                     sort_keys=True) + "\n", encoding="utf-8")
        return
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if recorded["environment"] != environment():
        pytest.skip(f"golden hashes were recorded with {recorded['environment']}, this is {environment()}: "
                    "record them again with SELFEVAL_GOLDEN=record (on main, before a change)")
    expected = recorded["files"]
    assert sorted(got) == sorted(expected), "the commands wrote other files than recorded"
    changed = sorted(k for k in got if got[k] != expected[k])
    assert not changed, f"these outputs differ from the recorded ones: {changed}"
    # the committed templates are the ones `selfeval template` writes (make templates)
    for profile in ("central2020", "hunan-legacy"):
        name = f"templates/项目支出绩效自评表_{profile}.xlsx"
        assert sha((ROOT / name).read_bytes()) == got[name]
