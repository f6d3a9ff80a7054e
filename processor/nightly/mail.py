"""Stage 9: mail the summary to the reviewers and each department its feedback, unattended and losing nothing.

Nobody watches the nightly run, so a mail that cannot go out tonight must go out later by itself: every mail is
written to the queue folder (state) before it is sent and deleted there only once the server accepted it, and
each deliver() first sends what earlier nights left, oldest first. A crash in between sends a mail twice, never
zero times. What happens then depends on the server's answer: a connection failure or a 4xx is retried later; a
recipient refused for good (5xx) is recorded and the others get the mail; a mail refused for good as a whole
(every recipient 5xx, too large, content refused) is parked in the state folder's mail-failed/ with the answer in
a .txt and not tried again until `selfeval mail --resend` (resend()) moves it back; a refused login or sender is a
configuration error and keeps every mail queued. With no SMTP configured the mails become .eml files in the
outbox, which every mail client opens, so the job runs with nothing set up. The SMTP password (from an
environment variable, via the caller) never reaches a log line, an error message, a file or a repr."""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
import mimetypes
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

from processor.aggregate import reports_said
from processor.core.errors import ConfigError, OutputError
from processor.core.fsutil import atomic_write
from processor.core.names import PARKED, folder_for, safe_name
from processor.nightly.lock import RunLock

log = logging.getLogger("selfeval.mail")
DEFAULT_SENDER = "selfeval@localhost"
# CRLF as on the wire. refold_source="none" keeps the attachment headers that _attach folds itself as written.
WIRE = policy.SMTP.clone(refold_source="none")
_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}
_PLAIN_NAME = re.compile(r'[-\w .()]+', re.ASCII)
_QUEUED = re.compile(r"^\d{8}T\d{6}Z_\d{3}_(.+)$")  # UTC stamp and position: names sort oldest first
PENDING = "X-Selfeval-Pending-To"  # recipients still owed a queued mail that others already received


SECURITY = ("starttls", "ssl", "none")


def check_transport(security: str, port: int) -> None:
    """The one check of how to reach the server, named as selfeval.toml names it: the config checks it even
    while no host is set, so that a typo does not wait until the night a host is added."""
    if security not in SECURITY:
        raise ConfigError(f"配置项 [smtp] security 应为 \"starttls\"、\"ssl\" 或 \"none\"，现为 {security!r}。")
    if not 0 < port < 65536:
        raise ConfigError(f"配置项 [smtp] port 应在 1–65535 之间，现为 {port}。")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send, as [smtp] of selfeval.toml says. The password is given, or read from the
    environment variable `password_env` when the settings are made; it is kept out of repr() so that
    logging the settings (or the whole Config) cannot leak it."""

    host: str
    port: int = 587
    security: str = "starttls"  # "starttls" | "ssl" | "none"
    user: str = ""
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER
    timeout: float = 30.0
    password_env: str = ""

    def __post_init__(self) -> None:
        if not self.host.strip():
            raise ConfigError("配置项 [smtp] host 为空：不发邮件时请删去 SMTP 设置，邮件将写成 .eml 放在 输出/mail/。")
        check_transport(self.security, self.port)
        if self.password is None and self.password_env:
            object.__setattr__(self, "password", os.environ.get(self.password_env) or None)


@dataclass(frozen=True)
class Outgoing:
    """One mail before it becomes MIME; `key` names its .eml file and queue entry (e.g. summary_2026-11-27)."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Path, ...] = ()
    key: str = ""


@dataclass(frozen=True)
class Refusal:
    """A recipient the server refused for good (550, 553 …) while the mail went to the others: not retried."""

    key: str  # the mail, e.g. summary_2026-11-27
    address: str
    answer: str  # the server's reply, e.g. "550 5.1.1 <a@b>: mailbox unavailable"


@dataclass(frozen=True)
class Parked:
    """A mail the server refused for good as a whole, moved to mail-failed/ with its answer in a .txt beside it."""

    key: str
    path: Path  # the .eml in mail-failed/
    answer: str  # the server's reply in words, password-free


@dataclass(frozen=True)
class Delivery:
    """What happened to every mail, so the caller can report it and choose the exit code (night.mail_exit)."""

    sent: tuple[str, ...]  # keys accepted by the server (queued ones flushed this time included)
    written: tuple[Path, ...]  # .eml files in the outbox: no SMTP configured, or a mail without recipients
    queued: tuple[Path, ...]  # .eml files left in the queue folder for the next run
    error: str = ""  # last SMTP error, password-free; non-empty means "retry later"
    refused: tuple[Refusal, ...] = ()  # recipients refused for good; the mail went to the others
    parked: tuple[Parked, ...] = ()  # refused for good, moved to mail-failed/: not retried
    config_error: str = ""  # login or sender refused: what to fix in selfeval.toml; every mail stays queued


# how a _Failed leaves the rest of the flush
_THIS = "this"  # the server refused this mail for now (4xx to MAIL or DATA): it stays queued, the next may go
_DOWN = "down"  # no mail can go now (unreachable after the retries, TLS, a 4xx login): the rest stay queued
_CONFIG = "config"  # no mail can go until selfeval.toml is fixed (login or sender refused): the rest stay queued
_PARK = "park"  # this mail can never go as it is (5xx to its DATA, too large): parked, the next may go


class _Failed(Exception):
    """args (message, kind, fix): the failure in words (password-free), one of the kinds above, and for _CONFIG
    what to fix in selfeval.toml."""


def build_message(mail: Outgoing, sender: str, when: dt.datetime) -> EmailMessage:
    """The MIME message: text and HTML alternatives, then the attachments. Bodies are base64 so that no relay
    without 8BITMIME and no 998-character line limit can damage the Chinese text. Raises OSError when an
    attachment cannot be read, ValueError when an address is unusable."""
    msg = EmailMessage(policy=WIRE)
    msg["Subject"] = " ".join(mail.subject.split())  # a line break in a department's name must not end the header
    msg["From"] = sender
    if mail.to:
        msg["To"] = ", ".join(a.strip() for a in mail.to)
    msg["Date"] = format_datetime(when if when.tzinfo else when.astimezone())
    msg["Message-ID"] = make_msgid("selfeval", domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office robots do not answer a nightly job
    msg.set_content(mail.text, cte="base64")
    msg.add_alternative(mail.html, subtype="html", cte="base64")
    for path in mail.attachments:
        _attach(msg, path)
    return msg


def _attach(msg: EmailMessage, path: Path) -> None:
    """Attach a file under its own Chinese name the way Thunderbird does, so that every common client shows it:
    RFC 2231 `filename*=utf-8''…` in Content-Disposition for standard readers, and RFC 2047 encoded words in
    Content-Type's `name=` that Outlook, Foxmail and the Chinese webmails have always read. Both are set raw:
    the email package would split filename* into continuations (filename*0*=) that some clients do not join,
    and mangles a long subtype beside a parameter. A name has ≤ 255 bytes: one filename* line stays < 998.
    Encoded words are split between characters, each line within 78; an ASCII name is left readable."""
    maintype, _, subtype = (_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
                            or "application/octet-stream").partition("/")
    msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, disposition="attachment")
    part = list(msg.iter_attachments())[-1]
    del part["Content-Type"], part["Content-Disposition"]
    shown = path.name if _PLAIN_NAME.fullmatch(path.name) else Header(path.name, "utf-8").encode("\n", maxlinelen=70)
    part.set_raw("Content-Type", f'{maintype}/{subtype};\n name="{shown}"')
    part.set_raw("Content-Disposition", f"attachment;\n filename*=utf-8''{quote(path.name, safe='')}")


def deliver(mails: list[Outgoing], smtp: SmtpSettings | None, *, outbox: Path, queue: Path, when: dt.datetime,
            retries: int = 3, backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Send `mails` after whatever the queue folder holds from earlier runs (oldest first). Without SMTP every mail,
    queued ones too, becomes OUTBOX/mail/<key>.eml (a suffix (2) … rather than an overwrite). With SMTP each mail
    is queued, then sent; a connection failure is tried `retries` times in all, sleeping backoff, 2×backoff, …
    between; after that the rest stay queued and `error` is set. A login (5xx) or sender refused is a configuration
    error (`config_error`): retrying cannot help and may lock the account, so the rest stay queued. A 4xx to one
    mail leaves it queued and the next one is tried. Recipients refused with a 5xx are recorded (`refused`) and
    not tried again; a mail that no recipient can get (every one 5xx), or whose content the server refuses with a
    5xx (552: too large), is moved to mail-failed/ beside the queue with the answer in a .txt (`parked`) and is not
    retried until resend() moves it back. OutputError when an attachment, the queue, mail-failed/ or the outbox
    cannot be read or written; no mail is lost then either."""
    sender = smtp.sender if smtp else DEFAULT_SENDER
    written: list[Path] = []
    try:
        built = [(m, build_message(m, sender, when).as_bytes()) for m in mails]  # all attachments read first
        waiting = sorted(queue.glob("*.eml")) if queue.is_dir() else []
        if smtp is None:
            for path in waiting:
                raw = path.read_bytes()
                written.append(_to_outbox(outbox, _QUEUED.sub(r"\1", path.stem), raw, len(_envelope(raw)[1])))
                path.unlink()  # only once its copy is safely in the outbox
            written += [_to_outbox(outbox, m.key, raw, len(m.to)) for m, raw in built]
            return Delivery((), tuple(written), ())
        stamp, fresh = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"), []
        for i, (m, raw) in enumerate(built):
            if m.to:
                fresh.append(_write(queue, f"{stamp}_{i:03d}_{safe_name(m.key, 'mail', 150)}", raw, 0o600))
            else:
                written.append(_to_outbox(outbox, m.key, raw, 0))  # nobody to send it to: keep it where one looks
        done = _flush([*waiting, *fresh], smtp, max(1, retries), backoff, sleep, queue.parent / PARKED)
    except (OSError, ValueError) as exc:  # ValueError: an unusable address
        raise OutputError(f"邮件无法生成或保存（{exc}）。请检查收件人地址、附件和 outbox、state 文件夹。") from exc
    return Delivery(tuple(done.sent), tuple(written), tuple(p for p in [*waiting, *fresh] if p.exists()), done.error,
                    tuple(done.refused), tuple(done.parked), done.config_error)


def resend(smtp: SmtpSettings | None, *, outbox: Path, state: Path, when: dt.datetime, backoff: float = 5.0,
           sleep: Callable[[float], None] = time.sleep) -> tuple[tuple[Path, ...], Delivery]:
    """`selfeval mail --resend`: every mail parked in STATE/mail-failed/ back into STATE/mailqueue/ (its .txt
    removed: a mail refused again is parked with a new one), then the queue sent at once as a night would. Under
    the run lock, so never beside a night. Returns the queue files moved back and the delivery."""
    parked, queue = state / PARKED, state / "mailqueue"
    moved: list[Path] = []
    with RunLock(state / "selfeval.lock"):
        try:
            for path in sorted(parked.glob("*.eml")) if parked.is_dir() else []:
                queue.mkdir(parents=True, exist_ok=True)
                target = _free(queue, path.name)
                os.replace(path, target)
                path.with_suffix(".txt").unlink(missing_ok=True)
                moved.append(target)
                log.info("mail %s moved back from %s to %s", _QUEUED.sub(r"\1", target.stem), parked, queue)
        except OSError as exc:
            raise OutputError(f"无法把 {parked} 中的邮件移回 {queue}（{exc}）。请检查 state 文件夹的权限。") from exc
        return tuple(moved), deliver([], smtp, outbox=outbox, queue=queue, when=when, backoff=backoff, sleep=sleep)


@dataclass
class _Flushed:
    sent: list[str] = field(default_factory=list)
    error: str = ""
    refused: list[Refusal] = field(default_factory=list)
    parked: list[Parked] = field(default_factory=list)
    config_error: str = ""


def _flush(paths: list[Path], smtp: SmtpSettings, tries: int, backoff: float, sleep: Callable[[float], None],
           parked: Path) -> _Flushed:
    """Send each queued file in order over one connection; delete a file only once the server accepted it. Of the
    recipients refused while others got it, those refused for good are recorded and dropped, the file stays for the
    others (4xx) only. A file refused for good as a whole goes to `parked` with the server's answer."""
    session, done, down = _Session(smtp, tries, backoff, sleep), _Flushed(), False
    try:
        for path in paths:
            raw, key = path.read_bytes(), _QUEUED.sub(r"\1", path.stem)
            frm, rcpts = _envelope(raw)
            if not down:
                try:
                    refused = session.send(frm, rcpts, raw)
                except _Failed as exc:
                    message, kind, fix = exc.args
                    if kind == _PARK:
                        done.parked.append(_park(path, parked, key, rcpts, message))
                        continue
                    done.error, down = message, kind in (_DOWN, _CONFIG)
                    done.config_error = fix or done.config_error
                else:
                    gone = {a: r for a, r in refused.items() if _for_good(r[0])}
                    later = {a: r for a, r in refused.items() if a not in gone}
                    got = [a for a in rcpts if a not in refused]
                    if not got and not later:  # every recipient refused for good: as if its DATA were
                        done.parked.append(_park(path, parked, key, rcpts,
                                                 session.say(smtplib.SMTPRecipientsRefused(refused))))
                        continue
                    if got:
                        done.sent.append(key)
                        log.info("mail %s sent to %d recipients", key, len(got))
                    for address, (code, answer) in gone.items():
                        done.refused.append(Refusal(key, address, f"{code} {_text(answer)}"))
                        log.warning("mail %s: recipient %s refused by the server for good (%d %s), not retried",
                                    key, address, code, _text(answer))
                    if not later:
                        path.unlink()
                        continue
                    done.error = session.say(smtplib.SMTPRecipientsRefused(later))
                    _write(path.parent, path.stem, f"{PENDING}: {', '.join(later)}\r\n".encode() + raw, 0o600, path)
                    rcpts = list(later)
            log.warning("mail %s queued for %d recipients: %s", key, len(rcpts), done.error)
    finally:
        session.close()
    return done


def _for_good(code: int) -> bool:
    """A recipient's 5xx is final, except 552 (mailbox full), which RFC 5321 §4.5.3.1.10 says to take as 452."""
    return 500 <= code < 600 and code != 552


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _park(path: Path, folder: Path, key: str, rcpts: list[str], answer: str) -> Parked:
    """Move a queued mail the server refused for good to `folder`, the answer first in a .txt beside it (a crash in
    between leaves the mail queued, to be refused and parked again)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = _free(folder, path.name)
    note = (f"服务器拒收了这封邮件，不会再自动重发。\n邮件：{key}\n收件人：{', '.join(rcpts)}\n"
            f"时间：{dt.datetime.now().isoformat(timespec='seconds')}\n服务器的回答：{answer}\n\n"
            "处理：收件人地址有误时，请在邮件服务器上更正该邮箱，或用文本编辑器改正本邮件 .eml 中的 To: 行"
            f"（有 {PENDING}: 行时改那一行；以后的邮件请改正 selfeval.toml）；邮件过大时，请管理员放宽服务器的"
            "邮件大小限制。然后运行 selfeval mail --resend --config selfeval.toml 立即重发"
            f"（或把 {target.name} 移回 mailqueue 文件夹，下次运行时发出）。\n")
    atomic_write(target.with_suffix(".txt"), lambda tmp: tmp.write_text(note, encoding="utf-8"), 0o600)
    os.replace(path, target)
    log.warning("mail %s refused by the server for good, not retried; parked in %s: %s", key, target, answer)
    return Parked(key, target, answer)


def _free(folder: Path, name: str) -> Path:
    """`folder/name`, or name(2).eml … when that exists: a parked or moved-back mail never replaces another."""
    stem, target, n = Path(name).stem, folder / name, 1
    while target.exists() or target.with_suffix(".txt").exists():
        n += 1
        target = folder / f"{stem}({n}).eml"
    return target


class _Session:
    """One SMTP connection for a whole flush, opened when first needed and reopened after a transient failure."""

    def __init__(self, smtp: SmtpSettings, tries: int, backoff: float, sleep: Callable[[float], None]) -> None:
        self.smtp, self.tries, self.backoff, self.sleep = smtp, tries, backoff, sleep
        self.conn: smtplib.SMTP | None = None

    def send(self, frm: str, rcpts: list[str], raw: bytes) -> dict[str, tuple[int, bytes]]:
        """The recipients refused (usually none; all of them when none was accepted); raises _Failed."""
        last: Exception | None = None
        for attempt in range(self.tries):
            try:
                self.conn = self.conn or self._open()
                return self.conn.sendmail(frm, rcpts, raw)
            except smtplib.SMTPRecipientsRefused as exc:
                if all(code != 421 for code, _ in exc.recipients.values()):
                    return dict(exc.recipients)
                self.close()  # 421: the server hung up before every recipient was asked, as a disconnection
                last = exc
            except smtplib.SMTPSenderRefused as exc:
                if exc.smtp_code == 552:  # the SIZE given with MAIL FROM is over the server's limit
                    raise _Failed(self.say(exc), _PARK, "") from None
                if exc.smtp_code == 530:  # 5.7.0 authentication required: no [smtp] user, or it was not used
                    raise _Failed(self.say(exc), _CONFIG, self.fix("login")) from None
                if 500 <= exc.smtp_code < 600:
                    raise _Failed(self.say(exc), _CONFIG, self.fix("sender")) from None
                raise _Failed(self.say(exc), _THIS, "") from None
            except smtplib.SMTPDataError as exc:  # the content: 552 too large, 554 refused, 451 try later
                raise _Failed(self.say(exc), _PARK if 500 <= exc.smtp_code < 600 else _THIS, "") from None
            except smtplib.SMTPAuthenticationError as exc:  # retrying cannot help and may lock the account
                self.close()
                if 500 <= exc.smtp_code < 600:
                    raise _Failed(self.say(exc), _CONFIG, self.fix("login")) from None
                raise _Failed(self.say(exc), _DOWN, "") from None
            except UnicodeError as exc:  # smtplib logs in with ASCII credentials only: no login can succeed
                self.close()
                raise _Failed(self.say(exc), _CONFIG, self.fix("login")) from None
            except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as exc:
                self.close()
                raise _Failed(self.say(exc), _DOWN, "") from None
            except (OSError, smtplib.SMTPException) as exc:  # unreachable, timed out, disconnected, 4xx
                self.close()
                last = exc
            if attempt + 1 < self.tries:
                self.sleep(self.backoff * 2 ** attempt)
        raise _Failed(self.say(last) + f"（{self.tries} 次尝试均失败）", _DOWN, "") from None

    def fix(self, what: str) -> str:
        """What to change in selfeval.toml when the server refuses the login or the sender: every mail stays queued."""
        s, then = self.smtp, "邮件仍在 mailqueue 中排队，改正后的下一次运行（或 selfeval mail --resend）会发出。"
        if what == "sender":
            return (f"SMTP 服务器不接受发件人 {s.sender}：请检查 selfeval.toml 的 [smtp] sender"
                    f"（须是登录用户 [smtp] user 可以使用的地址）。{then}")
        env = s.password_env or "SELFEVAL_SMTP_PASSWORD"
        if not s.user:
            return (f"SMTP 服务器要求登录：请在 selfeval.toml 的 [smtp] user 填写用户名，并把密码放在 [smtp] password_env"
                    f" 所指的环境变量（现为 {env}）中。{then}")
        unset = "，该变量现在未设置或为空" if s.password is None else ""
        return (f"SMTP 服务器拒绝登录：请检查 selfeval.toml 的 [smtp] user（现为 {s.user}）和 [smtp] password_env"
                f"（现为 {env}，密码从该环境变量读取{unset}）。{then}")

    def _open(self) -> smtplib.SMTP:
        s, context = self.smtp, ssl.create_default_context()
        conn = (smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context) if s.security == "ssl"
                else smtplib.SMTP(s.host, s.port, timeout=s.timeout))
        try:
            if s.security == "starttls":
                conn.starttls(context=context)
            if s.user:
                conn.login(s.user, s.password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def say(self, exc: BaseException | None) -> str:
        """The failure in words with the server's own reply, the password removed in every form a server could
        echo: plain, escaped, and base64 as AUTH PLAIN and LOGIN send it."""
        text = _text
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            what = "收件人被拒绝：" + "；".join(f"{a}（{c} {text(m)}）" for a, (c, m) in exc.recipients.items())
        elif isinstance(exc, smtplib.SMTPResponseException):
            refused = "登录被拒绝" if isinstance(exc, smtplib.SMTPAuthenticationError) else "服务器拒绝"
            what = f"{refused}（{exc.smtp_code} {text(exc.smtp_error)}）"
        else:
            what = f"无法连接或发送（{type(exc).__name__}: {exc}）"
        message, s = f"SMTP {self.smtp.host}:{self.smtp.port}：{what}", self.smtp
        if s.password:
            clear = (s.password, f"\0{s.user}\0{s.password}", f"{s.user}\0{s.password}")
            forms = {s.password, repr(s.password)[1:-1], *(base64.b64encode(c.encode()).decode() for c in clear)}
            for form in sorted(forms, key=len, reverse=True):
                message = message.replace(form, "***")
        return message

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None


def _envelope(raw: bytes) -> tuple[str, list[str]]:
    """Sender and recipients of a stored message: the pending list when some were already served, else To/Cc."""
    head = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    pending = head.get(PENDING)
    fields = [str(pending)] if pending else [str(v) for v in [*(head.get_all("To") or []), *(head.get_all("Cc") or [])]]
    return parseaddr(str(head.get("From", "")))[1], [a for _, a in getaddresses(fields) if a]


def _to_outbox(outbox: Path, key: str, raw: bytes, recipients: int) -> Path:
    path = _write(outbox / "mail", safe_name(key, "mail", 150), raw, 0o644)
    log.info("mail %s for %d recipients written to %s", key, recipients, path)
    return path


def _write(folder: Path, stem: str, raw: bytes, mode: int, replace: Path | None = None) -> Path:
    """Write through a temporary file and rename: a crash never leaves half a mail. A new file never overwrites
    (stem(2).eml …); `replace` rewrites that one file in place. Only one run writes at a time (the run lock)."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = replace or folder / f"{stem}.eml", 1
    while replace is None and target.exists():
        n += 1
        target = folder / f"{stem}({n}).eml"
    # the queue is private state (0600); an outbox .eml must be readable like the summary
    atomic_write(target, lambda tmp: tmp.write_bytes(raw), mode, sync=True)
    return target


def summary_mail(to: tuple[str, ...], overview: dict[str, Any], tonight: dict[str, int], summary: Path,
                 date: dt.date) -> Outgoing:
    """The reviewers' nightly mail: the headline figures in the subject, so the inbox list alone tells the story;
    tonight's counts and the 总览 headline table in the body; the summary workbook attached."""
    def _num(value: Any, spec: str) -> str:
        return "—" if value is None or value != value else format(value, spec)  # None and NaN alike
    n = {k: int(tonight.get(k, 0)) for k in ("new", "accepted", "returned", "rejected", "duplicates", "skipped")}
    o = {k: overview.get(k, 0) for k in ("files_received", "files_accepted", "files_returned", "files_rejected",
                                         "projects", "departments", "inflated")}
    f = {k: _num(overview.get(k), {"annual_budget": ",.2f", "executed": ",.2f", "rate": ".1%"}.get(k, ".1f"))
         for k in ("annual_budget", "executed", "rate", "self_mean", "self_weighted", "computed_mean", "computed_weighted")}
    subject = f"绩效自评汇总 {date.isoformat()}：项目 {o['projects']} 个，执行率 {f['rate']}，今晚新收 {n['new']} 个"
    if n["returned"] or n["rejected"]:
        subject += f"（退回 {n['returned']}，拒收 {n['rejected']}）"
    night = [(label, f"{n[k]} 个") for label, k in (("新收文件", "new"), ("通过", "accepted"), ("退回修改", "returned"),
             ("拒收", "rejected"), ("重复（内容已处理过）", "duplicates"), ("跳过", "skipped"))]
    table = [("文件", f"{o['files_received']} 个（通过 {o['files_accepted']}，退回修改 {o['files_returned']}，"
                    f"拒收 {o['files_rejected']}）"),
             ("项目", f"{o['projects']} 个"), ("主管部门", f"{o['departments']} 个"),
             ("全年预算数", f"{f['annual_budget']} 万元"), ("全年执行数", f"{f['executed']} 万元"), ("执行率（按金额）", f['rate']),
             ("平均自评分", f"{f['self_mean']}（按预算加权 {f['self_weighted']}）"),
             ("平均复核分", f"{f['computed_mean']}（按预算加权 {f['computed_weighted']}）"), ("自评分虚高的项目", f"{o['inflated']} 个")]
    if overview.get("reports"):  # Word reports are files too, but counted apart from the forms (as 总览 counts them)
        table.insert(1, ("绩效自评报告", f"{overview['reports']} 份（{reports_said(overview)}）"))
    books = folder_for(summary)
    split = (f"项目较多，每个项目的复核页按主管部门分别存放在输出文件夹的“{books.name}”中，未随本邮件发送；"
             "汇总表中的“查看”链接须与该文件夹放在同一位置才能打开。") if books.is_dir() else ""
    return _compose(to, subject, f"summary_{date.isoformat()}", (summary,),
                    f"绩效自评汇总表（{date.isoformat()}）见附件：{summary.name}",
                    [("今晚收到", night), ("汇总（截至今晚收到的全部项目）", table)],
                    split + "退回修改和拒收的文件及原因见汇总表“退回与拒收”工作表。本邮件由 selfeval 自动发送。")


def department_mail(to: tuple[str, ...], department: str, files: list[Path], date: dt.date) -> Outgoing:
    """A department's feedback workbooks, with what the red and amber cells mean, so the clerk can start fixing."""
    return _compose(to, f"绩效自评审核意见 {date.isoformat()}：{department}（{len(files)} 个文件）",
                    f"feedback_{date.isoformat()}_{department}", tuple(files),
                    f"{department}：贵单位提交的项目支出绩效自评表已复核，审核意见见附件。",
                    [("附件", [(f"{i}.", p.name) for i, p in enumerate(files, 1)])],
                    "每个附件的第一张工作表“审核意见”列出全部问题和修改建议；标红的单元格为错误，须改正后重新提交；"
                    "标黄的为警告，请核实。请在原文件上修改后重新提交。本邮件由 selfeval 自动发送。")


def _compose(to: tuple[str, ...], subject: str, key: str, files: tuple[Path, ...], intro: str,
             sections: list[tuple[str, list[tuple[str, str]]]], outro: str) -> Outgoing:
    """The same content as plain text and as a small HTML page, in which every text is escaped (a department may
    be called `<研究院&所>`); inline styles only, as mail clients drop style sheets."""
    e = html.escape
    lines, cell = [intro, ""], 'style="border:1px solid #bbb;padding:3px 10px;text-align:left'
    page = ['<!DOCTYPE html>', '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(subject)}</title></head>",
            '<body style="font-family:\'Microsoft YaHei\',SimSun,sans-serif;font-size:14px">', f"<p>{e(intro)}</p>"]
    for title, rows in sections:
        lines += [f"【{title}】", *(f"  {k} {v}" if k.endswith(".") else f"  {k}：{v}" for k, v in rows), ""]
        page += [f"<h3>{e(title)}</h3>", '<table style="border-collapse:collapse">',
                 *(f'<tr><th {cell};background:#eef3f8">{e(k)}</th><td {cell}">{e(v)}</td></tr>' for k, v in rows),
                 "</table>"]
    page += [f"<p>{e(outro)}</p>", "</body></html>", ""]
    return Outgoing(to, subject, "\n".join([*lines, outro, ""]), "\n".join(page), files, key)
