"""selfeval.toml: init writes a working commented file; every bad key is named; secrets stay out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from formbuilder import clean_spec, write_workbook

from processor.core.errors import ConfigError
from processor.nightly.config import load_config, write_template


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "processor", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=180, cwd=cwd, env=env)


def test_init_writes_a_config_that_loads_and_runs(tmp_path: Path) -> None:
    proc = cli("init", str(tmp_path))
    assert proc.returncode == 0 and "selfeval.toml" in proc.stdout
    config = load_config(tmp_path / "selfeval.toml")
    assert config.inbox == (tmp_path / "收件箱").resolve() and config.smtp is None and config.settle_seconds == 120
    assert cli("init", str(tmp_path)).returncode == 0  # already there: said, left unchanged, exit 0
    text = (tmp_path / "selfeval.toml").read_text(encoding="utf-8").replace("settle_seconds = 120", "settle_seconds = 0")
    (tmp_path / "selfeval.toml").write_text(text.replace('jsonl = ""', 'jsonl = "状态/run.jsonl"'), encoding="utf-8")
    (tmp_path / "收件箱").mkdir()
    write_workbook(tmp_path / "收件箱" / "a.xlsx", [("表", clean_spec())])
    night = cli("run", "--config", str(tmp_path / "selfeval.toml"))
    assert night.returncode == 0, night.stdout + night.stderr
    assert "今晚新收 1 个文件" in night.stdout
    eml = list((tmp_path / "输出" / "mail").glob("*.eml"))
    assert len(eml) == 1  # no SMTP configured: the mail is a file
    events = [json.loads(line)["event"] for line in (tmp_path / "状态" / "run.jsonl").read_text("utf-8").splitlines()]
    assert events == ["file", "summary"]
    rebuilt = cli("report", "--config", str(tmp_path / "selfeval.toml"))
    assert rebuilt.returncode == 0 and "汇总表已重新生成" in rebuilt.stdout


@pytest.mark.parametrize(("text", "named"), [
    ("[folders]\ninbx = \"收件箱\"\n", "[folders] inbx"),
    ("[review]\nsettle_seconds = \"120\"\n", "[review] settle_seconds"),
    ("[smtp]\nhost = \"mail.example\"\npassword = \"hunter2\"\n", "[smtp] password"),
    ("[smtp]\nhost = \"mail.example\"\nsecurity = \"tls\"\n", "[smtp] security"),
    ("[smtp]\nhost = \"mail.example\"\n", "[mail] recipients"),
    ("[mail]\nrecipients = [\"not-an-address\"]\n", "[mail] recipients"),
    ("[departments]\n\"市教育局\" = 3\n", "[departments] \"市教育局\""),
    ("[ledger]\npath = \"x\"\n", "[ledger]"),
    ("[folders\n", "TOML"),
    ("[review]\nsplit_by = \"city\"\n", "[review] split_by"),
    ("[review]\njobs = -1\n", "[review] jobs"),
])
def test_bad_configuration_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "selfeval.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert named in str(err.value)
    assert "hunter2" not in str(err.value)
    proc = cli("run", "--config", str(path))
    assert proc.returncode == 4 and named in proc.stderr.replace("\n", "") and "Traceback" not in proc.stderr


def test_password_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_template(tmp_path)
    text = path.read_text(encoding="utf-8").replace('host = ""', 'host = "mail.example"').replace(
        "recipients = []", 'recipients = ["a@example.gov.cn"]')
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SELFEVAL_SMTP_PASSWORD", "s3cret")
    config = load_config(path)
    assert config.smtp is not None and config.smtp.password == "s3cret"
    assert "s3cret" not in repr(config)


def test_missing_config_file(tmp_path: Path) -> None:
    proc = cli("run", "--config", str(tmp_path / "nope.toml"))
    assert proc.returncode == 4 and "selfeval init" in proc.stderr


def test_a_night_can_split_the_summary_by_department(tmp_path: Path) -> None:
    import datetime as dt

    from python_calamine import CalamineWorkbook

    from processor.nightly.night import night

    write_template(tmp_path)
    path = tmp_path / "selfeval.toml"
    text = path.read_text(encoding="utf-8").replace("settle_seconds = 120", "settle_seconds = 0")
    path.write_text(text.replace('split_by = "auto"', 'split_by = "department"').replace("jobs = 0", "jobs = 2"),
                    encoding="utf-8")
    config = load_config(path)
    assert (config.split_by, config.jobs) == ("department", 2)
    config.inbox.mkdir()
    for k in range(3):
        write_workbook(config.inbox / f"{k}.xlsx", [("表", clean_spec(name=f"项目{k}", department=f"局{k}"))])
    result = night(config, now=dt.datetime(2024, 1, 31, 2, 0))
    books = sorted((config.outbox / (result.summary.stem + "_分部门")).glob("*.xlsx"))
    assert [p.name for p in books] == ["001_局0.xlsx", "002_局1.xlsx", "003_局2.xlsx"]
    # numbered within its department: one project, P001
    assert CalamineWorkbook.from_path(str(books[1])).sheet_names == ["项目汇总", "P001 项目1"]
    import email
    import email.policy

    (eml,) = (config.outbox / "mail").glob("*.eml")
    mail = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"“{result.summary.stem}_分部门”中，未随本邮件发送" in body  # only the summary is attached
    # the latest copy sits beside the summary, so its relative links reach the same folder
    assert result.latest.parent == result.summary.parent
    assert CalamineWorkbook.from_path(str(result.latest)).sheet_names[:2] == ["总览", "项目汇总"]
