"""Word 绩效自评报告 in the nightly job (issue 18): a report and its form arriving on different nights, matched over
the year's ledger; a report waits (待匹配) with no letter until its form comes; a newer report replaces an earlier
night's; `[review] require_report`; `selfeval report` and `rebuild-ledger` keep the reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

from formbuilder import seed_spec, write_workbook
from python_calamine import CalamineWorkbook
from reportbuilder import write_report
from seedreport import replace
from tables import table_rows
from test_report_check import BODY, TITLE

from processor.nightly import load_config, night
from processor.nightly import write_template as write_config
from processor.nightly.config import Config
from processor.nightly.night import rebuild, rebuild_ledger

NIGHT1 = dt.datetime(2026, 11, 25, 23, 30)
DAY = dt.timedelta(days=1)
FORM = "市委组织部_2021_城市基层党建工作经费.xlsx"
DRIFTED = replace("综合得分为99分", "综合得分为95分", BODY)


def configured(root: Path, **changes: object) -> Config:
    config = load_config(write_config(root))
    config = dataclasses.replace(config, settle_seconds=0, jsonl=root / "run.jsonl",
                                 departments={"市委组织部": ("zzb@example.gov.cn",)}, send_feedback=True, **changes)
    config.inbox.mkdir(parents=True, exist_ok=True)
    return config


def drop_form(config: Config, folder: str = "市委组织部", file: str = FORM, **spec: object) -> None:
    (config.inbox / folder).mkdir(parents=True, exist_ok=True)
    write_workbook(config.inbox / folder / file, [("表1", seed_spec(**spec))])


def drop_report(config: Config, body: list[str], name: str = "绩效自评报告.docx", when: dt.datetime = NIGHT1,
                folder: str = "市委组织部") -> Path:
    (config.inbox / folder).mkdir(parents=True, exist_ok=True)
    path = write_report(config.inbox / folder / name, body, title_lines=TITLE)
    os.utime(path, (when.timestamp() - 3600,) * 2)
    return path


def shown_report(summary: Path) -> str:
    header, rows = table_rows(summary, "项目汇总")
    (row,) = [r for r in rows if r[header.index("项目名称")] == "城市基层党建工作经费"]
    return str(row[header.index("自评报告")])


def letter_lines(path: Path) -> list[str]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("审核意见").to_python()
    return ["".join(str(c) for c in r if c) for r in rows]


def overview_lines(summary: Path) -> list[str]:
    rows = CalamineWorkbook.from_path(str(summary)).get_sheet_by_name("总览").to_python()
    return ["".join(str(c) for c in r if c != "") for r in rows]


def test_a_report_a_night_before_its_form_waits_then_goes_into_the_forms_letter(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_report(config, DRIFTED)
    first = night(config, now=NIGHT1, backoff=0)
    (entry,) = first.tonight.files
    assert entry.report is not None and entry.report.verdict == "待匹配" and entry.report.form == ""
    assert [f.code for f in entry.findings] == ["report-waiting"] and first.counts["accepted"] == 1
    assert first.feedback == ()  # no letter until it can be checked
    assert (config.archive / NIGHT1.date().isoformat() / "市委组织部" / "绩效自评报告.docx").exists()
    assert not any(config.inbox.rglob("*.docx"))
    assert any("待匹配 1" in line for line in overview_lines(first.summary))
    header, rows = table_rows(first.summary, "问题清单")
    assert [r[header.index("代码")] for r in rows] == ["report-waiting"]
    said = [json.loads(x) for x in (tmp_path / "run.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["file"] for e in said if e["event"] == "report-waiting"] == ["绩效自评报告.docx"]

    drop_form(config)
    second = night(config, now=NIGHT1 + DAY, backoff=0)
    assert [f.report is None for f in second.tonight.files] == [True]
    assert shown_report(second.summary) == "有出入"
    (letter,) = second.feedback
    assert letter.name == "市委组织部_2021_城市基层党建工作经费_审核意见.xlsx" and letter.parent.name == "市委组织部"
    lines = letter_lines(letter)
    assert any("自评报告 绩效自评报告.docx：" in t and "95" in t and "99" in t and "report-score-mismatch" in t
               for t in lines), lines
    assert not any("待匹配" in line for line in overview_lines(second.summary))
    # the department's mail carries that letter (no SMTP host: written as .eml)
    mails = [p.name for p in config.outbox.rglob("feedback_*.eml")]
    assert mails == [f"feedback_{(NIGHT1 + DAY).date().isoformat()}_市委组织部.eml"]  # none the night before

    third = night(config, now=NIGHT1 + 2 * DAY, backoff=0)  # nothing new: nothing answered again
    assert third.feedback == () and shown_report(third.summary) == "有出入"


def test_a_report_after_its_form_gets_its_own_letter(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    night(config, now=NIGHT1, backoff=0)
    drop_report(config, DRIFTED, when=NIGHT1 + DAY)
    second = night(config, now=NIGHT1 + DAY, backoff=0)
    (entry,) = second.tonight.files
    assert entry.report is not None and entry.report.verdict == "有出入" and entry.report.form.endswith(FORM)
    assert "report-score-mismatch" in [f.code for f in entry.findings]
    (letter,) = second.feedback
    assert letter.name == "绩效自评报告_审核意见.xlsx" and letter.parent.name == "市委组织部"
    assert any("report-score-mismatch" in t for t in letter_lines(letter))
    assert f"feedback_{(NIGHT1 + DAY).date().isoformat()}_市委组织部.eml" in [
        p.name for p in config.outbox.rglob("feedback_*.eml")]


def test_a_newer_report_on_a_later_night_replaces_the_earlier_one(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    drop_report(config, DRIFTED, "初稿.docx")
    first = night(config, now=NIGHT1, backoff=0)
    assert shown_report(first.summary) == "有出入"
    drop_report(config, BODY, "终稿.docx", when=NIGHT1 + DAY)
    second = night(config, now=NIGHT1 + DAY, backoff=0)
    assert shown_report(second.summary) == "一致"
    assert any(line.startswith("绩效自评报告（与自评表一致 1，有出入 0，其他 0）") for line in overview_lines(second.summary))
    header, rows = table_rows(second.summary, "问题清单")
    assert not [r for r in rows if str(r[header.index("代码")]).startswith("report-")]
    assert second.feedback == ()  # the consistent report needs no letter


def test_two_reports_the_same_night_are_a_duplicate(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    drop_report(config, DRIFTED, "初稿.docx", when=NIGHT1 - DAY)
    drop_report(config, BODY, "终稿.docx")
    done = night(config, now=NIGHT1, backoff=0)
    by_name = {Path(f.path).name: f for f in done.tonight.files}
    assert by_name["初稿.docx"].report.verdict == "重复（未采用）"  # type: ignore[union-attr]
    assert [f.code for f in by_name["初稿.docx"].findings] == ["report-duplicate"]
    assert shown_report(done.summary) == "一致"


def test_required_reports_in_the_nightly_config(tmp_path: Path) -> None:
    config = configured(tmp_path, require_report=True)
    drop_form(config)
    done = night(config, now=NIGHT1, backoff=0)
    assert shown_report(done.summary) == "未提交"
    (letter,) = done.feedback
    assert any("report-missing" in t for t in letter_lines(letter))
    text = write_config(tmp_path / "other").read_text(encoding="utf-8")
    assert "require_report = false" in text


def test_the_report_command_and_a_rebuilt_ledger_keep_the_reports(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    drop_report(config, DRIFTED)
    night(config, now=NIGHT1, backoff=0)
    assert shown_report(rebuild(config, now=NIGHT1 + DAY)) == "有出入"
    _aside, counts = rebuild_ledger(config, now=NIGHT1 + DAY)
    assert counts == {"files": 2, "duplicates": 0}
    assert shown_report(rebuild(config, now=NIGHT1 + 2 * DAY)) == "有出入"


# --- what a second reader found (each failed before its fix) ---------------------------------------------------------


def test_a_department_in_the_mail_list_without_forms_does_not_take_another_departments_form(tmp_path: Path) -> None:
    config = configured(tmp_path)
    config = dataclasses.replace(config, departments={**config.departments, "市卫健委": ("wjw@example.gov.cn",)})
    drop_form(config)
    night(config, now=NIGHT1, backoff=0)
    drop_report(config, DRIFTED, "市卫健委_城市基层党建工作经费_绩效自评报告.docx", folder="市卫健委")
    second = night(config, now=NIGHT1 + DAY, backoff=0)
    (entry,) = second.tonight.files
    assert entry.report is not None and entry.report.verdict == "待匹配" and entry.report.form == ""
    assert second.feedback == ()


def test_an_abbreviated_department_and_a_section_folder_still_match(tmp_path: Path) -> None:
    short = configured(tmp_path / "a")
    drop_form(short, "市卫健委", "市卫健委_2021_城市基层党建工作经费.xlsx", department="市卫生健康委员会")
    drop_report(short, DRIFTED, "市卫健委_2021_城市基层党建工作经费_绩效自评报告.docx", folder="市卫健委")
    section = configured(tmp_path / "b")
    drop_form(section)
    drop_report(section, DRIFTED, "城市基层党建工作经费绩效自评报告.docx", folder="市委组织部/党建办")
    for config in (short, section):
        done = night(config, now=NIGHT1, backoff=0)
        (entry,) = [f for f in done.tonight.files if f.report is not None]
        assert entry.report is not None and entry.report.verdict == "有出入", entry.findings
    # the report is archived under the folder it came in, which may be all that names its department
    assert (section.archive / NIGHT1.date().isoformat() / "市委组织部" / "党建办" / "城市基层党建工作经费绩效自评报告.docx").exists()


def test_a_report_that_waited_is_answered_once_when_it_becomes_ambiguous(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_report(config, [s.replace("市委组织部", "我部") for s in DRIFTED], "城市基层党建工作经费绩效自评报告.docx",
                folder="")
    assert night(config, now=NIGHT1, backoff=0).feedback == ()
    drop_form(config)
    drop_form(config, "市民政局", "市民政局_2021_城市基层党建工作经费.xlsx", department="市民政局")
    second = night(config, now=NIGHT1 + DAY, backoff=0)
    answered = [p for p in second.feedback if p.name.startswith("城市基层党建工作经费绩效自评报告")]
    assert len(answered) == 1 and any("report-match-ambiguous" in t for t in letter_lines(answered[0]))
    third = night(config, now=NIGHT1 + 2 * DAY, backoff=0)
    assert third.feedback == ()  # answered once


def test_a_report_still_without_its_form_after_the_wait_is_an_error_and_answered(tmp_path: Path) -> None:
    from processor.nightly.matching import WAIT_DAYS

    config = configured(tmp_path)
    drop_report(config, DRIFTED)
    assert night(config, now=NIGHT1, backoff=0).feedback == ()
    assert night(config, now=NIGHT1 + (WAIT_DAYS - 1) * DAY, backoff=0).feedback == ()
    late = night(config, now=NIGHT1 + (WAIT_DAYS + 1) * DAY, backoff=0)
    (letter,) = late.feedback
    assert letter.parent.name == "市委组织部" and any("report-no-form" in t for t in letter_lines(letter))
    assert night(config, now=NIGHT1 + (WAIT_DAYS + 2) * DAY, backoff=0).feedback == ()


def test_a_later_run_the_same_day_replaces_the_earlier_report(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    drop_report(config, DRIFTED, "初稿.docx", when=dt.datetime(2026, 11, 25, 10, 0))
    night(config, now=dt.datetime(2026, 11, 25, 1, 0), backoff=0)
    drop_report(config, BODY, "终稿.docx", when=dt.datetime(2026, 11, 24, 18, 0))  # copied with an older mtime
    later = night(config, now=dt.datetime(2026, 11, 25, 23, 30), backoff=0)
    assert shown_report(later.summary) == "一致"


def test_a_broken_report_is_mailed_to_the_department_whose_folder_it_came_in(tmp_path: Path) -> None:
    config = configured(tmp_path)
    (config.inbox / "市委组织部").mkdir()
    (config.inbox / "市委组织部" / "绩效自评报告.docx").write_bytes(b"PK\x03\x04 not a whole docx")
    done = night(config, now=NIGHT1, backoff=0)
    (letter,) = done.feedback
    assert letter.parent.name == "市委组织部"
    assert [p.name for p in config.outbox.rglob("feedback_*.eml")] == [f"feedback_{NIGHT1.date()}_市委组织部.eml"]


def test_rebuild_ledger_keeps_the_reports_folder_and_reads_reports_an_older_version_filed_away(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    night(config, now=NIGHT1, backoff=0)
    drop_report(config, DRIFTED, "市卫健委_城市基层党建工作经费_绩效自评报告.docx", folder="市卫健委")
    # what a version before report checking did with a report: filed it under 其他文件, unread
    old = config.archive / NIGHT1.date().isoformat() / "其他文件"
    old.mkdir(parents=True)
    write_report(old / "绩效自评报告.docx", [*DRIFTED, "特此报告。"], title_lines=TITLE)
    night(config, now=NIGHT1 + DAY, backoff=0)
    rebuild_ledger(config, now=NIGHT1 + 2 * DAY)
    summary = rebuild(config, now=NIGHT1 + 2 * DAY)
    assert shown_report(summary) == "有出入"  # the filed-away report, read now
    header, rows = table_rows(summary, "问题清单")
    waiting = [r for r in rows if r[header.index("代码")] == "report-waiting"]
    assert len(waiting) == 1  # 市卫健委's report still waits: not matched with 市委组织部's form


def test_a_rebuilt_ledger_does_not_answer_the_reports_again(tmp_path: Path) -> None:
    config = configured(tmp_path)
    drop_form(config)
    drop_report(config, DRIFTED)
    assert night(config, now=NIGHT1, backoff=0).feedback  # answered, in the form's letter
    rebuild_ledger(config, now=NIGHT1 + DAY)
    assert night(config, now=NIGHT1 + DAY, backoff=0).feedback == ()
