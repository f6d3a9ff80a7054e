"""The command line a person meets (issue 15): a progress bar only when someone watches, help that is never cut,
--version and -h, clear refusals (no workbook to review, --out naming a file, a template or a config already
there), and findings in Chinese under their file. Real subprocesses wherever a terminal or a pipe matters."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from formbuilder import clean_spec, seed_spec, write_workbook
from rich.console import Console

from processor import __version__
from processor.check import check_paths
from processor.cli import app
from processor.core.findings import CATALOGUE
from processor.report import render_rules, render_table

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("check", "run", "init", "report", "rebuild-ledger", "rules", "template", "mail")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
needs_script = pytest.mark.skipif(shutil.which("script") is None, reason="util-linux `script` gives a terminal")


def env() -> dict[str, str]:
    """The caller's environment without what would make rich pretend a terminal (or a width) in a pipe."""
    drop = {"FORCE_COLOR", "PY_COLORS", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "TERMINAL_WIDTH",
            "NO_COLOR"}
    return {k: v for k, v in os.environ.items() if k not in drop} | {"TERM": "xterm-256color"}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Piped: stdout and stderr are not a terminal, as under cron or `> file`."""
    return subprocess.run([sys.executable, "-m", "processor", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=180, cwd=cwd, env=env())


def in_terminal(command: str, columns: int = 100) -> str:
    """What a person sees when running `command` in a terminal `columns` wide: util-linux `script` gives the process
    a pseudo-terminal for stdout and stderr; escape sequences and carriage returns are taken out."""
    inner = f"stty cols {columns} rows 50; {command}"
    proc = subprocess.run(["script", "-qec", inner, "/dev/null"], capture_output=True, timeout=180, env=env(),
                          stdin=subprocess.DEVNULL)
    return ANSI.sub("", proc.stdout.decode("utf-8", "replace")).replace("\r", "\n")


def processor(*args: str) -> str:
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "processor", *args))


def inbox(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(folder / "a.xlsx", [("表", clean_spec(name="项目甲", department="局甲"))])
    write_workbook(folder / "noname.xlsx", [("自评表", seed_spec(name=None))])
    return folder


# -- progress ------------------------------------------------------------------------------------------------------
def test_piped_check_json_is_clean_json_and_nothing_on_stderr(tmp_path: Path) -> None:
    proc = cli("check", "--json", str(inbox(tmp_path / "in")))
    assert proc.returncode == 1
    assert proc.stderr == ""  # no bar, no elapsed time, no stray line
    assert {Path(f["path"]).name for f in json.loads(proc.stdout)["files"]} == {"a.xlsx", "noname.xlsx"}


def test_piped_check_and_run_print_no_progress(tmp_path: Path) -> None:
    check = cli("check", str(inbox(tmp_path / "in")))
    assert check.stderr == "" and "审核完成" not in check.stdout and "0:00:" not in check.stdout
    run = cli("run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--date", "2024-01-31")
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and "0:00:" not in run.stdout
    assert run.stdout.startswith("汇总表已生成")


@needs_script
def test_check_in_a_terminal_shows_a_bar_with_elapsed_time(tmp_path: Path) -> None:
    seen = in_terminal(processor("check", str(inbox(tmp_path / "in"))))
    bar = [line for line in seen.splitlines() if "审核完成" in line]
    assert bar, seen
    assert "2/2" in bar[-1] and re.search(r"\d:\d\d:\d\d", bar[-1]), bar[-1]
    assert "共 2 个文件" in seen


@needs_script
def test_run_in_a_terminal_shows_a_bar_then_the_summary(tmp_path: Path) -> None:
    seen = in_terminal(processor("run", str(inbox(tmp_path / "in")), "--out", str(tmp_path / "out"),
                                 "--date", "2024-01-31"))
    assert any("完成" in line and "2/2" in line and re.search(r"\d:\d\d:\d\d", line) for line in seen.splitlines()), seen
    assert "汇总表已生成" in seen and (tmp_path / "out").is_dir()


@needs_script
def test_json_to_a_file_from_a_terminal_stays_clean(tmp_path: Path) -> None:
    """`check --json > f` typed in a terminal: stdout is the file, so no bar either, not even on the terminal."""
    target = tmp_path / "report.json"
    seen = in_terminal(processor("check", "--json", str(inbox(tmp_path / "in"))) + f" > {shlex.quote(str(target))}")
    assert "审核" not in seen and "0:00:" not in seen
    assert len(json.loads(target.read_text(encoding="utf-8"))["files"]) == 2


# -- --version, -h, help not cut -------------------------------------------------------------------------------------
def test_version() -> None:
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout == f"selfeval {__version__}\n" and __version__ == "0.1.0"


@pytest.mark.parametrize("command", COMMANDS)
def test_h_is_help_on_every_command(command: str) -> None:
    short, long = cli(command, "-h"), cli(command, "--help")
    assert short.returncode == 0 and short.stdout == long.stdout
    assert f"Usage: selfeval {command}" in short.stdout and "-h, --help" in short.stdout
    root = cli("-h")
    assert root.returncode == 0 and "--version" in root.stdout and command in root.stdout


def _help_texts(command: str) -> list[str]:
    group = typer.main.get_command(app)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    return [p.help for p in cmd.params if getattr(p, "help", None)]


@pytest.mark.parametrize("command", COMMANDS)
def test_piped_help_shows_every_help_text_whole_on_one_line(command: str) -> None:
    out = cli(command, "-h").stdout
    for text in _help_texts(command):
        assert any(text in line for line in out.splitlines()), text
    assert "…" not in out.replace("“…_分部门”", "")  # nothing cropped (the one … is the folder's name)


@needs_script
def test_help_in_an_80_column_terminal_folds_and_never_crops() -> None:
    seen = in_terminal(processor("run", "-h"), columns=80)
    assert max(len(line) for line in seen.splitlines()) <= 80 * 2
    flat = re.sub(r"[\s│╭╮╰╯─]", "", seen)
    assert "…" not in flat.replace("“…_分部门”", "")
    for text in _help_texts("run"):
        assert re.sub(r"\s", "", text) in flat, text


# -- nothing to review -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["check", "run"])
def test_an_empty_folder_is_a_usage_error_and_writes_nothing(tmp_path: Path, command: str) -> None:
    (tmp_path / "in").mkdir()
    out = tmp_path / "out"
    proc = cli(command, str(tmp_path / "in"), *(["--out", str(out)] if command == "run" else []))
    assert proc.returncode == 2
    assert "没有找到可审核的工作簿" in proc.stderr and "没有任何文件" in proc.stderr and "放进去再运行" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("command", ["check", "run"])
def test_only_owner_files_is_a_usage_error(tmp_path: Path, command: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "~$甲.xlsx").write_bytes(b"owner")
    out = tmp_path / "out"
    proc = cli(command, str(tmp_path / "in"), *(["--out", str(out)] if command == "run" else []))
    assert proc.returncode == 2
    assert "没有找到可审核的工作簿" in proc.stderr and "~$甲.xlsx" in proc.stderr and "临时锁定文件" in proc.stderr
    assert not out.exists()


def test_the_nightly_job_takes_an_empty_inbox_as_a_normal_night(tmp_path: Path) -> None:
    assert cli("init", str(tmp_path)).returncode == 0
    (tmp_path / "收件箱").mkdir()
    night = cli("run", "--config", str(tmp_path / "selfeval.toml"))
    assert night.returncode == 0, night.stdout + night.stderr
    assert "今晚新收 0 个文件" in night.stdout and night.stderr == ""


# -- --out naming a file ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("below", [False, True])
def test_out_naming_a_file_says_it_is_a_file(tmp_path: Path, below: bool) -> None:
    taken = tmp_path / "汇总"
    taken.write_bytes(b"not a folder")
    out = taken / "sub" if below else taken
    proc = cli("run", str(inbox(tmp_path / "in")), "--out", str(out))
    assert proc.returncode == 2
    assert f"{taken} 是一个文件" in proc.stderr and "--out" in proc.stderr and "换一个文件夹" in proc.stderr
    assert "Errno" not in proc.stderr and "File exists" not in proc.stderr and "Not a directory" not in proc.stderr
    assert taken.read_bytes() == b"not a folder"


# -- template and init never overwrite -------------------------------------------------------------------------------
def test_template_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "模板.xlsx"
    target.write_bytes(b"a department's filled form")
    refused = cli("template", "-o", str(target))
    assert refused.returncode == 2
    assert "已存在" in refused.stderr and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert target.read_bytes() == b"a department's filled form"
    forced = cli("template", "--profile", "hunan-legacy", "-o", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_bytes() == (ROOT / "templates" / "项目支出绩效自评表_hunan-legacy.xlsx").read_bytes()


def test_make_templates_passes_force() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ntemplates:")[1].split("\n\n")[0]
    assert "selfeval template --force" in recipe


def test_second_init_says_the_file_exists_and_leaves_it(tmp_path: Path) -> None:
    first = cli("init", str(tmp_path))
    assert first.returncode == 0 and "配置文件已生成" in first.stdout
    path = tmp_path / "selfeval.toml"
    edited = path.read_text(encoding="utf-8").replace('recipients = []', 'recipients = ["a@example.gov.cn"]')
    path.write_text(edited, encoding="utf-8")
    before = path.read_bytes()
    second = cli("init", str(tmp_path))
    assert second.returncode == 0 and second.stderr == ""
    assert "配置文件已存在，未改动" in second.stdout and str(path) in second.stdout
    assert path.read_bytes() == before


def test_init_on_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    proc = cli("init", str(tmp_path / "f"))
    assert proc.returncode == 2 and "不是文件夹" in proc.stderr and "Traceback" not in proc.stderr


def test_generated_config_offers_year_and_date_with_single_braces(tmp_path: Path) -> None:
    assert cli("init", str(tmp_path)).returncode == 0
    text = (tmp_path / "selfeval.toml").read_text(encoding="utf-8")
    assert "可用 {year} 和 {date}" in text and "{{" not in text and "}}" not in text


# -- check's words ---------------------------------------------------------------------------------------------------
def test_piped_check_indents_findings_under_their_file_in_chinese(tmp_path: Path) -> None:
    folder = inbox(tmp_path / "in")
    out = cli("check", str(folder)).stdout
    lines = out.splitlines()
    head = lines.index(f"{folder / 'noname.xlsx'}  退回修改")
    finding = next(line for line in lines[head:] if "missing-project-name" in line)
    title = CATALOGUE["missing-project-name"].title
    assert finding.startswith("    [错误] ")
    assert f"{title}（missing-project-name）" in finding
    assert "工作表 自评表" in finding and "单元格 B3" in finding and "修改建议：" + CATALOGUE[
        "missing-project-name"].hint in finding
    assert "noname.xlsx" not in finding  # the file's line above says which file
    assert not re.search(r"\[(error|warning|info)\]", out)


@pytest.mark.parametrize("width", [80, 140])
def test_terminal_check_table_has_titles_codes_and_chinese_severities(tmp_path: Path, width: int) -> None:
    report = check_paths([inbox(tmp_path / "in")])
    console = Console(force_terminal=True, width=width, color_system=None, record=True)
    render_table(report, console)
    seen = console.export_text()
    path = str(tmp_path / "in" / "noname.xlsx")
    assert seen.count(path) == 1  # the file's line only, not once per finding
    assert "错误" in seen and "error" not in seen and "warning" not in seen
    assert CATALOGUE["missing-project-name"].title in seen
    headers = [line.split() for line in seen.splitlines() if "级别" in line]
    if width >= 120:  # a narrow column of its own, the code whole
        assert headers and all(h[:3] == ["级别", "问题", "代码"] for h in headers)
        assert "missing-project-name" in seen
    else:  # narrower, the code goes under the title, broken at a hyphen, so that the sentences keep their room
        assert headers and all(h[:3] == ["级别", "问题", "位置"] for h in headers)
        assert "missing-project-" in seen and re.search(r"^\s+name\s", seen, re.M)
    rows = [line for line in seen.splitlines() if CATALOGUE["missing-project-name"].title in line]
    assert rows and all(line.startswith("    ") for line in rows)  # indented under the file
    assert max(len(line) for line in seen.splitlines() if line.startswith("    ")) <= width


def test_rules_shows_the_hint_column(tmp_path: Path) -> None:
    piped = cli("rules")
    assert piped.returncode == 0
    for rule in CATALOGUE.values():
        assert any(line.startswith(rule.code + "  ") and f"修改建议：{rule.hint}" in line
                   for line in piped.stdout.splitlines()), rule.code
    console = Console(force_terminal=True, width=160, color_system=None, record=True)
    render_rules(console)
    seen = console.export_text()
    assert "修改建议" in seen.splitlines()[1] and "错误" in seen
