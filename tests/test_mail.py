"""Step 7 of issue 6: the nightly mails, against a real SMTP server on localhost (aiosmtpd).

Covered: .eml files when no SMTP is configured; the summary and department mails as a server receives them
(Chinese attachment names per RFC 2231, bytes intact); a server that is down (retries with backoff, the mail
queued, sent first by the next call); recipients refused for now (4xx: queued, never lost, never sent twice); a
refused login that must not leak the password anywhere. What a permanent refusal (5xx) does is in
test_mail_answers.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import logging
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtpkit import free_port, serving

from processor.core.errors import ConfigError, OutputError
from processor.nightly.mail import (
    PENDING,
    Delivery,
    Outgoing,
    SmtpSettings,
    build_message,
    deliver,
    department_mail,
    summary_mail,
)

DATE = dt.date(2026, 11, 27)
WHEN = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
LATER = WHEN + dt.timedelta(days=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_NAME = "绩效自评汇总_2021_2026-11-27.xlsx"
SECRET = "Zq7-hunter2-PaSS-90417"  # distinctive: found anywhere means leaked
OVERVIEW: dict[str, Any] = {
    "files_received": 12, "files_accepted": 6, "files_returned": 5, "files_rejected": 1, "files_skipped": 1,
    "projects": 14, "departments": 11, "annual_budget": 13392.6, "executed": 12013.16, "rate": 0.897,
    "rate_projects": 14, "self_mean": 91.25, "computed_mean": 86.5, "self_weighted": 90.0,
    "computed_weighted": 85.04, "inflated": 3, "main_year": 2021, "other_year": 0,
}
TONIGHT = {"new": 3, "accepted": 1, "returned": 1, "rejected": 1, "duplicates": 2, "skipped": 1}


class Recorder:
    """An aiosmtpd handler that keeps every accepted message and refuses the addresses in `refuse` with `refusal`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.refusal = "550 5.1.1"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return f"{self.refusal} <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [parse(raw) for _, _, raw in self.received]


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Recorder, int]]]:
    """Start a server (on `port`, or a free one) with extra aiosmtpd options; every one is stopped afterwards."""
    yield from serving(Recorder)


def settings(port: int, **kw: Any) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=kw.pop("security", "none"), timeout=5,
                        sender="绩效自评复核 <selfeval@finance.example>", **kw)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def bodies(msg: EmailMessage) -> tuple[str, str]:
    text, page = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()


def attachments(msg: EmailMessage) -> dict[str, tuple[str, bytes]]:
    return {str(p.get_filename()): (p.get_content_type(), p.get_content()) for p in msg.iter_attachments()}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "out" / SUMMARY_NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    return path


@pytest.fixture
def mail(workbook: Path) -> Outgoing:
    return summary_mail(("reviewer@finance.example", "chief@finance.example"), OVERVIEW, TONIGHT, workbook, DATE)


def paths(tmp_path: Path) -> dict[str, Path]:
    return {"outbox": tmp_path / "outbox", "queue": tmp_path / "state" / "queue"}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def queue_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "state" / "queue").glob("*"))


# --- the messages ---------------------------------------------------------------------------------------------


def test_summary_subject_and_bodies(mail: Outgoing) -> None:
    assert mail.subject == "绩效自评汇总 2026-11-27：项目 14 个，执行率 89.7%，今晚新收 3 个（退回 1，拒收 1）"
    assert mail.key == "summary_2026-11-27"
    for body in (mail.text, mail.html):
        for expected in ("新收文件", "3 个", "退回修改", "拒收", "13,392.60 万元", "12,013.16 万元", "89.7%",
                         "91.2", "86.5", "90.0", "85.0", "自评分虚高的项目", "14 个", "11 个", SUMMARY_NAME):
            assert expected in body, expected
    assert "平均复核分：86.5（按预算加权 85.0）" in mail.text
    assert "文件：12 个（通过 6，退回修改 5，拒收 1）" in mail.text
    assert "重复（内容已处理过）：2 个" in mail.text


def test_summary_with_missing_counts_and_undefined_figures(workbook: Path) -> None:
    quiet = summary_mail(("r@x.example",), {**OVERVIEW, "rate": None, "self_mean": None, "computed_weighted": float("nan")},
                         {"new": 2}, workbook, DATE)
    assert quiet.subject == "绩效自评汇总 2026-11-27：项目 14 个，执行率 —，今晚新收 2 个"
    assert "退回修改：0 个" in quiet.text and "跳过：0 个" in quiet.text
    assert "平均自评分：—（按预算加权 90.0）" in quiet.text and "（按预算加权 —）" in quiet.text


def test_department_text_is_escaped_and_kept_on_one_header_line(tmp_path: Path) -> None:
    f = tmp_path / "<研究院&所>_2021_审核意见.xlsx"
    f.write_bytes(b"PK")
    dept = department_mail(("d@x.example",), "<研究院&所>\n第二行", [f], DATE)
    assert "&lt;研究院&amp;所&gt;" in dept.html and "<研究院" not in dept.html
    assert "<研究院&所>" in dept.text  # plain text stays plain
    msg = parse(build_message(dept, "selfeval@localhost", WHEN).as_bytes())
    assert msg["Subject"] == "绩效自评审核意见 2026-11-27：<研究院&所> 第二行（1 个文件）"
    assert attachments(msg) == {f.name: (XLSX, b"PK")}


def test_attachment_name_is_rfc2231_and_rfc2047(mail: Outgoing) -> None:
    raw = build_message(mail, "selfeval@localhost", WHEN).as_bytes()
    assert b"filename*=utf-8''%E7%BB%A9%E6%95%88" in raw  # RFC 2231, one parameter, no continuations
    assert b'name="=?utf-8?b?' in raw  # RFC 2047 in Content-Type for the clients that read only that
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF throughout, as on the wire
    msg = parse(raw)
    (part,) = msg.iter_attachments()
    assert part.get_filename() == SUMMARY_NAME
    assert part.get_param("name") == SUMMARY_NAME
    assert part.get_content_type() == XLSX
    assert part.get_content() == mail.attachments[0].read_bytes()
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"].datetime == WHEN


def test_long_chinese_and_plain_names(tmp_path: Path) -> None:
    long = tmp_path / ("某某市财政局关于二〇二一年度农村饮水安全巩固提升工程项目支出绩效自评表" * 2 + "_审核意见.xlsm")
    plain = tmp_path / "report 2021.xlsx"
    for f in (long, plain):
        f.write_bytes(b"PK" + f.name.encode())
    raw = build_message(department_mail(("d@x.example",), "市水利局", [long, plain], DATE), "a@b.example",
                        WHEN).as_bytes()
    head = raw.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))  # the subject is folded too
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b'name="report 2021.xlsx"' in raw
    assert attachments(parse(raw)) == {
        long.name: ("application/vnd.ms-excel.sheet.macroenabled.12", long.read_bytes()),  # lower-cased by email
        plain.name: (XLSX, plain.read_bytes()),
    }


def test_unknown_security_is_a_usage_error() -> None:
    with pytest.raises(ConfigError, match=r"\[smtp\] security"):
        SmtpSettings(host="mail.example", security="tls")
    assert SECRET not in repr(SmtpSettings(host="mail.example", user="u", password=SECRET))


# --- no SMTP: .eml files in the outbox --------------------------------------------------------------------------


def test_no_smtp_writes_eml_files(tmp_path: Path, mail: Outgoing, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="selfeval.mail")
    feedback = tmp_path / "out" / "审核意见" / "市教育局" / "市教育局_2021_审核意见.xlsx"
    feedback.parent.mkdir(parents=True)
    feedback.write_bytes(b"PK feedback")
    dept = department_mail(("jyj@edu.example",), "市教育局", [feedback], DATE)
    done = deliver([mail, dept], None, **paths(tmp_path), when=WHEN)
    box = tmp_path / "outbox" / "mail"
    assert done == Delivery((), (box / "summary_2026-11-27.eml", box / "feedback_2026-11-27_市教育局.eml"), ())
    assert sorted(p.name for p in box.iterdir()) == ["feedback_2026-11-27_市教育局.eml", "summary_2026-11-27.eml"]
    msg = parse(done.written[0].read_bytes())
    assert msg["Subject"] == mail.subject
    assert msg["To"].addresses[1].addr_spec == "chief@finance.example"
    text, page = bodies(msg)
    assert "今晚收到" in text and "<table" in page and "13,392.60 万元" in page
    assert attachments(msg) == {SUMMARY_NAME: (XLSX, mail.attachments[0].read_bytes())}
    assert b"filename*=utf-8''" in done.written[0].read_bytes()
    assert attachments(parse(done.written[1].read_bytes())) == {feedback.name: (XLSX, b"PK feedback")}
    assert [r.getMessage() for r in caplog.records if r.name == "selfeval.mail"] == [
        f"mail summary_2026-11-27 for 2 recipients written to {done.written[0]}",
        f"mail feedback_2026-11-27_市教育局 for 1 recipients written to {done.written[1]}"]

    again = deliver([mail], None, **paths(tmp_path), when=LATER)  # never an overwrite
    assert again.written == (box / "summary_2026-11-27(2).eml",)
    assert parse(done.written[0].read_bytes())["Date"].datetime == WHEN
    assert not list(box.glob(".*"))  # no temporary file left behind
    assert not (tmp_path / "state").exists()


def test_unreadable_attachment_is_an_output_error(tmp_path: Path, mail: Outgoing) -> None:
    mail.attachments[0].unlink()
    with pytest.raises(OutputError):
        deliver([mail], None, **paths(tmp_path), when=WHEN)
    assert not (tmp_path / "outbox").exists()


# --- SMTP --------------------------------------------------------------------------------------------------------


def test_smtp_sends_the_summary_with_its_attachment(tmp_path: Path, mail: Outgoing, smtp_server: Any) -> None:
    server, port = smtp_server()
    done = deliver([mail], settings(port), **paths(tmp_path), when=WHEN)
    assert done == Delivery(("summary_2026-11-27",), (), ())
    ((sender, rcpts, _),) = server.received
    assert sender == "selfeval@finance.example"
    assert rcpts == ["reviewer@finance.example", "chief@finance.example"]
    (msg,) = server.messages()
    assert msg["Subject"] == mail.subject
    assert msg["From"].addresses[0].display_name == "绩效自评复核"
    assert attachments(msg) == {SUMMARY_NAME: (XLSX, mail.attachments[0].read_bytes())}
    assert "新收文件：3 个" in bodies(msg)[0]
    assert queue_files(tmp_path) == []
    assert not (tmp_path / "outbox").exists()


def test_server_down_queues_then_next_call_flushes_first(tmp_path: Path, mail: Outgoing, smtp_server: Any,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="selfeval.mail")
    port, sleeps = free_port(), Sleeps()  # nothing listens there yet
    done = deliver([mail], settings(port), **paths(tmp_path), when=WHEN, retries=4, backoff=0.5, sleep=sleeps)
    assert sleeps == [0.5, 1.0, 2.0]  # four tries, exponential backoff between them
    assert done.sent == () and done.written == ()
    assert done.queued == tuple(queue_files(tmp_path)) and len(done.queued) == 1
    assert f"127.0.0.1:{port}" in done.error and "4 次尝试均失败" in done.error
    assert parse(done.queued[0].read_bytes())["Subject"] == mail.subject
    assert "mail summary_2026-11-27 queued for 2 recipients" in caplog.text

    server, _ = smtp_server(port)
    tomorrow = Outgoing(("reviewer@finance.example",), "明天的邮件", "正文", "<p>正文</p>", (), "summary_2026-11-28")
    later = deliver([tomorrow], settings(port), **paths(tmp_path), when=LATER, sleep=sleeps)
    assert later == Delivery(("summary_2026-11-27", "summary_2026-11-28"), (), ())
    assert [m["Subject"] for m in server.messages()] == [mail.subject, "明天的邮件"]  # the queue goes first
    assert attachments(server.messages()[0]) == {SUMMARY_NAME: (XLSX, mail.attachments[0].read_bytes())}
    assert queue_files(tmp_path) == []
    assert sleeps == [0.5, 1.0, 2.0]
    assert [r.getMessage() for r in caplog.records if r.name == "selfeval.mail"][-2:] == [
        "mail summary_2026-11-27 sent to 2 recipients", "mail summary_2026-11-28 sent to 1 recipients"]


def test_recipients_refused_for_now_stay_queued(tmp_path: Path, mail: Outgoing, smtp_server: Any) -> None:
    server, port = smtp_server()
    server.refuse, server.refusal = {"reviewer@finance.example", "chief@finance.example"}, "450 4.2.1"
    sleeps = Sleeps()
    done = deliver([mail], settings(port), **paths(tmp_path), when=WHEN, sleep=sleeps)
    assert done.sent == () and len(done.queued) == 1 and sleeps == []  # a refusal is not retried tonight
    assert "450" in done.error and "reviewer@finance.example" in done.error
    assert done.parked == () and done.refused == ()
    assert server.received == []
    server.refuse = set()
    assert deliver([], settings(port), **paths(tmp_path), when=LATER).sent == ("summary_2026-11-27",)
    assert [r for _, r, _ in server.received] == [["reviewer@finance.example", "chief@finance.example"]]
    assert queue_files(tmp_path) == []


def test_partly_refused_for_now_is_resent_to_the_refused_only(tmp_path: Path, mail: Outgoing,
                                                              smtp_server: Any) -> None:
    server, port = smtp_server()
    server.refuse, server.refusal = {"chief@finance.example"}, "451 4.3.0"
    done = deliver([mail], settings(port), **paths(tmp_path), when=WHEN)
    assert done.sent == ("summary_2026-11-27",) and len(done.queued) == 1 and "chief@finance.example" in done.error
    assert done.refused == ()  # a 4xx is not a refusal for good
    assert [r for _, r, _ in server.received] == [["reviewer@finance.example"]]
    assert parse(done.queued[0].read_bytes())[PENDING] == "chief@finance.example"
    server.refuse = set()
    again = deliver([], settings(port), **paths(tmp_path), when=LATER)
    assert again == Delivery(("summary_2026-11-27",), (), ())
    assert [r for _, r, _ in server.received] == [["reviewer@finance.example"], ["chief@finance.example"]]
    assert attachments(server.messages()[1]) == attachments(server.messages()[0])


def test_refused_login_never_leaks_the_password(tmp_path: Path, mail: Outgoing, smtp_server: Any,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="selfeval")

    def echoing_authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)  # a careless server that echoes what it got
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 {data.login.decode()}/{data.password.decode()} is wrong")

    server, port = smtp_server(auth_require_tls=False, authenticator=echoing_authenticator)
    smtp, sleeps = settings(port, user="reviewer", password=SECRET), Sleeps()
    done = deliver([mail], smtp, **paths(tmp_path), when=WHEN, sleep=sleeps)
    assert "535" in done.error and "登录被拒绝" in done.error and "reviewer/***" in done.error
    assert "[smtp] user" in done.config_error and "[smtp] password_env" in done.config_error
    assert SECRET not in done.config_error
    assert sleeps == []  # a refused login is not retried: it would not help and may lock the account
    assert server.received == [] and len(done.queued) == 1
    leaks = (SECRET, SECRET.encode("utf-8"), base64.b64encode(SECRET.encode()), base64.b64encode(
        f"\0reviewer\0{SECRET}".encode()))
    for leak in leaks:
        text = leak if isinstance(leak, str) else leak.decode("latin-1")
        assert text not in done.error
        assert text not in caplog.text
        assert not any(text in str(r.args) for r in caplog.records if r.name.startswith("selfeval"))
        assert (leak if isinstance(leak, bytes) else leak.encode()) not in done.queued[0].read_bytes()
    assert "queued" in caplog.text


def test_unreachable_server_with_password_never_leaks_it(tmp_path: Path, mail: Outgoing,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="selfeval")
    smtp = settings(free_port(), user="reviewer", password=SECRET, security="ssl")
    done = deliver([mail], smtp, **paths(tmp_path), when=WHEN, retries=2, sleep=Sleeps())
    assert done.error and SECRET not in done.error and SECRET not in caplog.text
    assert SECRET.encode() not in done.queued[0].read_bytes()


def test_non_ascii_password_is_refused_without_leaking(tmp_path: Path, mail: Outgoing, smtp_server: Any,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="selfeval")
    _, port = smtp_server(auth_require_tls=False, authenticator=lambda *a: AuthResult(success=True))
    secret, sleeps = "口令-" + SECRET, Sleeps()
    done = deliver([mail], settings(port, user="reviewer", password=secret), **paths(tmp_path), when=WHEN,
                   sleep=sleeps)
    assert done.error and sleeps == [] and len(done.queued) == 1  # smtplib logs in with ASCII only
    assert secret not in done.error and secret not in caplog.text and SECRET not in done.error


def test_starttls_not_offered_is_not_retried(tmp_path: Path, mail: Outgoing, smtp_server: Any) -> None:
    server, port = smtp_server()
    sleeps = Sleeps()
    done = deliver([mail], settings(port, security="starttls"), **paths(tmp_path), when=WHEN, sleep=sleeps)
    assert "STARTTLS" in done.error and sleeps == [] and len(done.queued) == 1 and server.received == []


def test_queue_goes_to_the_outbox_when_smtp_is_removed(tmp_path: Path, mail: Outgoing) -> None:
    deliver([mail], settings(free_port()), **paths(tmp_path), when=WHEN, retries=1)
    (queued,) = queue_files(tmp_path)
    raw = queued.read_bytes()
    done = deliver([], None, **paths(tmp_path), when=LATER)
    assert done.written == (tmp_path / "outbox" / "mail" / "summary_2026-11-27.eml",)
    assert done.written[0].read_bytes() == raw
    assert queue_files(tmp_path) == []
    assert parse(done.written[0].read_bytes())["Subject"] == mail.subject


def test_mail_without_recipients_goes_to_the_outbox(tmp_path: Path, mail: Outgoing, smtp_server: Any) -> None:
    server, port = smtp_server()
    lonely = department_mail((), "市统计局", [], DATE)
    done = deliver([lonely, mail], settings(port), **paths(tmp_path), when=WHEN)
    assert done.sent == ("summary_2026-11-27",) and done.queued == () and done.error == ""
    assert done.written == (tmp_path / "outbox" / "mail" / "feedback_2026-11-27_市统计局.eml",)
    assert len(server.received) == 1


# --- with a real run ---------------------------------------------------------------------------------------------


def test_real_summary_and_feedback_arrive(tmp_path: Path, smtp_server: Any) -> None:
    from inbox import build_inbox

    from processor.run import run

    result = run(build_inbox(tmp_path / "inbox"), tmp_path / "out", date=DATE)
    server, port = smtp_server()
    mails = [summary_mail(("reviewer@finance.example",), result.aggregate.overview, {"new": 5, "returned": 2},
                          result.summary, DATE)]
    for folder in sorted({p.parent for p in result.feedback}):
        mails.append(department_mail((f"{len(mails)}@dept.example",), folder.name, sorted(folder.iterdir()), DATE))
    done = deliver(mails, settings(port), **paths(tmp_path), when=WHEN)
    assert done.error == "" and len(done.sent) == len(mails) == len(server.received)
    received = server.messages()
    assert received[0]["Subject"].startswith("绩效自评汇总 2026-11-27：项目 7 个，执行率 91.5%，今晚新收 5 个（退回 2，拒收 0）")
    assert attachments(received[0]) == {result.summary.name: (XLSX, result.summary.read_bytes())}
    sent_files = {name: data for msg in received[1:] for name, (_, data) in attachments(msg).items()}
    assert sent_files == {p.name: p.read_bytes() for p in result.feedback}
