"""What a second reader found typing the new layouts the way departments really do (issue 13): each case
failed before its fix."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import xlsxwriter
from formbuilder import clean_spec, write_workbook
from tables import table_rows

from processor import check_file
from processor.check import check_paths
from processor.core.errors import UsageError
from processor.nightly import load_config, night
from processor.nightly import write_template as write_config
from processor.read.labels import field_of, use_labels
from processor.read.parse import split_code

Rows = list[list[object]]


def grid(path: Path, rows: Rows, merges: tuple[tuple[int, int, int, int], ...] = (), sheet: str = "自评表") -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2022, 1, 15, 9, 0, 0)})
    ws = book.add_worksheet(sheet)
    covered = set()
    for r0, c0, r1, c1 in merges:
        ws.merge_range(r0, c0, r1, c1, str(rows[r0][c0]))
        covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, line in enumerate(rows):
        for c, value in enumerate(line):
            if value is not None and (r, c) not in covered:
                ws.write(r, c, value)
    book.close()
    return path


HEAD: Rows = [
    ["2022年度项目支出绩效自评表"], ["项目名称", "乡村道路养护"], ["主管部门", "县交通局", None, "实施单位", "县公路中心"],
    ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额", 100, 100, 100, 10, 1, 10], [None, "其中：当年财政拨款", 100, 100, 100],
    ["年度总体目标", "预期目标", None, None, "实际完成情况"], [None, "养护道路100公里", None, None, "养护道路102公里"],
]
ROWS: Rows = [
    ["产出指标", "数量指标", "养护里程", "≥100公里", "102公里", 50, 50],
    ["效益指标", "社会效益指标", "通行条件改善", "明显改善", "达成预期指标", 30, 30],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10],
]


def codes(result: object) -> list[str]:
    return [f.code for f in result.findings]  # type: ignore[attr-defined]


def test_a_reason_starting_with_project_leader_does_not_end_the_table(tmp_path: Path) -> None:
    """项目负责人 ends the table only as the signature line below it (项目负责人：张三)."""
    rows = [*HEAD, ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            [None, *ROWS[0][:5], 50, 45, "项目负责人调动，验收推迟半个月"], [None, *ROWS[1]], [None, *ROWS[2]],
            ["总分", None, None, None, None, None, 100, 95], ["项目负责人：张三", None, None, "财务负责人：李四"]]
    (p,) = check_file(grid(tmp_path / "c.xlsx", rows)).projects
    assert len(p.indicators) == 3 and p.self_total == 95


def test_a_two_row_header_without_vertical_merges(tmp_path: Path) -> None:
    rows = [*HEAD, ["绩效指标", None, None, "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["一级指标", "二级指标", "三级指标"], *ROWS, ["总分", None, None, None, None, 100, 100]]
    result = check_file(grid(tmp_path / "f.xlsx", rows, merges=((8, 0, 8, 2),)))
    assert codes(result) == [] and len(result.projects[0].indicators) == 3


def test_stacked_sichuan_forms_keep_their_own_text_blocks(tmp_path: Path) -> None:
    def form(name: str) -> Rows:
        return [["部门预算项目支出绩效自评表（2022年度）"], ["项目名称", name], *HEAD[2:],
                ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                *[[None, *r] for r in ROWS], ["合计", None, None, None, None, None, 100, 100],
                ["评价结论", None, f"{name}结论"], ["存在问题", None, f"{name}问题"], ["改进措施", None, f"{name}措施"], []]
    projects = check_file(grid(tmp_path / "s.xlsx", form("一号") + form("二号"))).projects
    assert [(p.name, p.conclusion, p.problems, p.measures) for p in projects] == [
        ("一号", "一号结论", "一号问题", "一号措施"), ("二号", "二号结论", "二号问题", "二号措施")]


def test_a_funds_total_row_does_not_make_a_pointless_form_scored(tmp_path: Path) -> None:
    rows = [["转移支付区域绩效自评表（2022年度）"], ["转移支付（项目）名称", "农业生产发展资金"],
            ["地方主管部门", "县农业农村局", None, None, "资金使用单位", "县农技中心"],
            ["资金投入情况（万元）", None, "全年预算数（A）", "全年执行数（B）", "预算执行率（B/A）"],
            [None, "年度资金总额", 1000, 960, 0.96], [None, "其中：中央财政资金", 800, 770, 0.9625],
            [None, "地方资金", 200, 190, 0.95], [None, "合计", 1000, 960, 0.96],
            ["年度总体目标", "预期目标", None, None, "实际完成情况"], [None, "推广良种", None, None, "推广良种完成"],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "全年实际完成值", "未完成原因和改进措施"],
            [None, "产出指标", "数量指标", "推广面积", "≥5万亩", "5.2万亩"]]
    (p,) = check_file(grid(tmp_path / "j.xlsx", rows)).projects
    assert (p.points, p.computed_total, p.computed_grade) == ("none", None, None)


def test_a_line_mentioning_a_target_form_does_not_make_a_selfeval_one(tmp_path: Path) -> None:
    annexed = check_file(write_workbook(tmp_path / "a.xlsx", [("自评表", clean_spec(
        annex="附件3（指标按批复的绩效目标申报表填列）"))]))
    assert annexed.status.value == "accepted" and "other-form-skipped" not in codes(annexed)
    named = check_file(write_workbook(tmp_path / "b.xlsx", [("项目支出绩效目标申报表", clean_spec(
        title="2021年度项目支出绩效情况表"))]))
    assert named.status.value == "accepted"  # actuals and scores: a 自评表 whatever the sheet is called


def test_a_breakdown_of_a_part_is_not_counted_twice(tmp_path: Path) -> None:
    rows = [*HEAD[:4], [None, "年度资金总额", 300, 300, 285, 10, 0.95, 9.5],
            [None, "其中：当年财政拨款", 250, 250, 240], [None, "其中：中央财政资金", 150, 150, 145],
            [None, "地方财政资金", 100, 100, 95], [None, "上年结转资金", 50, 50, 45], *HEAD[6:],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            *[[None, *r] for r in ROWS], ["总分", None, None, None, None, None, 100, 99.5]]
    result = check_file(grid(tmp_path / "b.xlsx", rows))
    assert "funds-sum-mismatch" not in codes(result)
    assert [part.label for part in result.projects[0].funds.parts] == ["其中：当年财政拨款", "上年结转资金"]
    wrong = [*rows[:8], [None, "上年结转资金", 60, 60, 45], *rows[9:]]  # now they really do not add up
    (mismatch, *_) = [f for f in check_file(grid(tmp_path / "w.xlsx", wrong)).findings if f.code == "funds-sum-mismatch"]
    assert "当年财政拨款、中央财政资金、地方财政资金、上年结转资金之和" in mismatch.message


def test_a_budget_weight_of_20_in_its_column_is_not_hubei(tmp_path: Path) -> None:
    spec = clean_spec()
    spec.funds["total"] = (100, 100, 95, 20, "95%", 19)
    assert check_file(write_workbook(tmp_path / "w.xlsx", [("表", spec)])).projects[0].profile == "central2020"


def test_coded_projects_sharing_a_name_are_two_projects(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for code, unit in (("51000021R000000019951", "一中"), ("51000021R000000019952", "二中")):
        path = write_workbook(inbox / f"{unit}.xlsx", [("自评表", clean_spec(name=f"{code}-工资性支出", unit=unit))])
        os.utime(path, (dt.datetime(2026, 11, 1).timestamp(),) * 2)
    assert "project-duplicated" not in [c for f in check_paths([inbox]).files for c in codes(f)]
    config = load_config(write_config(tmp_path))
    done = night(config, now=dt.datetime(2026, 11, 27, 23, 30), backoff=0)
    assert done.counts["new"] == 2 and len(check_paths([config.archive]).files) == 2
    header, rows = table_rows(done.summary, "项目汇总")
    col = header.index("版本")
    assert [r[col] for r in rows] == [1, 1]


@pytest.mark.parametrize("name", ["SmartCity2022-智慧城市", "ISO9001CERTIFY-质量认证", "2022年农村道路建设",
                                  "2021-2023年高标准农田建设", "G318国道改扩建工程-二期", "20220101至20221231-运维"])
def test_an_ordinary_name_keeps_every_part(name: str) -> None:
    assert split_code(name) == ("", name)


def test_a_code_before_a_space_is_a_code() -> None:
    assert split_code("51000021R000000019951 工资性支出") == ("51000021R000000019951", "工资性支出")


@pytest.mark.parametrize(("text", "said"), [
    ('[groups]\nlevel1 = ["经济成本指标"]\n', "[groups.level1]"),
    ('[groups]\nlevel2 = "项目管理"\n', "level2 应为文字列表"),
    ('fields = ["核定预算数"]\n', "[fields] 应写成"),
])
def test_a_malformed_groups_or_fields_section_is_a_message(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "l.toml"
    path.write_text(text, encoding="utf-8")
    try:
        with pytest.raises(UsageError) as err:
            use_labels([path])
        assert said in str(err.value)
        assert field_of("全年预算数") == "annual_budget"
    finally:
        use_labels([])


def test_the_nightly_config_takes_a_list_of_label_files(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text("[fields]\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace('labels = ""', 'labels = ["a.toml", "b.toml"]'),
                      encoding="utf-8")
    assert load_config(config).labels == ((tmp_path / "a.toml").resolve(), (tmp_path / "b.toml").resolve())
