"""Each reviewer's check triggered by its own form, asserted by code and cell; a clean form raises none.

Every form is `clean_spec()` (a central2020 form with nothing to find) with exactly one thing changed.
Cells: 年度资金总额 row 6 (C 年初, D 全年预算, E 执行, F 分值, G 执行率, H 得分), goals row 11,
indicators rows 13–21 (D name, E target, F actual, G 分值, H 得分, I 原因), 总分 row 22 (H score, I grade).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from formbuilder import CLEAN_ROWS, clean_spec, seed_spec, write_workbook
from formbuilder import clean_rows as rows

from processor import check_file
from processor.core.model import FileResult, Severity, Status
from processor.review.profiles import load_profile


def review(tmp_path: Path, profile: str | None = None, **changes: object) -> FileResult:
    path = write_workbook(tmp_path / "form.xlsx", [("表", clean_spec(**changes))])
    return check_file(path, profile=load_profile(profile) if profile else None)


def found(result: FileResult) -> list[tuple[str, str]]:
    return [(f.code, f.cell) for f in result.findings]


def funds(total: tuple[object, ...], *parts: tuple[object, ...]) -> dict[str, tuple[object, ...]]:
    keys = ("current", "carryover", "other")
    padded = [*parts, *[(None, None, None)] * (3 - len(parts))]  # keep all four rows, so cells stay put
    return {"total": total, **{k: (*p, None, None, None) for k, p in zip(keys, padded, strict=True)}}


def test_clean_form_raises_nothing(tmp_path: Path) -> None:
    result = review(tmp_path)
    assert result.status is Status.ACCEPTED and result.findings == ()
    (p,) = result.projects
    assert (p.profile, p.self_total, p.computed_total, p.self_grade, p.computed_grade) == (
        "central2020", 99.5, 99.5, "优", "优")
    assert [i.method for i in p.indicators] == ["positive", "positive", "positive", "date", "reverse", "positive",
                                                "qualitative", "positive", "positive"]
    assert p.funds.computed_score == 9.5


# -- 1. 项目资金 -------------------------------------------------------------------------------------------

def test_funds_total_differs_from_its_parts(tmp_path: Path) -> None:
    result = review(tmp_path, funds=funds((100, 100, 95, 10, "95%", 9.5), (80, 80, 76), (30, 30, 19)))
    assert found(result) == [("funds-sum-mismatch", "C6"), ("funds-sum-mismatch", "D6")]
    assert result.status is Status.RETURNED
    assert "100" in result.findings[1].message and "110" in result.findings[1].message


def test_total_row_printed_as_zero(tmp_path: Path) -> None:
    """The total row left at 0 while 当年财政拨款 holds the money: the form is returned as before, and the money is
    the parts' (docs/layouts.md, layout A), so the summary's sums and the execution rate are not lost."""
    result = review(tmp_path, funds=funds((0, 0, 0, 10, "95%", 9.5), (100, 100, 95)))
    assert [c for c in found(result) if c[0].startswith("funds")] == [
        ("funds-total-zero", "C6"), ("funds-total-zero", "D6"), ("funds-total-zero", "E6")]
    assert result.status is Status.RETURNED
    (p,) = result.projects
    assert (p.funds.annual_budget, p.funds.executed, p.funds.computed_score) == (100, 95, 9.5)


def test_budget_zero_with_spending(tmp_path: Path) -> None:
    result = review(tmp_path, funds=funds((0, 0, 12, 10, "0%", 0), (0, 0, 12)), total_score=90, grade="优")
    assert found(result) == [("budget-zero-with-spending", "D6")]


def test_executed_over_budget(tmp_path: Path) -> None:
    result = review(tmp_path, funds=funds((100, 100, 110, 10, "110%", 10), (80, 80, 86), (20, 20, 24)),
                    total_score=100)
    assert found(result) == [("executed-over-budget", "E6")]
    assert result.findings[0].severity is Severity.WARNING


def test_rate_miscomputed(tmp_path: Path) -> None:
    result = review(tmp_path, funds=funds((100, 100, 95, 10, "100%", 9.5), (80, 80, 76), (20, 20, 19)))
    assert found(result) == [("rate-miscomputed", "G6")]
    assert "100%" in result.findings[0].message and "95%" in result.findings[0].message


def test_rate_against_initial_budget_is_wrong(tmp_path: Path) -> None:
    """执行率 is B ÷ 全年预算数, not ÷ 年初预算数: 86 ÷ 86 = 100% is a miscomputed rate when A = 100."""
    result = review(tmp_path, funds=funds((86, 100, 86, 10, "100%", 8.6), (86, 100, 86)), total_score=98.6,
                    rows=rows(r0={"reason": "部分工程款未到结算期，资金次年支付"}))
    assert found(result) == [("rate-miscomputed", "G6")]


def test_budget_score_miscomputed(tmp_path: Path) -> None:
    result = review(tmp_path, funds=funds((100, 100, 86, 10, "86%", 10), (100, 100, 86)), total_score=100,
                    rows=rows(r0={"reason": "部分工程款未到结算期，资金次年支付"}))
    assert found(result) == [("budget-score-miscomputed", "H6")]
    assert result.projects[0].funds.computed_score == pytest.approx(8.6)


def test_rounded_budget_score_is_tolerated(tmp_path: Path) -> None:
    """Real forms round: 86% × 10 = 8.6 written as 9 is no 自评分虚高, but the re-score is explained (info)."""
    result = review(tmp_path, funds=funds((100, 100, 86, 10, "86%", 9), (100, 100, 86)), total_score=99,
                    rows=rows(r0={"reason": "部分工程款未到结算期，资金次年支付"}))
    assert found(result) == [("score-recomputed", "H6")] and result.status is Status.ACCEPTED
    assert result.findings[0].severity is Severity.INFO
    assert "按规则应得 8.6 分，自评 9 分，复核降低 0.4 分（在评分容差 0.5 分以内" in result.findings[0].message


def test_low_execution_without_reason(tmp_path: Path) -> None:
    result = review(tmp_path, funds=funds((100, 100, 86, 10, "86%", 8.6), (100, 100, 86)), total_score=98.6)
    assert found(result) == [("low-execution-unexplained", "G6")]
    assert "86%" in result.findings[0].message


# -- 2. 自评分虚高 -----------------------------------------------------------------------------------------

def test_full_marks_for_a_missed_target(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"actual": "8个"}))
    assert found(result) == [("score-inflated", "H13")]
    f = result.findings[0]
    assert f.severity is Severity.ERROR and result.status is Status.RETURNED
    for part in ("≥10个", "8个", "自评 10 分", "应得 8 分"):
        assert part in f.message
    p = result.projects[0]
    assert p.indicators[0].computed_score == 8 and p.computed_total == 97.5


def test_reverse_indicator_inflated(tmp_path: Path) -> None:
    """docs/rulebook.md §3: ≤5300元/户 → 5830元/户 scored 10/10; A/B × 10 = 9.09."""
    result = review(tmp_path, rows=rows(r4={"target": "≤5300元/户", "actual": "5830元/户"}))
    assert found(result) == [("score-inflated", "H17")]
    assert result.projects[0].indicators[4].computed_score == pytest.approx(9.09)


def test_linear_reverse_formula_from_a_user_profile(tmp_path: Path) -> None:
    toml = tmp_path / "province.toml"
    toml.write_text('extends = "central2020"\nname = "province"\nreverse_formula = "linear"\n', encoding="utf-8")
    result = review(tmp_path, profile=str(toml), rows=rows(r4={"target": "≤5300元/户", "actual": "5830元/户"}))
    assert result.projects[0].profile == "province"
    assert result.projects[0].indicators[4].computed_score == pytest.approx(9.0)
    assert "(2 − 完成值 ÷ 指标值)" in result.findings[0].message


# -- 3. 分值、总分、等级 -------------------------------------------------------------------------------------

def test_score_above_weight(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"score": 12}), total_score=101.5)
    assert found(result) == [("score-above-weight", "H13")]


def test_weights_do_not_add_up_to_100(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"weight": 15, "score": 15}), total_score=104.5)
    assert found(result) == [("weights-not-100", "H22"), ("weights-off-profile", "B13"), ("not-graded", "H22")]
    assert result.findings[0].severity is Severity.ERROR and result.findings[1].severity is Severity.WARNING
    (p,) = result.projects
    assert p.computed_grade is None and p.computed_total == 104.5 and "105" in result.findings[2].message


def test_group_weight_differs_from_its_label(tmp_path: Path) -> None:
    edited = [replace(r, level2="数量指标（30分）") if r.level2 == "数量指标" else r for r in CLEAN_ROWS]
    result = review(tmp_path, rows=edited)
    assert found(result) == [("group-weight-mismatch", "C13")]
    assert "30" in result.findings[0].message and "20" in result.findings[0].message


def test_total_miscomputed(tmp_path: Path) -> None:
    result = review(tmp_path, total_score=98)
    assert found(result) == [("total-mismatch", "H22")]


def test_declared_grade_differs_from_total(tmp_path: Path) -> None:
    assert found(review(tmp_path, grade="良")) == [("grade-mismatch", "I22")]
    assert found(review(tmp_path, grade="优秀")) == []
    assert found(review(tmp_path, grade="A级", grade_label="自评等级")) == [("grade-word-unknown", "G23")]
    assert found(review(tmp_path, grade="良好", grade_label="自评等级")) == [("grade-mismatch", "G23")]


# -- 4. 说明 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", [None, "无", "/", "—", "已完成"])
def test_deduction_without_reason(tmp_path: Path, reason: str | None) -> None:
    result = review(tmp_path, rows=rows(r0={"actual": "9个", "score": 9, "reason": reason}), total_score=98.5)
    assert found(result) == [("reason-missing", "I13")]


def test_deduction_with_reason(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"actual": "9个", "score": 9, "reason": "一个站点选址调整，顺延至次年"}),
                    total_score=98.5)
    assert found(result) == []


def test_overachievement_without_reason(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r1={"actual": "700人次"}))
    assert found(result) == [("overachievement-unexplained", "F14")]
    assert "140%" in result.findings[0].message
    explained = rows(r1={"actual": "700人次", "reason": "增加了网格员轮训，指标值设置偏低"})
    assert found(review(tmp_path, rows=explained)) == []


# -- 5. 定性指标 ----------------------------------------------------------------------------------------------

def test_qualitative_score_outside_its_band(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r6={"actual": "部分达成年度指标", "reason": "两个社区进度滞后"}))
    assert found(result) == [("qualitative-out-of-band", "H19")]
    assert result.projects[0].indicators[6].computed_score == 8  # the band's top: 80% of 10
    in_band = rows(r6={"actual": "部分达成年度指标", "score": 7, "reason": "两个社区进度滞后"})
    assert found(review(tmp_path, rows=in_band, total_score=96.5)) == []


# -- 6. 指标值与完成值 ------------------------------------------------------------------------------------------

def test_percent_target_counted_actual(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r2={"actual": "1000件"}))
    assert found(result) == [("not-comparable", "F15")]


def test_quantitative_target_answered_in_words(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"actual": "达成预期指标"}))
    assert found(result) == [("not-comparable", "F13")]
    assert result.projects[0].indicators[0].method == "unscorable"


def test_actual_restating_the_target(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"actual": "≥10个"}))
    assert found(result) == [("actual-restates-target", "F13")]


def test_every_actual_copied_with_a_total_of_100(tmp_path: Path) -> None:
    copied = [replace(r, actual=r.target) for r in CLEAN_ROWS]
    spec = dict(rows=copied, funds=funds((100, 100, 100, 10, "100%", 10), (100, 100, 100)), total_score=100)
    assert ("copied-actuals", "H22") in found(review(tmp_path, **spec))
    assert ("copied-actuals", "H22") not in found(review(tmp_path, **{**spec, "total_score": 99,
                                                                       "rows": rows(r0={"score": 9, "reason": "x站延期"})}))


def test_empty_target_and_actual(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"target": None}, r1={"actual": "　"}))
    assert found(result) == [("empty-target", "E13"), ("empty-actual", "F14")]
    assert result.status is Status.RETURNED


# -- 7. 指标设置 ------------------------------------------------------------------------------------------

def test_quantity_indicator_without_a_number(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"target": "按计划完成", "actual": "达成预期指标"}))
    assert found(result) == [("target-not-quantified", "E13")]


@pytest.mark.parametrize("target", ["≥70%", "较满意", "90"])
def test_satisfaction_target_low_or_not_percent(tmp_path: Path, target: str) -> None:
    result = review(tmp_path, rows=rows(r8={"target": target}))
    assert ("satisfaction-target-low", "E21") in found(result)


def test_level1_weights_off_profile(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"weight": 15, "score": 15}, r5={"weight": 5, "score": 5}))
    assert found(result) == [("weights-off-profile", "B13"), ("weights-off-profile", "B18")]
    assert "55" in result.findings[0].message and "50" in result.findings[0].message


def test_unknown_group_names(tmp_path: Path) -> None:
    edited = [replace(r, level2="工作指标") if r.level2 == "质量指标" else r for r in CLEAN_ROWS]
    assert found(review(tmp_path, rows=edited)) == [("unknown-group", "C15")]


# -- 8. 年度总体目标 --------------------------------------------------------------------------------------------

def test_goals_missing_or_identical(tmp_path: Path) -> None:
    assert found(review(tmp_path, goal_actual=None)) == [("goal-missing", "F11")]
    same = "新建社区综合服务站10个。"
    assert found(review(tmp_path, goal_expected=same, goal_actual=same)) == [("goals-identical", "F11")]


# -- profiles ----------------------------------------------------------------------------------------------

def test_profile_can_silence_or_soften_a_code(tmp_path: Path) -> None:
    toml = tmp_path / "lenient.toml"
    toml.write_text('extends = "central2020"\nname = "lenient"\n[severity]\n"score-inflated" = "warning"\n'
                    '"reason-missing" = "off"\n', encoding="utf-8")
    result = review(tmp_path, profile=str(toml), rows=rows(r0={"actual": "8个"}, r1={"actual": "450人次", "score": 9}),
                    total_score=98.5)
    assert found(result) == [("score-inflated", "H13")]
    assert result.findings[0].severity is Severity.WARNING and result.status is Status.ACCEPTED


# -- the seed ----------------------------------------------------------------------------------------------

def test_seed_form_review(tmp_path: Path) -> None:
    result = check_file(write_workbook(tmp_path / "seed.xlsx", [("自评表", seed_spec())]))
    assert result.status is Status.ACCEPTED
    assert [(f.code, f.severity, f.cell) for f in result.findings] == [
        ("score-recomputed", Severity.INFO, "H21"),  # 可持续影响指标: 9 of 10 although 100% → 100%
        ("group-weight-mismatch", Severity.WARNING, "B13"),  # 产出指标(50分), indicators add up to 60
        ("group-weight-mismatch", Severity.WARNING, "B19"),  # 效益指标(40分), indicators add up to 30
    ]
    assert "60" in result.findings[1].message and "30" in result.findings[2].message
    p = result.projects[0]
    assert p.profile == "hunan-legacy"
    sustained = p.indicators[8]  # 9 of 10, with the department's reason quoted in the explanation
    assert (sustained.level2, sustained.self_score, sustained.computed_score) == ("可持续影响指标", 9, 10)
    raised = result.findings[0].message
    assert "按规则应得 10 分，自评 9 分，复核提高 1 分" in raised and "加大党建引领基层治理" in raised
    assert (p.self_total, p.computed_total, p.self_grade, p.computed_grade) == (99, 100, "优", "优")


def test_seed_under_a_forced_profile(tmp_path: Path) -> None:
    result = check_file(write_workbook(tmp_path / "seed.xlsx", [("自评表", seed_spec())]),
                        profile=load_profile("central2020"))
    assert result.projects[0].profile == "central2020"
    weights = [(f.cell, f.message) for f in result.findings if f.code == "weights-off-profile"]
    # 产出 declared 50 = 50 (no finding); 效益 declared 40 ≠ 30; no 满意度 一级 at all (0 ≠ 10)
    assert [c for c, _ in weights] == ["B19", "B13"]
    assert "效益指标" in weights[0][1] and "满意度指标" in weights[1][1]


def test_unreadable_weight_does_not_cascade_into_sums(tmp_path: Path) -> None:
    result = review(tmp_path, rows=rows(r0={"weight": "十分"}))
    assert found(result) == [("number-unreadable", "G13")]


def test_full_marks_on_a_missed_target_within_rounding(tmp_path: Path) -> None:
    """docs/rulebook.md §3.3: ≥4754 → 4604 scored full. 4604 ÷ 4754 × 10 = 9.68 is within rounding of 10, but a
    missed target never earns full marks."""
    result = review(tmp_path, rows=rows(r0={"target": "≥4754人", "actual": "4604人"}))
    assert found(result) == [("score-inflated", "H13")]
    assert result.projects[0].indicators[0].computed_score == pytest.approx(9.68)
