"""The official template (`selfeval template`): layout per profile, formulas without cached results,
locks, validation, the committed copies, the marker, and the round trip a department makes with it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc
from conftest import reader_codes

from processor import check_file
from processor.core.errors import UsageError
from processor.core.model import Severity, Status
from processor.read.grid import Grid
from processor.read.locate import find_forms
from processor.read.workbook import load
from processor.review.profiles import available, load_profile
from processor.write.template import (
    DEFAULT_INDICATORS,
    FORM_SHEET,
    GUIDE_SHEET,
    MARKER_SHEET,
    QUALITATIVE,
    SATISFACTION,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    Layout,
    build_template,
    guide,
    plan,
)
from processor.write.template import TEMPLATES as TEMPLATE_PROFILES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LAY = Layout(DEFAULT_INDICATORS)
TOTAL, GRADE = LAY.total + 1, LAY.total + 2  # Excel row numbers of 总分 and 自评等级


def committed(profile: str) -> Path:
    return TEMPLATES / f"项目支出绩效自评表_{profile}.xlsx"


def blank(tmp_path: Path, profile: str = "central2020", **options: Any) -> Path:
    path = tmp_path / "blank.xlsx"  # no year in the name: the reader would take it as the evaluated year
    path.write_bytes(build_template(profile, **options))
    return path


# -- what the command writes ---------------------------------------------------------------------
@pytest.mark.parametrize("profile", TEMPLATE_PROFILES)
def test_committed_templates_equal_what_the_command_generates(profile: str) -> None:
    assert committed(profile).read_bytes() == build_template(profile), "templates/ is stale: run `make templates`"


def test_cli_writes_the_committed_template_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "模板.xlsx"
    proc = subprocess.run([sys.executable, "-m", "processor", "template", "--profile", "hunan-legacy", "-o", str(out)],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "模板已生成" in proc.stdout and "模板.xlsx" in proc.stdout
    assert out.read_bytes() == committed("hunan-legacy").read_bytes()
    bad = subprocess.run([sys.executable, "-m", "processor", "template", "--indicators", "2", "-o", str(out)],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert bad.returncode == 2 and "--indicators" in bad.stderr


def test_output_is_deterministic_and_options_apply(tmp_path: Path) -> None:
    assert build_template("central2020", 2023, 20) == build_template("central2020", 2023, 20)
    rows = load(blank(tmp_path, year=2023, indicators=20)).sheets[0].rows
    assert rows[1][0] == "（2023年度）"
    assert rows[Layout(20).total][0] == "总分" and rows[Layout(20).total + 1][0] == "自评等级"
    with pytest.raises(UsageError):
        build_template("central2020", year=123)


def test_rows_are_spread_over_groups_by_weight() -> None:
    central, hunan = load_profile("central2020"), load_profile("hunan-legacy")
    assert [(s.label, len(s.rows)) for s in plan(central, 12)] == [
        ("产出指标（50分）", 7), ("效益指标（30分）", 4), ("满意度指标（10分）", 1)]
    assert plan(central, 12)[0].rows == ("数量指标", "数量指标", "质量指标", "质量指标", "时效指标", "时效指标", "成本指标")
    assert [(s.label, s.rows) for s in plan(hunan, 12)][1] == (
        "效益指标（40分）", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标", SATISFACTION))
    assert [len(s.rows) for s in plan(central, 3)] == [1, 1, 1]
    assert [len(s.rows) for s in plan(central, 30)] == [17, 10, 3]
    with pytest.raises(UsageError):
        plan(central, 2)


def test_a_user_profile_sets_weights_labels_and_marker(tmp_path: Path) -> None:
    own = tmp_path / "our-city.toml"
    own.write_text('extends = "central2020"\nname = "our-city"\n[level1_weights]\n"产出指标" = 60\n"效益指标" = 20\n'
                   '"满意度指标" = 10\n', encoding="utf-8")
    book = load(blank(tmp_path, str(own), indicators=9))
    assert [r[1] for r in book.sheets[0].rows[12:21] if r[1]] == ["产出指标（60分）", "效益指标（20分）", "满意度指标（10分）"]
    assert book.sheets[2].rows[2][:2] == ["评分规则", "our-city"]


# -- the form as printed ---------------------------------------------------------------------------
@pytest.mark.parametrize(("profile", "groups"), [
    ("central2020", {13: "产出指标（50分）", 20: "效益指标（30分）", 24: "满意度指标（10分）"}),
    ("hunan-legacy", {13: "产出指标（50分）", 20: "效益指标（40分）"}),
])
def test_layout_has_the_official_labels(profile: str, groups: dict[int, str]) -> None:
    book = load(committed(profile))
    assert [s.name for s in book.sheets] == [FORM_SHEET, GUIDE_SHEET, MARKER_SHEET]
    rows = book.sheets[0].rows

    def at(cell: str) -> object:
        col, row = re.fullmatch(r"([A-Z])(\d+)", cell).groups()  # type: ignore[union-attr]
        return rows[int(row) - 1][ord(col) - 65]

    assert (at("A1"), at("A3"), at("A4"), at("E4"), at("A5")) == (
        "项目支出绩效自评表", "项目名称", "主管部门", "实施单位", "项目资金\n（万元）")
    assert rows[4][2:8] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert [r[1] for r in rows[5:9]] == ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    assert (at("A10"), at("B10"), at("F10")) == ("年度总体目标", "预期目标", "实际完成情况")
    assert rows[11] == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                        "偏差原因分析及改进措施"]
    assert {r: at(f"B{r}") for r in range(13, 25) if at(f"B{r}")} == groups
    assert (at(f"A{TOTAL}"), at(f"A{GRADE}"), at("F6")) == ("总分", "自评等级", 10.0)


def test_formulas_carry_no_cached_result(tmp_path: Path) -> None:
    """xlsxwriter would cache 0; calamine would then read 0 as if the department had typed it."""
    sheet = pc.CalamineWorkbook.from_path(str(committed("central2020"))).get_sheet_by_name(FORM_SHEET)
    rows = sheet.to_python(skip_empty_area=False)
    for cell in ("G6", "H6", f"G{TOTAL}", f"H{TOTAL}", f"G{GRADE}"):
        col, row = ord(cell[0]) - 65, int(cell[1:]) - 1
        assert rows[row][col] == "", cell
    ws = openpyxl.load_workbook(committed("central2020"))[FORM_SHEET]
    assert ws["G6"].value == '=IF(AND(ISNUMBER(D6),ISNUMBER(E6)),IF(D6>0,E6/D6,""),"")'
    assert ws["H6"].value == '=IF(ISNUMBER(G6),MIN(G6,1)*F6,"")'
    assert ws[f"H{TOTAL}"].value == '=IF(COUNT(H13:H24)=0,"",N(H6)+SUM(H13:H24))'
    assert ws[f"G{GRADE}"].value == (f'=IF(ISNUMBER(H{TOTAL}),IF(H{TOTAL}>=90,"优",IF(H{TOTAL}>=80,"良",'
                                     f'IF(H{TOTAL}>=60,"中","差"))),"")')


def test_labels_locked_inputs_unlocked_and_protected_without_password() -> None:
    ws = openpyxl.load_workbook(committed("central2020"))[FORM_SHEET]
    assert ws.protection.sheet and not ws.protection.password
    locked = ["A3", "A4", "E4", "C5", "B6", "F6", "G6", "H6", "B12", "H12", f"A{TOTAL}", f"H{TOTAL}", f"G{GRADE}"]
    unlocked = ["A2", "B3", "B4", "F4", "C6", "D6", "E9", "B11", "F11", "B13", "C13", "D13", "E13", "F24", "G24",
                "H24", "I24"]
    assert [c for c in locked if not ws[c].protection.locked] == []
    assert [c for c in unlocked if ws[c].protection.locked] == []
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
    assert ws.page_setup.fitToHeight == 0  # as many pages down as the rows need


def test_data_validation_and_input_messages() -> None:
    ws = openpyxl.load_workbook(committed("hunan-legacy"))[FORM_SHEET]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    money = rules["C6:E9"]
    assert (money.type, money.operator, money.formula1, money.showErrorMessage) == (
        "decimal", "greaterThanOrEqual", "0", True)
    for sqref in ("G13:G24", "H13:H24"):
        assert (rules[sqref].type, rules[sqref].operator or "between", rules[sqref].formula1,
                rules[sqref].formula2) == ("decimal", "between", "0", "100")  # between: the default, not written
    actual = rules["F13:F24"]
    assert actual.type == "list" and actual.formula1 == '"' + ",".join(QUALITATIVE) + '"'
    assert not actual.showErrorMessage  # offered, not enforced: 52个 is a fine actual value
    assert rules["B13:B19"].formula1 == '"产出指标（50分）,效益指标（40分）"'
    assert rules["C20:C24"].formula1 == f'"经济效益指标,社会效益指标,生态效益指标,可持续影响指标,{SATISFACTION}"'
    assert rules["C20:C24"].errorStyle == "warning"
    assert all(dv.prompt and dv.promptTitle and dv.showInputMessage for dv in rules.values())
    assert {"B3:I3", "B4:D4", "F4:I4", "D13:D24", "E13:E24", "I13:I24", "B11:E11", "F11:I11", "A2"} <= rules.keys()


def test_guide_states_the_profile_rules() -> None:
    central = "\n".join(t for _, items in guide(load_profile("central2020")) for t in items)
    hunan = "\n".join(t for _, items in guide(load_profile("hunan-legacy")) for t in items)
    assert "产出指标 50 分、效益指标 30 分、满意度指标 10 分" in central
    assert "“部分达成年度指标并具有一定效果”得分值的 60%–80%" in central
    assert "“部分达成年度指标并具有一定效果”得分值的 50%–80%" in hunan and f"{SATISFACTION}是效益指标下的二级指标" in hunan
    assert "90 分（含）以上为优，80 分（含）–90 分为良，60 分（含）–80 分为中，60 分以下为差" in central
    assert "执行率低于 90%" in central and "130%" in central


def test_guide_and_marker_sheets_are_not_forms() -> None:
    book = load(committed("central2020"))
    assert [(s.name, len(find_forms(Grid(s)))) for s in book.sheets] == [(FORM_SHEET, 1), (GUIDE_SHEET, 0),
                                                                         (MARKER_SHEET, 0)]
    meta = {m.name: m.visible for m in pc.CalamineWorkbook.from_path(str(committed("central2020"))).sheets_metadata}
    assert meta[MARKER_SHEET] == pc.SheetVisibleEnum.VeryHidden and meta[GUIDE_SHEET] == pc.SheetVisibleEnum.Visible
    marker = book.sheets[2].rows
    assert [r[:2] for r in marker[:3]] == [["模板标识", TEMPLATE_ID], ["模板版本", float(TEMPLATE_VERSION)],
                                           ["评分规则", "central2020"]]


def test_blank_template_is_read_without_crashing(tmp_path: Path) -> None:
    result = check_file(blank(tmp_path))
    assert result.status is Status.RETURNED
    (project,) = result.projects
    assert project.indicators == () and project.sheet == FORM_SHEET
    assert reader_codes(result) == [("missing-project-name", FORM_SHEET, "B3"), ("missing-department", FORM_SHEET, "B4"),
                                    ("missing-funds-value", FORM_SHEET, "D6"), ("missing-funds-value", FORM_SHEET, "E6"),
                                    ("no-indicators", FORM_SHEET, "D13"), ("year-missing", FORM_SHEET, "")]
    assert (project.self_total, project.self_grade, project.computed_total, project.computed_grade) == (None,) * 4


# -- the round trip: a department fills the template (values only) and submits it ------------------------
FUNDS = [(100, 100, 95), (80, 80, 76), (20, 20, 19), (0, 0, 0)]
GOALS = ("新建社区综合服务站10个，培训社区工作人员500人次。", "建成服务站11个，培训560人次，居民满意度95%。")
REASON = "两处设施因暴雨损坏，维修资金已安排，2022年一季度修复。"
# in the template's row order: (二级 typed over the printed one, 三级, 年度指标值, 实际完成值, 分值, 得分, 原因)
ROWS: list[tuple[str | None, str, str, str, float, float, str] | None] = [
    (None, "新建社区服务站数量", "≥10个", "11个", 10, 10, ""),
    (None, "培训社区工作人员人次", "≥500人次", "560人次", 10, 10, ""),
    (None, "服务站验收合格率", "100%", "100%", 10, 10, ""),
    (None, "服务设施完好率", "≥98%", "96%", 5, 4.9, REASON),
    (None, "项目完成时间", "2021年12月", "2021年11月", 5, 5, ""),
    None,  # the second 时效指标 row is not needed and stays blank
    (None, "单个服务站建设成本", "≤10万元", "8.6万元", 10, 10, ""),
    (None, "带动就业人数", "≥20人", "24人", 5, 5, ""),
    (None, "社区服务覆盖居民户数", "≥3000户", "3200户", 10, 10, ""),
    ("社会效益指标", "社区治理水平", "显著提升", "达成年度指标", 5, 5, ""),
    (None, "服务站持续运营年限", "≥5年", "5年", 10, 10, ""),
    (None, "居民满意度", "≥90%", "95%", 10, 10, ""),
]


def fill(template: Path, out: Path, version: int | None = None) -> Path:
    """What a department does: type values (never formulas) into the unlocked cells, and save."""
    book = openpyxl.load_workbook(template)
    ws = book[FORM_SHEET]
    ws["A2"] = "（2021年度）"
    ws["B3"], ws["B4"], ws["F4"] = "社区综合服务站建设经费", "市民政局", "基层政权建设科"
    for r, amounts in enumerate(FUNDS, start=6):
        for col, value in zip("CDE", amounts, strict=True):
            ws[f"{col}{r}"] = value
    ws["B11"], ws["F11"] = GOALS
    for r, row in enumerate(ROWS, start=LAY.first + 1):
        if row is not None:
            if row[0]:
                ws[f"C{r}"] = row[0]
            for col, value in zip("DEFGHI", row[1:], strict=True):
                ws[f"{col}{r}"] = value if value != "" else None
    if version is not None:
        book[MARKER_SHEET]["B2"] = version
    book.save(out)
    return out


def printed_level2(profile: str) -> list[str]:
    return [level2 for s in plan(load_profile(profile), DEFAULT_INDICATORS) for level2 in s.rows]


@pytest.mark.parametrize("profile", TEMPLATE_PROFILES)
def test_round_trip_reads_back_exactly_what_was_filled(tmp_path: Path, profile: str) -> None:
    result = check_file(fill(committed(profile), tmp_path / "filled.xlsx"))
    # nothing to find but the three formulas openpyxl saved without results, computed by the reader
    assert [(f.code, f.cell) for f in result.findings] == [
        ("value-computed", "G6"), ("value-computed", "H6"), ("value-computed", f"H{TOTAL}")]
    assert result.status is Status.ACCEPTED
    (p,) = result.projects
    assert (p.sheet, p.year, p.name, p.department, p.unit, p.profile) == (
        FORM_SHEET, 2021, "社区综合服务站建设经费", "市民政局", "基层政权建设科", profile)
    assert (p.goal_expected, p.goal_actual) == GOALS
    f = p.funds
    assert (f.initial_budget, f.annual_budget, f.executed, f.weight) == (100, 100, 95, 10)
    assert f.execution_rate == pytest.approx(0.95) and f.self_score == pytest.approx(9.5)
    assert [(x.key, x.initial_budget, x.annual_budget, x.executed) for x in f.parts] == [
        (key, *amounts) for key, amounts in zip(("current", "carryover", "other"), FUNDS[1:], strict=True)]
    level1 = {"central2020": ["产出指标"] * 7 + ["效益指标"] * 4 + ["满意度指标"],
              "hunan-legacy": ["产出指标"] * 7 + ["效益指标"] * 5}[profile]
    expected = [(level1[i], row[0] or printed_level2(profile)[i], *row[1:], LAY.first + 1 + i)
                for i, row in enumerate(ROWS) if row is not None]
    got = [(i.level1, i.level2, i.name, i.target.raw, i.actual.raw, i.weight, i.self_score, i.reason, i.row)
           for i in p.indicators]
    assert got == expected
    assert p.self_total == pytest.approx(99.4) and p.computed_total == pytest.approx(99.4)
    assert (p.self_grade, p.computed_grade, p.declared_grade, p.weight_total) == ("优", "优", None, None)
    declared = {g.name: g.declared_weight for g in p.groups if g.level == 1}
    assert declared == dict(load_profile(profile).level1_weights)


def test_form_filled_on_an_outdated_template_gets_a_warning(tmp_path: Path) -> None:
    old = TEMPLATE_VERSION - 1
    result = check_file(fill(committed("central2020"), tmp_path / "old.xlsx", version=old))
    (outdated,) = [f for f in result.findings if f.code == "template-outdated"]
    assert outdated.severity is Severity.WARNING and outdated.project is None
    assert f"第 {old} 版" in outdated.message and f"第 {TEMPLATE_VERSION} 版" in outdated.message
    assert "下载" in outdated.hint
    assert result.status is Status.ACCEPTED and len(result.projects) == 1  # a warning: the form is still read


# -- LibreOffice: the template opens, prints and computes ------------------------------------------------
def soffice(tmp_path: Path, fmt: str, src: Path, outdir: Path) -> Path:
    profile_dir = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with another soffice running
    subprocess.run(["soffice", f"-env:UserInstallation={profile_dir}", "--headless", "--convert-to", fmt,
                    "--outdir", str(outdir), str(src)], capture_output=True, timeout=240, check=True)
    return outdir / f"{src.stem}.{fmt}"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: cannot render")
def test_libreoffice_prints_the_template_and_computes_its_formulas(tmp_path: Path) -> None:
    src = tmp_path / "template.xlsx"
    shutil.copy(committed("central2020"), src)
    pdf = soffice(tmp_path, "pdf", src, tmp_path).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2  # the form on one A4 page, 填表说明 on another
    # saved by a spreadsheet program, the filled form carries the formulas' results: nothing left to compute
    resaved = soffice(tmp_path, "xlsx", fill(src, tmp_path / "filled.xlsx"), tmp_path / "resaved")
    result = check_file(resaved)
    assert result.findings == () and result.status is Status.ACCEPTED
    (p,) = result.projects
    assert (p.funds.execution_rate, p.funds.self_score, p.self_total) == (pytest.approx(0.95), 9.5, 99.4)
    assert (p.weight_total, p.declared_grade, p.computed_total) == (100, "优", 99.4)


def test_every_shipped_profile_has_a_template_or_says_why() -> None:
    """A profile whose form prints no 分值 (hubei) has no blank template; asking for one says why."""
    from processor.core.errors import UsageError

    assert set(TEMPLATE_PROFILES) < set(available())
    for name in set(available()) - set(TEMPLATE_PROFILES):
        with pytest.raises(UsageError, match="无法生成带分值的空白模板"):
            build_template(name)
