"""What a second reader found in report checking (issue 18); each of these failed before its fix."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from formbuilder import clean_spec, seed_spec, write_workbook
from reportbuilder import write_report
from seedreport import replace
from test_report_check import BODY, TITLE, inbox_with_seed, report_entry

from processor.check import check_paths
from processor.core.model import Severity, Status
from processor.draft import draft
from processor.narrative.statements import section_of
from processor.report import to_dict


def errors(entry: object) -> list[str]:
    return [f.code for f in entry.findings if f.severity is Severity.ERROR]  # type: ignore[attr-defined]


def test_a_draft_dropped_into_the_inbox_checks_clean_against_its_form(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # a form whose 总分 is added up wrong and whose grade is declared: the draft's note quotes other figures
    write_workbook(inbox / "form.xlsx", [("表1", clean_spec(total_score=86, grade="优"))])
    drafted = draft([inbox], tmp_path / "drafts", date=dt.date(2026, 11, 30)).drafts[0].path
    (inbox / drafted.name).write_bytes(drafted.read_bytes())
    entry = report_entry(check_paths([inbox]))
    assert errors(entry) == [], [f.message for f in entry.findings]


def test_a_grade_word_on_the_form_is_its_grade(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    write_workbook(inbox / "市委组织部" / "市委组织部_2021_城市基层党建工作经费.xlsx", [("表1", seed_spec(grade="优秀"))])
    write_report(inbox / "市委组织部" / "报告.docx", BODY, title_lines=TITLE)
    assert errors(report_entry(check_paths([inbox]))) == []


def test_the_department_in_the_text_may_be_the_funder(tmp_path: Path) -> None:
    flat = tmp_path / "市财政局绩效科" / "收件箱"
    flat.mkdir(parents=True)
    write_workbook(flat / "市委组织部_2021_城市基层党建工作经费.xlsx",
                   [("表1", seed_spec(department="中共益阳市委组织部"))])
    write_workbook(flat / "市财政局_2021_自评表.xlsx", [("表1", clean_spec(department="市财政局"))])
    write_report(flat / "市委组织部_2021_绩效自评报告.docx", BODY, title_lines=TITLE)
    entry = report_entry(check_paths([flat]))
    assert entry.report is not None and entry.report.project_name == "城市基层党建工作经费", entry.findings


def test_another_project_with_a_similar_name_is_not_the_form(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox" / "市委组织部"
    inbox.mkdir(parents=True)
    write_workbook(inbox / "form.xlsx", [("表1", seed_spec(name="农村基层党建工作经费"))])
    write_report(inbox / "报告.docx", BODY, title_lines=TITLE)
    entry = report_entry(check_paths([inbox.parent]))
    assert "report-no-form" in errors(entry) and entry.report is not None and entry.report.project is None


def test_figures_of_other_years_and_plans_are_not_compared(tmp_path: Path) -> None:
    body = [*BODY[:3], "2020年该项目预算资金150万元，上年度综合得分为92分；2022年计划安排预算资金300万元。", *BODY[3:]]
    entry = report_entry(check_paths([inbox_with_seed(tmp_path, body)]))
    assert errors(entry) == []


def test_a_more_precise_rate_agrees(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox" / "市委组织部"
    inbox.mkdir(parents=True)
    funds = {"total": ("　200", 200, 195.5, 10, "97.8%", 9.78), "current": ("　200", 200, 195.5, None, None, None)}
    write_workbook(inbox / "form.xlsx", [("表1", seed_spec(funds=funds, total_score="98.78分"))])
    body = replace("结余资金0万元，资金使用率100%", "结余资金4.5万元，资金使用率97.75%", BODY)
    body = replace("项目资金全年为200万元", "项目资金全年为200万元，执行数195.5万元", body)
    write_report(inbox / "报告.docx", body, title_lines=TITLE)
    entry = report_entry(check_paths([inbox.parent]))
    assert "report-rate-mismatch" not in errors(entry), [f.message for f in entry.findings]


def test_an_unused_duplicate_carries_only_its_warning(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path, replace("综合得分为99分", "综合得分为95分", BODY), report_name="旧.docx")
    write_report(inbox / "市委组织部" / "新.docx", BODY, title_lines=TITLE)
    os.utime(inbox / "市委组织部" / "旧.docx", (1_600_000_000,) * 2)
    os.utime(inbox / "市委组织部" / "新.docx", (1_700_000_000,) * 2)
    report = check_paths([inbox])
    old = next(f for f in report.files if f.path.endswith("旧.docx"))
    assert [f.code for f in old.findings] == ["report-duplicate"] and old.status is Status.ACCEPTED
    assert report.exit_code == 0


def test_a_form_sent_twice_is_one_candidate(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path, BODY)
    write_workbook(inbox / "市委组织部" / "市委组织部_2021_城市基层党建工作经费_再次报送.xlsx", [("表1", seed_spec())])
    entry = report_entry(check_paths([inbox]))
    assert "report-match-ambiguous" not in [f.code for f in entry.findings] and entry.report is not None
    assert entry.report.verdict == "一致"


def test_a_cover_letter_is_a_document(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    write_report(inbox / "市委组织部" / "关于报送2021年度项目支出绩效自评报告的函.docx",
                 ["市财政局：", "现将我部2021年度项目支出绩效自评报告报送你局，请审阅。"],
                 title_lines=["关于报送2021年度项目支出绩效自评报告的函"])
    files = {Path(f.path).name: f for f in check_paths([inbox]).files}
    letter = files["关于报送2021年度项目支出绩效自评报告的函.docx"]
    assert letter.status is Status.SKIPPED and letter.report is None


def test_an_absurd_number_rejects_that_report_only(tmp_path: Path) -> None:
    body = replace("等2个一级指标", "等" + "9" * 400 + "个一级指标", BODY)
    report = check_paths([inbox_with_seed(tmp_path, body)])
    assert any(f.projects for f in report.files) and report_entry(report).status is not None


def test_the_reference_outlines_headings_are_sections() -> None:
    for heading in ("四、绩效评价指标分析", "四、绩效目标完成情况", "四、项目绩效情况"):
        assert section_of(heading) == "analysis", heading


def test_json_stated_is_the_first_statement(tmp_path: Path) -> None:
    body = [*BODY, "附注：全年预算数300万元。"]
    data = to_dict(check_paths([inbox_with_seed(tmp_path, body)]))
    entry = next(f for f in data["files"] if f["format"] == "docx")
    budgets = [s["value"] for s in entry["report"]["statements"] if s["key"] == "budget"]
    assert budgets and entry["report"]["stated"]["budget"] == budgets[0]
    json.dumps(data, ensure_ascii=False)


def test_check_counts_reports_apart_from_forms(tmp_path: Path) -> None:
    import subprocess
    import sys

    inbox = inbox_with_seed(tmp_path, BODY)
    done = subprocess.run([sys.executable, "-m", "processor", "check", str(inbox)], capture_output=True, text=True,
                          encoding="utf-8", check=False)
    assert "共 1 个文件：通过 1" in done.stdout and "绩效自评报告 1 份：通过 1" in done.stdout, done.stdout


def test_a_draft_sent_on_unfinished_is_named(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "form.xlsx", [("表1", clean_spec())])
    drafted = draft([inbox], tmp_path / "drafts", date=dt.date(2026, 11, 30)).drafts[0].path
    (inbox / drafted.name).write_bytes(drafted.read_bytes())
    entry = report_entry(check_paths([inbox]))
    gaps = [f for f in entry.findings if f.code == "report-draft-unfinished"]
    assert len(gaps) == 1 and gaps[0].severity is Severity.WARNING and gaps[0].cell.startswith("第")
    assert "【请填写：" in gaps[0].value and "全文共" in gaps[0].message
    # once filled in, nothing is said
    write_report(inbox / drafted.name, BODY, title_lines=TITLE)
    assert not any(f.code == "report-draft-unfinished" for f in report_entry(check_paths([inbox])).findings)


def test_a_report_whose_own_department_sent_no_readable_form_is_not_matched_elsewhere(tmp_path: Path) -> None:
    # 市卫健委's form was refused; its report about a project of the same name must not be checked against
    # 市委组织部's form (its text names 市委组织部 as the organiser, as the seed's does)
    inbox = inbox_with_seed(tmp_path)
    own = inbox / "市卫健委"
    own.mkdir()
    (own / "自评表.xlsx").write_bytes(b"not a workbook at all")
    write_report(own / "报告.docx", BODY, title_lines=TITLE)
    entry = report_entry(check_paths([inbox]))
    assert entry.report is not None and entry.report.project is None, entry.report
    assert "report-no-form" in errors(entry)
    assert "市卫健委" in next(f.message for f in entry.findings if f.code == "report-no-form")


def test_a_file_name_naming_a_department_without_forms_is_not_matched_elsewhere(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    write_report(inbox / "市卫健委_城市基层党建工作经费_绩效自评报告.docx", BODY, title_lines=TITLE)
    entry = report_entry(check_paths([inbox]))
    assert entry.report is not None and entry.report.project is None and "report-no-form" in errors(entry)


def test_a_report_at_the_inbox_root_without_a_department_in_its_name_still_matches(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    write_report(inbox / "城市基层党建工作经费绩效自评报告.docx", BODY, title_lines=TITLE)
    entry = report_entry(check_paths([inbox]))
    assert entry.report is not None and entry.report.project_name == "城市基层党建工作经费", entry.findings


def test_a_project_name_heading_the_file_name_is_no_department(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox" / "市委宣传部"
    inbox.mkdir(parents=True)
    write_workbook(inbox / "自评表.xlsx", [("表1", seed_spec(name="新时代文明实践中心", department="市委宣传部"))])
    write_report(inbox.parent / "新时代文明实践中心_绩效自评报告.docx", BODY, title_lines=["2021年度新时代文明实践中心", "绩效自评报告"])
    entry = report_entry(check_paths([inbox.parent]))
    assert entry.report is not None and entry.report.project_name == "新时代文明实践中心", entry.findings
