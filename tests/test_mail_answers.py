"""Issue 16, "Mail, by the server's answer": what a night does with each answer of a real SMTP server (aiosmtpd on
localhost), and `selfeval mail --resend`.

- 550/553 for some recipients: the others get the mail, the refused addresses are recorded (log, journal, the
  night's output, how many in the ledger) and never tried again;
- 550 for all recipients, 552 (too large, to DATA or to MAIL FROM's SIZE): the mail is parked in 状态/mail-failed/
  with a .txt holding the answer, the night exits 9, later nights leave it alone, `selfeval mail --resend` (or a
  move back into mailqueue/ by hand) sends it once the server takes it;
- 535 (login refused), 5xx to MAIL FROM (sender refused): a configuration error, exit 4, the mail stays queued;
- 451 and 4xx: retryable as before, exit 6.
Each test failed before the change: a 5xx was then kept queued and retried, and every such night exited 6.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from rich.console import Console
from smtpkit import serving

from processor.nightly.config import load_config
from processor.nightly.night import Night, night
from processor.report import render_night

T1 = dt.datetime(2026, 11, 25, 23, 30)
T2 = T1 + dt.timedelta(days=1)
REVIEWER, CHIEF = "reviewer@czj.example.gov.cn", "chief@czj.example.gov.cn"
SECRET = "Zq7-hunter2-PaSS-90417"


class Server:
    """An aiosmtpd handler whose answers a test sets: `rcpt` per address, `data` to every DATA, `mail` to MAIL FROM;
    every accepted message is kept with its recipients."""

    def __init__(self) -> None:
        self.rcpt: dict[str, str] = {}
        self.data = ""
        self.mail = ""
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.mail:
            return self.mail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.rcpt:
            return self.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data:
            return self.data
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def got(self) -> list[tuple[list[str], str]]:
        """(recipients, the summary's date in its subject) of every message received."""
        return [(rcpts, str(msg["Subject"]).split("：")[0].removeprefix("绩效自评汇总 ")) for rcpts, msg in self.received]


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Server, int]]]:
    yield from serving(Server)


def setup(root: Path, port: int, recipients: tuple[str, ...] = (REVIEWER, CHIEF), smtp: str = "") -> Path:
    """A selfeval.toml as tests/test_nightly.py writes it, with an empty inbox: each night mails its summary."""
    (root / "收件箱").mkdir(parents=True)
    cfg = root / "selfeval.toml"
    cfg.write_text(f'''[folders]
inbox = "收件箱"
archive = "归档"
rejected = "拒收"
outbox = "输出"
state = "状态"
[mail]
recipients = {json.dumps(list(recipients))}
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "selfeval@czj.example.gov.cn"
{smtp}
[log]
jsonl = "状态/selfeval.jsonl"
''', encoding="utf-8")
    return cfg


def run_night(cfg: Path, when: dt.datetime) -> tuple[Night, str]:
    """One night and what it prints."""
    result = night(load_config(cfg), now=when, backoff=0)
    out = io.StringIO()
    render_night(result, Console(file=out, width=400, color_system=None))
    return result, out.getvalue()


def folder(root: Path, name: str) -> list[str]:
    where = root / "状态" / name
    return sorted(p.name for p in where.iterdir()) if where.is_dir() else []


def runs(root: Path) -> list[tuple[str, dict[str, int]]]:
    with sqlite3.connect(root / "状态" / "ledger.sqlite") as db:
        return [(status, json.loads(counts)) for status, counts in
                db.execute("SELECT status, counts FROM runs ORDER BY id").fetchall()]


def journal(root: Path) -> list[dict[str, Any]]:
    path = root / "状态" / "selfeval.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def resend(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "processor", "mail", "--resend", "--config", "selfeval.toml"],
                          cwd=root, capture_output=True, text=True, encoding="utf-8", timeout=180, check=False)


# --- some recipients refused for good ----------------------------------------------------------------------------


def test_550_for_one_of_two_recipients_delivers_to_the_other_and_records_the_refused(
        tmp_path: Path, smtp_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="selfeval")
    server, port = smtp_server()
    server.rcpt[CHIEF] = f"550 5.1.1 <{CHIEF}>: Recipient address rejected: User unknown"
    cfg = setup(tmp_path, port)

    first, said = run_night(cfg, T1)
    assert server.got() == [([REVIEWER], "2026-11-25")]
    assert first.exit_code == 0  # an empty inbox and a mail delivered to whoever could get it
    assert first.delivery is not None and first.delivery.sent == ("summary_2026-11-25",)
    assert [(r.key, r.address, r.answer) for r in first.delivery.refused] == [
        ("summary_2026-11-25", CHIEF, f"550 5.1.1 <{CHIEF}>: Recipient address rejected: User unknown")]
    assert folder(tmp_path, "mailqueue") == [] and folder(tmp_path, "mail-failed") == []
    # the night's output, the log and the journal say who was refused and why; the ledger how many
    assert "邮件服务器拒收了 1 个收件人" in said and CHIEF in said and "550 5.1.1" in said and "不再重发" in said
    assert f"recipient {CHIEF} refused by the server for good (550 5.1.1" in caplog.text
    (event,) = [e for e in journal(tmp_path) if e["event"] == "mail-refused"]
    assert event["refused"] == [{"mail": "summary_2026-11-25", "address": CHIEF,
                                 "answer": f"550 5.1.1 <{CHIEF}>: Recipient address rejected: User unknown"}]
    assert runs(tmp_path)[0][0] == "ok" and runs(tmp_path)[0][1]["mail_refused"] == 1

    # the next night does not try the refused address again for last night's mail (before: it did, and exited 6)
    del server.rcpt[CHIEF]
    second, _ = run_night(cfg, T2)
    assert server.got() == [([REVIEWER], "2026-11-25"), ([REVIEWER, CHIEF], "2026-11-26")]
    assert second.exit_code == 0 and second.delivery is not None and second.delivery.refused == ()
    assert runs(tmp_path)[1] == ("ok", {**runs(tmp_path)[1][1], "mail_refused": 0, "mail_parked": 0})


def test_553_and_451_in_one_mail_only_the_451_is_tried_again(tmp_path: Path, smtp_server: Any) -> None:
    other = "bgs@czj.example.gov.cn"
    server, port = smtp_server()
    server.rcpt = {CHIEF: "553 5.1.3 Bad recipient address syntax", other: "451 4.3.0 Mailbox temporarily busy"}
    cfg = setup(tmp_path, port, recipients=(REVIEWER, CHIEF, other))

    first, said = run_night(cfg, T1)
    assert server.got() == [([REVIEWER], "2026-11-25")]
    assert first.exit_code == 6  # the 451 is retryable as before
    assert first.delivery is not None and [r.address for r in first.delivery.refused] == [CHIEF]
    assert len(folder(tmp_path, "mailqueue")) == 1 and folder(tmp_path, "mail-failed") == []
    assert "已排队，下次运行时重发" in said and CHIEF in said

    server.rcpt = {}
    second, _ = run_night(cfg, T2)
    assert server.got() == [([REVIEWER], "2026-11-25"), ([other], "2026-11-25"),
                            ([REVIEWER, CHIEF, other], "2026-11-26")]  # the 553 address is not tried again
    assert second.exit_code == 0 and folder(tmp_path, "mailqueue") == []


# --- the whole mail refused for good: parked -------------------------------------------------------------------


def test_550_for_all_recipients_parks_the_mail_exits_9_once_and_resend_sends_it(
        tmp_path: Path, smtp_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="selfeval")
    server, port = smtp_server()
    server.rcpt = {a: f"550 5.1.1 <{a}>: mailbox unavailable" for a in (REVIEWER, CHIEF)}
    cfg = setup(tmp_path, port)

    first, said = run_night(cfg, T1)
    assert server.received == []
    assert first.exit_code == 9
    assert folder(tmp_path, "mailqueue") == []
    parked = folder(tmp_path, "mail-failed")
    assert len(parked) == 2 and parked[0].endswith("_summary_2026-11-25.eml") and parked[1].endswith(".txt")
    note = (tmp_path / "状态" / "mail-failed" / parked[1]).read_text(encoding="utf-8")
    for expected in (f"550 5.1.1 <{REVIEWER}>: mailbox unavailable", f"550 5.1.1 <{CHIEF}>: mailbox unavailable",
                     "不会再自动重发", "selfeval mail --resend --config selfeval.toml", "mailqueue"):
        assert expected in note, expected
    assert first.delivery is not None and first.delivery.error == "" and first.delivery.refused == ()
    (p,) = first.delivery.parked
    assert p.key == "summary_2026-11-25" and p.path == tmp_path / "状态" / "mail-failed" / parked[0]
    assert "被服务器拒收" in said and "mail-failed" in said and "selfeval mail --resend" in said and "550" in said
    assert "refused by the server for good, not retried; parked in" in caplog.text
    assert [e["event"] for e in journal(tmp_path)].count("mail-parked") == 1
    assert runs(tmp_path)[0][0] == "mail-failed" and runs(tmp_path)[0][1]["mail_parked"] == 1

    # the next night leaves the parked mail alone, and exits 9 no more
    server.rcpt = {}
    second, said = run_night(cfg, T2)
    assert server.got() == [([REVIEWER, CHIEF], "2026-11-26")]
    assert second.exit_code == 0 and folder(tmp_path, "mail-failed") == parked and "mail-failed" not in said

    # after the fix: `selfeval mail --resend` moves it back and sends it at once
    done = resend(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已把 1 封邮件从" in done.stdout and "邮件已发出 1 封" in done.stdout
    assert server.got() == [([REVIEWER, CHIEF], "2026-11-26"), ([REVIEWER, CHIEF], "2026-11-25")]
    assert folder(tmp_path, "mail-failed") == [] and folder(tmp_path, "mailqueue") == []

    again = resend(tmp_path)  # nothing left: nothing is sent twice
    assert again.returncode == 0 and "没有被拒收的邮件" in again.stdout and len(server.received) == 2


def test_552_to_the_data_parks_and_resend_parks_it_again_while_the_server_refuses(
        tmp_path: Path, smtp_server: Any) -> None:
    server, port = smtp_server()
    server.data = "552 5.3.4 Message size exceeds fixed maximum message size"
    cfg = setup(tmp_path, port)

    first, said = run_night(cfg, T1)
    assert first.exit_code == 9 and server.received == []
    assert folder(tmp_path, "mailqueue") == [] and len(folder(tmp_path, "mail-failed")) == 2
    assert "552 5.3.4" in said
    assert "552 5.3.4 Message size exceeds" in next((tmp_path / "状态" / "mail-failed").glob("*.txt")).read_text(
        encoding="utf-8")

    # resent while the server still refuses it: parked again, exit 9, never lost
    refused = resend(tmp_path)
    assert refused.returncode == 9, refused.stdout + refused.stderr
    assert "552 5.3.4" in refused.stdout and "mail-failed" in refused.stdout
    assert len(folder(tmp_path, "mail-failed")) == 2 and folder(tmp_path, "mailqueue") == []

    server.data = ""
    done = resend(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert server.got() == [([REVIEWER, CHIEF], "2026-11-25")]
    assert folder(tmp_path, "mail-failed") == [] and folder(tmp_path, "mailqueue") == []


def test_552_to_mail_from_size_parks_and_a_move_back_by_hand_is_sent_by_the_next_night(
        tmp_path: Path, smtp_server: Any) -> None:
    server, port = smtp_server(data_size_limit=2000)  # SIZE advertised: smtplib's MAIL FROM SIZE= gets the 552
    cfg = setup(tmp_path, port)
    first, said = run_night(cfg, T1)
    assert first.exit_code == 9 and server.received == [] and "552" in said
    assert first.delivery is not None and "552" in first.delivery.parked[0].answer
    eml = first.delivery.parked[0].path

    # the documented alternative to --resend: move the .eml back into the queue; the next night sends it first
    server2, port2 = smtp_server()
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(f"port = {port}", f"port = {port2}"), encoding="utf-8")
    eml.rename(tmp_path / "状态" / "mailqueue" / eml.name)
    second, _ = run_night(cfg, T2)
    assert second.exit_code == 0
    assert server2.got() == [([REVIEWER, CHIEF], "2026-11-25"), ([REVIEWER, CHIEF], "2026-11-26")]
    assert folder(tmp_path, "mailqueue") == []
    assert folder(tmp_path, "mail-failed") == [eml.with_suffix(".txt").name]  # the answer stays for the record


# --- a configuration error: exit 4, the mail stays queued --------------------------------------------------------


def test_535_is_a_configuration_error_and_keeps_the_mail_queued_until_the_login_is_fixed(
        tmp_path: Path, smtp_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="selfeval")
    good = {"password": "right-password"}

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        ok = data.password.decode() == good["password"]
        return AuthResult(success=ok, handled=ok)  # a failure not handled here: aiosmtpd answers 535 5.7.8

    server, port = smtp_server(auth_require_tls=False, authenticator=authenticator)
    monkeypatch.setenv("SELFEVAL_TEST_SMTP_PASSWORD", SECRET)
    cfg = setup(tmp_path, port, smtp='user = "reviewer"\npassword_env = "SELFEVAL_TEST_SMTP_PASSWORD"')

    first, said = run_night(cfg, T1)
    assert first.exit_code == 4 and server.received == []
    assert len(folder(tmp_path, "mailqueue")) == 1 and folder(tmp_path, "mail-failed") == []
    assert first.delivery is not None and "535" in first.delivery.error
    for text in (first.delivery.config_error, said):
        assert "[smtp] user" in text and "[smtp] password_env" in text and "SELFEVAL_TEST_SMTP_PASSWORD" in text
    assert "配置错误" in said and "535" in said and "下次运行时重发" not in said
    assert SECRET not in said and SECRET not in caplog.text and SECRET not in json.dumps(journal(tmp_path))
    assert [e["event"] for e in journal(tmp_path)].count("mail-config") == 1
    assert runs(tmp_path)[0][0] == "mail-config"

    # the login fixed: the next night sends the queued mail first, then its own
    good["password"] = SECRET
    second, _ = run_night(cfg, T2)
    assert second.exit_code == 0
    assert server.got() == [([REVIEWER, CHIEF], "2026-11-25"), ([REVIEWER, CHIEF], "2026-11-26")]
    assert folder(tmp_path, "mailqueue") == []


def test_sender_refused_for_good_is_a_configuration_error(tmp_path: Path, smtp_server: Any) -> None:
    server, port = smtp_server()
    server.mail = "550 5.7.1 Sender address rejected: not owned by user"
    cfg = setup(tmp_path, port)
    first, said = run_night(cfg, T1)
    assert first.exit_code == 4 and server.received == []
    assert len(folder(tmp_path, "mailqueue")) == 1 and folder(tmp_path, "mail-failed") == []
    assert "[smtp] sender" in said and "selfeval@czj.example.gov.cn" in said


# --- 4xx: retryable as before ---------------------------------------------------------------------------------------


def test_451_to_the_data_stays_queued_exit_6_and_goes_the_next_night(tmp_path: Path, smtp_server: Any) -> None:
    server, port = smtp_server()
    server.data = "451 4.3.0 Error: queue file write error"
    cfg = setup(tmp_path, port)
    first, said = run_night(cfg, T1)
    assert first.exit_code == 6 and server.received == []
    assert len(folder(tmp_path, "mailqueue")) == 1 and folder(tmp_path, "mail-failed") == []
    assert first.delivery is not None and first.delivery.parked == () and "451" in first.delivery.error
    assert "已排队，下次运行时重发" in said
    assert runs(tmp_path)[0] == ("retry", {**runs(tmp_path)[0][1], "mail_refused": 0, "mail_parked": 0})

    server.data = ""
    second, _ = run_night(cfg, T2)
    assert second.exit_code == 0
    assert server.got() == [([REVIEWER, CHIEF], "2026-11-25"), ([REVIEWER, CHIEF], "2026-11-26")]
    assert folder(tmp_path, "mailqueue") == []
