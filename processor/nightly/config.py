"""selfeval.toml: where the nightly job finds its folders, rules, recipients and mail server.

Every key is checked, and a bad one is named in one clear message: the job runs unattended, so a typo
must fail loudly on the first night rather than quietly do something else. The SMTP password is read
from an environment variable only; a `password` key in the file is refused.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processor.core.errors import ConfigError, OutputError, UsageError
from processor.core.names import CONFIG_FILE, DEFAULT_NAME, MODES, SPLIT_ABOVE, summary_name
from processor.nightly.mail import DEFAULT_SENDER, SmtpSettings, check_transport
from processor.read.labels import check_labels
from processor.read.workbook import DEFAULT_MAX_FILE_MB
from processor.review.profiles import load_profile

TEMPLATE = '''# selfeval 夜间批处理配置 / nightly job configuration
# 相对路径以本文件所在的文件夹为准。Relative paths are relative to this file's folder.

[folders]
inbox = "收件箱"        # 各部门放入自评表的共享文件夹 / where departments drop their workbooks
archive = "归档"        # 已处理的文件按日期归档（归档/YYYY-MM-DD/）/ processed files, by date
rejected = "拒收"       # 无法识别的文件，旁附 .txt 说明原因 / unreadable files, each with a .txt saying why
outbox = "输出"         # 汇总表、审核意见、未配置邮件时的 .eml / summaries, feedback, .eml mails
state = "状态"          # 台账数据库、锁文件、待发邮件 / ledger, lock, queued mails

[review]
year = 0                # 评价年度；0 = 近 180 天收到的自评表中最多的年度 / 0: the most common among the last 180 days' forms
profile = ""            # 评分规则：central2020、hunan-legacy 或 .toml 路径；空 = 按表样自动识别
settle_seconds = 120    # N 秒内修改过或大小仍在变化的文件下次再处理（见 README 的 Settling）；0 = 立即处理 / files still being copied wait
summary_name = "{default_name}"  # 汇总表文件名，可用 {year} 和 {date}
split_by = "auto"       # 项目页拆分：auto（超过 {split_above} 个项目时每个主管部门一个工作簿）、department 或 none
jobs = 0                # 并行进程数；0 = CPU 核数（最多 8）/ worker processes; 0 = one per core
labels = ""             # 本单位补充的表头标签文件（.toml，或文件列表）；空 = 只用内置标签 / a bureau's extra labels
max_file_mb = {max_file_mb}        # 单个文件大小上限（MB），更大的文件不读取、直接拒收 / larger files are refused unread
require_report = false  # true = 每个项目都要提交绩效自评报告（.docx），缺少的给出警告 / a form without a report gets a warning

[mail]
recipients = []         # 汇总表收件人 / who gets the summary, e.g. ["reviewer@czj.example.gov.cn"]
send_feedback = false   # 是否把审核意见发给各部门（邮箱见 [departments]）

[smtp]
host = ""               # 空 = 不发邮件，邮件写成 .eml 放在 输出/mail/ / empty: write .eml files instead
port = 587
security = "starttls"   # "starttls"、"ssl" 或 "none"
user = ""
sender = "selfeval@localhost"
password_env = "SELFEVAL_SMTP_PASSWORD"  # 密码只从这个环境变量读取，绝不写在本文件里

[departments]           # 主管部门 = 邮箱，或邮箱列表 / 主管部门 = address or list of addresses
# "市教育局" = "jyj@example.gov.cn"
# "市民政局" = ["mzj@example.gov.cn", "mzj-cw@example.gov.cn"]

[output]
keep_days = 30          # 每晚的汇总表、审核意见文件夹和 .eml 保留的天数（只删除本程序生成的）；0 = 永久保留 / 0 keeps all

[history]               # 历年对比 / earlier years beside this one
folders = []            # 往年的自评表文件夹：新文件读入台账一次（不发审核意见、不发邮件）/ earlier years' forms, each read once
# [history.match]       # 本年项目名称 = 上年项目名称或项目代码（无法自动对应时）/ this year's name = last year's name or code
# "城市基层党建工作经费" = "城市基层党建专项资金"
# [history.aliases]     # 旧部门名称 = 新部门名称（部门更名时）/ a renamed 主管部门: old = new
# "市卫生局" = "市卫生健康委员会"

[log]
jsonl = ""              # 可选：JSON 行日志文件 / optional JSON-lines log file
'''.replace("{default_name}", DEFAULT_NAME).replace("{split_above}", str(SPLIT_ABOVE)).replace(
    "{max_file_mb}", str(DEFAULT_MAX_FILE_MB))

_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "folders": {"inbox": str, "archive": str, "rejected": str, "outbox": str, "state": str},
    "review": {"year": int, "profile": str, "settle_seconds": int, "summary_name": str, "split_by": str,
               "jobs": int, "labels": (str, list), "max_file_mb": int, "require_report": bool},
    "mail": {"recipients": list, "send_feedback": bool},
    "smtp": {"host": str, "port": int, "security": str, "user": str, "sender": str, "password_env": str},
    "log": {"jsonl": str},
    "history": {"folders": list, "match": dict, "aliases": dict},
    "output": {"keep_days": int},
}


@dataclass(frozen=True)
class Config:
    path: Path
    inbox: Path
    archive: Path
    rejected: Path
    outbox: Path
    state: Path
    year: int | None = None
    profile: str | None = None
    settle_seconds: int = 120
    summary_name: str = DEFAULT_NAME
    recipients: tuple[str, ...] = ()
    send_feedback: bool = False
    smtp: SmtpSettings | None = None
    departments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    jsonl: Path | None = None
    split_by: str = "auto"
    jobs: int = 0  # 0: one per core
    labels: tuple[Path, ...] = ()  # a bureau's own label files (processor/read/labels.toml says how)
    max_file_mb: int = DEFAULT_MAX_FILE_MB  # a larger file is refused unread (file-over-size-cap)
    require_report: bool = False  # each form project without a 绩效自评报告 gets report-missing
    history_folders: tuple[Path, ...] = ()  # earlier years' forms, recorded in the ledger once (issue 19)
    history_match: dict[str, str] = field(default_factory=dict)  # this year's 项目名称 → last year's
    department_aliases: dict[str, str] = field(default_factory=dict)  # an old 主管部门 name → its current one
    keep_days: int = 30  # a night's own outputs are removed after this many days; 0 keeps them all


class ConfigExists(ConfigError):
    """`selfeval init` where a selfeval.toml already is: left as it is (the CLI says so and exits 0)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} 已存在，未覆盖。请直接编辑它，或换一个文件夹。")
        self.path = path


def write_template(folder: Path) -> Path:
    """`selfeval init`: a commented selfeval.toml; an existing one is never overwritten (ConfigExists)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise UsageError(f"{folder} 不是文件夹（同名的文件已存在）。请给出放置 selfeval.toml 的文件夹。") from exc
    except OSError as exc:
        raise OutputError(f"无法创建文件夹 {folder}（{exc.strerror or exc}）。请检查路径和权限。") from exc
    target = folder / CONFIG_FILE
    try:
        fh = target.open("x", encoding="utf-8")  # "x": never over a file, not even one that appeared meanwhile
    except FileExistsError as exc:
        raise ConfigExists(target) from exc
    except OSError as exc:
        raise OutputError(f"无法写出配置文件 {target}（{exc.strerror or exc}）。请检查文件夹的写入权限。") from exc
    try:
        with fh:
            fh.write(TEMPLATE)
    except OSError as exc:
        target.unlink(missing_ok=True)  # a half file would be "already there" to the next init
        raise OutputError(f"无法写出配置文件 {target}（{exc.strerror or exc}）。请检查磁盘空间。") from exc
    return target


def _get(data: dict[str, Any], section: str, key: str, default: Any) -> Any:
    value = data.get(section, {}).get(key, default)
    want = _SCHEMA[section][key]
    if (isinstance(value, bool) and want is int) or not isinstance(value, want):
        names: dict[object, str] = {str: "文字（加引号）", int: "整数", bool: "true 或 false",
                                    list: "列表，如 [\"a@b.cn\"]", (str, list): "文件名或文件名列表",
                                    dict: "一个表（每行 \"名称\" = \"名称\"）"}
        raise ConfigError(f"配置项 [{section}] {key} 应为{names.get(want, str(want))}，现为 {value!r}。")
    return value


def load_config(path: Path) -> Config:
    """Read and check selfeval.toml; every problem is a ConfigError naming the key."""
    if not path.is_file():
        raise ConfigError(f"找不到配置文件 {path}。可用 `selfeval init {path.parent}` 生成一份带说明的配置。")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 格式有误：{exc}。请按 TOML 格式修改。") from exc
    for section, values in data.items():
        if section == "departments":
            continue
        if section not in _SCHEMA or not isinstance(values, dict):
            raise ConfigError(f"配置文件中有未知的部分 [{section}]。可用的部分：{', '.join(_SCHEMA)}, departments。")
        for key in values:
            if section == "smtp" and key == "password":
                raise ConfigError("配置项 [smtp] password 不能写在配置文件里：请把密码放在环境变量中，"
                                  "并用 [smtp] password_env 指定变量名（默认 SELFEVAL_SMTP_PASSWORD）。")
            if key not in _SCHEMA[section]:
                raise ConfigError(f"配置项 [{section}] {key} 无法识别。可用的键：{', '.join(_SCHEMA[section])}。")
    base = path.parent

    def folder(key: str, default: str) -> Path:
        value = _get(data, "folders", key, default)
        return (base / value).resolve() if value else (base / default).resolve()

    security = _get(data, "smtp", "security", "starttls")
    host = _get(data, "smtp", "host", "")
    port = _get(data, "smtp", "port", 587)
    check_transport(security, port)
    smtp = SmtpSettings(host, port, security, _get(data, "smtp", "user", ""),
                        sender=_get(data, "smtp", "sender", DEFAULT_SENDER),
                        password_env=_get(data, "smtp", "password_env", "SELFEVAL_SMTP_PASSWORD")) if host else None
    recipients = _get(data, "mail", "recipients", [])
    if not all(isinstance(r, str) and "@" in r for r in recipients):
        raise ConfigError(f"配置项 [mail] recipients 应为邮箱列表，如 [\"a@example.gov.cn\"]，现为 {recipients!r}。")
    if host and not recipients:
        raise ConfigError("配置了 [smtp] host，但 [mail] recipients 为空：汇总表发给谁？请填写收件人邮箱。")
    departments: dict[str, tuple[str, ...]] = {}
    if not isinstance(data.get("departments", {}), dict):
        raise ConfigError("配置项 departments 应写成一个部分 [departments]，每行 \"主管部门\" = \"邮箱\"。")
    for dept, addr in data.get("departments", {}).items():
        addrs = (addr,) if isinstance(addr, str) else tuple(addr) if isinstance(addr, list) else ()
        if not addrs or not all(isinstance(a, str) and "@" in a for a in addrs):
            raise ConfigError(f"配置项 [departments] \"{dept}\" 应为邮箱或邮箱列表，现为 {addr!r}。")
        departments[dept] = addrs
    year = _get(data, "review", "year", 0)
    jsonl = _get(data, "log", "jsonl", "")
    settle = _get(data, "review", "settle_seconds", 120)
    if settle < 0:
        raise ConfigError(f"配置项 [review] settle_seconds 不能为负数，现为 {settle}。")
    profile = _get(data, "review", "profile", "") or None
    if profile:
        try:
            load_profile(profile if not profile.endswith(".toml") else str(base / profile))
        except UsageError as exc:
            raise ConfigError(f"配置项 [review] profile 有误：{exc}") from exc
    template = _get(data, "review", "summary_name", DEFAULT_NAME)
    try:
        summary_name(template, 2021, dt.date(2021, 1, 1))
    except UsageError as exc:
        raise ConfigError(f"配置项 [review] summary_name 有误：{exc}") from exc
    split_by = _get(data, "review", "split_by", "auto")
    if split_by not in MODES:
        raise ConfigError(f"配置项 [review] split_by 应为 {'、'.join(repr(m) for m in MODES)}，现为 {split_by!r}。")
    jobs = _get(data, "review", "jobs", 0)
    if not 0 <= jobs <= 64:
        raise ConfigError(f"配置项 [review] jobs 应在 0–64 之间（0 = CPU 核数），现为 {jobs}。")
    max_file_mb = _get(data, "review", "max_file_mb", DEFAULT_MAX_FILE_MB)
    if max_file_mb <= 0:
        raise ConfigError(f"配置项 [review] max_file_mb 应为正整数（单个文件的大小上限，MB），现为 {max_file_mb}。")
    labels = _get(data, "review", "labels", "")
    names = [labels] if isinstance(labels, str) else labels
    if not all(isinstance(x, str) for x in names):
        raise ConfigError(f"配置项 [review] labels 应为文件名或文件名列表，现为 {labels!r}。")
    label_files = tuple((base / x).resolve() for x in names if x)
    try:
        check_labels(label_files)
    except UsageError as exc:
        raise ConfigError(f"配置项 [review] labels 有误：{exc}") from exc
    return Config(
        path=path.resolve(), inbox=folder("inbox", "收件箱"), archive=folder("archive", "归档"),
        rejected=folder("rejected", "拒收"), outbox=folder("outbox", "输出"), state=folder("state", "状态"),
        year=year or None, profile=(str(base / profile) if profile and profile.endswith(".toml") else profile),
        settle_seconds=settle, summary_name=template, recipients=tuple(recipients),
        send_feedback=_get(data, "mail", "send_feedback", False), smtp=smtp, departments=departments,
        jsonl=(base / jsonl).resolve() if jsonl else None, split_by=split_by, jobs=jobs, labels=label_files,
        max_file_mb=max_file_mb, require_report=_get(data, "review", "require_report", False),
        history_folders=tuple((base / x).resolve() for x in _strings(data, "folders")),
        history_match=_names(data, "match"), department_aliases=_names(data, "aliases"),
        keep_days=_keep_days(data),
    )


def _keep_days(data: dict[str, Any]) -> int:
    days = _get(data, "output", "keep_days", 30)
    if days < 0:
        raise ConfigError(f"配置项 [output] keep_days 不能为负数（0 = 永久保留），现为 {days}。")
    return int(days)


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = _get(data, "history", key, [])
    if not all(isinstance(x, str) and x for x in value):
        raise ConfigError(f"配置项 [history] {key} 应为文件夹路径的列表，如 [\"往年/2021\"]，现为 {value!r}。")
    return list(value)


def _names(data: dict[str, Any], key: str) -> dict[str, str]:
    value = _get(data, "history", key, {})
    if not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()):
        raise ConfigError(f"配置项 [history.{key}] 每行应为 \"名称\" = \"名称\"，现为 {value!r}。")
    return dict(value)
