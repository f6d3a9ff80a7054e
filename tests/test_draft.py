"""`selfeval draft`: the 绩效自评报告（初稿） of each project, read back from the .docx we write (issue 17)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from formbuilder import clean_rows, clean_spec, seed_spec, write_workbook

from processor.draft import SUFFIX, draft

DAY = dt.date(2026, 11, 30)
HEADINGS = ("一、项目概况", "二、绩效自评工作开展情况", "三、综合评价结论", "四、绩效目标实现情况分析",
            "五、存在的问题和改进措施", "六、绩效自评结果拟应用和公开情况", "七、其他需要说明的问题")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def sections(path: Path) -> dict[str, str]:
    """The draft's text by its seven headings (and what precedes them, and the 附件 heading's own text)."""
    out: dict[str, list[str]] = {"": []}
    here = ""
    for p in docx.Document(str(path)).paragraphs:
        if p.text in HEADINGS or p.text.startswith("附件："):
            here = p.text
            out[here] = []
        else:
            out[here].append(p.text)
    return {k: "\n".join(v) for k, v in out.items()}


def table_rows(path: Path) -> list[list[str]]:
    doc = docx.Document(str(path))
    assert len(doc.tables) == 1
    return [[c.text for c in row.cells] for row in doc.tables[0].rows]


def one_draft(tmp_path: Path, spec: object, name: str = "form.xlsx", **kw: object) -> Path:
    form = write_workbook(tmp_path / name, [("表1", spec)])  # type: ignore[list-item]
    result = draft([form], tmp_path / "out", date=DAY, **kw)  # type: ignore[arg-type]
    assert result.written == 1, result
    return result.drafts[0].path


def test_seed_figures_under_the_seven_headings(tmp_path: Path) -> None:
    path = one_draft(tmp_path, seed_spec())
    assert path == tmp_path / "out" / "市委组织部" / f"城市基层党建工作经费_2021{SUFFIX}"
    text = sections(path)
    assert list(text)[1:] == [*HEADINGS, "附件：项目支出绩效自评表"]
    assert "2021年度城市基层党建工作经费" in text[""] and "绩效自评报告" in text[""]
    assert "由市委组织部主管、组织指导科实施" in text["一、项目概况"]
    assert "全年预算数200万元，其中当年财政拨款200万元" in text["一、项目概况"]
    assert "产出指标、效益指标等2个一级指标" in text["三、综合评价结论"]
    assert "等6个二级指标，共10个三级指标" in text["三、综合评价结论"]
    assert "综合得分为99分，等级为“优”" in text["三、综合评价结论"]
    money = text["四、绩效目标实现情况分析"]
    assert "全年预算数200万元（年初预算数200万元），全年执行数200万元，预算执行率100%，结余资金0万元" in money
    assert "年度总体目标：全面推进城市居民小区党建工作。" in money
    assert "纵向到底的基层组织体系，全覆盖组建697个小区党支部。" in money
    # the one indicator the form scored below its 分值 is named with its figures and the form's reason
    assert ("“继续抓实城市居民小区党建工作，提升基层治理效能”年度指标值为100%，实际完成值为100%，"
            "自评得分9分（分值10分）。偏差原因：加大党建引领基层治理的探索和工作力度") in money
    assert "效益指标（40分）：共设社会效益指标、可持续影响指标、服务对象满意度指标3个二级指标、4个三级指标，自评得分29分，" \
           "其中3个达到年度指标值，1个未达到" in money
    assert "2026年11月30日" in text["七、其他需要说明的问题"]


def test_attachment_table_has_every_indicator(tmp_path: Path) -> None:
    path = one_draft(tmp_path, seed_spec())
    rows = table_rows(path)
    assert rows[0][:2] == ["项目名称", "城市基层党建工作经费"]
    assert rows[1][:1] == ["主管部门"] and "市委组织部" in rows[1] and "组织指导科" in rows[1]
    total = next(r for r in rows if r[1] == "年度资金总额")
    assert total[2:] == ["200", "200", "200", "10", "100%", "10"]
    head = next(n for n, r in enumerate(rows) if r[0] == "一级指标")
    indicators = rows[head + 1:-1]
    assert [r[2] for r in indicators] == [row.name for row in seed_spec().rows]
    assert [r[3:7] for r in indicators][8] == ["100%", "100%", "10", "9"]
    assert indicators[0][0] == "产出指标（50分）" and indicators[6][0] == "效益指标（40分）"  # merged down
    assert indicators[0][1] == "数量指标（30分）" == indicators[2][1]
    assert rows[-1][0] == "总分" and rows[-1][5:7] == ["100", "99"]


def test_shortfalls_are_named_with_their_reasons(tmp_path: Path) -> None:
    rows = clean_rows(r0={"actual": "8个", "score": 8, "reason": "两个站点因选址调整延至次年建成"},
                      r8={"actual": "85%", "score": 9.44, "reason": "无"})
    path = one_draft(tmp_path, clean_spec(rows=rows, total_score=96.94))
    text = sections(path)["四、绩效目标实现情况分析"]
    assert ("“新建社区服务站数量”年度指标值为≥10个，实际完成值为8个，自评得分8分（分值10分）。"
            "偏差原因：两个站点因选址调整延至次年建成。") in text
    assert "产出指标：共设数量指标、质量指标、时效指标、成本指标4个二级指标、5个三级指标，自评得分48分，其中4个达到年度指标值，" \
           "1个未达到" in text
    # "无" is no reason: the department is asked for one, highlighted
    assert "满意度指标：共设服务对象满意度指标1个二级指标、1个三级指标，自评得分9.44分，未达到年度指标值：" in text
    assert ("“居民满意度”年度指标值为≥90%，实际完成值为85%，自评得分9.44分（分值10分）。偏差原因："
            "【请填写：未达到年度指标值的原因（自评表未说明）】") in text
    assert "效益指标：共设社会效益指标、可持续影响指标2个二级指标、3个三级指标，自评得分30分，各项指标均达到年度指标值。" in text
    # named once, under 四（三）; 五 refers to them rather than repeating each reason
    problems = sections(path)["五、存在的问题和改进措施"]
    assert "本年度有2个绩效指标未达到年度指标值，偏差原因见本报告四（三）。" in problems
    assert "两个站点因选址调整" not in problems


def test_placeholders_are_highlighted_and_nothing_else_in_the_text(tmp_path: Path) -> None:
    path = one_draft(tmp_path, clean_spec())
    doc = docx.Document(str(path))
    runs = [r for p in doc.paragraphs for r in p.runs]
    placeholders = [r for r in runs if "【请填写：" in r.text]
    assert len(placeholders) >= 7
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in placeholders)
    assert all(r.font.highlight_color is None for r in runs if "【" not in r.text)
    # a clean form gets no review note: the first paragraphs are the title and （初稿）
    assert [p.text for p in doc.paragraphs[:3]][1:] == ["（初稿）", "一、项目概况"]


def test_a_form_with_problems_opens_with_a_highlighted_note(tmp_path: Path) -> None:
    rows = clean_rows(r0={"actual": "8个"})  # the department kept its full 10 points for 8 of 10
    path = one_draft(tmp_path, clean_spec(rows=rows))
    doc = docx.Document(str(path))
    note = [p for p in doc.paragraphs[2:8] if p.text.startswith(("【审核提示", "1.", "按评分规则复核"))]
    assert note and all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for p in note for r in p.runs)
    joined = "\n".join(p.text for p in note)
    assert "自评分虚高（表1!" in joined
    assert "按评分规则复核，综合得分为 97.5 分，等级优（自评 99.5 分）" in joined
    # the text itself keeps the form's own figures
    assert "综合得分为99.5分" in sections(path)["三、综合评价结论"]


def test_every_run_has_its_east_asian_font_and_the_page_is_a4(tmp_path: Path) -> None:
    path = one_draft(tmp_path, seed_spec())
    with zipfile.ZipFile(path) as z:
        for part in ("word/document.xml", "word/footer1.xml"):
            from lxml import etree

            root = etree.fromstring(z.read(part))
            runs = [r for r in root.iter(f"{W}r") if r.find(f"{W}t") is not None]
            assert runs
            fonts = [r.find(f"{W}rPr/{W}rFonts") for r in runs]
            assert all(f is not None and f.get(f"{W}eastAsia") for f in fonts), part
        assert b"PAGE" in z.read("word/footer1.xml")
        assert "docProps/thumbnail.jpeg" not in z.namelist()
    doc = docx.Document(str(path))
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    title = doc.paragraphs[0].runs[0]
    assert title._element.rPr.rFonts.get(f"{W}eastAsia") == "方正小标宋简体"
    assert doc.core_properties.author == "selfeval" and doc.core_properties.created == dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def test_same_inputs_and_date_give_the_same_bytes(tmp_path: Path) -> None:
    form = write_workbook(tmp_path / "form.xlsx", [("表1", seed_spec())])
    first = draft([form], tmp_path / "a", date=DAY).drafts[0].path.read_bytes()
    second = draft([form], tmp_path / "b", date=DAY).drafts[0].path.read_bytes()
    later = draft([form], tmp_path / "c", date=DAY + dt.timedelta(days=1)).drafts[0].path.read_bytes()
    assert first == second and first != later


def test_colliding_names_get_the_sheet_then_the_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表1", clean_spec()), ("表2", clean_spec())])
    write_workbook(inbox / "b.xlsx", [("表1", clean_spec())])
    result = draft([inbox], tmp_path / "out", date=DAY)
    names = sorted(d.path.name for d in result.drafts)
    assert names == sorted([f"社区综合服务站建设经费_2021_a_表1{SUFFIX}", f"社区综合服务站建设经费_2021_表2{SUFFIX}",
                            f"社区综合服务站建设经费_2021_b_表1{SUFFIX}"])
    assert all(d.path.parent == tmp_path / "out" / "市民政局" and d.path.exists() for d in result.drafts)


def test_existing_drafts_are_kept_without_force(tmp_path: Path) -> None:
    form = write_workbook(tmp_path / "form.xlsx", [("表1", clean_spec())])
    out = tmp_path / "out"
    path = draft([form], out, date=DAY).drafts[0].path
    path.write_bytes(b"the department's own edits")
    again = draft([form], out, date=DAY)
    assert again.kept == 1 and again.exit_code == 1 and path.read_bytes() == b"the department's own edits"
    forced = draft([form], out, date=DAY, force=True)
    assert forced.written == 1 and forced.exit_code == 0 and path.read_bytes().startswith(b"PK")


def test_cli_writes_by_department_and_lists_rejected_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "seed.xlsx", [("表1", seed_spec())])
    write_workbook(inbox / "blank.xlsx", [("表1", clean_spec(department=None))])
    (inbox / "scan.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    out = tmp_path / "drafts"
    done = subprocess.run([sys.executable, "-m", "processor", "draft", str(inbox), "-o", str(out), "--date", "2026-11-30"],
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "市委组织部" / f"城市基层党建工作经费_2021{SUFFIX}").exists()
    assert (out / "未填主管部门" / f"社区综合服务站建设经费_2021{SUFFIX}").exists()
    assert "自评报告初稿已生成 2 份" in done.stdout and "未生成初稿" in done.stdout and "scan.xlsx" in done.stdout
    again = subprocess.run([sys.executable, "-m", "processor", "draft", str(inbox), "-o", str(out)],
                           capture_output=True, text=True, encoding="utf-8", check=False)
    assert again.returncode == 1 and "已存在，未覆盖" in again.stdout and "--force" in again.stdout
    bad = subprocess.run([sys.executable, "-m", "processor", "draft", str(inbox), "-o", str(out), "--date", "30.11.2026"],
                         capture_output=True, text=True, encoding="utf-8", check=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_libreoffice_opens_the_draft(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("needs LibreOffice (soffice, with Writer) and pdftotext (poppler-utils); .ci/run installs them")
    path = one_draft(tmp_path, seed_spec())
    plain = tmp_path / "draft.docx"
    shutil.copy(path, plain)  # soffice names its output after the input: keep the name plain
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(plain)], capture_output=True, timeout=300, check=False)
    pdf = tmp_path / "draft.pdf"
    assert pdf.exists(), "LibreOffice could not open the draft (is libreoffice-writer installed?)"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "2021年度城市基层党建工作经费" in flat and "综合得分为99分" in flat
    assert "经评价，本项目综合得分为99分，等级为“优”" in flat and "—1—" in flat and "总分10099" in flat


# -- what a second reader found (each of these failed before its fix) ---------------------------------------


def drafted_text(tmp_path: Path, spec: object, name: str = "form.xlsx") -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return sections(one_draft(tmp_path, spec, name))


@pytest.mark.parametrize("layout", ["G", "J"])
def test_forms_without_weights_still_name_their_shortfalls(tmp_path: Path, layout: str) -> None:
    from layoutforms import LAYOUTS

    form = tmp_path / "form.xlsx"
    LAYOUTS[layout](form)
    result = draft([form], tmp_path / "out", date=DAY)
    text = sections(result.drafts[0].path)["四、绩效目标实现情况分析"]
    assert "未达到" in text and "各项指标均达到年度指标值" not in text.split("未达到")[0].rsplit("\n", 1)[-1]


def test_fund_parts_keep_the_forms_own_labels(tmp_path: Path) -> None:
    from layoutforms import LAYOUTS

    form = tmp_path / "form.xlsx"
    LAYOUTS["E"](form)
    path = draft([form], tmp_path / "out", date=DAY).drafts[0].path
    overview = sections(path)["一、项目概况"]
    assert "财政资金600万元" in overview and "单位资金40万元" in overview and "当年财政拨款" not in overview
    labels = [r[1] for r in table_rows(path)]
    assert "其中：财政资金" in labels and "单位资金" in labels


def test_no_note_when_nothing_needs_fixing(tmp_path: Path) -> None:
    # the department scored 99.5, the rulebook gives as much: only the info findings of a clean form
    doc = docx.Document(str(one_draft(tmp_path, clean_spec())))
    assert not any(p.text.startswith("【审核提示") for p in doc.paragraphs)


def test_long_names_that_collide_stay_under_the_file_name_limit(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    long = "城乡居民基本医疗保险参保缴费财政补助及困难群众参保资助资金" * 2
    for n in ("第一次报送", "第二次报送"):
        write_workbook(inbox / f"市农业农村局_2021_项目支出绩效自评表_{n}.xlsx",
                       [("2021年度项目支出绩效自评表", clean_spec(name=long))])
    result = draft([inbox], tmp_path / "out", date=DAY)
    assert result.written == 2 and len({d.path for d in result.drafts}) == 2
    assert all(len(d.path.name.encode("utf-8")) <= 240 and d.path.exists() for d in result.drafts)


def test_sentences_with_missing_or_odd_figures(tmp_path: Path) -> None:
    blank = drafted_text(tmp_path / "a", clean_spec(department=None))
    assert "社区综合服务站建设经费由基层政权建设科实施。" in blank["一、项目概况"]
    nothing = drafted_text(tmp_path / "b", clean_spec(omit=("funds",)))
    assert "—" not in "".join(nothing.values()) and "【请填写：全年预算数、执行数和预算执行率" in nothing["四、绩效目标实现情况分析"]
    funds = {"total": (100, 100, 120, 10, "120%", 10), "current": (100, 100, 120, None, None, None)}
    over = drafted_text(tmp_path / "c", clean_spec(funds=funds))
    assert "预算执行率120%，超支20万元。" in over["四、绩效目标实现情况分析"]


def test_second_level_groups_are_counted_per_first_level(tmp_path: Path) -> None:
    rows = [replace(r, level2="其他") for r in clean_rows()]
    text = drafted_text(tmp_path, clean_spec(rows=rows))["三、综合评价结论"]
    assert "细化为其他等3个二级指标，共9个三级指标" in text


def test_the_forms_reasons_become_clean_sentences(tmp_path: Path) -> None:
    rows = clean_rows(r0={"actual": "8个", "score": 8, "reason": "原因如下："}, r1={"actual": "400人次", "score": 8,
                                                                                    "reason": "暂无。"})
    text = drafted_text(tmp_path, clean_spec(rows=rows, total_score=95.5))["四、绩效目标实现情况分析"]
    assert "偏差原因：原因如下。" in text and "：。" not in text
    assert "实际完成值为400人次，自评得分8分（分值10分）。偏差原因：【请填写：" in text
