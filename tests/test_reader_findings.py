"""Every finding of the reader, produced by an input that has exactly that problem, asserted by code and cell."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import reader_codes
from formbuilder import Row, seed_spec, write_workbook

from processor import check_file, check_paths
from processor.core.model import FileResult, Severity, Status


def one_sheet(tmp_path: Path, file: str = "2021自评.xlsx", **changes: object) -> FileResult:
    return check_file(write_workbook(tmp_path / file, [("自评表", seed_spec(**changes))]))


def codes(result: FileResult) -> list[tuple[str, str, str]]:
    """The reader's findings only: the review engine's are asserted in tests/test_review*.py."""
    return reader_codes(result)


# -- required fields: the form is read but returned ------------------------------------------------

def test_missing_project_name(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, name=None)
    assert result.status is Status.RETURNED
    assert codes(result) == [("missing-project-name", "自评表", "B3")]
    assert result.findings[0].severity is Severity.ERROR and "项目名称" in result.findings[0].message


def test_missing_department(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, department="　 ")
    assert result.status is Status.RETURNED
    assert codes(result) == [("missing-department", "自评表", "B4")]


def test_missing_funds_section(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, omit=("funds",))
    assert result.status is Status.RETURNED
    assert [c for c, _, _ in codes(result)] == ["missing-funds-row"]
    assert result.projects[0].funds.annual_budget is None


def test_missing_funds_values(tmp_path: Path) -> None:
    spec = seed_spec()
    spec.funds["total"] = ("200", None, "　", 10, "100%", 10)
    spec.funds["current"] = ("200", None, None, None, None, None)
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("自评表", spec)]))
    assert result.status is Status.RETURNED
    assert codes(result) == [("missing-funds-value", "自评表", "D6"), ("missing-funds-value", "自评表", "E6")]
    assert "全年预算数" in result.findings[0].message and "全年执行数" in result.findings[1].message


def test_blank_total_amounts_are_the_sum_of_their_parts(tmp_path: Path) -> None:
    """年度资金总额 is the form's sum of its parts; a program-written file leaves the formula blank."""
    spec = seed_spec()
    spec.funds["total"] = (None, None, None, 10, "100%", 10)
    spec.funds["carryover"] = (None, 20, 20, None, None, None)
    spec.funds["current"] = (200, 180, 180, None, None, None)
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("自评表", spec)]))
    f = result.projects[0].funds
    assert (f.initial_budget, f.annual_budget, f.executed) == (200, 200, 200)
    assert codes(result) == [("value-computed", "自评表", "C6"), ("value-computed", "自评表", "D6"),
                             ("value-computed", "自评表", "E6")]


def test_missing_indicator_table(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, omit=("indicators",))
    assert result.status is Status.RETURNED
    assert [c for c, _, _ in codes(result)] == ["missing-indicator-table"]
    assert result.projects[0].indicators == ()


def test_all_findings_collected_in_one_pass(tmp_path: Path) -> None:
    rows = list(seed_spec().rows)
    rows[0] = Row("产出指标(50分)", "数量指标（30分）", "指标1：全覆盖", "697", "697", "十分", "10分")
    result = one_sheet(tmp_path, name=None, department=None, rows=rows)
    assert codes(result) == [
        ("missing-project-name", "自评表", "B3"),
        ("missing-department", "自评表", "B4"),
        ("number-unreadable", "自评表", "G13"),
    ]


# -- warnings and notes: the form is accepted -------------------------------------------------------

def test_unreadable_number_names_cell_and_value(tmp_path: Path) -> None:
    rows = list(seed_spec().rows)
    rows[2] = Row("产出指标\n\n(50分)", "数量指标（30分）", "指标3：评选示范点", "30", "30", "10分", "满分")
    result = one_sheet(tmp_path, rows=rows)
    assert result.status is Status.ACCEPTED
    (f,) = [f for f in result.findings if f.code == "number-unreadable"]
    assert codes(result) == [("number-unreadable", "自评表", "H15")]
    assert (f.code, f.severity, f.cell, f.value) == ("number-unreadable", Severity.WARNING, "H15", "满分")
    assert "满分" in f.message and "得分" in f.message
    assert result.projects[0].indicators[2].self_score is None


def test_placeholder_rows_are_skipped_and_said(tmp_path: Path) -> None:
    rows = [*seed_spec().rows, Row("效益指标\n\n（40分）\n　", "服务对象满意度指标（10分）", "指标2：", None, None, None, None),
            Row("效益指标\n\n（40分）\n　", "服务对象满意度指标（10分）", "……", "　", None, None, None)]
    result = one_sheet(tmp_path, rows=rows)
    assert result.status is Status.ACCEPTED
    assert codes(result) == [("placeholder-row-skipped", "自评表", "D23"), ("placeholder-row-skipped", "自评表", "D24")]
    assert len(result.projects[0].indicators) == 10


def test_money_in_yuan_is_converted(tmp_path: Path) -> None:
    funds = {"total": ("2,000,000", 2000000, 1800000, 10, "90%", 9),
             "current": (2000000, 2000000, 1800000, None, None, None)}
    result = one_sheet(tmp_path, funds=funds, funds_label="项目资金\n（元）")
    f = result.projects[0].funds
    assert (f.initial_budget, f.annual_budget, f.executed) == (200.0, 200.0, 180.0)
    assert f.parts[0].executed == 180.0
    assert codes(result) == [("money-unit-converted", "自评表", "D6")]
    assert result.findings[0].severity is Severity.INFO


def test_blank_computed_cells_are_computed_and_said(tmp_path: Path) -> None:
    spec = seed_spec(total_score=None)
    spec.funds["total"] = (200, 200, 180, 10, None, None)
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("自评表", spec)]))
    f = result.projects[0].funds
    assert f.execution_rate == pytest.approx(0.9) and f.self_score == pytest.approx(9.0)
    assert result.projects[0].self_total == pytest.approx(89 + 9)
    assert codes(result) == [("value-computed", "自评表", "G6"), ("value-computed", "自评表", "H6"),
                             ("value-computed", "自评表", "H23")]


def test_formulas_without_cached_values_are_not_zero(tmp_path: Path) -> None:
    """openpyxl (like most programs) saves formulas without results; they must not read as 0."""
    path = write_workbook(tmp_path / "prog.xlsx", [("自评表", seed_spec())])
    book = openpyxl.load_workbook(path)
    ws = book["自评表"]
    ws["G6"], ws["H6"], ws["H23"] = "=E6/D6", "=MIN(G6,1)*F6", "=SUM(H13:H22)+H6"
    book.save(path)
    result = check_file(path)
    project = result.projects[0]
    assert project.funds.execution_rate == pytest.approx(1.0)
    assert project.funds.self_score == pytest.approx(10.0)
    assert project.self_total == pytest.approx(99.0)
    assert [c for c, _, _ in codes(result)] == ["value-computed"] * 3


def test_year_missing(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, file="form.xlsx", title="项目支出绩效自评表")
    assert result.projects[0].year is None
    assert codes(result) == [("year-missing", "自评表", "")]


def test_year_from_file_name_when_title_has_none(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, file="市委组织部_2022_自评表.xlsx", title="项目支出绩效自评表")
    assert result.projects[0].year == 2022 and codes(result) == []


def test_year_from_parenthesised_title(tmp_path: Path) -> None:
    result = one_sheet(tmp_path, file="form.xlsx", title="项目支出绩效自评表\n（2023年度）")
    assert result.projects[0].year == 2023


# -- files that are not forms: rejected -------------------------------------------------------------

def test_no_form(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "说明.xlsx", [("填表说明", [["填表说明"], ["项目名称", "填写项目全称"]]),
                                                   ("Sheet2", [])])
    result = check_file(path)
    assert result.status is Status.REJECTED and result.projects == ()
    assert codes(result) == [("no-form", "", "")]
    assert "填表说明、Sheet2" in result.findings[0].message and result.reason == result.findings[0].message


SEED_BYTES: dict[str, bytes] = {}


def seed_bytes(tmp_path: Path) -> bytes:
    if "x" not in SEED_BYTES:
        SEED_BYTES["x"] = write_workbook(tmp_path / "s.xlsx", [("自评表", seed_spec())]).read_bytes()
    return SEED_BYTES["x"]


@pytest.mark.parametrize(("name", "content", "code", "says"), [
    ("空.xlsx", b"", "file-empty", "0 字节"),
    ("report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "file-not-workbook", "PDF"),
    ("notes.xlsx", "这是一个文本文件".encode(), "file-not-workbook", "无法识别"),
    ("web.xls", "<html><head><meta charset='utf-8'></head><body><table><tr><td>项目名称</td></tr></table>".encode(),
     "file-web-export", "HTML"),
    ("xml2003.xls", b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
     b"<Worksheet ss:Name='S'/></Workbook>", "file-web-export", "XML"),
])
def test_not_a_workbook(tmp_path: Path, name: str, content: bytes, code: str, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = check_file(path)
    assert result.status is Status.REJECTED
    assert codes(result) == [(code, "", "")]
    assert says in result.findings[0].message and result.findings[0].hint


def test_truncated_workbook(tmp_path: Path) -> None:
    data = seed_bytes(tmp_path)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    result = check_file(path)
    assert result.status is Status.REJECTED
    assert codes(result) == [("file-damaged", "", "")]


def test_zip_with_broken_sheet_xml(tmp_path: Path) -> None:
    src = zipfile.ZipFile(io.BytesIO(seed_bytes(tmp_path)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            out.writestr(item, data[:200] if item.filename.startswith("xl/worksheets/") else data)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(buf.getvalue())
    result = check_file(path)
    assert result.status is Status.REJECTED
    assert codes(result) == [("file-damaged", "", "")]


def test_encrypted_workbook(fixtures: Path) -> None:
    result = check_file(fixtures / "encrypted.xlsx")
    assert result.status is Status.REJECTED
    assert codes(result) == [("file-encrypted", "", "")]
    assert "密码" in result.findings[0].message and "不加密" in result.findings[0].hint


# -- not submissions: skipped -------------------------------------------------------------------------

def test_owner_hidden_and_temporary_files_are_skipped(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = write_workbook(inbox / "2021自评.xlsx", [("自评表", seed_spec())])
    for junk in ("~$2021自评.xlsx", ".~lock.2021自评.xlsx#", ".hidden.xlsx", "copy.xlsx.part"):
        (inbox / junk).write_bytes(b"\x00junk")
    (inbox / ".git").mkdir()
    (inbox / ".git" / "x.xlsx").write_bytes(b"")
    report = check_paths([inbox])
    statuses = {Path(f.path).name: f.status for f in report.files}
    assert statuses == {good.name: Status.ACCEPTED, "~$2021自评.xlsx": Status.SKIPPED,
                        ".~lock.2021自评.xlsx#": Status.SKIPPED, ".hidden.xlsx": Status.SKIPPED,
                        "copy.xlsx.part": Status.SKIPPED}
    assert all(f.reason for f in report.files if f.status is Status.SKIPPED)
    assert report.exit_code == 0


def test_unreadable_path(tmp_path: Path) -> None:
    """A path that cannot be read as a file (here a folder given as a file) is rejected, not fatal."""
    folder = tmp_path / "看起来像文件.xlsx"
    folder.mkdir()
    result = check_file(folder)
    assert result.status is Status.REJECTED
    assert codes(result) == [("file-unreadable", "", "")]
    assert "无法读取文件" in result.findings[0].message
