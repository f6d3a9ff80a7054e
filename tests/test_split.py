"""`--split-by department` (issue 8): one workbook per 主管部门 beside the overall tables, and the spool that
keeps full results on disk. What a reviewer sees must not depend on the split or on the number of processes."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pytest
from formbuilder import clean_spec, write_workbook
from inbox import build_inbox
from python_calamine import CalamineWorkbook

import processor.core.fsutil
import processor.core.names
import processor.core.spool
from processor.run import RunResult, run
from processor.write.summary import FIXED, HEAD

DAY = dt.date(2026, 11, 27)


def make_inbox(base: Path) -> Path:
    inbox = build_inbox(base / "inbox")
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])  # the same project twice: project-duplicated
    write_workbook(inbox / "b.xlsx", [("第二份", clean_spec(total_score=99))])
    for k in range(4):
        write_workbook(inbox / f"局{k}.xlsx", [(f"表{j}", clean_spec(name=f"项目{k}-{j}", department=f"县{k}局"))
                                              for j in range(3)])
    return inbox


def cells(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def body(rows: list[list[object]]) -> list[list[object]]:
    """A table's rows below its header, down to the blank row above the 合计."""
    out = []
    for row in rows[HEAD + 1:]:
        if all(v == "" for v in row):
            break
        out.append(row)
    return out


def department_books(result: RunResult) -> list[Path]:
    return sorted((result.summary.parent / (result.summary.stem + "_分部门")).glob("*.xlsx"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunResult]:
    base = tmp_path_factory.mktemp("split")
    inbox = make_inbox(base)
    return {"one": run(inbox, base / "one", date=DAY, feedback=False, split="none", jobs=1),
            "serial": run(inbox, base / "serial", date=DAY, split="department", jobs=1),
            "parallel": run(inbox, base / "parallel", date=DAY, split="department", jobs=2)}


def test_split_writes_the_tables_and_one_workbook_per_department(runs: dict[str, RunResult]) -> None:
    one, split = runs["one"], runs["serial"]
    assert CalamineWorkbook.from_path(str(split.summary)).sheet_names == list(FIXED)
    departments = sorted(set(one.aggregate.projects["department"]))
    books = department_books(split)
    assert [p.name[4:-5] for p in books] == [d.replace("（", "（") for d in departments]
    assert [p.name[:3] for p in books] == [f"{k:03d}" for k in range(1, len(departments) + 1)]
    assert not department_books(one) and not list(one.summary.parent.glob(".selfeval-*"))
    assert not list(split.summary.parent.glob(".selfeval-*"))


def test_every_sheet_holds_what_the_single_workbook_holds(runs: dict[str, RunResult]) -> None:
    single = cells(runs["one"].summary)
    overall = cells(runs["serial"].summary)
    assert {k: v for k, v in overall.items() if k != "目录"} == {name: single[name] for name in FIXED if name != "目录"}
    # split, 目录 lists the department workbooks (the project rows are in 项目汇总 already)
    books = department_books(runs["serial"])
    assert overall["目录"][HEAD] == ["分部门工作簿", "主管部门", "项目数", "查看"]
    assert [(r[0], r[1], r[2]) for r in body(overall["目录"])] == [
        (p.name, p.name[4:-5], len(cells(p)) - 1) for p in books]
    departments = {r[0]: r for r in body(single["部门汇总"])}
    dept_col = {h: i for i, h in enumerate(single["部门汇总"][HEAD])}
    col = {h: i for i, h in enumerate(single["项目汇总"][HEAD])}
    # a project's sheet in its department's workbook is its sheet in the single workbook, named and numbered
    # within the department (P001 … in the department's 项目汇总 order)
    sheet_of = {tuple(row[1:]): name for row, name in zip(body(single["项目汇总"]), runs["one"].sheets, strict=True)}
    seen = []
    for path in department_books(runs["serial"]):
        book = cells(path)
        names = list(book)
        assert names[0] == "项目汇总"
        rows = book["项目汇总"]
        assert rows[0][0] == f"项目支出绩效自评项目汇总（{path.name[4:-5]}，2021年度）"
        assert rows[1][0] == "单位：万元　制表日期：2026-11-27"  # a one-shot run knows no received dates: its own date
        assert rows[HEAD] == single["项目汇总"][HEAD]
        assert [row[0] for row in body(rows)] == list(range(1, len(body(rows)) + 1))  # 序号 within the department
        assert all(tuple(row[1:]) in sheet_of for row in body(rows))  # that department's rows
        assert {row[1] for row in body(rows)} == {path.name[4:-5]}
        # its 合计 is the department's row of 部门汇总
        total, dept = rows[-2], departments[path.name[4:-5]]
        assert total[0] == "合计" and total[1] == f"{len(body(rows))} 个项目"
        for key, dkey in (("全年预算数", "全年预算数"), ("执行率", "执行率（资金加权）"),
                          ("自评得分", "自评得分（资金加权）"), ("复核得分", "复核得分（资金加权）")):
            assert total[col[key]] == dept[dept_col[dkey]], (path.name, key)
        assert rows[-1][0] == "平均" and rows[-1][col["自评得分"]] == dept[dept_col["自评得分平均"]]
        assert len(names) == 1 + len(body(rows))
        for j, (row, name) in enumerate(zip(body(rows), names[1:], strict=True), 1):
            assert name.startswith(f"P{j:03d} ")
            assert book[name] == single[sheet_of[tuple(row[1:])]], (path.name, name)
            seen.append(sheet_of[tuple(row[1:])])
    assert sorted(seen) == sorted(runs["one"].sheets) and len(seen) == len(runs["one"].aggregate.projects)


def test_findings_added_after_checking_reach_the_department_sheets(runs: dict[str, RunResult]) -> None:
    found = [(path.name, name) for path in department_books(runs["serial"])
             for name, rows in cells(path).items()
             if any("project-duplicated" in str(v) for row in rows for v in row)]
    # 社区综合服务站建设经费 three times (build_inbox's 市民政局 has it too): each copy names the others
    assert [name for _, name in found] == [n for n in runs["serial"].sheets if n.endswith("社区综合服务站建设经费")]
    assert len(found) == 3


def test_links_open_the_project_sheet_in_its_department_workbook(runs: dict[str, RunResult]) -> None:
    split = runs["serial"]
    ws = openpyxl.load_workbook(split.summary)["项目汇总"]
    header = [c.value for c in ws[HEAD + 1]]
    col = header.index("查看") + 1
    names = header.index("项目名称") + 1
    checked = 0
    for r in range(HEAD + 2, HEAD + 2 + len(split.aggregate.projects)):
        link = ws.cell(r, col).hyperlink
        assert link is not None
        folder, file = link.target.replace("\\", "/").split("/")
        assert folder == split.summary.stem + "_分部门"
        sheet = link.location.split("!")[0].strip("'").replace("''", "'")
        target = split.summary.parent / folder / file
        book = cells(target)
        assert sheet in book
        assert ws.cell(r, names).value in [v for row in book[sheet][:4] for v in row]  # 项目名称 on that sheet
        checked += 1
    assert checked == len(split.aggregate.projects)
    contents = openpyxl.load_workbook(split.summary)["目录"]
    for r in range(HEAD + 2, contents.max_row + 1):
        link = contents.cell(r, 4).hyperlink
        assert link.target.replace("\\", "/") == f"{split.summary.stem}_分部门/{contents.cell(r, 1).value}"
        assert link.location == "'项目汇总'!A1"


def test_parallel_and_serial_split_runs_write_identical_files(runs: dict[str, RunResult]) -> None:
    serial, parallel = runs["serial"], runs["parallel"]
    assert serial.summary.read_bytes() == parallel.summary.read_bytes()
    a, b = department_books(serial), department_books(parallel)
    assert [p.name for p in a] == [p.name for p in b] and a
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in serial.feedback] == [p.read_bytes() for p in parallel.feedback]
    assert serial.feedback  # returned files got their letters from the spooled full results


def test_auto_splits_above_the_documented_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = make_inbox(tmp_path)
    small = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    assert not department_books(small) and len(small.sheets) == len(small.aggregate.projects)
    monkeypatch.setattr(processor.core.names, "SPLIT_ABOVE", len(small.aggregate.projects) - 1)
    large = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    assert large.summary == small.summary and department_books(large)
    assert CalamineWorkbook.from_path(str(large.summary)).sheet_names == list(FIXED)
    monkeypatch.undo()
    again = run(inbox, tmp_path / "out", date=DAY, feedback=False, split="none")
    assert not department_books(again)  # the split folder of the same summary was stale: removed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [again.summary.name]


def test_the_spool_is_removed_and_the_report_is_thin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    seen: list[Path] = []
    real = processor.core.spool.Spool.put

    def put(self: processor.core.spool.Spool, index: int, result: object) -> None:
        seen.append(self.folder)
        real(self, index, result)  # type: ignore[arg-type]

    monkeypatch.setattr(processor.core.spool.Spool, "put", put)
    result = run(make_inbox(tmp_path), tmp_path / "out", date=DAY, split="department", jobs=2)
    assert list(spools.iterdir()) == []  # never the system's temporary folder (tmpfs, or C: on Windows)
    assert seen and {p.parent for p in seen} == {tmp_path / "out"}  # beside the output (settle wrote there)
    assert not list((tmp_path / "out").glob(".selfeval-*"))
    projects = [p for f in result.report.files for p in f.projects]
    assert projects and all(p.indicators == () and p.funds.annual_budget is not None for p in projects)
    sheet = cells(department_books(result)[0])
    assert any("三级指标" in str(v) for rows in sheet.values() for row in rows for v in row)  # the detail is there


def test_an_unknown_split_mode_is_a_usage_error(tmp_path: Path) -> None:
    from processor.core.errors import UsageError

    with pytest.raises(UsageError, match="--split-by"):
        run(make_inbox(tmp_path), tmp_path / "out", date=DAY, split="city")


@pytest.mark.parametrize("fails", ["summary", "folder"])
def test_a_failed_publish_leaves_the_previous_summary_and_folder_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str) -> None:
    """On Windows a rename fails while the summary or a department workbook is open in Excel or WPS: the
    old pair must stay as it was, never a new folder beside an old summary (its P001… links would open
    other projects)."""
    from processor.core.errors import OutputError

    inbox = make_inbox(tmp_path)
    first = run(inbox, tmp_path / "out", date=DAY, feedback=False, split="department")
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    write_workbook(inbox / "新.xlsx", [("表", clean_spec(name="新增项目", department="县9局"))])
    real = processor.core.fsutil.os.replace

    live = first.summary.with_name(first.summary.stem + "_分部门")

    def replace(src: object, dst: object) -> None:
        # "summary": the summary is open, so nothing may replace it; "folder": a department workbook is
        # open, so its folder cannot be moved aside
        if (fails == "summary" and Path(str(dst)) == first.summary) or (fails == "folder" and Path(str(src)) == live):
            raise PermissionError(13, "另一个程序正在使用此文件")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(processor.core.fsutil.os, "replace", replace)
    with pytest.raises(OutputError, match="请关闭已打开的汇总表"):
        run(inbox, tmp_path / "out", date=DAY, feedback=False, split="department")
    monkeypatch.undo()
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert after == before
    assert not list((tmp_path / "out").glob(".selfeval-*"))


def test_a_killed_runs_spool_is_swept_a_day_later(tmp_path: Path) -> None:
    import os
    import time

    out = tmp_path / "out"
    old, young = out / ".selfeval-spool-old", out / ".selfeval-spool-young"
    for folder in (old, young):
        folder.mkdir(parents=True)
        (folder / "000000.pickle").write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    run(make_inbox(tmp_path), out, date=DAY, feedback=False)
    assert not old.exists()  # a killed run's, a day old
    assert young.exists()  # may be another run's, still going: left alone
