"""Three nights of the drop-folder lifecycle with a real SMTP server on localhost, a run killed hard at
several points, and two runs at once (issue 6's "done when")."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from formbuilder import clean_spec, seed_spec, write_workbook
from smtpkit import free_port
from tables import table_rows

from processor.nightly.config import load_config
from processor.nightly.night import night

T1 = dt.datetime(2026, 11, 25, 23, 30)
DAY = dt.timedelta(days=1)


class Inbox:
    """Keeps what a real mail server received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.rcpts: list[list[str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[attr-defined,arg-type]
        self.rcpts.append(list(envelope.rcpt_tos))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int, list[Controller]]]:
    handler, port = Inbox(), free_port()
    controllers: list[Controller] = []
    yield handler, port, controllers
    for c in controllers:
        c.stop()


def start(handler: Inbox, port: int, controllers: list[Controller]) -> Controller:
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    controllers.append(c)
    return c


def setup(root: Path, port: int) -> Path:
    (root / "收件箱").mkdir(parents=True)
    cfg = root / "selfeval.toml"
    cfg.write_text(f'''[folders]
inbox = "收件箱"
archive = "归档"
rejected = "拒收"
outbox = "输出"
state = "状态"
[review]
settle_seconds = 600
[mail]
recipients = ["reviewer@czj.example.gov.cn"]
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
''', encoding="utf-8")
    return cfg


def drop(path: Path, when: dt.datetime) -> Path:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def attachments(msg: email.message.EmailMessage) -> list[str]:
    return [str(part.get_filename()) for part in msg.iter_attachments()]


def ledger_rows(root: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(root / "状态" / "ledger.sqlite") as db:
        return db.execute(sql).fetchall()


def test_three_nights(tmp_path: Path, smtp: tuple[Inbox, int, list[Controller]]) -> None:
    handler, port, controllers = smtp
    cfg_path = setup(tmp_path, port)
    config = load_config(cfg_path)
    inbox = config.inbox
    server = start(handler, port, controllers)

    # night 1: new files
    drop(write_workbook(inbox / "市委组织部_2021.xlsx", [("自评表", seed_spec())]), T1 - DAY)
    drop(write_workbook(inbox / "市民政局_2021.xlsx", [("表", clean_spec())]), T1 - DAY)
    (inbox / "说明.xlsx").write_text("不是工作簿", encoding="utf-8")
    drop(inbox / "说明.xlsx", T1 - DAY)
    (inbox / "~$市民政局_2021.xlsx").write_bytes(b"owner")
    first = night(config, now=T1, backoff=0)
    assert first.counts | {} == {**first.counts, "new": 3, "accepted": 2, "rejected": 1, "skipped": 1}
    assert first.exit_code == 1  # a rejected file tonight
    archive1 = config.archive / "2026-11-25"
    assert sorted(p.name for p in archive1.iterdir()) == ["市委组织部_2021.xlsx", "市民政局_2021.xlsx"]
    assert sorted(p.name for p in config.rejected.iterdir()) == ["说明.xlsx", "说明.xlsx.txt"]
    assert "不是 Excel" in (config.rejected / "说明.xlsx.txt").read_text(encoding="utf-8")
    assert [p.name for p in inbox.iterdir()] == ["~$市民政局_2021.xlsx"]
    assert (config.outbox / "绩效自评汇总_2021_2026-11-25.xlsx").exists()
    assert (config.outbox / "绩效自评汇总_latest.xlsx").read_bytes() == first.summary.read_bytes()
    (msg,) = handler.messages
    assert "绩效自评汇总" in str(msg["Subject"]) and handler.rcpts == [["reviewer@czj.example.gov.cn"]]
    assert attachments(msg) == ["绩效自评汇总_2021_2026-11-25.xlsx"]

    # night 2: a resubmission, a duplicate under another name, a file still being copied; the server is down
    server.stop()
    controllers.remove(server)
    t2 = T1 + DAY
    drop(write_workbook(inbox / "市民政局_2021_修改版.xlsx", [("表", clean_spec(total_score=99.5, goal_actual="已修改"))]),
         t2 - dt.timedelta(hours=2))
    (inbox / "组织部_再次提交.xlsx").write_bytes((archive1 / "市委组织部_2021.xlsx").read_bytes())
    drop(inbox / "组织部_再次提交.xlsx", t2 - dt.timedelta(hours=2))
    drop(write_workbook(inbox / "市教育局_2021.xlsx", [("表", clean_spec(name="学生资助", department="市教育局"))]),
         t2 - dt.timedelta(seconds=30))  # still being copied
    second = night(config, now=t2, backoff=0)
    assert (second.counts["new"], second.counts["duplicates"], second.counts["pending"]) == (1, 1, 1)
    assert second.exit_code == 6 and second.delivery is not None and second.delivery.queued
    assert len(list((config.state / "mailqueue").iterdir())) == 1
    assert sorted(p.name for p in (config.archive / "2026-11-26").iterdir()) == [
        "市民政局_2021_修改版.xlsx", "组织部_再次提交.xlsx"]
    assert ledger_rows(tmp_path, "SELECT name FROM sightings") == [("组织部_再次提交.xlsx",)]
    header, rows = table_rows(second.summary, "项目汇总")
    col = {h: i for i, h in enumerate(header)}
    projects = {(r[col["项目名称"]], r[col["版本"]], r[col["提交日期"]]) for r in rows}
    assert projects == {("城市基层党建工作经费", 1, "2026-11-25"), ("社区综合服务站建设经费", 2, "2026-11-26")}

    # night 3: the server is back; the queued mail goes first, then tonight's; the settled file is taken
    start(handler, port, controllers)
    t3 = t2 + DAY
    drop(inbox / "市教育局_2021.xlsx", t3 - DAY)
    third = night(config, now=t3, backoff=0)
    assert third.counts["new"] == 1 and third.exit_code == 0
    assert [attachments(m) for m in handler.messages] == [
        ["绩效自评汇总_2021_2026-11-25.xlsx"], ["绩效自评汇总_2021_2026-11-26.xlsx"],
        ["绩效自评汇总_2021_2026-11-27.xlsx"]]
    assert not list((config.state / "mailqueue").iterdir())
    _, rows = table_rows(third.summary, "项目汇总")
    assert sorted(r[col["项目名称"]] for r in rows) == ["城市基层党建工作经费", "学生资助", "社区综合服务站建设经费"]

    # every file ever dropped is accounted for
    dropped = {"市委组织部_2021.xlsx", "市民政局_2021.xlsx", "说明.xlsx", "市民政局_2021_修改版.xlsx",
               "组织部_再次提交.xlsx", "市教育局_2021.xlsx"}
    kept = {p.name for p in config.archive.rglob("*.xlsx")} | {p.name for p in config.rejected.glob("*.xlsx")}
    assert kept == dropped
    assert [p.name for p in inbox.iterdir()] == ["~$市民政局_2021.xlsx"]
    assert len(ledger_rows(tmp_path, "SELECT sha256 FROM files")) == 5


def subprocess_run(cfg: Path, pause: str | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if pause:
        env["SELFEVAL_PAUSE_AT"] = pause
    return subprocess.Popen([sys.executable, "-m", "processor", "run", "--config", str(cfg)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never reached its pause point"
        time.sleep(0.1)


def assert_no_orphans(cfg: Path, seconds: float = 10) -> None:
    """Worker processes of a killed run end too (processor.core.pool): none is left running with its config."""
    deadline = time.monotonic() + seconds
    while True:
        alive = []
        for proc_dir in Path("/proc").iterdir():
            try:
                if proc_dir.name.isdigit() and str(cfg) in (proc_dir / "cmdline").read_bytes().decode(errors="replace"):
                    alive.append(proc_dir.name)
            except OSError:
                continue
        if not alive:
            return
        assert time.monotonic() < deadline, f"workers of the killed run still alive: {alive}"
        time.sleep(0.2)


def offline_config(root: Path) -> Path:
    cfg = setup(root, 9)
    text = cfg.read_text(encoding="utf-8").replace('host = "127.0.0.1"', 'host = ""').replace("settle_seconds = 600",
                                                                                             "settle_seconds = 0")
    cfg.write_text(text, encoding="utf-8")
    return cfg


@pytest.mark.parametrize("point", ["after-record", "before-move", "before-summary", "summary-spooled"])
def test_killed_run_is_finished_by_the_next(tmp_path: Path, point: str) -> None:
    cfg = offline_config(tmp_path)
    inbox = tmp_path / "收件箱"
    for i in range(3):
        write_workbook(inbox / f"部门{i}.xlsx", [("表", clean_spec(name=f"项目{i}", department=f"部门{i}"))])
    proc = subprocess_run(cfg, point)
    wait_for(tmp_path / "状态" / f"paused-{point}", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert_no_orphans(cfg)
    if point == "summary-spooled":
        # the killed run's spool on disk (its full results are made only when a sheet or a letter needs one)
        assert list((tmp_path / "状态").glob(".selfeval-spool-*/lock"))
    again = subprocess_run(cfg)
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, out + err
    files = ledger_rows(tmp_path, "SELECT name, stored FROM files ORDER BY name")
    assert [f[0] for f in files] == ["部门0.xlsx", "部门1.xlsx", "部门2.xlsx"]  # each once: nothing doubled
    assert all(f[1] for f in files)  # and each one filed away
    archived = sorted(p.name for p in (tmp_path / "归档").rglob("*.xlsx"))
    assert archived == ["部门0.xlsx", "部门1.xlsx", "部门2.xlsx"]  # nothing lost, no "(2)" copies
    assert not list(inbox.iterdir())
    _, rows = table_rows(tmp_path / "输出" / "绩效自评汇总_latest.xlsx", "项目汇总")
    assert len(rows) == 3
    # the killed run's spool of results (状态/) and half-written summary files (输出/) are swept
    assert not list((tmp_path / "状态").glob(".selfeval-*")) and not list((tmp_path / "输出").glob(".selfeval-*"))


def test_second_run_at_once_exits_with_its_own_code(tmp_path: Path) -> None:
    cfg = offline_config(tmp_path)
    write_workbook(tmp_path / "收件箱" / "a.xlsx", [("表", clean_spec())])
    first = subprocess_run(cfg, "before-summary")
    try:
        wait_for(tmp_path / "状态" / "paused-before-summary", first)
        second = subprocess_run(cfg)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 5
        assert "另一个 selfeval 任务正在运行" in out + err and "Traceback" not in out + err
    finally:
        first.kill()
        first.wait(timeout=30)


def test_corrupted_ledger_is_kept_aside_and_rebuilt_from_the_archive(tmp_path: Path) -> None:
    cfg = offline_config(tmp_path)
    for i in range(2):
        write_workbook(tmp_path / "收件箱" / f"部门{i}.xlsx", [("表", clean_spec(name=f"项目{i}", department=f"部门{i}"))])
    (tmp_path / "收件箱" / "坏文件.xlsx").write_text("x", encoding="utf-8")
    first = subprocess_run(cfg)
    first.communicate(timeout=180)
    assert first.returncode == 1  # one rejected
    ledger = tmp_path / "状态" / "ledger.sqlite"
    for extra in ("-wal", "-shm"):
        Path(str(ledger) + extra).unlink(missing_ok=True)
    ledger.write_bytes(b"this is not a database, a disk error ate it" * 100)
    broken = subprocess_run(cfg)
    out, err = broken.communicate(timeout=180)
    assert broken.returncode == 7 and "rebuild-ledger" in err and "Traceback" not in out + err
    kept = [p.name for p in (tmp_path / "状态").glob("ledger.sqlite.damaged-*")]
    assert len(kept) == 1 and not ledger.exists()
    rebuild = subprocess.run([sys.executable, "-m", "processor", "rebuild-ledger", "--config", str(cfg)],
                             capture_output=True, text=True, encoding="utf-8", timeout=180)
    assert rebuild.returncode == 0 and "登记文件 3 个" in rebuild.stdout, rebuild.stderr
    assert sorted(r[0] for r in ledger_rows(tmp_path, "SELECT name FROM files")) == ["坏文件.xlsx", "部门0.xlsx",
                                                                                   "部门1.xlsx"]
    report = subprocess.run([sys.executable, "-m", "processor", "report", "--config", str(cfg)],
                            capture_output=True, text=True, encoding="utf-8", timeout=180)
    assert report.returncode == 0, report.stderr
    _, rows = table_rows(tmp_path / "输出" / "绩效自评汇总_latest.xlsx", "项目汇总")
    assert sorted(r[3] for r in rows) == ["项目0", "项目1"]  # 项目名称
