"""Matching a report with its form's project, and comparing what it states with the form (issue 18)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from formbuilder import seed_spec, write_workbook

from processor import check_file
from processor.core.model import Funds, Project, ProjectAt, Statement
from processor.narrative.compare import agrees, form_values, mismatches
from processor.narrative.match import core_name, department_of, match, similarity


@pytest.fixture(scope="module")
def seed_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    path = write_workbook(tmp_path_factory.mktemp("seed") / "seed.xlsx", [("表1", seed_spec())])
    return check_file(path).projects[0]


@pytest.mark.parametrize(("text", "core"), [
    ("2021年度城市基层党建工作专项资金绩效自评报告", "城市基层党建工作"),
    ("城市基层党建工作经费", "城市基层党建工作"),
    ("（2021年度）老旧小区改造补助资金", "老旧小区改造补助"),
    ("2021-2023年 农村公路养护 项目", "农村公路养护"),
    ("市委组织部_2021_城市基层党建工作经费_绩效自评报告（初稿）", "市委组织部城市基层党建工作"),
    ("乡村教师培训补助经费", "乡村教师培训补助"),
])
def test_core_names(text: str, core: str) -> None:
    assert core_name(text) == core


def test_the_seed_reports_fund_name_matches_its_forms_project_name() -> None:
    assert similarity("城市基层党建工作专项资金", "城市基层党建工作经费") == 1.0
    assert similarity("城市基层党建工作专项资金", "社区综合服务站建设经费") < 0.3


def candidates(*projects: tuple[str, str]) -> list[ProjectAt]:
    base = Project("表1", 2021, "", "", "", "central2020", None, (), None, None)  # type: ignore[arg-type]
    return [ProjectAt(f"{d}/{n}.xlsx", 0, replace(base, name=n, department=d)) for n, d in projects]


def test_match_within_the_department_and_say_how_sure() -> None:
    pool = candidates(("城市基层党建工作经费", "市委组织部"), ("城市基层党建工作经费", "市民政局"),
                      ("社区综合服务站建设经费", "市民政局"))
    found = match(["城市基层党建工作专项资金"], 2021, "市委组织部", pool)
    assert found.chosen is pool[0] and found.score == 1.0 and found.department == "市委组织部"
    # without a department, the same name in two departments is ambiguous, never a guess
    unsure = match(["城市基层党建工作专项资金"], 2021, "", pool)
    assert unsure.chosen is None and {c.project.department for c in unsure.close} == {"市委组织部", "市民政局"}
    nothing = match(["大气污染防治专项"], 2021, "市民政局", pool)
    assert nothing.chosen is None and not nothing.close and "市民政局" in nothing.why


def test_two_close_names_are_ambiguous() -> None:
    pool = candidates(("城区学校校舍维修改造", "市教育局"), ("农村学校校舍维修改造", "市教育局"))
    found = match(["学校校舍维修改造"], 2021, "市教育局", pool)
    assert found.chosen is None and len(found.close) == 2
    # the same core name once: the project, even beside a longer look-alike
    sure = match(["乡村教师培训"], 2021, "市教育局", candidates(("乡村教师培训经费", "市教育局"),
                                                                ("乡村教师培训补助", "市教育局")))
    assert sure.chosen is not None and sure.chosen.project.name == "乡村教师培训经费" and sure.score == 1.0


def test_the_department_from_folder_file_name_or_text() -> None:
    known = ["市委组织部", "市民政局", "民政局"]
    assert department_of("inbox/市民政局/报告.docx", "", "", known) == "市民政局"
    assert department_of("inbox/市委组织部_2021_自评报告.docx", "", "", known) == "市委组织部"
    assert department_of("inbox/报告.docx", "", "市民政局高度重视……", known) == "市民政局"
    assert department_of("inbox/报告.docx", "", "", known) == ""


def test_form_values_are_the_forms_own(seed_project: Project) -> None:
    values = {k: v for k, (v, _) in form_values(seed_project).items()}
    assert values == {"total": 99.0, "grade": "优", "budget": 200.0, "initial_budget": 200.0, "executed": 200.0, "rate": 100.0,
                      "balance": 0.0, "level1_count": 2.0, "level2_count": 6.0, "year": 2021.0}


@pytest.mark.parametrize(("key", "stated", "form", "raw", "same"), [
    ("budget", 123.46, 123.4567, "123.46万元", True),
    ("budget", 123.0, 123.4567, "123万元", True),
    ("budget", 120.0, 123.4567, "120万元", False),
    ("budget", 180.0, 200.0, "1,800,000元", False),
    ("budget", 200.0, 200.0, "2000000元", True),
    ("rate", 100.0, 99.96, "100%", True),
    ("rate", 99.9, 99.96, "99.9%", False),
    ("total", 99.0, 99.0, "99分", True),
    ("grade", "良", "优", "良好", False),
])
def test_a_figure_agrees_as_the_report_rounds_it(key: str, stated: float | str, form: float | str, raw: str,
                                                 same: bool) -> None:
    assert agrees(key, stated, form, raw) is same


def test_each_contradiction_is_a_finding_at_its_paragraph_with_both_values(seed_project: Project) -> None:
    said = (Statement("total", 95.0, 7, "经评价，本项目综合得分为95分，等级为良好。", "95分", "第7段"),
            Statement("grade", "良", 7, "经评价，本项目综合得分为95分，等级为良好。", "良好", "第7段"),
            Statement("budget", 180.0, 10, "2021年度项目资金全年为180万元。", "180万元", "第10段"),
            Statement("rate", 100.0, 10, "资金使用率100%。", "100%", "第10段"))
    found = mismatches(said, seed_project, "seed.xlsx")
    assert [(f.code, f.cell, f.value) for f in found] == [
        ("report-score-mismatch", "第7段", "95分"), ("report-grade-mismatch", "第7段", "良好"),
        ("report-budget-mismatch", "第10段", "180万元")]
    score = found[0].message
    assert "第7段" in score and "经评价，本项目综合得分为95分" in score and "95分" in score and "99 分" in score
    assert "seed.xlsx" in score and "表1" in score
    assert "200 万元" in found[2].message


def test_statements_that_agree_give_no_finding() -> None:
    funds = Funds(100.0, 100.0, 95.0, 0.95, 10.0, 9.5)
    project = Project("表1", 2021, "社区综合服务站建设经费", "市民政局", "", "central2020", funds, (), 99.5, "优")
    said = (Statement("total", 99.5, 3, "综合得分99.5分。", "99.5分"), Statement("grade", "优", 3, "等级为优秀。", "优秀"),
            Statement("budget", 100.0, 4, "全年预算数100万元。", "100万元"), Statement("executed", 95.0, 4, "执行数95万元。", "95万元"),
            Statement("rate", 95.0, 4, "执行率95%。", "95%"), Statement("balance", 5.0, 4, "结余资金5万元。", "5万元"))
    assert mismatches(said, project, "a.xlsx") == []
