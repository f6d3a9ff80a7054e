"""What a second reader found in history across years (issue 19); each failed before its fix."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from formbuilder import write_workbook
from reportbuilder import write_report
from tables import table_rows
from test_history import DAY, NAME, TODAY, forms, last_year, night_config, this_year
from test_report_check import BODY

from processor.check import check_paths
from processor.nightly import night
from processor.nightly.earlier import load_history
from processor.nightly.night import Night
from processor.read.labels import use_labels


def listed(done: Night) -> tuple[list[tuple[object, object]], list[object]]:
    header, rows = table_rows(done.summary, "项目汇总")
    projects = [(r[header.index("项目名称")], r[header.index("年度")]) for r in rows]
    header, rows = table_rows(done.summary, "退回与拒收")
    return projects, [r[header.index("来源文件")] for r in rows if r[header.index("状态")] == "拒收"]


def test_last_years_blank_year_form_and_refused_file_leave_this_years_summary(tmp_path: Path) -> None:
    config = night_config(tmp_path / "job")
    box = config.inbox / "市委组织部"
    box.mkdir()
    write_workbook(box / "2020年自评表.xlsx", [("表1", last_year())])
    write_workbook(box / "年度未填.xlsx", [("表1", last_year(title="项目支出绩效自评表", name="老旧小区改造经费"))])
    (box / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    night(config, now=TODAY - 300 * DAY, backoff=0)
    write_workbook(box / "2021年自评表.xlsx", [("表1", this_year())])
    assert listed(night(config, now=TODAY, backoff=0)) == ([(NAME, 2021.0)], [])


def test_a_file_refused_before_the_years_first_form_stays_listed(tmp_path: Path) -> None:
    config = night_config(tmp_path / "job")
    box = config.inbox / "市委组织部"
    box.mkdir()
    (box / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    night(config, now=TODAY - DAY, backoff=0)
    write_workbook(box / "2021年自评表.xlsx", [("表1", this_year())])
    projects, refused = listed(night(config, now=TODAY, backoff=0))
    assert projects == [(NAME, 2021.0)] and [Path(str(r)).name for r in refused] == ["坏文件.xlsx"]


def test_last_years_report_without_a_year_is_not_compared_with_this_years_form(tmp_path: Path) -> None:
    config = night_config(tmp_path / "job")
    box = config.inbox / "市委组织部"
    box.mkdir()
    then = TODAY - 300 * DAY
    write_workbook(box / "2020年自评表.xlsx", [("表1", last_year())])
    report = write_report(box / "绩效自评报告.docx", BODY, title_lines=["城市基层党建工作", "专项资金绩效自评报告"])
    os.utime(report, (then.timestamp() - 3600,) * 2)
    night(config, now=then, backoff=0)
    write_workbook(box / "2021年自评表.xlsx", [("表1", this_year())])
    done = night(config, now=TODAY, backoff=0)
    header, _ = table_rows(done.summary, "项目汇总")
    assert "自评报告" not in header  # no report of this year's round
    assert [p.name for p in done.feedback] == ["2021年自评表_审核意见.xlsx"]


def test_history_folders_never_take_in_the_jobs_own_folders(tmp_path: Path) -> None:
    root = tmp_path / "job"
    config = dataclasses.replace(night_config(root), settle_seconds=600,
                                 history_folders=(root,))  # a folder that holds the inbox and the outbox
    box = config.inbox / "市委组织部"
    box.mkdir()
    write_workbook(box / "2021年自评表.xlsx", [("表1", this_year())])
    os.utime(box / "2021年自评表.xlsx", ((TODAY.timestamp() - 60),) * 2)  # still being copied tonight
    night(config, now=TODAY, backoff=0)
    assert (box / "2021年自评表.xlsx").exists()
    os.utime(box / "2021年自评表.xlsx", ((TODAY - DAY).timestamp(),) * 2)
    second = night(config, now=TODAY + DAY, backoff=0)
    assert [Path(f.path).name for f in second.tonight.files] == ["2021年自评表.xlsx"]  # reviewed, not a duplicate
    assert [p.name for p in second.feedback] == ["2021年自评表_审核意见.xlsx"]
    _, rows = table_rows(second.summary, "项目汇总")
    assert len(rows) == 1 and "输出" not in str(rows[0])


def test_labels_reach_the_history_folders(tmp_path: Path) -> None:
    inbox, history = forms(tmp_path)
    labels = tmp_path / "labels.toml"
    labels.write_text("[fields]\nannual_budget = [\"年度核定数\"]\n", encoding="utf-8")
    for folder, spec in ((history, last_year), (inbox, this_year)):
        (path,) = folder.rglob("*.xlsx")
        write_workbook(path, [("表1", dataclasses.replace(
            spec(), funds_headers=("年初\n预算数", "年度核定数", "全年\n执行数", "分值", "执行率", "得分")))])
    try:
        earlier = load_history([history], labels=[labels])
        (form,) = check_paths([inbox], labels=[labels], history=earlier).files
    finally:
        use_labels(())
    previous = form.projects[0].previous
    assert previous is not None and previous.annual_budget == 200.0
    assert "carryover-excess" in [f.code for f in form.findings]


def test_a_night_reads_only_the_earlier_projects_it_matched(tmp_path: Path, monkeypatch: object) -> None:
    from processor.nightly.ledger import Ledger

    config = night_config(tmp_path / "job")
    box = config.inbox / "市委组织部"
    box.mkdir()
    write_workbook(box / "2020年自评表.xlsx", [("表1", last_year())])
    write_workbook(box / "2020年另一个.xlsx", [("表1", last_year(name="2020年老旧小区改造经费"))])
    night(config, now=TODAY - 300 * DAY, backoff=0)
    write_workbook(box / "2021年自评表.xlsx", [("表1", this_year())])
    read: list[str] = []
    original = Ledger.result

    def counting(self: Ledger, sha256: str) -> object:
        found = original(self, sha256)
        read.append(found.path)
        return found

    monkeypatch.setattr(Ledger, "result", counting)  # type: ignore[attr-defined]
    done = night(config, now=TODAY, backoff=0)
    assert done.tonight.files[0].projects[0].previous is not None
    assert not [p for p in read if p.endswith("2020年另一个.xlsx")]  # never matched: never decoded


def test_last_years_summary_beside_its_forms_is_not_read_as_forms(tmp_path: Path) -> None:
    import datetime as dt

    from processor.run import run

    old = tmp_path / "2020年"
    (old / "收件箱" / "市委组织部").mkdir(parents=True)
    write_workbook(old / "收件箱" / "市委组织部" / "2020.xlsx", [("表1", last_year())])
    run(old / "收件箱", old / "输出", date=dt.date(2021, 3, 1), feedback=False)
    files = {Path(path).relative_to(old).as_posix() for path, _, _ in load_history([old])}
    assert files == {"收件箱/市委组织部/2020.xlsx"}


def test_history_folders_skip_our_own_summaries_and_letters(tmp_path: Path) -> None:
    import datetime as dt
    import sqlite3

    from processor.run import run

    old = tmp_path / "2020年"
    (old / "收件箱" / "市委组织部").mkdir(parents=True)
    write_workbook(old / "收件箱" / "市委组织部" / "2020.xlsx", [("表1", last_year(total_score="90分"))])
    done = run(old / "收件箱", old / "输出", date=dt.date(2021, 3, 1))
    assert done.feedback  # a 审核意见 copy lies in last year's folder too
    config = dataclasses.replace(night_config(tmp_path / "job"), history_folders=(old,))
    (config.inbox / "市委组织部").mkdir()
    write_workbook(config.inbox / "市委组织部" / "2021年自评表.xlsx", [("表1", this_year())])
    night(config, now=TODAY, backoff=0)
    db = sqlite3.connect(config.state / "ledger.sqlite")
    names = sorted(r[0] for r in db.execute("SELECT name FROM files"))
    db.close()
    assert names == ["2020.xlsx", "2021年自评表.xlsx"]
