"""The rules issue 13 adds around the layouts: a bureau's own labels, forms without weights, forms that are
not graded, and what a workbook without a recognisable form is told."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from itertools import takewhile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from formbuilder import clean_spec, write_workbook
from layoutforms import LAYOUTS, blank_export, weights_256
from python_calamine import CalamineWorkbook

from processor import check_file
from processor.check import check_paths
from processor.core.errors import ConfigError, UsageError
from processor.nightly.config import load_config, write_template
from processor.read.labels import field_of, use_labels
from processor.report import to_dict
from processor.run import run

UNSEEN = ("年初\n预算数", "核定预算数", "全年\n执行数", "分值", "执行率", "得分")  # 核定预算数: not a shipped label


@pytest.fixture(autouse=True)
def shipped_labels() -> Iterator[None]:
    yield
    use_labels([])  # whatever a test installed, the next one reads with the shipped labels


def table_rows(rows: list[list[Any]]) -> tuple[list[Any], list[list[Any]]]:
    """A summary table's header and rows: below its title and 单位 line, down to the blank row above the 合计."""
    head = next(i for i, r in enumerate(rows) if "主管部门" in r)
    return rows[head], list(takewhile(lambda r: any(v != "" for v in r), rows[head + 1:]))


def labels_file(tmp_path: Path, text: str = '[fields]\nannual_budget = ["核定预算数"]\n') -> Path:
    path = tmp_path / "我们的标签.toml"
    path.write_text(text, encoding="utf-8")
    return path


def codes(result: object) -> list[str]:
    return [f.code for f in result.findings]  # type: ignore[attr-defined]


def test_a_bureau_label_is_read_once_its_file_is_given(tmp_path: Path) -> None:
    form = write_workbook(tmp_path / "a.xlsx", [("表", clean_spec(funds_headers=UNSEEN))])
    before = check_file(form)
    assert "missing-funds-row" in codes(before) and before.projects[0].funds.annual_budget is None
    report = check_paths([form], labels=[labels_file(tmp_path)])
    (p,) = report.files[0].projects
    assert (p.funds.annual_budget, p.funds.executed) == (100, 95) and "missing-funds-row" not in codes(report.files[0])
    use_labels([])
    assert field_of("核定预算数") is None  # back to the shipped labels: nothing stays behind


def test_labels_reach_the_worker_processes(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    for i in range(6):  # enough files for the pool (2 × jobs)
        write_workbook(tmp_path / "forms" / f"{i}.xlsx", [("表", clean_spec(funds_headers=UNSEEN, name=f"项目{i}"))])
    report = check_paths([tmp_path / "forms"], jobs=2, labels=[labels_file(tmp_path)])
    assert [f.projects[0].funds.annual_budget for f in report.files] == [100] * 6


def test_the_command_line_takes_labels(tmp_path: Path) -> None:
    form = write_workbook(tmp_path / "a.xlsx", [("表", clean_spec(funds_headers=UNSEEN))])
    done = subprocess.run([sys.executable, "-m", "processor", "check", str(form), "--json", "--labels",
                           str(labels_file(tmp_path))], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][0]["projects"][0]["funds"]["annual_budget"] == 100


@pytest.mark.parametrize(("text", "said"), [
    ('[fields]\nannual_budget = ["全年执行数"]\n', "已是字段 executed 的写法"),
    ('[fields]\nbudget = ["核定预算数"]\n', "字段 budget 无法识别"),
    ('[fields]\nannual_budget = "核定预算数"\n', "应为文字列表"),
    ('[labels]\nx = 1\n', "只能有 [fields] 和 [groups]"),
    ('[fields\n', "格式有误"),
])
def test_a_bad_labels_file_is_named_and_changes_nothing(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(UsageError, match=r".*我们的标签\.toml.*") as err:
        use_labels([labels_file(tmp_path, text)])
    assert said in str(err.value)
    assert field_of("全年执行数") == "executed" and field_of("全年预算数") == "annual_budget"


def test_the_nightly_config_names_a_bad_labels_file(tmp_path: Path) -> None:
    config = write_template(tmp_path)
    labels_file(tmp_path, '[fields]\nannual_budget = ["全年执行数"]\n')
    config.write_text(config.read_text(encoding="utf-8").replace('labels = ""', 'labels = "我们的标签.toml"'),
                      encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[review\] labels"):
        load_config(config)
    labels_file(tmp_path)
    assert load_config(config).labels == ((tmp_path / "我们的标签.toml").resolve(),)


def test_scores_only_form_total_is_corrected_by_the_budget_score(tmp_path: Path) -> None:
    """Layout G prints no 分值: its total stands, corrected only by the budget score that can be recomputed."""
    path = tmp_path / "g.xlsx"
    LAYOUTS["G"](path)
    clean = check_file(path).projects[0]
    assert (clean.profile, clean.points, clean.funds.weight) == ("hubei", "scores", 20)
    book = openpyxl.load_workbook(path)
    ws = book.active
    ws[clean.funds.cells["score"]] = 20  # full marks at 96% execution: the rulebook gives 19.2
    ws[clean.cells["total"]] = clean.self_total + 0.8
    book.save(path)
    result = check_file(path)
    (p,) = result.projects
    assert p.self_total == pytest.approx(clean.self_total + 0.8)
    assert p.computed_total == pytest.approx(clean.self_total) and p.funds.computed_score == pytest.approx(19.2)
    assert "budget-score-miscomputed" in codes(result)


def test_a_workbook_without_a_form_lists_the_labels_found(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "x.xlsx", [("Sheet1", [["项目名称", "某项目"], ["核定数", "支出数", "得分"], [1, 2, 3]])])
    result = check_file(path)
    (f,) = result.findings
    assert f.code == "no-form" and "找到的表头：项目名称、得分" in f.message and "--labels" in f.hint


def test_ungraded_projects_are_counted_apart_in_the_summary(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    graded = LAYOUTS["A"](inbox / "a.xlsx")
    LAYOUTS["J"](inbox / "j.xlsx")
    blank_export(inbox / "blank.xlsx")
    heavy = weights_256(inbox / "w256.xlsx")
    result = run(inbox, tmp_path / "out", feedback=False)
    overview = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(result.summary)).get_sheet_by_name("总览").to_python()
                if r and isinstance(r[0], str)}
    assert overview["未评级的项目（不计入得分平均）"] == 3
    assert overview["自评得分平均（不含未评级项目，下同）"] == pytest.approx(graded.self_total)
    assert overview["复核得分平均"] == pytest.approx(result.report.files[0].projects[0].computed_total)
    money = sum(p.funds.annual_budget or 0 for f in result.report.files for p in f.projects)
    assert overview["全年预算数合计（万元）"] == pytest.approx(money) and money > graded.funds.annual_budget
    header, rows = table_rows(CalamineWorkbook.from_path(str(result.summary)).get_sheet_by_name("项目汇总").to_python())
    col = {h: i for i, h in enumerate(header)}
    by_name = {r[col["项目名称"]]: r for r in rows}
    assert by_name[heavy.name][col["复核等级"]] == "未评级" and by_name[graded.name][col["复核等级"]] == "优"
    assert sorted(r[col["表样"]] for r in rows) == ["分值和得分", "分值和得分", "分值和得分", "未列分值"]
    grades = {r[0]: (r[1], r[2]) for r in CalamineWorkbook.from_path(str(result.summary)).get_sheet_by_name("总览")
              .to_python() if r and r[0] in ("优", "未评级")}
    assert grades["未评级"][1] == 3 and grades["优"][1] == 1


def test_the_json_carries_the_project_code(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    expected = LAYOUTS["E"](path)
    (p,) = to_dict(check_paths([path]))["files"][0]["projects"]
    assert expected.code and (p["code"], p["name"], p["points"]) == (expected.code, expected.name, "weights")


def test_samples_keep_reading_with_a_copy_of_the_shipped_labels(tmp_path: Path) -> None:
    """A user file repeating shipped labels changes nothing (labels are added, never removed)."""
    copy = tmp_path / "copy.toml"
    shutil.copy(Path(__file__).resolve().parents[1] / "processor" / "read" / "labels.toml", copy)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text[:text.index("[groups]")], encoding="utf-8")
    inbox = Path(__file__).resolve().parents[1] / "samples" / "inbox"
    assert to_dict(check_paths([inbox], labels=[copy])) == to_dict(check_paths([inbox], labels=[]))


def test_a_scores_only_form_without_a_goal_block_is_not_told_to_add_one(tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    LAYOUTS["G"](path)
    assert [(f.code, f.cell) for f in check_file(path).findings] == [("weights-not-printed", "F10")]


def test_a_located_form_titled_as_another_kind_is_skipped(tmp_path: Path) -> None:
    """A monitoring sheet laid out like a 自评表 (its title says 执行监控) is not read as a second project."""
    path = write_workbook(tmp_path / "export.xlsx", [
        ("项目支出绩效自评表", clean_spec()),
        ("执行监控", clean_spec(title="2021年度项目支出绩效目标执行监控表")),
    ])
    result = check_file(path)
    assert [p.sheet for p in result.projects] == ["项目支出绩效自评表"]
    (skipped,) = [f for f in result.findings if f.code == "other-form-skipped"]
    assert skipped.sheet == "执行监控" and "绩效目标执行监控表" in skipped.message


def test_weights_of_a_form_without_a_funds_row_count_no_budget(tmp_path: Path) -> None:
    """No funds row: the budget's 10 points are not added to the indicators' 90, and the message says why."""
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(omit=("funds",)))]))
    (w,) = [f for f in result.findings if f.code == "weights-not-100"]
    assert "各指标分值 90（表中没有预算执行率行）合计 90" in w.message
