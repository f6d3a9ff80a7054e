"""The draft's 四（一） beside last year's figures (issue 19): said only when a form of the year before was matched,
and then with both years' own figures; without one the draft is what it always was."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import docx
from formbuilder import seed_spec, write_workbook

from processor.check import check_paths
from processor.core.model import FileResult, YearFigures
from processor.draft import draft
from processor.narrative import compose, render

DAY = dt.date(2026, 11, 30)
MONEY_HEAD, GOALS_HEAD = "（一）项目资金使用及管理情况", "（二）总体绩效目标完成情况"
SEED_2020 = "与上年（2020年度）相比，全年预算数由180万元增至200万元（增长11.11%）；预算执行率由95%升至100%（提高5个百分点）；" \
            "上年自评95分（优），本年自评99分（优）。"


def last_year(year: int = 2020, **changes: object) -> YearFigures:
    figures = YearFigures(year=year, file="history/市委组织部_2020_城市基层党建工作经费.xlsx", sheet="自评表",
                          name="2020年度城市基层党建工作经费", matched_by="name", annual_budget=180, executed=171,
                          rate=0.95, self_total=95, computed_total=95, self_grade="优", computed_grade="优")
    return replace(figures, **changes)  # type: ignore[arg-type]


def seed_result(tmp_path: Path) -> FileResult:
    form = write_workbook(tmp_path / "form.xlsx", [("自评表", seed_spec())])
    return check_paths([form], reports=False).files[0]


def with_history(result: FileResult, *years: YearFigures) -> FileResult:
    return replace(result, projects=(replace(result.projects[0], history=years),))


def money_part(data: bytes, tmp_path: Path) -> list[str]:
    """The paragraphs of 四（一） as Word shows them, read back from the rendered .docx."""
    path = tmp_path / "draft.docx"
    path.write_bytes(data)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    start = texts.index(MONEY_HEAD)
    return texts[start + 1:texts.index(GOALS_HEAD, start)]


def drafted(result: FileResult) -> bytes:
    return render(compose(result, 0, DAY), result.projects[0], DAY)


def test_last_year_is_compared_under_four_one(tmp_path: Path) -> None:
    result = with_history(seed_result(tmp_path), last_year())
    part = money_part(drafted(result), tmp_path)
    assert part[0].startswith("2021年度项目资金全年预算数200万元")
    assert part[1] == SEED_2020  # right after this year's figures, before the placeholder for the management
    assert part[2].startswith("【请填写：资金拨付")


def test_without_last_year_the_draft_is_unchanged(tmp_path: Path) -> None:
    plain = seed_result(tmp_path)
    assert all("与上年" not in t for t in money_part(drafted(plain), tmp_path))
    # an older year alone is history, not 上年: nothing is said and the draft is the same, paragraph for paragraph
    older = with_history(plain, last_year(2019))
    assert compose(older, 0, DAY) == compose(plain, 0, DAY)


def test_falls_and_equal_figures_are_worded_as_such(tmp_path: Path) -> None:
    result = with_history(seed_result(tmp_path), last_year(annual_budget=250, executed=250, rate=1.0, self_total=99,
                                                           self_grade=None))
    text = next(t for t in money_part(drafted(result), tmp_path) if t.startswith("与上年"))
    assert text == ("与上年（2020年度）相比，全年预算数由250万元减至200万元（减少20%）；预算执行率与上年持平（均为100%）；"
                    "上年自评99分，本年自评99分（优）。")


def test_a_figure_last_year_lacks_is_left_out_not_dashed(tmp_path: Path) -> None:
    plain = seed_result(tmp_path)
    partial = with_history(plain, last_year(annual_budget=None, executed=None, rate=None))
    text = next(t for t in compose(partial, 0, DAY).paras if t.text.startswith("与上年")).text
    assert text == "与上年（2020年度）相比，上年自评95分（优），本年自评99分（优）。"
    assert "—" not in text
    empty = with_history(plain, last_year(annual_budget=None, executed=None, rate=None, self_total=None))
    assert compose(empty, 0, DAY) == compose(plain, 0, DAY)


def test_history_folder_reaches_the_draft(tmp_path: Path) -> None:
    """End to end, as `selfeval draft --history` does it: last year's form matched by its name without year words."""
    (tmp_path / "history").mkdir()
    before = write_workbook(tmp_path / "history" / "2020.xlsx", [("自评表", seed_spec(
        title="2020年度项目支出绩效自评表", name="2020年度城市基层党建工作经费",
        funds={"total": (180, 180, 171, 10, "95%", 9.5), "current": (180, 180, 171, None, None, None)},
        total_score="95分"))])
    earlier = [(f.path, i, p) for f in check_paths([before], reports=False).files for i, p in enumerate(f.projects)]
    form = write_workbook(tmp_path / "form.xlsx", [("自评表", seed_spec())])
    result = draft([form], tmp_path / "out", date=DAY, history=earlier)
    assert result.written == 1
    assert SEED_2020 in money_part(result.drafts[0].path.read_bytes(), tmp_path)
