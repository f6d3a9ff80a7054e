"""Submitted Word reports checked against their forms, end to end (issue 18): `check_paths`, `run`, the JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from formbuilder import clean_spec, seed_spec, write_workbook
from reportbuilder import (
    add_tracked,
    new_report,
    ole_file,
    package,
    pdf_file,
    table_report,
    with_bomb,
    with_dtd,
    write_report,
)
from seedreport import SEED, drop_section, number_of, replace
from tables import table_rows

from processor.check import check_paths
from processor.core.model import FileResult, Report, Severity, Status
from processor.report import to_dict
from processor.run import run

TITLE, BODY = list(SEED[:2]), list(SEED[2:])


def inbox_with_seed(tmp_path: Path, body: list[str] | None = None, report_name: str = "绩效自评报告.docx") -> Path:
    inbox = tmp_path / "inbox" / "市委组织部"
    inbox.mkdir(parents=True)
    write_workbook(inbox / "市委组织部_2021_城市基层党建工作经费.xlsx", [("表1", seed_spec())])
    if body is not None:
        write_report(inbox / report_name, body, title_lines=TITLE)
    return inbox.parent


def report_entry(report: Report) -> FileResult:
    entries = [f for f in report.files if f.report is not None]
    assert len(entries) == 1, [f.path for f in report.files]
    return entries[0]


def paragraph_of(fragment: str, body: list[str]) -> str:
    """Where the reader counts a body line: after the two title lines, non-empty paragraphs only."""
    return f"第{number_of(fragment, [*TITLE, *body])}段"


def test_the_seed_report_beside_its_form_has_no_finding(tmp_path: Path) -> None:
    report = check_paths([inbox_with_seed(tmp_path, BODY)])
    entry = report_entry(report)
    assert entry.status is Status.ACCEPTED and entry.format == "docx"
    assert [f.code for f in entry.findings] == []
    info = entry.report
    assert info is not None and info.verdict == "一致" and info.project == 0 and info.match == 1.0
    assert info.form.endswith("市委组织部_2021_城市基层党建工作经费.xlsx") and info.department == "市委组织部"
    assert {s.key for s in info.statements} >= {"total", "grade", "budget", "rate", "balance", "level1_count",
                                               "level2_count", "year"}


def test_each_drifted_statement_is_caught_at_its_paragraph_with_both_values(tmp_path: Path) -> None:
    body = replace("本项目综合得分为99分，等级为优秀", "本项目综合得分为95分，等级为良好", BODY)
    body = replace("项目资金全年为200万元", "项目资金全年为180万元", body)
    body = replace("资金使用率100%", "资金使用率90%", body)
    report = check_paths([inbox_with_seed(tmp_path, body)])
    entry = report_entry(report)
    found = {(f.code, f.cell, f.value) for f in entry.findings if f.severity is Severity.ERROR}
    verdict, money = paragraph_of("本项目综合得分为95分", body), paragraph_of("项目资金全年为180万元", body)
    assert found == {("report-score-mismatch", verdict, "95分"), ("report-grade-mismatch", verdict, "良好"),
                     ("report-budget-mismatch", money, "180万元"), ("report-rate-mismatch", money, "90%")}
    score = next(f for f in entry.findings if f.code == "report-score-mismatch")
    assert "95分" in score.message and "99 分" in score.message and "经评价，本项目综合得分为95分" in score.message
    assert entry.status is Status.RETURNED and entry.report is not None and entry.report.verdict == "有出入"
    form = next(f for f in report.files if f.report is None and f.projects)
    assert not any(f.code.startswith("report-") for f in form.findings)  # the form is judged on its own


def test_a_missing_section_is_a_warning(tmp_path: Path) -> None:
    body = drop_section("存在的问题和改进措施", BODY)
    entry = report_entry(check_paths([inbox_with_seed(tmp_path, body)]))
    missing = [f for f in entry.findings if f.code == "report-section-missing"]
    assert len(missing) == 1 and "存在的问题和改进措施" in missing[0].message
    assert missing[0].severity is Severity.WARNING and entry.status is Status.ACCEPTED


def test_tracked_changes_are_read_as_accepted(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    doc = new_report(TITLE)
    verdict = next(line for line in BODY if "综合得分为99分" in line)
    for line in BODY:
        if line == verdict:
            before, after = line.split("99分", 1)
            add_tracked(doc, before, "99分", "95分", after)
        else:
            doc.add_paragraph(line)
    (inbox / "市委组织部" / "报告.docx").write_bytes(package(doc))
    entry = report_entry(check_paths([inbox]))
    assert [f.code for f in entry.findings] == [] and entry.report is not None
    assert next(s for s in entry.report.statements if s.key == "total").value == 99.0


def test_a_report_laid_out_as_a_table_is_read(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    table_report(inbox / "市委组织部" / "报告.docx", [("项目名称", "城市基层党建工作经费"), ("全年预算数（万元）", "200"),
                                                  ("全年执行数（万元）", "150"), ("综合得分", "99")])
    entry = report_entry(check_paths([inbox]))
    assert entry.report is not None and entry.report.project == 0
    assert [(f.code, f.cell) for f in entry.findings if f.severity is Severity.ERROR] == [
        ("report-executed-mismatch", "表格1第3行")]


@pytest.mark.parametrize(("hostile", "code"), [(with_dtd, "file-xml-dtd"), (with_bomb, "file-bomb")])
def test_hostile_reports_are_refused_like_hostile_workbooks(tmp_path: Path, hostile: object, code: str) -> None:
    inbox = inbox_with_seed(tmp_path)
    from reportbuilder import report_bytes

    (inbox / "市委组织部" / "报告.docx").write_bytes(hostile(report_bytes(BODY, title_lines=TITLE)))  # type: ignore[operator]
    entry = report_entry(check_paths([inbox]))
    assert entry.status is Status.REJECTED and [f.code for f in entry.findings] == [code]


def test_doc_pdf_and_orphan_reports(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    (inbox / "市委组织部" / "旧格式报告.doc").write_bytes(ole_file())
    (inbox / "市委组织部" / "城市基层党建工作经费绩效自评报告.pdf").write_bytes(pdf_file())
    (inbox / "市委组织部" / "说明.pdf").write_bytes(pdf_file())  # a PDF not named as a report: a document
    write_report(inbox / "市委组织部" / "别的报告.docx", BODY, title_lines=["2021年度大气污染防治专项", "绩效自评报告"])
    report = check_paths([inbox])
    by_name = {Path(f.path).name: f for f in report.files}
    doc = by_name["旧格式报告.doc"]
    assert doc.status is Status.RETURNED and [f.code for f in doc.findings] == ["report-not-docx"]
    pdf = by_name["城市基层党建工作经费绩效自评报告.pdf"]
    assert pdf.status is Status.ACCEPTED and pdf.report is not None and pdf.report.verdict == "PDF未核对"
    assert pdf.report.project == 0 and [f.code for f in pdf.findings] == ["report-pdf-unchecked"]
    assert by_name["说明.pdf"].status is Status.SKIPPED
    orphan = by_name["别的报告.docx"]
    assert orphan.status is Status.RETURNED and "report-no-form" in [f.code for f in orphan.findings]


def test_a_word_document_that_is_no_report_is_skipped(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path)
    write_report(inbox / "市委组织部" / "填报说明.docx", ["请各单位于3月底前提交。", "联系人：张三"], title_lines=["填报说明"])
    files = {Path(f.path).name: f for f in check_paths([inbox]).files}
    assert files["填报说明.docx"].status is Status.SKIPPED and files["填报说明.docx"].report is None


def test_the_newer_of_two_reports_is_used(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path, replace("综合得分为99分", "综合得分为95分", BODY), report_name="初稿.docx")
    newer = write_report(inbox / "市委组织部" / "终稿.docx", BODY, title_lines=TITLE)
    os.utime(inbox / "市委组织部" / "初稿.docx", (1_600_000_000, 1_600_000_000))
    os.utime(newer, (1_700_000_000, 1_700_000_000))
    files = {Path(f.path).name: f for f in check_paths([inbox]).files}
    old = files["初稿.docx"]
    assert old.report is not None and old.report.verdict == "重复（未采用）"
    assert "report-duplicate" in [f.code for f in old.findings] and files["终稿.docx"].report.verdict == "一致"  # type: ignore[union-attr]


def test_required_reports(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path, BODY)
    write_workbook(inbox / "市委组织部" / "另一个项目.xlsx", [("表1", clean_spec(department="市委组织部"))])
    report = check_paths([inbox], require_report=True)
    missing = [(Path(f.path).name, x.project) for f in report.files for x in f.findings if x.code == "report-missing"]
    assert missing == [("另一个项目.xlsx", 0)]
    assert all(f.status is not Status.RETURNED for f in report.files if f.report is None)


def test_run_shows_the_report_column_and_lists_report_findings(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path, replace("综合得分为99分", "综合得分为95分", BODY))
    write_workbook(inbox / "市委组织部" / "另一个项目.xlsx", [("表1", clean_spec(department="市委组织部"))])
    result = run(inbox, tmp_path / "out", date=dt.date(2026, 11, 30), feedback=False)
    header, rows = table_rows(result.summary, "项目汇总")
    col, name = header.index("自评报告"), header.index("项目名称")
    shown = {r[name]: r[col] for r in rows if r[name] in ("城市基层党建工作经费", "社区综合服务站建设经费")}
    assert shown == {"城市基层党建工作经费": "有出入", "社区综合服务站建设经费": "未提交"}
    header, rows = table_rows(result.summary, "问题清单")
    code = header.index("代码")
    listed = [r for r in rows if r[code] == "report-score-mismatch"]
    assert len(listed) == 1 and listed[0][header.index("主管部门")] == "市委组织部"
    assert listed[0][header.index("原表单元格")].startswith("第") and listed[0][header.index("问题类别")] == "报告综合得分与自评表不一致"


def test_a_batch_without_reports_has_no_report_column(tmp_path: Path) -> None:
    result = run(inbox_with_seed(tmp_path), tmp_path / "out", date=dt.date(2026, 11, 30), feedback=False)
    header, _ = table_rows(result.summary, "项目汇总")
    assert "自评报告" not in header


def test_json_points_at_the_form(tmp_path: Path) -> None:
    report = check_paths([inbox_with_seed(tmp_path, BODY)])
    data = json.loads(json.dumps(to_dict(report), ensure_ascii=False))
    entry = next(f for f in data["files"] if f["format"] == "docx")
    assert entry["report"]["form"]["project"] == 0 and entry["report"]["form"]["path"].endswith(".xlsx")
    assert entry["report"]["stated"]["total"] == 99.0 and entry["report"]["verdict"] == "一致"
    assert "overview" in entry["report"]["sections"]


def test_report_findings_go_into_the_forms_letter(tmp_path: Path) -> None:
    inbox = inbox_with_seed(tmp_path, replace("综合得分为99分", "综合得分为95分", BODY))
    write_report(inbox / "市委组织部" / "无主报告.docx", BODY, title_lines=["2021年度大气污染防治专项", "绩效自评报告"])
    result = run(inbox, tmp_path / "out", date=dt.date(2026, 11, 30))
    letters = sorted(p.relative_to(tmp_path / "out" / "审核意见").as_posix() for p in result.feedback)
    # the seed form's letter carries its report's mismatch; the orphan report gets a short letter of its own
    assert letters == ["市委组织部/市委组织部_2021_城市基层党建工作经费_审核意见.xlsx", "市委组织部/无主报告_审核意见.xlsx"]
    form_letter = next(p for p in result.feedback if p.name.startswith("市委组织部_2021"))
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(form_letter)).get_sheet_by_name("审核意见").to_python()
    texts = ["".join(str(c) for c in r if c) for r in rows]
    assert any("自评报告 绩效自评报告.docx：报告第" in t and "report-score-mismatch" in t for t in texts), texts
