"""Incremental nights (issue 20): a night rewrites the department workbooks whose content changed and carries the
others forward from an earlier night, and what it publishes is byte for byte what a full rebuild of the same ledger
on the same date writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from formbuilder import clean_spec, write_workbook

from processor.nightly import load_config, night, rebuild
from processor.nightly import write_template as write_config
from processor.nightly.config import Config

FIRST = dt.datetime(2026, 9, 1, 23, 30)
DAY = dt.timedelta(days=1)


def job(root: Path) -> Config:
    config = dataclasses.replace(load_config(write_config(root)), settle_seconds=0, split_by="department")
    config.inbox.mkdir(parents=True, exist_ok=True)
    return config


def department(config: Config, k: int, projects: int, tag: str = "") -> None:
    # 自评得分 99 against a total of 100 points of rows: a finding on a cell, which 问题清单 links to
    write_workbook(config.inbox / f"局{k}{tag}.xlsx",
                   [(f"表{j}", clean_spec(name=f"项目{k}-{j}{tag}", department=f"县{k}局", total_score=99))
                    for j in range(projects)])


def books(summary: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(summary.with_name(summary.stem + "_分部门").glob("*.xlsx"))}


def test_a_night_rewrites_only_the_department_that_changed(tmp_path: Path) -> None:
    config = job(tmp_path)
    for k in range(3):
        department(config, k, 2)
    first = night(config, now=FIRST, backoff=0)
    before = books(first.summary)
    assert list(before) == ["001_县0局.xlsx", "002_县1局.xlsx", "003_县2局.xlsx"]
    department(config, 1, 1, tag="补")  # one more form, of 县1局 only
    second = night(config, now=FIRST + DAY, backoff=0)
    after = books(second.summary)
    assert list(after) == list(before)
    # 县0局 and 县2局: the very files of the first night (hard links); 县1局 written again, with its third sheet
    for name in ("001_县0局.xlsx", "003_县2局.xlsx"):
        assert os.path.samefile(after[name], before[name])
    assert not os.path.samefile(after["002_县1局.xlsx"], before["002_县1局.xlsx"])
    sheets = openpyxl.load_workbook(after["002_县1局.xlsx"], read_only=True).sheetnames
    assert sheets == ["项目汇总", "P001 项目1-0", "P002 项目1-0补", "P003 项目1-1"]
    # a carried workbook keeps the date its department's forms came, not tonight's
    props = openpyxl.load_workbook(after["001_县0局.xlsx"], read_only=True).properties
    assert props.created is not None and props.created.date() == FIRST.date()

    # the same ledger, the same date, nothing carried: the same bytes, the overall summary's links included
    published = {name: path.read_bytes() for name, path in after.items()}
    summary = second.summary.read_bytes()
    with sqlite3.connect(config.state / "ledger.sqlite") as db:
        db.execute("DELETE FROM books")
    db.close()
    again = rebuild(config, now=FIRST + DAY)
    assert again == second.summary and again.read_bytes() == summary
    rebuilt = books(again)
    assert {name: path.read_bytes() for name, path in rebuilt.items()} == published
    assert not any(os.path.samefile(rebuilt[name], before[name]) for name in before)  # all written afresh


def test_a_workbook_changed_in_the_outbox_is_written_again(tmp_path: Path) -> None:
    config = job(tmp_path)
    for k in range(2):
        department(config, k, 1)
    first = night(config, now=FIRST, backoff=0)
    touched = books(first.summary)["001_县0局.xlsx"]
    os.utime(touched, (1_000_000_000, 1_000_000_000))  # a reviewer opened it and saved it in place
    department(config, 1, 1, tag="补")
    second = night(config, now=FIRST + DAY, backoff=0)
    assert not os.path.samefile(books(second.summary)["001_县0局.xlsx"], touched)


def test_a_department_workbook_is_carried_from_a_pruned_night_s_successor(tmp_path: Path) -> None:
    """The ledger names the newest copy: after the first night's folder is gone, the second's copy is carried."""
    config = job(tmp_path)
    config = dataclasses.replace(config, keep_days=1)
    department(config, 0, 1)
    department(config, 1, 1)
    first = night(config, now=FIRST, backoff=0)
    department(config, 1, 1, tag="补")
    second = night(config, now=FIRST + DAY, backoff=0)
    department(config, 1, 1, tag="再")
    third = night(config, now=FIRST + 2 * DAY, backoff=0)
    assert not first.summary.exists()  # pruned (keep_days = 1)
    assert os.path.samefile(books(third.summary)["001_县0局.xlsx"], books(second.summary)["001_县0局.xlsx"])
    with sqlite3.connect(config.state / "ledger.sqlite") as db:
        named = [Path(r[0]) for r in db.execute("SELECT path FROM books")]
    db.close()
    gone = first.summary.with_name(first.summary.stem + "_分部门")
    assert named and not any(p.is_relative_to(gone) for p in named)  # the pruned night's rows went with its folder
    assert all(p.exists() for p in named)


def test_a_workbook_that_cannot_be_carried_is_written_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither a hard link nor a copy (the earlier file locked or unreadable): the night writes it afresh rather than
    failing, and the result is what a full rebuild writes."""
    config = job(tmp_path)
    for k in range(2):
        department(config, k, 1)
    first = night(config, now=FIRST, backoff=0)
    before = books(first.summary)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "另一个程序正在使用此文件")

    from types import SimpleNamespace

    # deptbooks' own os and shutil (the rest of the night copies and renames as usual)
    monkeypatch.setattr("processor.write.deptbooks.os", SimpleNamespace(link=refuse))
    monkeypatch.setattr("processor.write.deptbooks.shutil", SimpleNamespace(copyfile=refuse))
    department(config, 1, 1, tag="补")
    second = night(config, now=FIRST + DAY, backoff=0)
    assert second.exit_code == 0
    after = books(second.summary)
    assert not os.path.samefile(after["001_县0局.xlsx"], before["001_县0局.xlsx"])
    assert after["001_县0局.xlsx"].read_bytes() == before["001_县0局.xlsx"].read_bytes()  # the same content


def test_another_version_of_a_writing_library_is_never_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    """xlsxwriter, pandas or openpyxl upgraded without a change of ours may write other bytes: the digest knows."""
    from processor.write import deptbooks

    deptbooks._code.cache_clear()
    now = deptbooks._code()
    real = deptbooks._version
    monkeypatch.setattr(deptbooks, "_version", lambda name: "99.0" if name == "xlsxwriter" else real(name))
    deptbooks._code.cache_clear()
    try:
        assert deptbooks._code() != now
    finally:
        monkeypatch.undo()
        deptbooks._code.cache_clear()
    assert deptbooks._code() == now
