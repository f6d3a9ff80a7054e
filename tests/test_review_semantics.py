"""Review semantics a reviewer can defend (issue 14): numbers rounded where they are made, every re-score
explained on its row, severity by effect, and each project's own status."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
from formbuilder import clean_rows, clean_spec, seed_spec, write_workbook
from layoutforms import LAYOUTS
from python_calamine import CalamineWorkbook

from processor import check_file
from processor.check import check_paths
from processor.core.model import FileResult, Severity, Status
from processor.report import to_dict
from processor.review.profiles import load_profile
from processor.run import RunResult, run

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "inbox"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return run(SAMPLES, tmp_path_factory.mktemp("out"), feedback=False)


def table_rows(rows: list[list[Any]]) -> tuple[list[Any], list[list[Any]]]:
    """A summary table's header and rows: below its title and 单位 line, down to the blank row above the 合计."""
    head = next(i for i, r in enumerate(rows) if "主管部门" in r)
    return rows[head], list(takewhile(lambda r: any(v != "" for v in r), rows[head + 1:]))


def two_decimals(x: object) -> bool:
    return not isinstance(x, float) or abs(round(x, 2) - x) < 1e-9


def scores_of(project: dict[str, object]) -> list[object]:
    funds = project["funds"]
    assert isinstance(funds, dict)
    inds = project["indicators"]
    assert isinstance(inds, list)
    return [project["computed_total"], funds["computed_score"], *[i["computed_score"] for i in inds]]


def test_no_computed_score_in_the_json_has_more_than_2_decimals() -> None:
    files = [*SAMPLES.iterdir()]
    report = to_dict(check_paths([SAMPLES]))
    computed = [x for f in report["files"] for p in f["projects"] for x in scores_of(p)]
    assert len(computed) > 100 and all(two_decimals(x) for x in computed), [x for x in computed if not two_decimals(x)]
    assert files  # the samples are there


def test_the_computed_total_is_the_sum_of_its_rounded_rows() -> None:
    for f in check_paths([SAMPLES]).files:
        for p in f.projects:
            if p.computed_total is None or p.points != "weights":
                continue
            rows = [i.computed_score if i.computed_score is not None else (i.self_score or 0) for i in p.indicators]
            budget = p.funds.computed_score if p.funds.computed_score is not None else (p.funds.self_score or 0)
            assert p.computed_total == pytest.approx(round(sum(rows) + budget, 2), abs=1e-9)


def test_no_score_in_the_summary_has_more_than_2_decimals(samples: RunResult) -> None:
    book = CalamineWorkbook.from_path(str(samples.summary))
    checked = 0
    for sheet, columns in (("项目汇总", ("自评得分", "复核得分", "差异（复核−自评）")),
                           ("部门汇总", ("自评得分平均", "复核得分平均", "自评得分（资金加权）", "复核得分（资金加权）"))):
        header, body = table_rows(book.get_sheet_by_name(sheet).to_python())
        col = {h: i for i, h in enumerate(header)}
        for r in body:
            for name in columns:
                assert two_decimals(r[col[name]]), (sheet, name, r[col[name]])
                checked += 1
    overview = {r[0]: r[1] for r in book.get_sheet_by_name("总览").to_python() if r and isinstance(r[0], str)}
    for label in ("复核得分平均", "自评得分（资金加权平均）", "复核得分（资金加权平均）"):
        assert two_decimals(overview[label]), label
    assert checked > 50


def unexplained(result: FileResult, tolerance: float = 0.05) -> list[str]:
    """Indicators and budget rows whose re-score differs from the self-score with no finding on that score."""
    out = []
    for i, p in enumerate(result.projects):
        cells = {f.cell for f in result.findings_of(i) if f.sheet == p.sheet}
        rows = [(ind.computed_score, ind.self_score, ind.cells.get("score", "")) for ind in p.indicators]
        rows.append((p.funds.computed_score, p.funds.self_score, p.funds.cells.get("score", "")))
        out += [f"{p.sheet}!{cell}" for computed, own, cell in rows
                if computed is not None and own is not None and abs(computed - own) > tolerance and cell not in cells]
    return out


def test_every_re_score_of_the_samples_and_the_layouts_is_explained_on_its_row(tmp_path: Path) -> None:
    results = list(check_paths([SAMPLES]).files)
    for key, build in LAYOUTS.items():
        build(tmp_path / f"{key}.xlsx")
        results.append(check_file(tmp_path / f"{key}.xlsx"))
    rescored = sum(1 for f in results for i in range(len(f.projects)) for x in f.findings_of(i)
                   if x.code == "score-recomputed")
    assert rescored >= 5 and [u for f in results for u in unexplained(f)] == []


def test_a_raised_score_quotes_the_departments_reason(tmp_path: Path) -> None:
    reason = "资金到位时间晚于计划，扣3分"
    rows = clean_rows(r5={"score": 7, "reason": reason})  # 资金到位及时率: 100% → 100%, full marks by the rules
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows, total_score=96.5))]))
    (raised,) = [f for f in result.findings if f.code == "score-recomputed"]
    assert raised.severity is Severity.INFO and raised.cell == result.projects[0].indicators[5].cells["score"]
    assert "按规则应得 10 分，自评 7 分，复核提高 3 分" in raised.message and reason in raised.message


def sample(name: str) -> FileResult:
    return next(f for f in check_paths([SAMPLES]).files if Path(f.path).name == name)


def test_a_small_inflation_warns_and_does_not_return_its_file() -> None:
    """≥4754 → 4604 scored 5/5: the rulebook gives 4.84, 0.16 below; the file is accepted with a warning."""
    result = sample("市教育局_2021_项目支出绩效自评表.xlsx")
    (inflated,) = [f for f in result.findings if f.code == "score-inflated"]
    assert inflated.severity is Severity.WARNING and "4604" in inflated.message and "4.84" in inflated.message
    assert result.status is Status.ACCEPTED


def test_a_four_point_qualitative_inflation_returns_its_file() -> None:
    result = sample("市生态环境局_2021_自评表.xlsx")
    (out_of_band,) = [f for f in result.findings if f.code == "qualitative-out-of-band"]
    assert out_of_band.severity is Severity.ERROR and result.status is Status.RETURNED


@pytest.mark.parametrize(("threshold", "severity"), [(1.0, Severity.WARNING), (0.0, Severity.ERROR)])
def test_one_profile_setting_makes_every_inflation_an_error(tmp_path: Path, threshold: float,
                                                           severity: Severity) -> None:
    own = tmp_path / "strict.toml"
    own.write_text(f'extends = "central2020"\neffect_error_points = {threshold}\n', encoding="utf-8")
    rows = clean_rows(r0={"actual": "9.6个"})  # ≥10个 → 9.6个 scored 10/10: 9.6 by the rules, 0.4 below
    path = write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows))])
    (inflated,) = [f for f in check_file(path, profile=load_profile(str(own))).findings if f.code == "score-inflated"]
    assert inflated.severity is severity


def test_an_inflation_that_changes_the_grade_is_an_error_however_small(tmp_path: Path) -> None:
    """0.2 points below 90 turns 优 into 良: the form goes back although the points are few."""
    rows = clean_rows(r0={"actual": "9.8个"}, r1={"actual": "250人次", "score": 5, "reason": "培训延期"},
                      r2={"actual": "55%", "score": 5.5, "reason": "部分站点未验收"})
    spec = clean_spec(rows=rows, total_score=90)  # 10 + 5 + 5.5 + 6 × 10 + 9.5; by the rules 9.8 for the first
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", spec)]))
    p = result.projects[0]
    (inflated,) = [f for f in result.findings if f.code == "score-inflated"]
    assert p.self_grade == "优" and p.computed_grade == "良"
    assert inflated.severity is Severity.ERROR


def test_each_project_has_its_own_status(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    box.mkdir()
    bad = clean_spec(name="社区养老服务补贴", rows=clean_rows(r0={"score": 15}))  # a score above its weight
    write_workbook(box / "两个项目.xlsx", [("社区服务站", clean_spec()), ("养老补贴", bad)])
    write_workbook(box / "组织部.xlsx", [("自评表", seed_spec())])
    done = subprocess.run([sys.executable, "-m", "processor", "check", str(box), "--json"], capture_output=True,
                          text=True, check=False)
    files = {Path(f["path"]).name: f for f in json.loads(done.stdout)["files"]}
    assert files["两个项目.xlsx"]["status"] == "returned"
    assert [p["status"] for p in files["两个项目.xlsx"]["projects"]] == ["accepted", "returned"]
    assert [p["status"] for p in files["组织部.xlsx"]["projects"]] == ["accepted"]
    result = run(box, tmp_path / "out", feedback=False)
    header, rows = table_rows(CalamineWorkbook.from_path(str(result.summary)).get_sheet_by_name("项目汇总").to_python())
    col = {h: i for i, h in enumerate(header)}
    status = {r[col["项目名称"]]: r[col["状态"]] for r in rows}
    assert status == {"社区综合服务站建设经费": "通过（同文件其他项目退回修改）", "社区养老服务补贴": "退回修改",
                      "城市基层党建工作经费": "通过"}


def test_small_inflations_add_up_to_an_error(tmp_path: Path) -> None:
    """Three 0.4-point inflations lower the total by 1.2: each is an error, the form goes back."""
    rows = clean_rows(r0={"actual": "9.6个"}, r1={"actual": "480人次"}, r5={"actual": "2880户"})
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows))]))
    inflated = [f for f in result.findings if f.code == "score-inflated"]
    assert len(inflated) == 3 and {f.severity for f in inflated} == {Severity.ERROR}
    assert result.status is Status.RETURNED


def test_small_inflations_that_change_the_grade_together_are_errors(tmp_path: Path) -> None:
    """Two 0.3-point inflations take 90.5 to 89.9: 优 becomes 良, so both send the form back."""
    rows = clean_rows(r0={"actual": "9.7个"}, r1={"actual": "485人次"},
                      r2={"actual": "10%", "score": 1, "reason": "验收推迟到次年"})
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows, total_score=90.5))]))
    inflated = [f for f in result.findings if f.code == "score-inflated"]
    assert len(inflated) == 2 and {f.severity for f in inflated} == {Severity.ERROR}


def test_without_a_total_row_the_grade_is_judged_from_the_scores(tmp_path: Path) -> None:
    rows = clean_rows(r0={"actual": "9.6个"}, r1={"actual": "250人次", "score": 5, "reason": "培训延期"},
                      r2={"actual": "56%", "score": 5.6, "reason": "部分站点未验收"})
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows, omit=("total",)))]))
    (inflated,) = [f for f in result.findings if f.code == "score-inflated"]
    assert inflated.severity is Severity.ERROR  # 90.1 (优) by the department's scores, 89.7 (良) by the rules


@pytest.mark.parametrize("name", ["重点污染源整改完成率", "拖欠农民工工资清偿率", "辍学学生劝返率", "超标排放企业查处率"])
def test_a_rate_of_work_done_is_better_large_whatever_else_its_name_says(tmp_path: Path, name: str) -> None:
    rows = clean_rows(r5={"name": name, "target": "≥80%", "actual": "100%"})
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows))]))
    assert result.projects[0].indicators[5].method == "positive" and result.status is Status.ACCEPTED


def test_a_deduction_the_rules_reverse_needs_no_reason(tmp_path: Path) -> None:
    rows = clean_rows(r0={"score": 9, "reason": "无"})  # ≥10个 → 11个: full marks by the rules
    result = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows, total_score=98.5))]))
    assert [f.code for f in result.findings] == ["score-recomputed"]


def test_formula_float_noise_is_not_a_figure(tmp_path: Path) -> None:
    rows = clean_rows(r0={"score": 9.299999999999999, "actual": "9.3个"})
    (p,) = check_file(write_workbook(tmp_path / "f.xlsx", [("表", clean_spec(rows=rows, total_score=98.80000000000001))])).projects
    assert (p.indicators[0].self_score, p.self_total) == (9.3, 98.8)
