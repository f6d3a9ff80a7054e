"""A project beside its earlier years (issue 19): which earlier form is the same project (processor.review.across), and
the findings only history makes possible (processor.review.history), on real workbooks read back through check_paths
so that every cell a finding names is the cell the reader found."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from formbuilder import FormSpec, clean_rows, clean_spec, write_workbook

from processor.check import check_paths
from processor.core.findings import CATALOGUE
from processor.core.model import Finding, Project, ProjectAt, Severity
from processor.review.across import figures, indicator_pairs, pair, plain_name
from processor.review.history import ambiguous_finding, history_findings
from processor.review.profiles import Profile, load_profile

PROFILE = load_profile("central2020")
SEED_NAME = "城市基层党建工作经费"


def money(budget: float, executed: float, carry: float = 20, carry_executed: float = 19) -> dict[str, tuple[Any, ...]]:
    """A 项目资金 block whose parts add up: the carry-over row, the rest as 当年财政拨款."""
    rate = executed / budget
    return {
        "total": (budget, budget, executed, 10, f"{rate:.2%}", round(10 * min(rate, 1), 2)),
        "current": (budget - carry, budget - carry, executed - carry_executed, None, None, None),
        "carryover": (carry, carry, carry_executed, None, None, None),
        "other": (0, 0, 0, None, None, None),
    }


def form(year: int, **changes: Any) -> FormSpec:
    return clean_spec(title=f"{year}年度项目支出绩效自评表", **changes)


def read(path: Path, *specs: FormSpec) -> list[Project]:
    """The specs written as sheets of one workbook and read back, reviewed, as the batch would hold them."""
    write_workbook(path, [(f"表{i + 1}", spec) for i, spec in enumerate(specs)])
    result = check_paths([path]).files[0]
    assert len(result.projects) == len(specs), result.findings
    return list(result.projects)


def entries(path: Path, *specs: FormSpec) -> list[ProjectAt]:
    return [ProjectAt(str(path), i, p) for i, p in enumerate(read(path, *specs))]


def codes(found: list[Finding], code: str) -> list[Finding]:
    return [f for f in found if f.code == code]


# -- plain names ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    "2021年城市基层党建工作经费", "2022年度城市基层党建工作经费", "城市基层党建工作经费（2021年度）",
    "2021-2023年城市基层党建工作经费", "2021—2023年度城市基层党建工作经费", "2021至2023年城市基层党建工作经费",
    "2021年-2023年 城市基层党建工作经费", "城市基层党建 工作经费(２０２１年度)", "　城市基层党建工作经费　",
])
def test_year_words_and_spelling_are_taken_off(name: str) -> None:
    assert plain_name(name) == plain_name(SEED_NAME) == SEED_NAME


def test_a_number_that_is_no_year_stays() -> None:
    assert plain_name("2021城市基层党建工作经费") != plain_name(SEED_NAME)  # no 年: may be part of the name
    assert plain_name("新建1000亩高标准农田") == "新建1000亩高标准农田"
    assert plain_name("ABC项目") == "abc项目"


# -- pairing --------------------------------------------------------------------------------------------------------
def test_matched_by_name_with_year_words_within_the_department(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, name=f"2021年{SEED_NAME}", department="  市委组织部"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name=f"2022年度{SEED_NAME}", department="市委组织部"))
    paired = pair(new, old)
    match = paired[(str(tmp_path / "2022.xlsx"), 0)]
    assert [(e.project.year, how) for e, how in match.years()] == [(2021, "name")]
    assert match.previous(2022) == old[0] and match.ambiguous() == []
    assert match.previous(2023) is None  # 2021 is not 上年 of a 2023 form


def test_the_same_name_in_another_department_is_another_project(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, name=SEED_NAME, department="市财政局"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name=SEED_NAME, department="市委组织部"))
    assert pair(new, old) == {}


def test_a_renamed_department_through_the_alias_table(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, department="市民政局"))
    new = entries(tmp_path / "2022.xlsx", form(2022, department="市民政和社会事务局"))
    assert pair(new, old) == {}
    paired = pair(new, old, aliases={"市民政局": "市民政和社会事务局"})
    assert [how for _, how in paired[(str(tmp_path / "2022.xlsx"), 0)].years()] == ["name"]


def test_matched_by_code_whatever_the_name_became(tmp_path: Path) -> None:
    code = "51000021R000000019951"
    old = entries(tmp_path / "2021.xlsx", form(2021, name=f"{code}-社区服务站建设经费", department="市民政局"),
                  form(2021, name=f"{code}9-社区综合服务站建设经费"))  # the current name, but another code
    new = entries(tmp_path / "2022.xlsx", form(2022, name=f"{code}-社区综合服务站建设经费"))
    assert new[0].project.code == code and old[1].project.code == f"{code}9"
    match = pair(new, old)[(str(tmp_path / "2022.xlsx"), 0)]
    assert [(e.index, how) for e, how in match.years()] == [(0, "code")]


def test_two_codes_never_pair_by_name(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, name="51000021R000000011111-社区综合服务站建设经费"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name="51000021R000000022222-社区综合服务站建设经费"))
    assert pair(new, old) == {}


def test_the_match_table_names_a_renamed_project(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, name="社区服务站建设经费"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name="2022年度社区综合服务站运营经费"))
    assert pair(new, old) == {}
    paired = pair(new, old, table={"社区综合服务站运营经费": "2021年社区服务站建设经费"})
    assert [(e.project.name, how) for e, how in paired[(str(tmp_path / "2022.xlsx"), 0)].years()] == [
        ("社区服务站建设经费", "table")]


def test_the_table_overrides_the_name_rule(tmp_path: Path) -> None:
    """The current name also exists last year, but the table says the project was another one then."""
    old = entries(tmp_path / "2021.xlsx", form(2021), form(2021, name="社区服务站建设经费"))
    new = entries(tmp_path / "2022.xlsx", form(2022))
    assert [e.index for e, _ in pair(new, old)[(str(tmp_path / "2022.xlsx"), 0)].years()] == [0]
    table = {"社区综合服务站建设经费": "社区服务站建设经费"}
    assert [(e.index, how) for e, how in pair(new, old, table=table)[(str(tmp_path / "2022.xlsx"), 0)].years()] == [
        (1, "table")]


def test_two_candidates_are_ambiguous_and_not_used(tmp_path: Path) -> None:
    """Two 工资性支出 of one department, told apart only by codes this year's form does not print."""
    old = entries(tmp_path / "2021.xlsx", form(2021, name="51000021R000000011111-工资性支出"),
                  form(2021, name="51000021R000000022222-工资性支出"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name="工资性支出"))
    match = pair(new, old)[(str(tmp_path / "2022.xlsx"), 0)]
    assert match.years() == [] and match.previous(2022) is None
    [(year, candidates)] = match.ambiguous()
    assert year == 2021 and [e.index for e in candidates] == [0, 1]
    f = ambiguous_finding(new[0].project, year, candidates)
    assert (f.code, f.severity, f.sheet, f.cell) == ("history-ambiguous", Severity.INFO, "表1", "B3")
    assert "2021.xlsx 工作表“表1”的“51000021R000000011111-工资性支出”（市民政局）" in f.message
    assert "2021.xlsx 工作表“表2”的“51000021R000000022222-工资性支出”" in f.message and "2 份" in f.message
    assert "[history.match]" in f.hint and "--history" in f.hint
    # the table settles it, naming last year's form by its code
    table = {"工资性支出": "51000021R000000022222-工资性支出"}
    match = pair(new, old, table=table)[(str(tmp_path / "2022.xlsx"), 0)]
    assert [(e.index, how) for e, how in match.years()] == [(1, "table")] and match.ambiguous() == []


def test_the_same_form_sent_twice_is_one_candidate_the_last(tmp_path: Path) -> None:
    first = entries(tmp_path / "2021_v1.xlsx", form(2021, total_score=98))
    second = entries(tmp_path / "2021_v2.xlsx", form(2021, total_score=99))
    new = entries(tmp_path / "2022.xlsx", form(2022))
    match = pair(new, [*first, *second])[(str(tmp_path / "2022.xlsx"), 0)]
    assert match.ambiguous() == [] and [e.file for e, _ in match.years()] == [str(tmp_path / "2021_v2.xlsx")]


def test_only_earlier_years_unmatched_and_several_years(tmp_path: Path) -> None:
    years = entries(tmp_path / "all.xlsx", form(2020), form(2021), form(2023), form(2021, name="另一个项目"))
    new = entries(tmp_path / "2022.xlsx", form(2022), form(2022, name="全新的项目"))
    paired = pair(new, years)
    assert list(paired) == [(str(tmp_path / "2022.xlsx"), 0)]  # the new project has no history: not listed
    match = paired[(str(tmp_path / "2022.xlsx"), 0)]
    assert [e.project.year for e, _ in match.years()] == [2020, 2021]  # oldest first; 2023 is no history of 2022
    assert match.previous(2022) == years[1]


def test_indicators_pair_by_normalised_name(tmp_path: Path) -> None:
    rows = clean_rows(r1={"name": "指标2：2021年培训社区工作人员人次"}, r2={"name": "指标3：新增的指标"})
    [old] = read(tmp_path / "2021.xlsx", form(2021, rows=rows))
    [new] = read(tmp_path / "2022.xlsx", form(2022))
    pairs = indicator_pairs(new, old)
    assert [(a.name, b.row) for a, b in pairs][:2] == [("新建社区服务站数量", 13), ("培训社区工作人员人次", 14)]
    assert "服务站验收合格率" not in [a.name for a, _ in pairs] and len(pairs) == 8


def test_figures_take_the_computed_rate_as_every_comparison_does(tmp_path: Path) -> None:
    """A miscomputed printed rate (75% for 80 of 100) would set a rate beside this year's that the summary's 上年执行率
    and the checks (执行数 ÷ 全年预算数) do not use: one rate for the years everywhere, the computed one."""
    funds = money(100, 80)
    printed, blank = dict(funds), dict(funds)
    printed["total"] = (100, 100, 80, 10, "75%", 8)
    blank["total"] = (100, 100, 80, 10, None, 8)
    a, b = entries(tmp_path / "2021.xlsx", form(2021, funds=printed), form(2021, funds=blank))
    fa, fb = figures(a, "name"), figures(b, "table")
    assert (fa.year, fa.file, fa.sheet, fa.matched_by, fa.annual_budget, fa.executed, fa.rate) == (
        2021, str(tmp_path / "2021.xlsx"), "表1", "name", 100, 80, pytest.approx(0.8))
    assert fb.rate == pytest.approx(0.8) and fb.matched_by == "table"
    assert (fa.self_total, fa.computed_total, fa.self_grade) == (a.project.self_total, a.project.computed_total, "优")


# -- the checks -----------------------------------------------------------------------------------------------------
def years(tmp_path: Path, old: FormSpec, new: FormSpec) -> tuple[Project, Project]:
    """Last year's and this year's project, this one carrying its history as the batch attaches it."""
    [before] = read(tmp_path / "2021年自评表.xlsx", old)
    [now] = read(tmp_path / "2022年自评表.xlsx", new)
    entry = ProjectAt(str(tmp_path / "2021年自评表.xlsx"), 0, before)
    return before, replace(now, history=(figures(entry, "name"),))


def check(tmp_path: Path, old: FormSpec, new: FormSpec, profile: Profile = PROFILE) -> list[Finding]:
    before, now = years(tmp_path, old, new)
    return history_findings(now, before, profile)


def test_a_normal_second_year_gives_nothing(tmp_path: Path) -> None:
    """Carry-over below last year's balance (the treasury took some back), targets raised, score and rate steady."""
    new = form(2022, funds=money(100, 95, carry=15, carry_executed=15),
               rows=clean_rows(r1={"target": "≥600人次", "actual": "650人次"}))
    old = form(2021, funds=money(100, 80), rows=clean_rows(r1={"actual": "800人次"}))
    assert check(tmp_path, old, new) == []


def test_carryover_above_last_years_balance(tmp_path: Path) -> None:
    found = check(tmp_path, form(2021, funds=money(100, 95)), form(2022, funds=money(100, 95, carry=20)))
    [f] = codes(found, "carryover-excess")
    assert (f.severity, f.sheet, f.cell, f.value) == (Severity.WARNING, "表1", "D8", "20")
    assert "结余 5 万元" in f.message and "全年执行数 95 万元" in f.message and "多出 15 万元" in f.message
    assert "2021年度，2021年自评表.xlsx 工作表“表1”" in f.message


@pytest.mark.parametrize(("carry", "fires"), [(20.01, False), (20.02, True), (10, False)])
def test_carryover_within_the_money_tolerance_or_below_is_normal(tmp_path: Path, carry: float, fires: bool) -> None:
    found = check(tmp_path, form(2021, funds=money(100, 80)), form(2022, funds=money(100, 95, carry=carry)))
    assert bool(codes(found, "carryover-excess")) is fires


def test_carryover_after_an_overspent_year(tmp_path: Path) -> None:
    """Last year spent more than its budget: nothing was left, so any carry-over is more than the balance."""
    found = check(tmp_path, form(2021, funds=money(100, 110, carry=0, carry_executed=0)),
                  form(2022, funds=money(100, 95, carry=5, carry_executed=5)))
    [f] = codes(found, "carryover-excess")
    assert "结余 0 万元" in f.message and "多出 5 万元" in f.message


def test_targets_copied_although_last_years_actual_beat_them(tmp_path: Path) -> None:
    old = form(2021, funds=money(100, 80), rows=clean_rows(r1={"actual": "650人次"}, r4={"actual": "14万元"}))
    found = check(tmp_path, old, form(2022))
    unchanged = codes(found, "targets-unchanged")
    assert [(f.cell, f.value, f.severity) for f in unchanged] == [
        ("E14", "≥500人次", Severity.WARNING), ("E17", "≤20万元", Severity.WARNING)]
    more, less = unchanged
    assert "“培训社区工作人员人次”" in more.message and "650人次" in more.message and "130%" in more.message
    assert "仅为指标值的 70%" in less.message and "反向指标" in less.message and "14万元" in less.message
    assert "指标值设置偏低且未调整" in more.message and "2021年自评表.xlsx" in more.message


@pytest.mark.parametrize("rows", [
    {"r1": {"actual": "640人次"}},  # 128%: just under 30% more
    {"r4": {"actual": "14.5万元"}},  # 72.5% of a reverse target: just under 30% lower
    {"r4": {"actual": "28万元"}},  # a reverse indicator that came in higher is no beat at all
])
def test_targets_not_beaten_enough_are_left_alone(tmp_path: Path, rows: dict[str, dict[str, Any]]) -> None:
    found = check(tmp_path, form(2021, funds=money(100, 80), rows=clean_rows(**rows)), form(2022))
    assert codes(found, "targets-unchanged") == []


def test_a_raised_target_is_no_copy(tmp_path: Path) -> None:
    old = form(2021, funds=money(100, 80), rows=clean_rows(r1={"actual": "900人次"}))
    new = form(2022, rows=clean_rows(r1={"target": "≥800人次", "actual": "850人次"}))
    assert codes(check(tmp_path, old, new), "targets-unchanged") == []


def test_the_target_margin_is_the_profiles(tmp_path: Path) -> None:
    old = form(2021, funds=money(100, 80), rows=clean_rows(r1={"actual": "650人次"}))
    strict = replace(PROFILE, history_target_margin=0.5)
    assert codes(check(tmp_path, old, form(2022), strict), "targets-unchanged") == []


def test_score_up_while_the_rate_fell(tmp_path: Path) -> None:
    old = form(2021, funds=money(100, 95), total_score=97)
    new = form(2022, funds=money(100, 85), total_score=99)
    [f] = codes(check(tmp_path, old, new), "score-up-money-down")
    assert (f.severity, f.cell, f.value) == (Severity.WARNING, "H22", "99")
    assert "97 分" in f.message and "提高 2 分" in f.message and "95%" in f.message and "85%" in f.message
    assert "下降 10 个百分点" in f.message and "2021年自评表.xlsx" in f.message


@pytest.mark.parametrize(("score", "executed"), [(98.9, 85), (99, 86), (96, 70)])
def test_score_and_rate_just_under_the_thresholds(tmp_path: Path, score: float, executed: float) -> None:
    old = form(2021, funds=money(100, 95), total_score=97)
    new = form(2022, funds=money(100, executed), total_score=score)
    assert codes(check(tmp_path, old, new), "score-up-money-down") == []


@pytest.mark.parametrize(("budget", "said"), [(150, "增至 150 万元（增加 50%）"), (50, "减至 50 万元（减少 50%）")])
def test_a_budget_that_moved_by_half(tmp_path: Path, budget: float, said: str) -> None:
    found = check(tmp_path, form(2021, funds=money(100, 80)), form(2022, funds=money(budget, budget * 0.95)))
    [f] = codes(found, "budget-jump")
    assert (f.severity, f.cell) == (Severity.INFO, "D6") and said in f.message and "100 万元" in f.message


@pytest.mark.parametrize("budget", [149, 51])
def test_a_budget_that_moved_by_less_than_half(tmp_path: Path, budget: float) -> None:
    found = check(tmp_path, form(2021, funds=money(100, 80)), form(2022, funds=money(budget, budget * 0.95)))
    assert codes(found, "budget-jump") == []


def test_the_earlier_file_can_be_named_by_the_caller(tmp_path: Path) -> None:
    before, now = years(tmp_path, form(2021, funds=money(100, 95)), form(2022))
    found = history_findings(replace(now, history=()), before, PROFILE, file="/台账/归档/往年.xlsx")
    [f] = codes(found, "carryover-excess")
    assert "往年.xlsx 工作表“表1”" in f.message and "归档" not in f.message


def test_profiles_carry_the_history_thresholds(tmp_path: Path) -> None:
    for name in ("central2020", "hubei", "hunan-legacy"):
        p = load_profile(name)
        assert (p.history_target_margin, p.history_score_rise, p.history_rate_fall, p.history_budget_change) == (
            0.3, 2, 0.1, 0.5)
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "central2020"\nhistory_score_rise = 5\nhistory_budget_change = 0.2\n', encoding="utf-8")
    p = load_profile(mine)
    assert (p.history_score_rise, p.history_budget_change, p.history_rate_fall) == (5, 0.2, 0.1)


def test_the_history_rules_are_catalogued_with_their_severities() -> None:
    expected = {"carryover-excess": Severity.WARNING, "targets-unchanged": Severity.WARNING,
                "score-up-money-down": Severity.WARNING, "budget-jump": Severity.INFO,
                "history-ambiguous": Severity.INFO}
    for code, severity in expected.items():
        rule = CATALOGUE[code]
        assert (rule.severity, rule.stage) == (severity, "history") and rule.title


def test_two_projects_whose_names_differ_by_a_year_word_stay_two(tmp_path: Path) -> None:
    """2020年彩票公益金 and 2021年彩票公益金, both in the 2021 round, are two projects (as the ledger counts them): a
    2022 form of that name is ambiguous between them, never matched with whichever file came last."""
    old = entries(tmp_path / "2021.xlsx", form(2021, name="2020年中央专项彩票公益金"),
                  form(2021, name="2021年中央专项彩票公益金"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name="2022年中央专项彩票公益金"))
    match = pair(new, old)[(str(tmp_path / "2022.xlsx"), 0)]
    assert match.years() == [] and [len(c) for _, c in match.ambiguous()] == [2]


def test_the_table_is_one_departments_rename_and_comes_before_the_code(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, name="2021年人员工资", department="市民政局"),
                  form(2021, name="2021年工资性支出", department="市教育局"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name="2022年工资性支出", department="市民政局"),
                  form(2022, name="2022年工资性支出", department="市教育局"))
    paired = pair(new, old, table={"工资性支出": "人员工资"})
    got = {e.project.department: [(x.project.department, how) for x, how in paired[(e.file, e.index)].years()]
           for e in new}
    assert got == {"市民政局": [("市民政局", "table")], "市教育局": [("市教育局", "name")]}


def test_forms_without_a_department_are_not_paired_by_name(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, name="机关运行经费", department="　"))
    new = entries(tmp_path / "2022.xlsx", form(2022, name="机关运行经费", department="　"))
    assert pair(new, old) == {}


def test_targets_in_another_unit_than_their_actuals_are_not_judged(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, rows=clean_rows(r1={"target": "≥1.5万人次", "actual": "16000人次"})))
    new = entries(tmp_path / "2022.xlsx", form(2022, rows=clean_rows(r1={"target": "≥1.5万人次", "actual": "1.6万人次"})))
    found = history_findings(new[0].project, old[0].project, load_profile("central2020"), file="2021.xlsx")
    assert [f.code for f in found if f.code == "targets-unchanged"] == []


def test_overspending_last_year_is_no_fall_in_the_rate(tmp_path: Path) -> None:
    old = entries(tmp_path / "2021.xlsx", form(2021, funds=money(100, 118), total_score=95))
    new = entries(tmp_path / "2022.xlsx", form(2022, funds=money(100, 100), total_score=99.5))
    found = history_findings(new[0].project, old[0].project, load_profile("central2020"), file="2021.xlsx")
    assert "score-up-money-down" not in [f.code for f in found]
