"""The command line as a user runs it: a real subprocess, real files, the documented exit codes."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from formbuilder import seed_spec, write_workbook


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "processor", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def test_check_json_shape_and_exit_zero(tmp_path: Path) -> None:
    write_workbook(tmp_path / "seed.xlsx", [("自评表", seed_spec())])
    (tmp_path / "~$seed.xlsx").write_bytes(b"owner")
    proc = run("check", "--json", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    files = {Path(f["path"]).name: f for f in data["files"]}
    assert files["~$seed.xlsx"]["status"] == "skipped" and files["~$seed.xlsx"]["reason"]
    seed = files["seed.xlsx"]
    assert seed["status"] == "accepted"
    assert [(f["code"], f["cell"]) for f in seed["findings"]] == [("score-recomputed", "H21"),
                                                                  ("group-weight-mismatch", "B13"),
                                                                  ("group-weight-mismatch", "B19")]
    (p,) = seed["projects"]
    assert {"sheet", "year", "name", "department", "unit", "profile", "funds", "indicators", "self_total",
            "computed_total", "self_grade", "computed_grade"} <= p.keys()
    assert p["funds"]["annual_budget"] == 200.0 and p["funds"]["execution_rate"] == 1.0
    assert p["funds"]["computed_score"] == 10.0 and p["computed_total"] == 100.0 and p["computed_grade"] == "优"
    assert p["profile"] == "hunan-legacy"
    ind = p["indicators"][4]
    assert ind["row"] == 17 and ind["level1"] == "产出指标" and ind["level2"] == "质量指标"
    assert ind["target"] == {"raw": "100%", "op": None, "value": 100.0, "unit": "%", "kind": "percent"}
    assert {"weight", "self_score", "computed_score", "reason", "actual", "name"} <= ind.keys()
    assert (p["self_total"], p["self_grade"]) == (99.0, "优")


def test_check_exit_one_when_a_file_is_returned_or_rejected(tmp_path: Path) -> None:
    write_workbook(tmp_path / "noname.xlsx", [("自评表", seed_spec(name=None))])
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04broken")
    proc = run("check", "--json", str(tmp_path))
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    status = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert status == {"broken.xlsx": "rejected", "noname.xlsx": "returned"}
    finding = next(f for f in data["files"] if f["status"] == "returned")["findings"][0]
    assert (finding["code"], finding["severity"], finding["sheet"], finding["cell"]) == (
        "missing-project-name", "error", "自评表", "B3")
    assert finding["message"] and finding["hint"]


def test_table_output_names_file_sheet_and_cell(tmp_path: Path) -> None:
    write_workbook(tmp_path / "noname.xlsx", [("自评表", seed_spec(name=None))])
    proc = run("check", str(tmp_path / "noname.xlsx"))
    assert proc.returncode == 1
    out = proc.stdout
    assert "noname.xlsx" in out and "自评表" in out and "B3" in out and "missing-project-name" in out
    assert "退回修改" in out
    # piped: one whole line per finding, indented under its file, the severity and the rule's title in Chinese
    assert any(line.startswith("    [错误] 项目名称未填写（missing-project-name） 工作表 自评表，单元格 B3：")
               for line in out.splitlines())


def test_usage_errors_exit_two_without_traceback(tmp_path: Path) -> None:
    proc = run("check", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "找不到路径" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert run("check").returncode == 2
    empty = run("check", str(tmp_path))
    assert empty.returncode == 2 and "没有找到可审核的工作簿" in empty.stderr
    assert run("check", "--no-such-option", str(tmp_path)).returncode == 2


def test_the_entry_point_leaves_the_heap_to_the_system_at_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() freezes the collector as it returns: a last full collection over a batch's heap only delayed
    the exit (0.3 s after a city-year run)."""
    from processor.cli import main

    gc.unfreeze()
    monkeypatch.setattr(sys, "argv", ["selfeval", "--version"])
    try:
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code in (0, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
