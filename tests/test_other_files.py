"""Files that are plainly not workbooks, by name and by content, are answered as what they are (issue 15):
skipped with no letter in a one-shot run, filed under 归档/<date>/其他文件/ by the nightly job and said once."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from pathlib import Path

from formbuilder import clean_spec, write_workbook
from reportbuilder import write_report

from processor.check import check_paths
from processor.core.model import Status
from processor.nightly import load_config, night
from processor.nightly import write_template as write_config
from processor.run import run

NIGHT = dt.datetime(2026, 11, 27, 23, 30)


def drop_others(box: Path) -> None:
    (box / "填报说明.txt").write_text("请于月底前提交", encoding="utf-8")
    (box / "盖章页.pdf").write_bytes(b"%PDF-1.4\n...")
    (box / "现场照片.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with zipfile.ZipFile(box / "绩效自评报告.docx", "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    (box / "假工作簿.xlsx").write_bytes(b"%PDF-1.4\n...")  # named like a workbook: reviewed and rejected


def test_a_one_shot_run_skips_them_without_a_letter(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    box.mkdir()
    write_workbook(box / "市民政局.xlsx", [("表", clean_spec())])
    drop_others(box)
    statuses = {Path(f.path).name: (f.status, f.reason) for f in check_paths([box]).files}
    for name in ("填报说明.txt", "盖章页.pdf", "现场照片.jpg"):
        assert statuses[name][0] is Status.SKIPPED and statuses[name][1].startswith("非工作簿"), name
    assert statuses["假工作簿.xlsx"][0] is Status.REJECTED
    # since issue 18 a one-shot run reads Word documents as 绩效自评报告: this one is broken, and told so
    assert statuses["绩效自评报告.docx"][0] is Status.REJECTED
    done = run(box, tmp_path / "out")
    letters = sorted(p.name for p in done.feedback)
    assert letters == ["假工作簿_审核意见.xlsx", "绩效自评报告_审核意见.xlsx"]  # the others get nothing


def test_the_nightly_job_files_them_away_once(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    config.inbox.mkdir()
    drop_others(config.inbox)
    write_report(config.inbox / "关于报送绩效自评材料的函.docx", ["市财政局：", "现将我局2021年度项目支出绩效自评材料报送你局，请审核。"],
                 title_lines=["关于报送2021年度绩效自评材料的函"])
    write_workbook(config.inbox / "市民政局.xlsx", [("表", clean_spec())])
    for p in config.inbox.iterdir():
        os.utime(p, ((NIGHT - dt.timedelta(hours=3)).timestamp(),) * 2)
    log = tmp_path / "run.jsonl"
    first = night(config.__class__(**{**config.__dict__, "jsonl": log}), now=NIGHT, backoff=0)
    other = config.archive / NIGHT.date().isoformat() / "其他文件"
    # since issue 18 the night reads Word documents as 绩效自评报告: a cover letter is filed away like the others,
    # a broken report is refused with its reason
    assert sorted(p.name for p in other.iterdir()) == ["关于报送绩效自评材料的函.docx", "填报说明.txt", "现场照片.jpg",
                                                       "盖章页.pdf"]
    assert sorted(p.name for p in config.inbox.iterdir()) == []
    assert (config.rejected / "假工作簿.xlsx").exists() and (config.rejected / "绩效自评报告.docx.txt").exists()
    assert first.counts["rejected"] == 2
    said = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(e["file"] for e in said if e["event"] == "other") == sorted(p.name for p in other.iterdir())
    second = night(config, now=NIGHT + dt.timedelta(days=1), backoff=0)
    assert second.counts["skipped"] == 0  # nothing left to say the next night
