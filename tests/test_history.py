"""History across years through the whole job (issue 19): `--history` folders and ledgers in one-shot runs, the
nightly ledger serving its own earlier years, `[history] folders` loaded once, and the summary staying one year's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from formbuilder import SEED_ROWS, Row, seed_spec, write_workbook
from tables import table_rows

from processor.check import check_paths
from processor.core.errors import UsageError
from processor.core.model import FileResult, Report
from processor.nightly import load_config, night
from processor.nightly import write_template as write_config
from processor.nightly.config import Config
from processor.nightly.earlier import load_history
from processor.report import to_dict
from processor.run import run

NAME = "城市基层党建工作经费"
TODAY = dt.datetime(2022, 3, 20, 23, 30)
DAY = dt.timedelta(days=1)


def this_year(**changes: object) -> object:
    """The seed's 2021 form with 30 万元 carried over from 2020 (of 230 in all)."""
    funds = {"total": ("　230", 230, 230, 10, "100%", "　10"), "current": ("　200", "200", "200", None, None, None),
             "carryover": ("　30", "30", "30", None, None, None), "other": ("　", "　", "　", "　", "　", "　")}
    return seed_spec(funds=funds, **changes)


def last_year(**changes: object) -> object:
    """The same project's 2020 form: 200 budgeted, 190 spent (10 left, not 30), and 评选市级小区党建示范点 beat its
    target of 30 by half (45), a target the 2021 form copies unchanged."""
    rows = [Row(r.level1, r.level2, r.name, r.target, "45" if "评选" in r.name else r.actual, r.weight, r.score)
            for r in SEED_ROWS]
    funds = {"total": ("　200", 200, 190, 10, "95%", "　9.5"), "current": ("　200", "200", "190", None, None, None),
             "carryover": ("　", "　", "　", "　", "　", "　"), "other": ("　", "　", "　", "　", "　", "　")}
    spec = seed_spec(title="2020年度项目支出绩效自评表", name=f"2020年{NAME}", funds=funds, rows=rows,
                     total_score="98.5分")
    return dataclasses.replace(spec, **changes)


def forms(tmp_path: Path) -> tuple[Path, Path]:
    inbox, history = tmp_path / "inbox" / "市委组织部", tmp_path / "history" / "市委组织部"
    inbox.mkdir(parents=True)
    history.mkdir(parents=True)
    write_workbook(inbox / "市委组织部_2021_城市基层党建工作经费.xlsx", [("表1", this_year())])
    write_workbook(history / "市委组织部_2020_城市基层党建工作经费.xlsx", [("表1", last_year())])
    return inbox.parent, history.parent


def codes(result: FileResult) -> dict[str, str]:
    return {f.code: f.cell for f in result.findings if f.code in ("carryover-excess", "targets-unchanged",
                                                                  "score-up-money-down", "budget-jump",
                                                                  "history-ambiguous")}


def test_a_history_folder_sets_last_year_beside_this_one(tmp_path: Path) -> None:
    inbox, history = forms(tmp_path)
    report = check_paths([inbox], history=load_history([history]))
    (form,) = report.files
    (project,) = form.projects
    previous = project.previous
    assert previous is not None and previous.year == 2020 and previous.matched_by == "name"
    assert (previous.annual_budget, previous.executed, previous.self_total) == (200.0, 190.0, 98.5)
    found = codes(form)
    assert set(found) == {"carryover-excess", "targets-unchanged"}, form.findings
    cells = {k: v for k, v in project.funds.parts[0].cells.items()} if project.funds.parts else {}
    carry = next(p for p in project.funds.parts if p.key == "carryover")
    assert found["carryover-excess"] == carry.cells["annual_budget"], (found, cells)
    target = next(i for i in project.indicators if "评选" in i.name)
    assert found["targets-unchanged"] == target.cells["target"]
    entry = json.loads(json.dumps(to_dict(report), ensure_ascii=False))["files"][0]["projects"][0]
    assert entry["previous"]["year"] == 2020 and entry["previous"]["annual_budget"] == 200.0


def test_without_history_nothing_changes(tmp_path: Path) -> None:
    inbox, _ = forms(tmp_path)
    (form,) = check_paths([inbox]).files
    assert codes(form) == {} and form.projects[0].history == ()


def test_a_missing_history_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--history"):
        load_history([tmp_path / "nowhere"])


def night_config(root: Path, **changes: object) -> Config:
    config = dataclasses.replace(load_config(write_config(root)), settle_seconds=0, **changes)
    config.inbox.mkdir(parents=True, exist_ok=True)
    return config


def test_a_nightly_ledger_serves_its_earlier_years_without_the_old_files(tmp_path: Path) -> None:
    config = night_config(tmp_path / "job")
    (config.inbox / "市委组织部").mkdir()
    write_workbook(config.inbox / "市委组织部" / "2020年自评表.xlsx", [("表1", last_year())])
    night(config, now=TODAY - 300 * DAY, backoff=0)  # last year's round
    for old in config.archive.rglob("*.xlsx"):
        old.rename(old.with_suffix(".moved-away"))  # the ledger must serve history without reading them again
    write_workbook(config.inbox / "市委组织部" / "2021年自评表.xlsx", [("表1", this_year())])
    done = night(config, now=TODAY, backoff=0)
    header, rows = table_rows(done.summary, "项目汇总")
    assert [r[header.index("项目名称")] for r in rows] == [NAME]  # only the evaluated year's project
    assert done.summary.name.startswith("绩效自评汇总_2021")
    header, rows = table_rows(done.summary, "问题清单")
    assert {"carryover-excess", "targets-unchanged"} <= {r[header.index("代码")] for r in rows}
    (form,) = done.tonight.files
    assert form.projects[0].previous is not None and form.projects[0].previous.year == 2020

    # the same ledger, read-only, is history for a one-shot run
    inbox, _ = forms(tmp_path / "oneshot")
    (checked,) = check_paths([inbox], history=load_history([tmp_path / "job"])).files
    assert set(codes(checked)) == {"carryover-excess", "targets-unchanged"}


def test_history_folders_are_loaded_once_without_letters(tmp_path: Path) -> None:
    _, history = forms(tmp_path)
    config = night_config(tmp_path / "job", history_folders=(history,), jsonl=tmp_path / "run.jsonl")
    (config.inbox / "市委组织部").mkdir()
    write_workbook(config.inbox / "市委组织部" / "2021年自评表.xlsx", [("表1", this_year())])
    first = night(config, now=TODAY, backoff=0)
    assert {"carryover-excess", "targets-unchanged"} <= set(codes(first.tonight.files[0]))
    assert [p.name for p in first.feedback] == ["2021年自评表_审核意见.xlsx"]  # none for last year's file
    assert (history / "市委组织部" / "市委组织部_2020_城市基层党建工作经费.xlsx").exists()  # never moved
    said = [json.loads(x) for x in (tmp_path / "run.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in said].count("history") == 1
    second = night(config, now=TODAY + DAY, backoff=0)
    said = [json.loads(x) for x in (tmp_path / "run.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in said].count("history") == 1  # not loaded again
    header, rows = table_rows(second.summary, "项目汇总")
    assert [r[header.index("项目名称")] for r in rows] == [NAME]


def test_the_evaluated_year_is_the_recent_one(tmp_path: Path) -> None:
    config = night_config(tmp_path / "job")
    box = config.inbox / "市委组织部"
    box.mkdir()
    for n in range(3):  # more 2020 projects than 2021 ones, but received long ago
        write_workbook(box / f"2020_{n}.xlsx", [("表1", last_year(name=f"2020年项目{n}"))])
    night(config, now=TODAY - 300 * DAY, backoff=0)
    write_workbook(box / "2021.xlsx", [("表1", this_year())])
    done = night(config, now=TODAY, backoff=0)
    assert done.summary.name.startswith("绩效自评汇总_2021")


def test_run_with_history_writes_the_same_findings(tmp_path: Path) -> None:
    inbox, history = forms(tmp_path)
    result = run(inbox, tmp_path / "out", date=TODAY.date(), history=load_history([history]))
    report: Report = result.report
    assert set(codes(report.files[0])) == {"carryover-excess", "targets-unchanged"}
    header, rows = table_rows(result.summary, "问题清单")
    listed = {r[header.index("代码")]: r[header.index("问题类别")] for r in rows}
    assert listed["carryover-excess"] and listed["targets-unchanged"]
