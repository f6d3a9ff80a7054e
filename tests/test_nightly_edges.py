"""Nightly cases found by a second reader: each pinned by a test on real folders and a real ledger."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from formbuilder import clean_rows, clean_spec, seed_spec, write_workbook
from python_calamine import CalamineWorkbook
from tables import table_rows

from processor.core.errors import AlreadyRunning, ConfigError
from processor.nightly.config import load_config, write_template
from processor.nightly.night import night

T = dt.datetime(2026, 11, 25, 23, 30)


def config_at(root: Path, **folders: str) -> Path:
    path = write_template(root)
    text = path.read_text(encoding="utf-8").replace("settle_seconds = 120", "settle_seconds = 0")
    for key, value in folders.items():
        text = text.replace(f'{key} = "', f'{key} = "{value}" #', 1)
    path.write_text(text, encoding="utf-8")
    return path


def names(rows: list[list[object]], column: str) -> list[object]:
    col = rows[0].index(column)
    return sorted(r[col] for r in rows[1:])


def summary_rows(summary: Path) -> list[list[object]]:
    """项目汇总's header, then its rows."""
    header, rows = table_rows(summary, "项目汇总")
    return [header, *rows]


def test_same_file_name_on_two_nights(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path))
    config.inbox.mkdir()
    write_workbook(config.inbox / "卫健委.xlsx", [("一", clean_spec(name="P1", department="卫健委")),
                                               ("二", clean_spec(name="P2", department="卫健委")),
                                               ("三", clean_spec(name="P3", department="卫健委"))])
    night(config, now=T)
    write_workbook(config.inbox / "卫健委.xlsx", [("一", clean_spec(name="P1", department="卫健委", total_score=99))])
    second = night(config, now=T + dt.timedelta(days=1))
    rows = summary_rows(second.summary)
    assert names(rows, "项目名称") == ["P1", "P2", "P3"]
    col = rows[0].index("项目名称")
    p1 = next(r for r in rows[1:] if r[col] == "P1")
    assert p1[rows[0].index("版本")] == 2 and p1[rows[0].index("自评得分")] == 99
    assert sorted(p.name for p in config.archive.rglob("*.xlsx")) == ["卫健委.xlsx", "卫健委.xlsx"]


def test_output_folders_inside_the_inbox_are_never_read_back(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path, outbox="收件箱/输出", archive="收件箱/已处理"))
    config.inbox.mkdir()
    write_workbook(config.inbox / "a.xlsx", [("表", clean_spec())])
    night(config, now=T)
    second = night(config, now=T + dt.timedelta(days=1))
    assert second.counts["new"] == 0 and second.counts["duplicates"] == 0
    assert [p.name for p in config.archive.rglob("*.xlsx")] == ["a.xlsx"]
    assert len(summary_rows(second.summary)) == 2


def test_forms_without_name_or_department_never_merge(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path))
    config.inbox.mkdir()
    write_workbook(config.inbox / "a.xlsx", [("表", clean_spec(name=None))])
    write_workbook(config.inbox / "b.xlsx", [("表", clean_spec(name=None, total_score=98))])
    result = night(config, now=T)
    assert result.counts["returned"] == 2
    assert len(summary_rows(result.summary)) == 3  # both kept, neither is the other's "version 2"


def test_other_years_are_history_not_rows_of_the_summary(tmp_path: Path) -> None:
    # since issue 19 the summary is the evaluated year's; an earlier year's form is kept in the ledger as history
    config = load_config(config_at(tmp_path))
    config.inbox.mkdir()
    write_workbook(config.inbox / "a.xlsx", [("表", clean_spec())])
    write_workbook(config.inbox / "b.xlsx", [("表", clean_spec(name="另一个项目"))])
    write_workbook(config.inbox / "old.xlsx", [("表", clean_spec(name="去年项目", title="2020年度项目支出绩效自评表"))])
    result = night(config, now=T)
    assert names(summary_rows(result.summary), "项目名称") == ["另一个项目", "社区综合服务站建设经费"]
    assert len(result.tonight.files) == 3  # answered all the same


def test_reason_note_never_overwrites_a_department_file(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path))
    config.rejected.mkdir(parents=True)
    (config.rejected / "报告.xlsx.txt").write_text("部门自己的说明", encoding="utf-8")
    config.inbox.mkdir()
    (config.inbox / "报告.xlsx").write_text("不是工作簿", encoding="utf-8")
    night(config, now=T)
    assert (config.rejected / "报告.xlsx.txt").read_text(encoding="utf-8") == "部门自己的说明"
    assert "不是 Excel" in (config.rejected / "报告.xlsx (2).txt").read_text(encoding="utf-8")


def test_locked_ledger_is_not_called_damaged(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path))
    config.inbox.mkdir()
    write_workbook(config.inbox / "a.xlsx", [("表", clean_spec())])
    night(config, now=T)
    holder = sqlite3.connect(config.state / "ledger.sqlite", isolation_level=None, timeout=0)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(AlreadyRunning, match="暂时无法使用"):
            night(config, now=T + dt.timedelta(days=1))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (config.state / "ledger.sqlite").exists()
    assert not list(config.state.glob("ledger.sqlite.damaged-*"))


def test_a_killed_run_still_gets_its_feedback_and_reason_notes(tmp_path: Path) -> None:
    cfg = config_at(tmp_path)
    config = load_config(cfg)
    config.inbox.mkdir()
    write_workbook(config.inbox / "教育局.xlsx", [("表", clean_spec(name="学生资助", department="市教育局",
                                                                 rows=clean_rows(r0={"actual": "8个"})))])
    (config.inbox / "坏.xlsx").write_text("x", encoding="utf-8")
    env = {**os.environ, "SELFEVAL_PAUSE_AT": "before-summary"}
    proc = subprocess.Popen([sys.executable, "-m", "processor", "run", "--config", str(cfg)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    marker = config.state / "paused-before-summary"
    for _ in range(600):
        if marker.exists():
            break
        assert proc.poll() is None
        time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=30)
    assert (config.rejected / "坏.xlsx.txt").exists()
    result = night(config, now=T + dt.timedelta(days=1))
    assert any("审核意见" in p.name for p in result.feedback)  # the killed night's files get their feedback
    with sqlite3.connect(config.state / "ledger.sqlite") as db:
        assert [r[0] for r in db.execute("SELECT status FROM runs ORDER BY id")] == ["crashed", "ok"]


@pytest.mark.parametrize(("line", "named"), [
    ('profile = ""', '[review] profile'),
    ('summary_name = "', '[review] summary_name'),
    ("port = 587", "[smtp] port"),
    ("settle_seconds = 0", "[review] settle_seconds"),
])
def test_configuration_is_checked_before_anything_moves(tmp_path: Path, line: str, named: str) -> None:
    cfg = config_at(tmp_path)
    bad = {'profile = ""': 'profile = "no-such-profile"', 'summary_name = "': 'summary_name = "{month}" #',
           "port = 587": "port = 70000", "settle_seconds = 0": "settle_seconds = -5"}[line]
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(line, bad, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_config(cfg)


def test_unexpected_errors_exit_8_not_1(tmp_path: Path) -> None:
    cfg = config_at(tmp_path)
    (tmp_path / "状态").write_text("a file where the state folder should be", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "processor", "run", "--config", str(cfg)], capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert proc.returncode not in (0, 1) and "Traceback" not in proc.stderr + proc.stdout


def test_seed_form_round_trip_through_a_night(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path))
    config.inbox.mkdir()
    write_workbook(config.inbox / "seed.xlsx", [("自评表", seed_spec())])
    result = night(config, now=T)
    assert result.exit_code == 0 and result.counts["accepted"] == 1


def test_a_rebuilt_ledger_keeps_same_named_files_apart(tmp_path: Path) -> None:
    """Two departments both sent 自评表.xlsx on different days. After rebuild-ledger each project's sheet must
    show its own form: results are keyed by where the file lies, never by its bare name."""
    from processor.nightly.night import rebuild, rebuild_ledger

    write_template(tmp_path)
    config = load_config(tmp_path / "selfeval.toml")
    for day, name, dept in (("2024-01-10", "项目甲", "甲局"), ("2024-01-20", "项目乙", "乙局")):
        folder = config.archive / day
        folder.mkdir(parents=True)
        write_workbook(folder / "自评表.xlsx", [("表", clean_spec(name=name, department=dept))])
    _, counts = rebuild_ledger(config, now=dt.datetime(2024, 1, 31, 2, 0))
    assert counts == {"files": 2, "duplicates": 0}
    summary = rebuild(config, now=dt.datetime(2024, 1, 31, 2, 0))
    book = CalamineWorkbook.from_path(str(summary))
    sheets = [n for n in book.sheet_names if n.startswith("P")]
    assert sorted(n[5:] for n in sheets) == ["项目乙", "项目甲"]
    for sheet in sheets:
        cells = [v for row in book.get_sheet_by_name(sheet).to_python()[:4] for v in row]
        assert sheet[5:] in cells and ({"项目甲", "项目乙"} - {sheet[5:]}).isdisjoint(cells)
