"""A helper process assembles half the summary's sheets (processor.write.book.SharedPackager): the file must be
the one a serial close writes, byte for byte, and a helper that fails must cost nothing but time."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from formbuilder import clean_spec, write_workbook
from inbox import build_inbox
from python_calamine import CalamineWorkbook
from xlsxwriter.exceptions import FileCreateError

import processor.write.book
from processor.run import run
from processor.write.book import open_book

DAY = dt.date(2026, 11, 27)
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is forked; without fork a close is serial")


def build(path: Path, helper: bool) -> Path:
    """Sheets whose formats are first used late (the helper's half numbers nothing of its own), column and row
    formats, merges, notes (a legacy drawing's relationship), links inside the book and out of it."""
    book = open_book(path, DAY, helper=helper, sheets=80)
    plain = book.add_format({"border": 1})
    col = book.add_format({"bg_color": "#DDEEFF"})
    row = book.add_format({"italic": True})
    for k in range(80):
        ws = book.add_worksheet(f"P{k:03d}")
        ws.set_column(0, 0, 12, col if k % 7 == 3 else None)
        if k % 5 == 1:
            ws.set_row(4, 20, row)
        for r in range(1 + k % 9):
            ws.write_string(r, 1, f"第{k}页第{r}行", plain)
            ws.write_number(r, 2, k * 10 + r, book.add_format({"num_format": "0.00", "font_size": 9 + k % 4}))
        if k > 60:  # formats no earlier sheet used: numbered while the helper assembles them
            ws.write_string(12, 0, "晚出现的格式", book.add_format({"bold": True, "font_color": f"#{k:02d}0000"}))
        ws.merge_range(14, 0, 14, 3, f"合并{k}", plain)
        if k % 3 == 0:
            ws.write_comment(2, 1, f"复核意见{k}")
        ws.write_url(15, 0, f"internal:'P{(k + 1) % 80:03d}'!A1", string="下一页")
        if k % 4 == 0:
            ws.write_url(16, 0, f"https://example.org/{k}", string="外部链接")
    book.close()
    return path


def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The helper path taken: one entry per close that split its sheets (the cut it chose)."""
    made: list[int] = []
    real = processor.write.book._halfway

    def halfway(sheets: list[Any]) -> int:
        made.append(real(sheets))
        return made[-1]

    monkeypatch.setattr(processor.write.book, "_halfway", halfway)
    return made


def test_a_helped_close_writes_the_serial_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    serial = build(tmp_path / "serial.xlsx", helper=False)
    made = forks(monkeypatch)
    with caplog.at_level(logging.DEBUG, "selfeval.write"):
        helped = build(tmp_path / "helped.xlsx", helper=True)
    assert len(made) == 1 and 0 < made[0] < 80
    assert caplog.messages == [f"a helper process assembled {80 - made[0]} of 80 sheets"]  # it did not fall back
    assert helped.read_bytes() == serial.read_bytes()
    book = CalamineWorkbook.from_path(str(helped))
    assert len(book.sheet_names) == 80
    assert book.get_sheet_by_name("P079").to_python()[12][0] == "晚出现的格式"


def test_a_failed_helper_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    serial = build(tmp_path / "serial.xlsx", helper=False)
    made = forks(monkeypatch)
    real: Callable[[Any], Any] = processor.write.book._assembled
    died = tmp_path / "helper-died"

    def broken(ws: Any) -> Any:
        if os.getpid() != parent:
            died.touch()
            raise MemoryError("the helper dies")
        return real(ws)

    parent = os.getpid()
    monkeypatch.setattr(processor.write.book, "_assembled", broken)
    with caplog.at_level(logging.DEBUG, "selfeval.write"):
        helped = build(tmp_path / "helped.xlsx", helper=True)
    assert len(made) == 1 and died.exists()
    assert caplog.messages == [f"the helper process ended with status 1; its {80 - made[0]} sheets are assembled here"]
    assert helped.read_bytes() == serial.read_bytes()


def test_a_small_book_is_closed_without_a_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = forks(monkeypatch)
    book = open_book(tmp_path / "small.xlsx", DAY, helper=True)
    book.add_worksheet("总览").write_string(0, 0, "一页")
    book.close()
    assert made == []


def test_a_summary_written_with_a_helper_is_the_serial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    inbox = build_inbox(tmp_path / "inbox")
    for k in range(3):
        write_workbook(inbox / f"局{k}.xlsx", [(f"表{j}", clean_spec(name=f"项目{k}-{j}", department=f"县{k}局"))
                                              for j in range(4)])
    monkeypatch.setattr(processor.write.book, "HELPED_SHEETS", 8)
    serial = run(inbox, tmp_path / "serial", date=DAY, feedback=False, split="none", jobs=1)
    made = forks(monkeypatch)
    with caplog.at_level(logging.DEBUG, "selfeval.write"):
        helped = run(inbox, tmp_path / "helped", date=DAY, feedback=False, split="none", jobs=2)
    assert len(made) == 1 and caplog.messages[-1].startswith("a helper process assembled")
    assert helped.summary.read_bytes() == serial.summary.read_bytes()
    assert len(serial.sheets) >= 12


def test_a_refused_fork_closes_the_book_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    """A system that cannot fork (ENOMEM under strict overcommit, EAGAIN) costs time, not the summary."""
    serial = build(tmp_path / "serial.xlsx", helper=False)

    def refuse() -> int:
        raise OSError(errno.ENOMEM, "Cannot allocate memory")

    monkeypatch.setattr(processor.write.book.os, "fork", refuse)
    with caplog.at_level(logging.WARNING, "selfeval.write"):
        helped = build(tmp_path / "helped.xlsx", helper=True)
    assert helped.read_bytes() == serial.read_bytes()
    assert caplog.messages == ["no helper process ([Errno 12] Cannot allocate memory); the sheets are assembled here"]


def test_an_xlsxwriter_without_what_the_helper_reads_closes_the_book_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Another xlsxwriter's internals (before 3.3 a column's info was a list): the library's own close, same bytes."""
    serial = build(tmp_path / "serial.xlsx", helper=False)

    def older(sheets: list[Any]) -> None:
        raise AttributeError("'list' object has no attribute 'column_format'")

    monkeypatch.setattr(processor.write.book, "_number_formats", older)
    with caplog.at_level(logging.WARNING, "selfeval.write"):
        helped = build(tmp_path / "helped.xlsx", helper=True)
    assert helped.read_bytes() == serial.read_bytes()
    assert caplog.messages[0].startswith("no helper process (AttributeError")


def test_a_close_that_fails_leaves_no_helper_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlsxwriter.worksheet import Worksheet

    parent = os.getpid()
    real = Worksheet._assemble_xml_file

    def fails_here(self: Any) -> None:
        if os.getpid() == parent:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self)

    monkeypatch.setattr(Worksheet, "_assemble_xml_file", fails_here)
    with pytest.raises(FileCreateError, match="No space left"):  # xlsxwriter wraps what close() meets
        build(tmp_path / "helped.xlsx", helper=True)
    with pytest.raises(ChildProcessError):  # killed and reaped: no helper running, no zombie
        os.waitpid(-1, os.WNOHANG)
