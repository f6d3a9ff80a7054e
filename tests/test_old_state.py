"""A state folder made by an earlier version keeps working: its ledger is read, its queued mail goes out.

The fixture (tests/fixtures/state-0.1.0, see its README) was written by selfeval 0.1.0 before the package
was regrouped into stages; a bureau upgrading must not lose its year. The commands run as a scheduler runs
them, in a child process, against a real SMTP server on localhost.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from formbuilder import clean_spec, write_workbook
from smtpkit import free_port
from tables import table_rows

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "state-0.1.0"
WHERE = Path("/tmp/selfeval-state-0.1.0")  # where it was made: the ledger's archive paths point here


class Received:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined,arg-type]
        self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[attr-defined]
        return "250 OK"


def selfeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "processor", *args], cwd=WHERE, capture_output=True, text=True,
                          check=False)


def ledger(sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(WHERE / "状态" / "ledger.sqlite") as db:
        return db.execute(sql).fetchall()


def project_names(summary: Path) -> list[str]:
    header, rows = table_rows(summary, "项目汇总")
    col = header.index("项目名称")
    return sorted(str(r[col]) for r in rows if r[col])


@pytest.fixture
def old_state() -> Iterator[Path]:
    if os.name != "posix":
        pytest.skip("the fixture's ledger names POSIX paths under /tmp")
    shutil.rmtree(WHERE, ignore_errors=True)
    shutil.copytree(FIXTURE, WHERE, ignore=shutil.ignore_patterns("README.md"))
    yield WHERE
    shutil.rmtree(WHERE, ignore_errors=True)


def test_report_reads_the_old_ledger(old_state: Path) -> None:
    done = selfeval("report", "--config", "selfeval.toml")
    assert done.returncode == 0, done.stderr
    summary = Path(re.search(r"汇总表已重新生成：(\S+\.xlsx)", done.stdout).group(1))  # type: ignore[union-attr]
    stored = sorted(str(r[0]) for r in ledger("SELECT name FROM projects"))
    assert len(stored) == 3
    assert project_names(summary) == stored


def test_a_night_sends_the_old_queue_and_adds_to_the_old_ledger(old_state: Path) -> None:
    port = free_port()
    config = old_state / "selfeval.toml"
    text = config.read_text(encoding="utf-8")
    assert re.search(r"^port = 9$", text, re.M)
    text = re.sub(r"^port = 9$", f"port = {port}", text, flags=re.M)
    # a subprocess really waits for its second look at a file new tonight (settle_seconds = 120): not here
    text = re.sub(r"^settle_seconds = 120", "settle_seconds = 0", text, flags=re.M)
    config.write_text(text, encoding="utf-8")
    queued = sorted(p.name for p in (old_state / "状态" / "mailqueue").iterdir())
    assert len(queued) == 2
    (old_state / "收件箱").mkdir()
    new = write_workbook(old_state / "收件箱" / "市教育局_2021.xlsx",
                         [("表", clean_spec(name="学生资助补助经费", department="市教育局"))])
    an_hour_ago = (dt.datetime.now() - dt.timedelta(hours=1)).timestamp()
    os.utime(new, (an_hour_ago, an_hour_ago))

    handler = Received()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        done = selfeval("run", "--config", "selfeval.toml")
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr

    assert not list((old_state / "状态" / "mailqueue").iterdir())
    subjects = [(rcpts, str(msg["Subject"])) for rcpts, msg in handler.messages]
    # the two mails the old version queued on 2026-11-30 went first, then tonight's summary
    assert [r for r, _ in subjects] == [["reviewer@czj.example.gov.cn"],
                                        ["mzj@example.gov.cn", "mzj-cw@example.gov.cn"],
                                        ["reviewer@czj.example.gov.cn"]]
    assert "市民政局" in subjects[1][1]
    assert sorted(str(r[0]) for r in ledger("SELECT name FROM files")) == [
        "市委组织部_2021_城市基层党建工作经费.xlsx", "市审计局_2021_自评表.xlsx", "市教育局_2021.xlsx",
        "市民政局_2021_项目支出绩效自评表.ods"]
    assert [r[0] for r in ledger("SELECT status FROM runs ORDER BY id")] == ["retry", "ok"]
    latest = old_state / "输出" / "绩效自评汇总_latest.xlsx"
    assert project_names(latest) == sorted([*(str(r[0]) for r in ledger("SELECT name FROM projects"))])
    assert "学生资助补助经费" in project_names(latest)
