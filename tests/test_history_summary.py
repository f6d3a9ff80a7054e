"""History across years in the summary (issue 19): 项目汇总's 上年 columns, the 历年对比 sheet and the 上年 line of a
project sheet, read back from a workbook written from real forms; a batch without history gets none of them.

The batch (evaluated year 2023): 市委组织部's seed form (200 → 200, self 99) with 2021 and 2022 behind it, 市民政局's
clean form (100 → 95, self 99.5) with 2022 only, a second 市民政局 project with 2021 only (no 上年, but history), a
市教育局 project with none, and a straggler of 2022 with a 2021 behind it (not this summary's year). History is
attached with dataclasses.replace, as the matching (another stage) would attach it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from formbuilder import clean_spec, seed_spec, write_workbook
from python_calamine import CalamineWorkbook

from processor.aggregate import aggregate
from processor.check import check_paths
from processor.core.model import Report, YearFigures
from processor.run import publish_summary
from processor.write.projectsheet import placed
from processor.write.styles import score_floor
from processor.write.summary import HEAD
from processor.write.yearsheet import YEARS

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")  # openpyxl reads around it
DAY = dt.date(2024, 3, 1)
TITLE = "2023年度项目支出绩效自评表"
SEED, CLEAN, OLDER, NONE, STRAGGLER = "城市基层党建工作经费", "社区综合服务站建设经费", "老年活动中心运营经费", \
    "校园安全建设经费", "养老服务补贴"


def figures(year: int, budget: float | None, executed: float | None, self_total: float | None,
            computed: float | None, *, rate: float | None = None, grade: str | None = "优", name: str = "",
            matched_by: str = "name", file: str = "") -> YearFigures:
    """An earlier year as review.across.figures builds it: its rate 执行数 ÷ 全年预算数, `rate` (printed) only where
    those are missing."""
    if budget and executed is not None:
        rate = executed / budget
    return YearFigures(year=year, file=file or f"/archive/{year}/form_{year}.xlsx", sheet="表", name=name,
                       matched_by=matched_by, annual_budget=budget, executed=executed, rate=rate,
                       self_total=self_total, computed_total=computed, self_grade=grade, computed_grade=grade)


HISTORY: dict[str, tuple[YearFigures, ...]] = {
    SEED: (figures(2021, 200, 200, 99, 100, rate=1.0, name="2021年城市基层党建工作经费"),
           figures(2022, 180, 150, 95, 90.5, name="2022年城市基层党建工作经费",
                   file="D:\\往年\\2022\\市委组织部_2022.xlsx")),
    CLEAN: (figures(2022, 100, 100, 97, 96, name=CLEAN, matched_by="code"),),
    OLDER: (figures(2021, 50, None, 88, None, rate=0.9, grade=None, name=OLDER),),
    STRAGGLER: (figures(2021, 10, 10, 90, 90, name=STRAGGLER),),
}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Report:
    inbox = tmp_path_factory.mktemp("history") / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "市委组织部.xlsx", [("表", seed_spec(title=TITLE))])
    write_workbook(inbox / "市民政局.xlsx", [("表", clean_spec(title=TITLE))])
    write_workbook(inbox / "市民政局_老年.xlsx", [("表", clean_spec(title=TITLE, name=OLDER))])
    write_workbook(inbox / "市教育局.xlsx", [("表", clean_spec(title=TITLE, name=NONE, department="市教育局"))])
    write_workbook(inbox / "市民政局_2022.xlsx", [("表", clean_spec(name=STRAGGLER, title="2022年度项目支出绩效自评表"))])
    return check_paths([inbox])


def with_history(report: Report) -> Report:
    return replace(report, files=tuple(
        replace(f, projects=tuple(replace(p, history=HISTORY.get(p.name, ())) for p in f.projects))
        for f in report.files))


@pytest.fixture(scope="module")
def report(plain: Report) -> Report:
    return with_history(plain)


def publish(report: Report, out: Path, split: str = "none") -> tuple[Path, list[str]]:
    return publish_summary(report, aggregate(report), out, name="汇总", year=2023, date=DAY, split=split)


@pytest.fixture(scope="module")
def written(report: Report, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    return publish(report, tmp_path_factory.mktemp("out"))


def rows_of(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def project(report: Report, name: str) -> Any:
    return next(p for f in report.files for p in f.projects if p.name == name)


def test_project_summary_gains_last_years_figures_and_the_changes(report: Report,
                                                                  written: tuple[Path, list[str]]) -> None:
    rows = rows_of(written[0], "项目汇总")
    head = rows[HEAD]
    col = {h: i for i, h in enumerate(head)}
    new = ["上年自评", "上年复核", "上年执行率", "自评分变化", "复核分变化", "执行率变化（百分点）"]
    at = head.index("复核等级") + 1
    assert head[at:at + 6] == new and head[at + 6] == "错误"  # after the scores and grades
    body = {r[col["项目名称"]]: r for r in rows[HEAD + 1:HEAD + 6]}
    seed = project(report, SEED)
    r = body[SEED]
    assert (r[col["上年自评"]], r[col["上年复核"]]) == (95, 90.5)
    assert r[col["上年执行率"]] == pytest.approx(150 / 180)  # computed as this year's is: 执行数 ÷ 全年预算数
    assert r[col["自评分变化"]] == round(seed.self_total - 95, 2) == 4
    assert r[col["复核分变化"]] == round(seed.computed_total - 90.5, 2)
    assert r[col["执行率变化（百分点）"]] == round((1 - 150 / 180) * 100, 2) == 16.67
    clean = body[CLEAN]
    assert clean[col["上年执行率"]] == 1 and clean[col["执行率变化（百分点）"]] == -5
    assert clean[col["自评分变化"]] == 2.5
    for name in (OLDER, NONE):  # only 2021 behind a 2023 form (history, not 上年), or nothing
        assert all(body[name][col[h]] == "" for h in new), name
    assert body[STRAGGLER][col["上年自评"]] == 90  # a 2022 form's 上年 is 2021


def test_history_columns_are_printed_and_formatted_like_their_neighbours(written: tuple[Path, list[str]]) -> None:
    ws = openpyxl.load_workbook(written[0])["项目汇总"]
    head = [c.value for c in ws[HEAD + 1]]
    formats = {h: ws.cell(HEAD + 2, head.index(h) + 1).number_format for h in
               ("上年自评", "上年复核", "上年执行率", "自评分变化", "执行率变化（百分点）", "复核得分", "执行率")}
    assert formats["上年自评"] == formats["自评分变化"] == formats["复核得分"] == "0.00"
    assert formats["上年执行率"] == formats["执行率"] == "0.0%"
    assert formats["执行率变化（百分点）"] == "0.00"  # points, not a percentage of a percentage
    last = ws.print_area[0].split(":")[-1] if isinstance(ws.print_area, list) else str(ws.print_area).split(":")[-1]
    status = head.index("状态") + 1
    assert re.sub(r"[$\d]", "", last) == openpyxl.utils.get_column_letter(status)  # 序号 … 状态, the new ones inside
    # the 错误 highlight still points at 错误, which the new columns moved right
    rules = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    errors = openpyxl.utils.get_column_letter(head.index("错误") + 1)
    assert f"AND(ISNUMBER({errors}{HEAD + 2}),{errors}{HEAD + 2}>0)" in rules


def year_table(path: Path) -> tuple[list[Any], list[Any], list[list[Any]]]:
    """历年对比's two header rows and its rows."""
    rows = rows_of(path, YEARS)
    body = []
    for r in rows[HEAD + 2:]:
        if all(v == "" for v in r):
            break
        body.append(r)
    return rows[HEAD], rows[HEAD + 1], body


def test_years_sheet_sets_each_year_side_by_side(report: Report, written: tuple[Path, list[str]]) -> None:
    path, _ = written
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names[:7] == ["总览", "项目汇总", "部门汇总", YEARS, "问题清单", "退回与拒收", "目录"]
    rows = rows_of(path, YEARS)
    assert rows[0][0] == "项目支出绩效自评历年对比（2023年度）"
    assert rows[1][0] == "单位：万元　制表日期：2024-03-01"
    years, fields, body = year_table(path)
    assert fields[:3] == ["序号", "主管部门", "项目名称"]
    group = ["全年预算数", "全年执行数", "执行率", "自评分", "复核分", "复核等级"]
    assert [years[3 + 6 * k] for k in range(3)] == ["2021年度", "2022年度", "2023年度"]
    assert fields[3:21] == group * 3
    assert (years[21], fields[21], fields[22]) == ("2021–2023年度", "复核分走势\n（50–100 分）", "查看")
    # the evaluated year's projects with history, in 项目汇总 order (序号 is theirs there); no straggler, no NONE
    summary = {r[3]: r[0] for r in rows_of(path, "项目汇总")[HEAD + 1:HEAD + 6]}
    assert [(r[0], r[1], r[2]) for r in body] == [(summary[n], d, n) for d, n in
                                                   (("市委组织部", SEED), ("市民政局", CLEAN), ("市民政局", OLDER))]

    def year(row: list[Any], k: int) -> list[Any]:
        return row[3 + 6 * k:9 + 6 * k]

    seed, clean, older = body
    this = project(report, SEED)
    assert year(seed, 0) == [200, 200, 1, 99, 100, "优"]
    assert year(seed, 1)[:2] == [180, 150] and year(seed, 1)[2] == pytest.approx(150 / 180)
    assert year(seed, 1)[3:] == [95, 90.5, "优"]
    assert year(seed, 2) == [200, 200, 1, this.self_total, this.computed_total, this.computed_grade]
    assert year(clean, 0) == [""] * 6  # no 2021 for it
    assert year(clean, 1) == [100, 100, 1, 97, 96, "优"]
    assert year(clean, 2)[:3] == [100, 95, 0.95]
    assert year(older, 0) == [50, "", 0.9, 88, "", "未评级"]  # the printed rate where 执行数 is missing
    assert year(older, 1) == [""] * 6
    # the sparkline's data, beside the table: each year's 复核分
    assert seed[23:26] == [100, 90.5, this.computed_total] and clean[23:26] == ["", 96, project(report, CLEAN).computed_total]


def test_years_sheet_has_one_sparkline_group_over_each_rows_scores(written: tuple[Path, list[str]]) -> None:
    with zipfile.ZipFile(written[0]) as z:
        xml = z.read("xl/worksheets/sheet4.xml").decode()  # 历年对比 is the fourth sheet
        others = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n != "xl/worksheets/sheet4.xml"]
        assert not any("sparklineGroup" in z.read(n).decode() for n in others)
    assert xml.count("<x14:sparklineGroup ") == 1
    found = re.findall(r"<x14:sparkline><xm:f>(.*?)</xm:f><xm:sqref>(.*?)</xm:sqref></x14:sparkline>", xml)
    assert found == [("历年对比!X5:Z5", "V5"), ("历年对比!X6:Z6", "V6"), ("历年对比!X7:Z7", "V7")]
    group = re.search(r"<x14:sparklineGroup [^>]*>", xml)
    assert group is not None
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', group.group(0)))
    # columns (LibreOffice draws a line sparkline as specks) on one scale for every row, this year's darker
    assert attributes["type"] == "column" and attributes["last"] == "1"
    assert (attributes["manualMin"], attributes["manualMax"]) == ("50", "100")
    assert (attributes["minAxisType"], attributes["maxAxisType"]) == ("custom", "custom")


def test_years_sheet_prints_like_the_other_tables(written: tuple[Path, list[str]]) -> None:
    book = openpyxl.load_workbook(written[0])
    ws = book[YEARS]
    assert ws.freeze_panes == "D5" and ws.auto_filter.ref == "A4:Z7"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1: the default
    assert ws.print_title_rows == "$3:$4" and "第 &P 页 共 &N 页" in ws.oddFooter.center.text
    assert str(ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area).endswith("$A$1:$W$7")
    links = [ws.cell(r, 23).hyperlink for r in (5, 6, 7)]
    summary = book["项目汇总"]
    sheet_of = {summary.cell(r, 4).value: summary.cell(r, 1).value for r in range(HEAD + 2, HEAD + 7)}
    _, sheets = written
    expected = [sheets[sheet_of[n] - 1] for n in (SEED, CLEAN, OLDER)]
    assert [link.location.split("!")[0].strip("'") for link in links] == expected


def test_sparkline_columns_start_at_50_unless_a_score_is_lower() -> None:
    assert score_floor([100, 90.5, None]) == 50 and score_floor([100, 47.5]) == 40 and score_floor([None]) == 50
    assert score_floor([-3.0]) == 0


def test_project_sheet_shows_last_year_in_its_header(report: Report, written: tuple[Path, list[str]]) -> None:
    path, sheets = written
    by_name = {rows_of(path, s)[2][1]: s for s in sheets}
    seed = rows_of(path, by_name[SEED])
    assert seed[4][0] == "上年"
    assert seed[4][1] == ("2022年度：全年预算数 180.00 万元，全年执行数 150.00 万元，执行率 83.3%，自评 95.00 分（优），"
                          "复核 90.50 分（优）（来自 市委组织部_2022.xlsx / 工作表 表，按项目名称对应，"
                          "上年名称 2022年城市基层党建工作经费）")
    assert seed[5][0] == "项目资金\n（万元）"  # the form follows one row lower
    clean = rows_of(path, by_name[CLEAN])
    assert clean[4][1].startswith("2022年度：全年预算数 100.00 万元") and "按项目编码对应）" in clean[4][1]
    assert "上年名称" not in clean[4][1]
    for name in (OLDER, NONE):  # no 上年 (2021 alone is history): the sheet is laid out as before
        assert rows_of(path, by_name[name])[4][0] == "项目资金\n（万元）"


def test_finding_places_move_down_with_the_last_year_row(plain: Report, report: Report) -> None:
    """问题清单's links open the cells where the re-laid sheet puts them, also below the 上年 row."""
    i = next(k for k, f in enumerate(plain.files) if f.projects and f.projects[0].name == SEED)
    before, after = placed(plain.files[i], 0), placed(report.files[i], 0)
    assert before.cells and before.cells.keys() == after.cells.keys()

    def row(a1: str) -> int:
        return int(re.sub(r"\D", "", a1))

    for key, cell in before.cells.items():
        moved = 0 if row(cell) <= 4 else 1  # 项目名称, 主管部门 and 实施单位 stay where they were
        assert row(after.cells[key]) == row(cell) + moved, key
    assert after.first_finding == before.first_finding + 1


def test_a_batch_without_history_has_neither_columns_nor_sheet(plain: Report, tmp_path: Path) -> None:
    path, sheets = publish(plain, tmp_path)
    book = CalamineWorkbook.from_path(str(path))
    assert YEARS not in book.sheet_names and len(book.sheet_names) == 6 + len(sheets)
    head = rows_of(path, "项目汇总")[HEAD]
    assert not {"上年自评", "上年复核", "上年执行率", "自评分变化"} & set(head)
    assert all(rows_of(path, s)[4][0] != "上年" for s in sheets)


def test_split_summary_links_the_years_into_the_department_workbooks(report: Report, tmp_path: Path) -> None:
    path, _ = publish(report, tmp_path, split="department")
    ws = openpyxl.load_workbook(path)[YEARS]
    for r in (5, 6, 7):
        link = ws.cell(r, 23).hyperlink
        file = link.target.replace("\\", "/")  # xlsxwriter writes an external link's path the Windows way
        assert file.startswith(f"{path.stem}_分部门/")
        sheet = link.location.rsplit("!", 1)[0][1:-1]
        assert sheet in openpyxl.load_workbook(path.parent / file, read_only=True).sheetnames


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed: .ci/run installs it")
def test_libreoffice_renders_the_years_sheet(written: tuple[Path, list[str]], tmp_path: Path) -> None:
    proc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(written[0])],
                          capture_output=True, text=True, timeout=240)
    pdf = tmp_path / (written[0].stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, proc.stderr
