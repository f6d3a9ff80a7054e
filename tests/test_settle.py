"""Settling (issue 16): a file is taken only when two looks agree on its size and mtime, whatever its mtime says.

`cp -p`, robocopy and sync tools keep the source's old mtime, so an old mtime alone does not mean the copy is
done. Each test here fails on the mtime-only rule.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from formbuilder import clean_spec, write_workbook

from processor.nightly import intake
from processor.nightly.config import Config, load_config, write_template
from processor.nightly.night import night

T = dt.datetime(2026, 11, 25, 23, 30)
DAY = dt.timedelta(days=1)
OLD = (T - 30 * DAY).timestamp()  # the source's mtime, kept by the copy
SAMPLE_XLS = Path(__file__).resolve().parent.parent / "samples" / "inbox" / "市卫生健康委员会_2021_自评表.xls"


def configured(root: Path, settle: int) -> Config:
    path = root / "selfeval.toml"
    if not path.exists():
        write_template(root)
    text = re.sub(r"^settle_seconds = \d+", f"settle_seconds = {settle}", path.read_text(encoding="utf-8"), flags=re.M)
    path.write_text(text.replace('jsonl = ""', 'jsonl = "状态/run.jsonl"'), encoding="utf-8")
    config = load_config(path)
    config.inbox.mkdir(parents=True, exist_ok=True)
    return config


def workbook_bytes(tmp_path: Path, name: str = "市民政局") -> bytes:
    (tmp_path / "made").mkdir(exist_ok=True)
    made = write_workbook(tmp_path / "made" / f"{name}.xlsx", [("表", clean_spec(department=name))])
    return made.read_bytes()


def put(path: Path, data: bytes, *, append: bool = False, mtime: float = OLD) -> None:
    """Write (or append) as a copy tool does, then give the file the source's old mtime again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab" if append else "wb") as fh:
        fh.write(data)
    os.utime(path, (mtime, mtime))


def ledger_files(config: Config) -> int:
    with sqlite3.connect(config.state / "ledger.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM files").fetchone()[0])


def events(config: Config) -> list[dict[str, object]]:
    log = config.state / "run.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def sightings(config: Config) -> dict[str, dict[str, object]]:
    files: dict[str, dict[str, object]] = json.loads((config.state / "sightings.json").read_text("utf-8"))["files"]
    return files


def test_a_file_that_keeps_an_old_mtime_while_it_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = configured(tmp_path, 120)
    full = workbook_bytes(tmp_path)
    third = len(full) // 3
    target = config.inbox / "民政局" / "市民政局.xlsx"  # in a department's subfolder: keyed by its path in the inbox
    put(target, full[:third])
    waits: list[float] = []

    def copy_goes_on(seconds: float) -> None:  # the copy writes more while the run waits for its second look
        waits.append(seconds)
        put(target, full[third:2 * third], append=True)

    monkeypatch.setattr(intake, "_pause", copy_goes_on, raising=False)
    first = night(config, now=T, backoff=0)
    assert first.counts["pending"] == 1 and first.counts["new"] == 0, first.counts
    # one wait, for what is left of settle_seconds since the first look (the other reviews took a little of it)
    assert len(waits) == 1 and config.settle_seconds - 30 < waits[0] <= config.settle_seconds, waits
    assert target.exists() and ledger_files(config) == 0 and not list(config.rejected.iterdir())
    seen = sightings(config)["民政局/市民政局.xlsx"]
    assert seen["size"] == 2 * third and seen["mtime_ns"] == int(OLD) * 10**9
    assert any(e["event"] == "pending" for e in events(config))

    # the next night it has grown again, mtime still old: its size differs from last night's look
    monkeypatch.setattr(intake, "_pause", lambda seconds: pytest.fail("a file seen growing gets no same-run look"), raising=False)
    put(target, full[2 * third:], append=True)
    second = night(config, now=T + DAY, backoff=0)
    assert second.counts["pending"] == 1 and second.counts["new"] == 0, second.counts
    assert target.exists() and ledger_files(config) == 0
    assert sightings(config)["民政局/市民政局.xlsx"]["size"] == len(full)

    # unchanged since last night's look (a day >= settle_seconds): taken, and forgotten by the sightings
    third_night = night(config, now=T + 2 * DAY, backoff=0)
    assert third_night.counts["accepted"] == 1 and third_night.counts["pending"] == 0, third_night.counts
    assert not target.exists() and ledger_files(config) == 1
    assert (config.archive / (T + 2 * DAY).date().isoformat() / "市民政局.xlsx").read_bytes() == full
    assert sightings(config) == {}


@pytest.mark.parametrize("kind", ["zip", "ole", "ole-header"])
def test_a_truncated_container_is_left_once_then_refused(tmp_path: Path, kind: str) -> None:
    config = configured(tmp_path, 120)
    if kind == "zip":
        name, data = "市民政局.xlsx", workbook_bytes(tmp_path)[:2000]  # no central directory: a damaged zip
    else:
        whole = SAMPLE_XLS.read_bytes()
        name, data = "市卫健委.xls", whole[:4096] if kind == "ole" else whole[:300]
    cut = config.inbox / name
    put(cut, data)
    first = night(config, now=T, backoff=0)
    assert first.counts["pending"] == 1 and first.counts["rejected"] == 0, first.counts
    assert cut.exists() and ledger_files(config) == 0
    assert [e["file"] for e in events(config) if e["event"] == "truncated"] == [name]
    assert sightings(config)[name]["left"] is True

    second = night(config, now=T + DAY, backoff=0)  # still cut short the next night: refused, and told why
    assert second.counts["rejected"] == 1 and second.counts["pending"] == 0, second.counts
    assert not cut.exists() and (config.rejected / name).exists() and (config.rejected / f"{name}.txt").exists()
    assert sightings(config) == {}


def test_a_non_workbook_is_answered_at_once(tmp_path: Path) -> None:
    """Only a truncated container waits a night: text, a PDF or a whole zip under a workbook's name is refused
    the night it is found, beside a cut-short workbook that is left."""
    config = configured(tmp_path, 120)
    put(config.inbox / "说明.xlsx", "不是工作簿".encode())
    put(config.inbox / "扫描件.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    whole = workbook_bytes(tmp_path)
    put(config.inbox / "压缩包.xlsx", workbook_bytes(tmp_path, "市财政局").replace(b"xl/workbook.xml", b"xl/workbook.xmx"))
    put(config.inbox / "未传完.xlsx", whole[: len(whole) // 2])
    done = night(config, now=T, backoff=0)
    assert done.counts["rejected"] == 3 and done.counts["pending"] == 1, done.counts
    assert sorted(p.name for p in config.rejected.glob("*.xlsx")) == ["压缩包.xlsx", "扫描件.xlsx", "说明.xlsx"]
    assert [p.name for p in config.inbox.iterdir()] == ["未传完.xlsx"]
    assert [e["file"] for e in events(config) if e["event"] == "truncated"] == ["未传完.xlsx"]


def test_settle_seconds_zero_takes_files_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """0 turns settling off, even for a file the last night saw growing: no second look, no night's wait for a
    truncated file, no wait in the run."""
    config = configured(tmp_path, 120)
    full = workbook_bytes(tmp_path)
    target = config.inbox / "市民政局.xlsx"
    put(target, full[:1000])
    monkeypatch.setattr(intake, "_pause", lambda seconds: put(target, full[1000:3000], append=True), raising=False)
    assert night(config, now=T, backoff=0).counts["pending"] == 1  # seen growing with settle_seconds = 120
    assert "市民政局.xlsx" in sightings(config)

    config = configured(tmp_path, 0)
    monkeypatch.setattr(intake, "_pause", lambda seconds: pytest.fail("no wait with settle_seconds = 0"), raising=False)
    put(target, full[3000:], append=True, mtime=(T + dt.timedelta(minutes=1)).timestamp())  # written this minute
    put(config.inbox / "未传完.xlsx", full[:2000])
    done = night(config, now=T + dt.timedelta(minutes=1), backoff=0)
    assert (done.counts["accepted"], done.counts["rejected"], done.counts["pending"]) == (1, 1, 0), done.counts
    assert list(config.inbox.iterdir()) == [] and (config.rejected / "未传完.xlsx").exists()
