"""The statements of a 绩效自评报告 that restate its form, and its sections (issue 18; docs/narrative.md): read from
the seed's report (tests/seedreport.py), from phrasings real reports use, from table-layout reports, and from our
own draft. A figure that is not a restatement of the form (a part, a plan, a count of 党支部) gives nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from seedreport import SEED, TITLE, drop_section, number_of, replace

from processor.core.model import FileResult, Statement
from processor.narrative.headings import SECTION_TITLES, SECTIONS, section_of
from processor.narrative.statements import Stated, extract


@dataclass(frozen=True)
class P:
    """A paragraph as processor.narrative.docxtext gives it (number, text, where, cells)."""

    number: int
    text: str
    where: str = "body"
    cells: tuple[str, ...] = ()


def paras(lines: Sequence[str], first: int = 1) -> list[P]:
    return [P(n, text) for n, text in enumerate(lines, first)]


def row(number: int, *cells: str) -> P:
    return P(number, "\t".join(cells), "table", tuple(cells))


def found(stated: Stated) -> list[tuple[str, float | str]]:
    return [(s.key, s.value) for s in stated.statements]


def one(text: str, number: int = 5) -> list[Statement]:
    return list(extract([P(number, text)]).statements)


ALL = ("overview", "work", "conclusion", "analysis", "problems", "application", "other")


# ---------------------------------------------------------------- the seed


def test_seed_gives_exactly_what_restates_its_form() -> None:
    stated = extract(paras(SEED))
    assert sorted(found(stated)) == sorted([
        ("year", 2021.0), ("level1_count", 2.0), ("level2_count", 6.0), ("total", 99.0), ("grade", "优"),
        ("budget", 200.0), ("balance", 0.0), ("rate", 100.0)])
    assert stated.year == 2021
    assert stated.name == "城市基层党建工作专项资金"
    assert stated.sections == ALL


def test_seed_statements_name_their_paragraph_and_sentence() -> None:
    by_key = {s.key: s for s in extract(paras(SEED)).statements}
    verdict = number_of("综合得分为99分")
    assert by_key["total"] == Statement("total", 99.0, verdict, "经评价，本项目综合得分为99分，等级为优秀。", "99分")
    assert by_key["grade"] == Statement("grade", "优", verdict, "经评价，本项目综合得分为99分，等级为优秀。", "优秀")
    assert (by_key["level1_count"].paragraph, by_key["level1_count"].raw) == (verdict, "2个")
    assert by_key["level1_count"].quote.startswith("根据2021年项目支出绩效自评表")
    assert by_key["level2_count"].quote.endswith("等6个二级指标。")
    money = number_of("项目资金全年为200万元")
    assert by_key["budget"] == Statement("budget", 200.0, money, "2021年度项目资金全年为200万元，已于第四季度拨付到位。",
                                         "200万元")
    assert by_key["balance"] == Statement("balance", 0.0, money, "结余资金0万元，资金使用率100%。", "0万元")
    assert by_key["rate"] == Statement("rate", 100.0, money, "结余资金0万元，资金使用率100%。", "100%")
    assert by_key["year"] == Statement("year", 2021.0, 1, TITLE, "2021年度")


def test_seed_order_follows_the_text() -> None:
    keys = [s.key for s in extract(paras(SEED)).statements]
    assert keys == ["year", "level1_count", "level2_count", "total", "grade", "budget", "balance", "rate"]


def test_a_changed_figure_is_read_where_it_was_changed() -> None:
    stated = extract(paras(replace("综合得分为99分", "综合得分为95.5分")))
    assert [(s.value, s.paragraph) for s in stated.statements if s.key == "total"] == [(95.5, number_of("综合得分为99分"))]
    stated = extract(paras(replace("项目资金全年为200万元", "项目资金全年为1,800,000元")))
    assert [(s.value, s.raw) for s in stated.statements if s.key == "budget"] == [(180.0, "1,800,000元")]
    stated = extract(paras(replace("等级为优秀", "等级为良好")))
    assert [s.value for s in stated.statements if s.key == "grade"] == ["良"]


def test_a_dropped_section_is_missing() -> None:
    assert extract(paras(drop_section("六、绩效自评结果拟应用和公开情况"))).sections == tuple(
        k for k in ALL if k != "application")
    assert extract(paras(drop_section("7、 其他需要说明的问题"))).sections == ALL[:-1]
    without = extract(paras(drop_section("三、综合评价结论")))
    assert "conclusion" not in without.sections
    assert not {"total", "grade", "level1_count", "level2_count"} & {s.key for s in without.statements}


def test_title_passed_by_the_caller() -> None:
    stated = extract(paras(SEED[2:]), title="2022年度城市基层党建工作经费绩效自评报告")
    assert (stated.year, stated.name) == (2022, "城市基层党建工作经费")
    assert next(s for s in stated.statements if s.key == "year").raw == "2022年度"
    stated = extract(paras(SEED[2:]))
    assert (stated.year, stated.name) == (None, "")
    assert "year" not in {s.key for s in stated.statements}


@pytest.mark.parametrize(("title", "year", "name"), [
    ("2021年度城市基层党建工作专项资金绩效自评报告", 2021, "城市基层党建工作专项资金"),
    ("关于2021年度城市基层党建工作专项资金的绩效自评报告", 2021, "城市基层党建工作专项资金"),
    ("市委组织部2021年城市基层党建工作经费绩效自评报告（初稿）", 2021, "城市基层党建工作经费"),
    ("城市基层党建工作项目支出绩效自评报告", None, "城市基层党建工作项目"),
    ("二〇二一年度城市基层党建工作经费绩效评价报告", 2021, "城市基层党建工作经费"),
])
def test_title_year_and_name(title: str, year: int | None, name: str) -> None:
    stated = extract(paras([title, "一、项目概况", "略。"]))
    assert (stated.year, stated.name) == (year, name)


def test_no_title_is_not_a_body_sentence() -> None:
    stated = extract(paras(["项目概况", "2021年度自评报告在益阳党建网公示。", "其他需要说明的问题", "无"]))
    assert (stated.year, stated.name, stated.statements) == (None, "", ())
    assert stated.sections == ("overview", "other")


def test_title_after_a_cover_line() -> None:
    stated = extract(paras(["附件2", "城市基层党建工作经费绩效自评报告", "一、项目概况"]))
    assert (stated.year, stated.name) == (None, "城市基层党建工作经费")


# ---------------------------------------------------------------- phrasings real reports use


@pytest.mark.parametrize(("text", "key", "value", "raw"), [
    ("经评价，本项目综合得分为99分，等级为优秀", "total", 99.0, "99分"),
    ("经评价，本项目综合得分为99分，等级为优秀", "grade", "优", "优秀"),
    ("本项目自评得分99分", "total", 99.0, "99分"),
    ("自评得分99分", "total", 99.0, "99分"),
    ("综合评分99.5分", "total", 99.5, "99.5分"),
    ("项目综合得分：９９分", "total", 99.0, "９９分"),
    ("经综合评价，本项目总得分为86分", "total", 86.0, "86分"),
    ('评价等级为"优"', "grade", "优", "优"),
    ("评价等级为“优”", "grade", "优", "优"),
    ("自评等级：良好", "grade", "良", "良好"),
    ("自评等级为合格", "grade", "中", "合格"),
    ("评价结果为不合格", "grade", "差", "不合格"),
    ("项目资金全年为200万元", "budget", 200.0, "200万元"),
    ("全年预算数200万元", "budget", 200.0, "200万元"),
    ("预算资金200万元", "budget", 200.0, "200万元"),
    ("2021年预算资金为200.5万元", "budget", 200.5, "200.5万元"),
    ("本项目全年预算数为2,000,000元", "budget", 200.0, "2,000,000元"),
    ("调整后预算数180万元", "budget", 180.0, "180万元"),
    ("实际支出1,800,000元", "executed", 180.0, "1,800,000元"),
    ("全年执行数199.5万元", "executed", 199.5, "199.5万元"),
    ("结余资金0万元", "balance", 0.0, "0万元"),
    ("结余0元", "balance", 0.0, "0元"),
    ("结余资金12,345元", "balance", 1.2345, "12,345元"),
    ("资金全部使用，无结余", "balance", 0.0, "无结余"),
    ("资金使用率100%", "rate", 100.0, "100%"),
    ("预算执行率98.5%", "rate", 98.5, "98.5%"),
    ("执行率为100%", "rate", 100.0, "100%"),
    ("预算执行率为９８．５％", "rate", 98.5, "９８．５％"),
    ("划分为产出指标、效益指标等2个一级指标", "level1_count", 2.0, "2个"),
    ("划分为产出指标、效益指标两个一级指标", "level1_count", 2.0, "两个"),
    ("共设置一级指标3个、二级指标6个", "level1_count", 3.0, "3个"),
    ("共设置一级指标3个、二级指标6个", "level2_count", 6.0, "6个"),
    ("划分为三个一级指标，细化为数量指标、质量指标等六个二级指标", "level2_count", 6.0, "六个"),
    ("划分为三个一级指标，细化为数量指标等十二个二级指标", "level2_count", 12.0, "十二个"),
])
def test_phrasing(text: str, key: str, value: float | str, raw: str) -> None:
    got = [s for s in one(text) if s.key == key]
    assert len(got) == 1, got
    assert (got[0].value, got[0].raw, got[0].paragraph) == (value, raw, 5)


def test_quote_is_the_sentence_as_written() -> None:
    text = "本项目由市委组织部实施。全年预算数２００万元；执行数200万元，执行率为100%！其余略。"
    got = {s.key: s for s in one(text, 9)}
    assert got["budget"].quote == "全年预算数２００万元；"
    assert got["budget"].raw == "２００万元"
    assert got["executed"].quote == got["rate"].quote == "执行数200万元，执行率为100%！"
    assert {s.paragraph for s in got.values()} == {9}


def test_budget_and_spending_in_one_sentence() -> None:
    assert [(s.key, s.value) for s in one("全年预算数200万元，执行数200万元，结余0万元。")] == [
        ("budget", 200.0), ("executed", 200.0), ("balance", 0.0)]


def test_initial_budget_is_not_the_budget() -> None:
    assert [(s.key, s.value) for s in one("年初预算数180万元，全年预算数200万元。")] == [("budget", 200.0)]
    assert [(s.key, s.value) for s in one("全年预算数200万元（年初预算数180万元）。")] == [("budget", 200.0)]
    # the 全年 figure stated anywhere in the report: the 年初 one beside it is context, and is not read
    stated = extract(paras(["年初预算数180万元。", "四、绩效目标实现情况分析", "全年预算数200万元。"]))
    assert found(stated) == [("budget", 200.0)]


def test_initial_budget_alone_is_stated_as_the_initial_budget() -> None:
    """A report that names only its 年初预算 restates the form's 年初预算数 column: read as that, so that it can be
    compared with the right figure, and never as the budget, which after an adjustment may differ from it."""
    assert one("年初预算数200万元") == [Statement("initial_budget", 200.0, 5, "年初预算数200万元", "200万元")]
    assert [(s.key, s.value) for s in one("年初预算数180万元，全年执行数180万元。")] == [
        ("initial_budget", 180.0), ("executed", 180.0)]
    assert [(s.key, s.value) for s in one("项目年初预算安排资金为2,000,000元。")] == [("initial_budget", 200.0)]
    assert [(s.key, s.value) for s in one("年初预算数200万元，其中财政拨款年初预算数150万元。")] == [
        ("initial_budget", 200.0)]
    assert one("市级年初预算数150万元。") == []
    got = extract([row(3, "年初预算数（万元）", "180")]).statements
    assert [(s.key, s.value, s.raw) for s in got] == [("initial_budget", 180.0, "180")]


def _adjusted_budget_report(tmp_path: Path, stated: str) -> FileResult:
    """The seed's form with its budget adjusted (年初预算数180, 全年预算数200) beside the seed's report stating `stated`
    in place of its 全年 figure; the report's checked entry."""
    from formbuilder import seed_spec, write_workbook
    from reportbuilder import write_report

    from processor.check import check_paths

    spec = seed_spec()
    spec.funds["total"] = ("180", 200, 200, 10, "100%", "10")
    spec.funds["current"] = ("180", "200", "200", None, None, None)
    inbox = tmp_path / "inbox" / "市委组织部"
    inbox.mkdir(parents=True)
    write_workbook(inbox / "市委组织部_2021_城市基层党建工作经费.xlsx", [("表1", spec)])
    body = replace("2021年度项目资金全年为200万元", stated, SEED[2:])
    write_report(inbox / "绩效自评报告.docx", body, title_lines=SEED[:2])
    return next(f for f in check_paths([inbox.parent]).files if f.report is not None)


def test_an_initial_budget_is_never_held_against_the_annual_budget(tmp_path: Path) -> None:
    """The report names only the 年初 figure, truly: no report-budget-mismatch (it would be one if the 年初 figure
    were read as the budget)."""
    entry = _adjusted_budget_report(tmp_path, "2021年度项目年初预算数180万元")
    assert entry.report is not None
    assert [(s.key, s.value) for s in entry.report.statements if "budget" in s.key] == [("initial_budget", 180.0)]
    assert not [f.code for f in entry.findings if f.code == "report-budget-mismatch"]


def test_a_wrong_initial_budget_is_compared_with_the_forms(tmp_path: Path) -> None:
    entry = _adjusted_budget_report(tmp_path, "2021年度项目年初预算数150万元")
    (found,) = [f for f in entry.findings if f.code == "report-budget-mismatch"]
    assert "年初预算数为 150万元" in found.message and "为 180 万元" in found.message, found.message


@pytest.mark.parametrize(("text", "key", "value", "raw"), [
    ("该项目预算安排200万元", "budget", 200.0, "200万元"),
    ("年度预算安排资金200万元", "budget", 200.0, "200万元"),
    ("全年共支出资金200万元", "executed", 200.0, "200万元"),
    ("项目共计支出2,000,000元", "executed", 200.0, "2,000,000元"),
    ("全年累计支出资金199.5万元", "executed", 199.5, "199.5万元"),
])
def test_budget_arranged_and_spending_in_total(text: str, key: str, value: float, raw: str) -> None:
    """预算安排 is the budget; 共支出, 共计支出, 累计支出 are the spending, when nothing qualifies them (全市共支出 is a
    part: see test_not_a_restatement)."""
    assert [(s.key, s.value, s.raw) for s in one(text)] == [(key, value, raw)]


@pytest.mark.parametrize(("text", "expected"), [
    ("项目全年执行数200万元，其中：中央财政资金执行150万元。", [("executed", 200.0)]),
    ("资金执行数180万元（其中上级补助执行数120万元）。", [("executed", 180.0)]),
    ("全年预算数200万元，其中财政拨款150万元。", [("budget", 200.0)]),
    ("项目全年执行数200万元，其中：专项资金执行数150万元。", [("executed", 200.0)]),
    ("项目全年执行数200万元。其中，专项资金执行数150万元。", [("executed", 200.0)]),
    ("全年预算数200万元，其中：预算资金150万元。", [("budget", 200.0)]),
    ("全年预算数200万元，其中：财政拨款150万元；专项资金预算数50万元。", [("budget", 200.0)]),
    ("全年执行率100%，其中：专项资金执行率98%。", [("rate", 100.0)]),
    # another figure after the parts is the project's again: the 其中 divides one total, not the sentence
    ("全年预算数200万元，其中财政拨款150万元，全年执行数200万元，执行率100%。",
     [("budget", 200.0), ("executed", 200.0), ("rate", 100.0)]),
    ("资金执行数180万元（其中上级补助执行数120万元），执行率90%。", [("executed", 180.0), ("rate", 90.0)]),
])
def test_a_part_after_qizhong_is_not_the_projects(text: str, expected: list[tuple[str, float]]) -> None:
    """The figure before 其中 is the project's; the same figure in its scope (to the end of the sentence, across ；,
    or to the bracket around it) is a part, and held against the form it would be a contradiction nobody wrote."""
    assert [(s.key, s.value) for s in one(text)] == expected


def test_parts_opening_a_paragraph_are_not_the_projects() -> None:
    """A 其中 that opens its sentence lists the parts of a total said before it, here in the paragraph above."""
    stated = extract(paras(["项目全年执行数200万元。", "其中：专项资金执行数150万元，配套资金执行数50万元。"]))
    assert found(stated) == [("executed", 200.0)]


# ---------------------------------------------------------------- not restatements: nothing, or nothing wrong


def test_seed_parts_plans_and_counts_give_nothing() -> None:
    for fragment in ("每年安排200万元", "小区党支部697个", "建党100周年", "资金拨付达到100%"):
        assert one(SEED[number_of(fragment) - 1]) == [], fragment
    # the money paragraph: 200万元 is the budget; 拨付160万元 and 工作经费为40万元 are its parts
    money = one(SEED[number_of("拨付160万元") - 1])
    assert [(s.key, s.value) for s in money] == [("budget", 200.0), ("balance", 0.0), ("rate", 100.0)]


@pytest.mark.parametrize("text", [
    "拨付160万元至相应社区，专款用于小区党支部示范建设。",
    "市级层面统筹推进小区党建等城市基层党建有关重点任务的工作经费为40万元。",
    "2021年─2023年市财政局每年安排200万元城市基层党建工作专项资金。",
    "目前，全市共成立小区党支部697个、中心城区网格党支部586个。",
    "其中当年财政拨款全年预算数150万元，上年结转资金50万元。",
    "市级预算资金160万元，县级预算资金40万元。",
    "上年结转资金50万元。",
    "上年结余资金10万元已统筹使用。",
    "场地使用率100%，完成项目验收率达到100%。",
    "总分100分。",
    "满分100分。",
    "评价结果中，有两项未达到年度指标值。",
    "评选优秀党支部30个，考核等级为优秀的社区党组织得到表彰。",
    "产出指标（50分）：共设数量指标、质量指标、时效指标3个二级指标、6个三级指标，自评得分50分，各项指标均达到年度指标值。",
    "“指标1：继续抓实城市居民小区党建工作”年度指标值为100%，实际完成值为100%，自评得分9分（分值10分）。",
    "产出指标下设3个二级指标。",
    "全市共支出160万元用于小区党支部示范建设。",
    "其中：社区共计支出160万元。",
    "2021年─2023年市财政局每年预算安排200万元。",
    "已支出150万元。",
    "【审核提示，定稿前删除】本项目自评表经审核发现 1 个问题，综合得分为90分，等级为优。",
    "按评分规则复核，综合得分为 97 分，等级优（自评 99 分）。",
])
def test_not_a_restatement(text: str) -> None:
    assert one(text) == []


def test_a_group_count_beside_the_system_count_is_left_out() -> None:
    text = "本项目共设2个一级指标，其中产出指标下设3个二级指标。"
    assert [(s.key, s.value) for s in one(text)] == [("level1_count", 2.0)]


def test_the_attachment_is_not_read() -> None:
    lines = [*SEED, "附件：项目支出绩效自评表"]
    ps = [*paras(lines), row(len(lines) + 1, "年度资金总额", "180", "200", "190", "10", "95%", "9.5"),
          row(len(lines) + 2, "总分", "100分", "99分"), P(len(lines) + 3, "综合得分为80分。")]
    assert sorted(found(extract(ps))) == sorted(found(extract(paras(SEED))))


# ---------------------------------------------------------------- headings


@pytest.mark.parametrize(("heading", "key"), [
    ("一、项目概况", "overview"),
    ("一、基本情况（项目概况、绩效目标）", "overview"),
    ("第一部分 项目基本情况", "overview"),
    ("1.项目概况", "overview"),
    ("（一）项目概况", "overview"),
    ("二、绩效评价工作开展情况", "work"),
    ("2、绩效自评工作开展情况", "work"),
    ("三、综合评价情况及评价结论", "conclusion"),
    ("三、综合评价结论", "conclusion"),
    ("四、绩效指标分析", "analysis"),
    ("（三）绩效指标完成情况分析", "analysis"),
    ("四、绩效目标实现情况分析", "analysis"),
    ("五、主要经验及做法、存在的问题及原因分析", "problems"),
    ("六、有关建议", "problems"),
    ("（二）建议和改进措施", "problems"),
    ("六、绩效自评结果拟应用和公开情况", "application"),
    ("六、结果应用情况", "application"),
    ("7、 其他需要说明的问题", "other"),
    ("七、其他需要说明的问题", "other"),
    ("其他需要说明的问题", "other"),
    ("五、存在的问题：部门联动还不强。", "problems"),
])
def test_heading(heading: str, key: str) -> None:
    assert section_of(heading) == key


@pytest.mark.parametrize("text", [
    "（一）项目资金使用及管理情况",
    "一、项目资金",
    "具体评分情况详见附表。",
    "我们将在下一步工作中认真总结存在的问题，形成可复制可推广的经验做法，并加强结果应用，进一步提升资金使用效益。",
])
def test_not_a_heading(text: str) -> None:
    assert section_of(text) is None


def test_reference_outline_sections() -> None:
    lines = ["2021年度某某项目绩效自评报告", "一、基本情况", "略。", "二、绩效评价工作开展情况", "三、综合评价情况及评价结论",
             "四、绩效指标分析", "五、主要经验及做法、存在的问题及原因分析", "六、有关建议", "七、其他需要说明的问题"]
    assert extract(paras(lines)).sections == ("overview", "work", "conclusion", "analysis", "problems", "other")


def test_section_tables_name_every_key() -> None:
    assert set(SECTIONS) == set(SECTION_TITLES) == set(ALL)
    assert SECTION_TITLES["overview"] == "项目概况"


# ---------------------------------------------------------------- table-layout reports


def test_table_layout_gives_the_same_statements() -> None:
    ps = [P(1, "2021年度城市基层党建工作专项资金绩效自评报告"),
          row(2, "项目概况", "2021年度项目资金全年为200万元。"),
          row(3, "综合得分", "99"),
          row(4, "自评等级", "优秀"),
          row(5, "全年预算数（万元）", "200", "全年执行数（万元）", "200"),
          row(6, "预算执行率", "100%"),
          row(7, "结余资金（万元）", "0"),
          row(8, "一级指标数", "2", "二级指标数", "6")]
    stated = extract(ps)
    assert found(stated) == [("year", 2021.0), ("budget", 200.0), ("total", 99.0), ("grade", "优"), ("budget", 200.0),
                             ("executed", 200.0), ("rate", 100.0), ("balance", 0.0), ("level1_count", 2.0),
                             ("level2_count", 6.0)]
    by_para = {(s.key, s.paragraph): s for s in stated.statements}
    assert by_para[("total", 3)].quote == "综合得分 | 99"
    assert by_para[("total", 3)].raw == "99"
    assert by_para[("budget", 5)].quote == "全年预算数（万元） | 200 | 全年执行数（万元） | 200"
    assert by_para[("budget", 2)].quote == "2021年度项目资金全年为200万元。"
    assert stated.sections == ("overview",)
    assert stated.name == "城市基层党建工作专项资金"


def test_table_cells_follow_the_seed_sentences() -> None:
    """The seed's report laid out as a two-column table (heading | text) reads as the seed does."""
    body = paras(SEED[:2])
    i = 2
    n = 3
    while i < len(SEED):
        if section_of(SEED[i]) is not None or i + 1 == len(SEED):
            body.append(row(n, SEED[i], SEED[i + 1] if i + 1 < len(SEED) else ""))
            i += 2
        else:
            body.append(row(n, "", SEED[i]))
            i += 1
        n += 1
    stated = extract(body)
    assert sorted(found(stated)) == sorted(found(extract(paras(SEED))))


@pytest.mark.parametrize("cells", [
    ("全年预算数", "200"),  # no unit: 元 or 万元?
    ("", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),  # the form's header row
    ("执行率", "100"),  # no % sign
    ("总分", "100分", "99分"),  # the maximum, then the total: 总分 is not a label
    ("综合得分", "详见附表"),
    ("自评等级", "优秀党支部"),
])
def test_table_cells_that_say_nothing(cells: tuple[str, ...]) -> None:
    assert extract([row(3, *cells)]).statements == ()


def test_table_unit_from_another_cell_of_the_row() -> None:
    got = extract([row(3, "项目资金（万元）", "全年预算数", "200")]).statements
    assert [(s.key, s.value, s.raw) for s in got] == [("budget", 200.0, "200")]
    got = extract([row(3, "全年预算数（元）", "1,800,000")]).statements
    assert [(s.key, s.value) for s in got] == [("budget", 180.0)]
    got = extract([row(3, "全年预算数", "200万元")]).statements
    assert [(s.key, s.value) for s in got] == [("budget", 200.0)]


# ---------------------------------------------------------------- our own draft reads back as its form


def test_draft_of_the_seed_form_restates_it(tmp_path: Path) -> None:
    import datetime as dt

    import docx
    from formbuilder import seed_spec, write_workbook

    from processor.draft import draft

    form = write_workbook(tmp_path / "form.xlsx", [("表1", seed_spec())])
    result = draft([form], tmp_path / "out", date=dt.date(2026, 11, 30))
    doc = docx.Document(str(result.drafts[0].path))
    ps = [P(n, p.text) for n, p in enumerate(doc.paragraphs, 1)]
    ps += [row(len(ps) + n, *(c.text for c in r.cells)) for n, r in enumerate(doc.tables[0].rows, 1)]
    stated = extract(ps)
    assert sorted(set(found(stated))) == sorted([
        ("year", 2021.0), ("budget", 200.0), ("level1_count", 2.0), ("level2_count", 6.0), ("total", 99.0),
        ("grade", "优"), ("executed", 200.0), ("rate", 100.0), ("balance", 0.0)])
    assert [s.key for s in stated.statements].count("budget") == 2  # 项目概况 and 四（一）
    assert stated.sections == ALL
    assert (stated.year, stated.name) == (2021, "城市基层党建工作经费")
