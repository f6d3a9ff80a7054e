"""A realistic small inbox for the summary tests: the seed, two multi-project departments, a returned
form and an unreadable file (issue 4's "done when")."""

from __future__ import annotations

from pathlib import Path

from formbuilder import CLEAN_ROWS, clean_spec, seed_spec, write_workbook
from formbuilder import clean_rows as rows


def build_inbox(inbox: Path) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    write_workbook(inbox / "市委组织部_2021.xlsx", [("自评表", seed_spec())])
    write_workbook(inbox / "市民政局_2021.xlsx", [
        ("填表说明", [["填表说明"], ["每个项目一张表"]]),
        ("服务站", clean_spec()),
        ("养老", clean_spec(name="居家养老服务补贴", unit="养老服务科",
                          funds={"total": (300, 300, 240, 10, "80%", 8), "current": (300, 300, 240, None, None, None)},
                          rows=rows(r0={"reason": "部分补贴资金年底未拨付"}), total_score=98)),
    ])
    write_workbook(inbox / "市教育局_2021.xlsx", [
        ("助学", clean_spec(name="学生资助补助经费", department="市教育局", unit="学生资助中心",
                          rows=rows(r0={"actual": "8个"}))),  # 自评分虚高: 8 of ≥10 scored 10
        ("校舍", clean_spec(name="=校舍维修改造[一期]/二期:*?", department="市教育局", unit="基建科")),
        ("教师", clean_spec(name="乡村教师培训", department="市教育局", unit="教师发展中心",
                          rows=[*CLEAN_ROWS[:8], CLEAN_ROWS[8]], total_score=99.5)),
    ])
    write_workbook(inbox / "市文旅局_2021.xlsx", [("Sheet1", clean_spec(
        name="公共图书馆总分馆建设经费", department="市文旅局", unit="市图书馆", total_score=95))])  # 总分 wrong
    (inbox / "市卫健委_2021.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    (inbox / "~$市委组织部_2021.xlsx").write_bytes(b"owner")
    return inbox
