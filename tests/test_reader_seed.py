"""The seed form (the real 2021 form of 益阳市委组织部) read back from every format and layout a department might send."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import reader_codes
from formbuilder import seed_spec, write_workbook

from processor import check_file
from processor.core.model import Project, Status, ValueKind

# (level1, level2, clean name, target value, target kind, actual value, weight, self score, has reason)
SEED = [
    ("产出指标", "数量指标", "全覆盖开展城市居民向小区党建工作", 697, ValueKind.QUANTITY, 697, 10, 10, False),
    ("产出指标", "数量指标", "指导100个小区党支部开展市级示范点创建工作", 100, ValueKind.QUANTITY, 100, 10, 10, False),
    ("产出指标", "数量指标", "评选市级小区党建示范点", 30, ValueKind.QUANTITY, 30, 10, 10, False),
    ("产出指标", "质量指标", "举办培训提升小区党支部书记履职能力", 697, ValueKind.QUANTITY, 825, 10, 10, False),
    ("产出指标", "质量指标", "加强调研指导，压实属地责任，全面提升城市基层小区党建水平", 100, ValueKind.PERCENT, 100, 10, 10, False),
    ("产出指标", "时效指标", "年底前拨付到位", 100, ValueKind.PERCENT, 100, 10, 10, False),
    ("效益指标", "社会效益指标", "推动城市基层党建工作提质增效", 100, ValueKind.PERCENT, 100, 5, 5, False),
    ("效益指标", "社会效益指标", "抓好创建工作，发挥典型引路作用", 100, ValueKind.PERCENT, 100, 5, 5, False),
    ("效益指标", "可持续影响指标", "继续抓实城市居民小区党建工作，提升基层治理效能", 100, ValueKind.PERCENT, 100, 10, 9, True),
    ("效益指标", "服务对象满意度指标", "资金拨付的小区居民满意度", 100, ValueKind.PERCENT, 100, 10, 10, False),
]


def assert_is_seed(p: Project, name: str = "城市基层党建工作经费", total: float = 99.0) -> None:
    assert (p.name, p.department, p.unit, p.year) == (name, "市委组织部", "组织指导科", 2021)
    f = p.funds
    assert (f.initial_budget, f.annual_budget, f.executed) == (200.0, 200.0, 200.0)
    assert f.execution_rate == pytest.approx(1.0)
    assert (f.weight, f.self_score) == (10.0, 10.0)
    parts = {part.key: (part.initial_budget, part.annual_budget, part.executed) for part in f.parts}
    assert parts == {"current": (200.0, 200.0, 200.0), "carryover": (None, None, None), "other": (None, None, None)}
    got = [(i.level1, i.level2, i.name, i.target.value, i.target.kind, i.actual.value, i.weight, i.self_score,
            bool(i.reason)) for i in p.indicators]
    assert got == SEED
    assert p.indicators[0].raw_name.startswith("指标1：")
    assert (p.self_total, p.weight_total, p.self_grade) == (total, 100.0, "优")
    assert p.goal_expected == "全面推进城市居民小区党建工作"
    assert p.goal_actual.startswith("构建起")
    groups = {(g.level, g.name): g.declared_weight for g in p.groups}
    assert groups[(1, "产出指标")] == 50 and groups[(1, "效益指标")] == 40
    assert groups[(2, "数量指标")] == 30 and groups[(2, "服务对象满意度指标")] == 10


def test_seed_xlsx(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "seed.xlsx", [("自评表", seed_spec())])
    result = check_file(path)
    assert result.status is Status.ACCEPTED and result.format == "xlsx"
    assert reader_codes(result) == []
    (project,) = result.projects
    assert_is_seed(project)
    first = project.indicators[0]
    assert first.row == 13 and first.cells["score"] == "H13" and first.cells["target"] == "E13"
    assert project.cells["name"] == "B3" and project.funds.cells["annual_budget"] == "D6"


@pytest.mark.parametrize("name", ["seed.xls", "seed.ods", "seed.xlsm"])
def test_seed_other_formats(fixtures: Path, name: str) -> None:
    result = check_file(fixtures / name)
    assert result.status is Status.ACCEPTED
    assert result.format == name.split(".")[1]
    (project,) = result.projects
    assert_is_seed(project)


def test_format_decided_by_content_not_extension(tmp_path: Path, fixtures: Path) -> None:
    renamed = tmp_path / "seed.xlsx"
    renamed.write_bytes((fixtures / "seed.xls").read_bytes())
    result = check_file(renamed)
    assert result.format == "xls" and result.status is Status.ACCEPTED
    assert_is_seed(result.projects[0])


def test_shifted_form_behind_instructions_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "shifted.xlsx", [
        ("填表说明", [["填表说明"], ["项目名称：填写预算批复的项目全称"], ["一级指标、二级指标按模板填写"]]),
        ("Sheet1", seed_spec(row_offset=5, col_offset=3)),
    ])
    result = check_file(path)
    assert result.status is Status.ACCEPTED
    (project,) = result.projects
    assert project.sheet == "Sheet1"
    assert_is_seed(project)
    assert project.indicators[0].row == 18 and project.indicators[0].cells["score"] == "K18"


def test_three_projects_in_one_workbook(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "dept.xlsx", [
        ("项目1", seed_spec()),
        ("项目2", seed_spec(name="社区服务中心运行经费", total_score="98分", row_offset=1)),
        ("项目3", seed_spec(name="党员教育培训经费", annex=None, col_offset=2)),
    ])
    result = check_file(path)
    assert reader_codes(result) == []
    assert ("项目2", "total-mismatch", "H24") in [(f.sheet, f.code, f.cell) for f in result.findings]
    assert [p.sheet for p in result.projects] == ["项目1", "项目2", "项目3"]
    assert_is_seed(result.projects[0])
    assert_is_seed(result.projects[1], name="社区服务中心运行经费", total=98.0)
    assert_is_seed(result.projects[2], name="党员教育培训经费")


def test_two_forms_stacked_on_one_sheet(tmp_path: Path) -> None:
    import xlsxwriter
    from formbuilder import write_form

    path = tmp_path / "stacked.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("汇总")
    end = write_form(book, ws, seed_spec())
    write_form(book, ws, seed_spec(name="第二个项目", row_offset=end + 2))
    book.close()
    result = check_file(path)
    assert [p.name for p in result.projects] == ["城市基层党建工作经费", "第二个项目"]
    assert_is_seed(result.projects[1], name="第二个项目")


def test_multi_project_ods_without_merge_information(fixtures: Path) -> None:
    result = check_file(fixtures / "multi.ods")
    assert reader_codes(result) == []
    assert result.status is Status.RETURNED  # the review engine's total-mismatch on 项目二
    assert ("项目二", "total-mismatch", "H23") in [(f.sheet, f.code, f.cell) for f in result.findings]
    assert [p.sheet for p in result.projects] == ["项目一", "项目二"]
    assert_is_seed(result.projects[0])
    assert_is_seed(result.projects[1], name="社区服务中心运行经费", total=98.0)


def test_group_labels_written_once_without_merges(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "nomerge.xlsx", [("表", seed_spec(merge_groups=False))])
    (project,) = check_file(path).projects
    assert_is_seed(project)
