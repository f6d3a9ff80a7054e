"""[output] keep_days (issue 20): a night's own outputs go once they are older; nothing else in the outbox does."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from formbuilder import clean_spec, write_workbook

from processor.nightly import load_config, night
from processor.nightly import write_template as write_config
from processor.nightly.config import Config

FIRST = dt.datetime(2026, 9, 1, 23, 30)
DAY = dt.timedelta(days=1)


def job(root: Path, **changes: object) -> Config:
    config = dataclasses.replace(load_config(write_config(root)), settle_seconds=0, **changes)
    config.inbox.mkdir(parents=True, exist_ok=True)
    return config


def drop(config: Config, name: str) -> None:
    write_workbook(config.inbox / name, [("表", clean_spec(total_score="90分", name=name))])  # returned: a letter


def test_outputs_older_than_keep_days_go_and_nothing_else(tmp_path: Path) -> None:
    config = job(tmp_path)
    assert config.keep_days == 30  # the default
    drop(config, "a.xlsx")
    first = night(config, now=FIRST, backoff=0)
    assert first.feedback and first.summary.exists()
    assert list((config.outbox / "mail").glob(f"*{FIRST.date().isoformat()}*.eml"))  # no SMTP: .eml files
    theirs = config.outbox / "部门放在这里的.xlsx"
    theirs.write_bytes(b"a department's own file")
    (config.outbox / "2026-08-01").mkdir()  # a dated folder nobody recorded
    drop(config, "b.xlsx")
    second = night(config, now=FIRST + 20 * DAY, backoff=0)
    assert first.summary.exists() and (config.outbox / FIRST.date().isoformat()).exists()  # 20 days: kept
    third = night(config, now=FIRST + 31 * DAY, backoff=0)
    assert not first.summary.exists() and not (config.outbox / FIRST.date().isoformat()).exists()
    assert not list((config.outbox / "mail").glob(f"*{FIRST.date().isoformat()}*.eml"))
    assert second.summary.exists() and (config.outbox / (FIRST + 20 * DAY).date().isoformat()).exists()
    assert third.summary.exists() and third.latest.exists()
    assert theirs.exists() and (config.outbox / "2026-08-01").is_dir()


def test_keep_days_zero_keeps_everything(tmp_path: Path) -> None:
    config = job(tmp_path, keep_days=0)
    drop(config, "a.xlsx")
    first = night(config, now=FIRST, backoff=0)
    night(config, now=FIRST + 400 * DAY, backoff=0)
    assert first.summary.exists() and (config.outbox / FIRST.date().isoformat()).exists()


def test_a_negative_keep_days_is_a_config_error(tmp_path: Path) -> None:
    import pytest

    from processor.core.errors import ConfigError

    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("keep_days = 30", "keep_days = -1"), encoding="utf-8")
    with pytest.raises(ConfigError, match="keep_days"):
        load_config(path)
