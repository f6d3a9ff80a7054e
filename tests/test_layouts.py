"""Every layout of docs/layouts.md reads as printed (tests/layoutforms.py), and the look-alikes are named, not misread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from layoutforms import LAYOUTS, Expected, blank_export, department_form, targets_form, total, weights_256

from processor import FileResult, Project, check_file
from processor.core.model import Severity

SCORED = [k for k in LAYOUTS if k not in ("G", "J")]  # forms that print 分值 and 得分 and add up
CLEAN = [k for k in SCORED if k != "A2"]  # A2's 年度资金总额 row printed as 0 is a reviewer's finding (docs/rulebook.md §3.1)


def _text(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _num(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _check(tmp_path: Path, build: Callable[[Path], object]) -> tuple[object, FileResult]:
    path = tmp_path / "form.xlsx"
    return build(path), check_file(path)


def _one(result: FileResult) -> Project:
    assert len(result.projects) == 1, f"{len(result.projects)} projects on sheets {[p.sheet for p in result.projects]}"
    return result.projects[0]


def _codes(result: FileResult) -> list[str]:
    return [f.code for f in result.findings]


def _errors(result: FileResult) -> list[tuple[str, str, str]]:
    return [(f.code, f.cell, f.message) for f in result.findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize("key", list(LAYOUTS))
def test_layout_reads_as_printed(key: str, tmp_path: Path) -> None:
    exp, result = _check(tmp_path, LAYOUTS[key])
    assert isinstance(exp, Expected)
    p = _one(result)
    assert (p.name, p.code, p.department, p.unit, p.year) == (exp.name, exp.code, exp.department, exp.unit, exp.year)
    f, want = p.funds, exp.funds
    assert (f.annual_budget, f.executed) == (pytest.approx(want.annual_budget), pytest.approx(want.executed))
    assert (_num(f.execution_rate), _num(f.weight), _num(f.self_score)) == (
        want.execution_rate, _num(want.weight), _num(want.score))
    got = [(i.level1, i.level2, i.name, _text(i.target.raw), _text(i.actual.raw), _num(i.weight), _num(i.self_score),
            i.reason) for i in p.indicators]
    assert got == [(i.level1, i.level2, i.name, _text(i.target), _text(i.actual), _num(i.weight), _num(i.score),
                    i.reason) for i in exp.indicators]
    assert (_num(p.self_total), p.declared_grade) == (_num(exp.self_total), exp.declared_grade)
    assert (p.goal_expected, p.goal_actual) == (exp.goal_expected, exp.goal_actual)
    assert (p.conclusion, p.problems, p.measures) == (exp.conclusion, exp.problems, exp.measures)


@pytest.mark.parametrize("key", CLEAN)
def test_clean_layout_is_accepted(key: str, tmp_path: Path) -> None:
    _, result = _check(tmp_path, LAYOUTS[key])
    assert _errors(result) == []
    assert result.status.value == "accepted"


def test_zero_total_row_is_the_only_error(tmp_path: Path) -> None:
    """A2 is read from its parts (test_layout_reads_as_printed); its only errors are about the 0 in 年度资金总额."""
    _, result = _check(tmp_path, LAYOUTS["A2"])
    errors = _errors(result)
    assert errors and all("年度资金总额" in message for _, _, message in errors), errors


@pytest.mark.parametrize("key", list(LAYOUTS))
def test_fixture_adds_up(key: str, tmp_path: Path) -> None:
    """The fixtures themselves (no reader involved): parts, rate, weights and total agree."""
    exp = LAYOUTS[key](tmp_path / "form.xlsx")
    f = exp.funds
    if f.parts:
        assert sum(a for _, a in f.parts) == pytest.approx(f.annual_budget)
    assert f.execution_rate == pytest.approx(f.executed / f.annual_budget, abs=5e-5)
    if key in SCORED:
        budget_weight = f.weight if f.weight is not None else 10
        assert sum(i.weight or 0 for i in exp.indicators) + budget_weight == 100
        assert exp.self_total == total(f, exp.indicators)
        assert f.score == pytest.approx(min(f.execution_rate, 1) * budget_weight, abs=0.5)


def test_hubei_prints_scores_without_weights(tmp_path: Path) -> None:
    _, result = _check(tmp_path, LAYOUTS["G"])
    assert _one(result).points == "scores"
    assert "weights-not-printed" in _codes(result)


def test_transfer_form_prints_no_points_and_is_not_graded(tmp_path: Path) -> None:
    _, result = _check(tmp_path, LAYOUTS["J"])
    p = _one(result)
    assert p.points == "none"
    assert "weights-not-printed" in _codes(result)
    assert (p.computed_total, p.computed_grade) == (None, None)


def test_export_workbook_is_one_project(tmp_path: Path) -> None:
    """The 执行监控 and 申报表 sheets of the export have indicator tables too; only the 自评表 sheet is a form."""
    _, result = _check(tmp_path, LAYOUTS["C"])
    assert _one(result).sheet == "项目支出绩效自评表"


@pytest.mark.parametrize(("build", "word"), [(targets_form, "绩效目标申报表"), (department_form, "部门整体")])
def test_other_forms_are_named_not_misread(build: Callable[[Path], None], word: str, tmp_path: Path) -> None:
    _, result = _check(tmp_path, build)
    assert result.status.value == "rejected"
    named = [f.message for f in result.findings if f.code == "not-a-selfeval-form"]
    assert named and word in named[0], _codes(result)


def test_blank_export_has_no_indicators_and_no_grade(tmp_path: Path) -> None:
    _, result = _check(tmp_path, blank_export)
    p = _one(result)
    assert "no-indicators" in _codes(result)
    assert (p.computed_grade, p.self_grade) == (None, None)


def test_weights_not_100_is_not_graded(tmp_path: Path) -> None:
    exp, result = _check(tmp_path, weights_256)
    p = _one(result)
    assert isinstance(exp, Expected) and (exp.self_total or 0) > 90
    assert "weights-not-100" in _codes(result) and "not-graded" in _codes(result)
    assert (p.computed_grade, p.self_grade) == (None, None)  # 265.5 points on a 266-point form is no 优
