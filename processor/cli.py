"""The command line: parse options, call one library function, render its result. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from processor.check import check_paths
from processor.errors import SelfevalError
from processor.profiles import load_profile
from processor.report import render_rules, render_table, rules_markdown, to_json

app = typer.Typer(
    name="selfeval",
    help="项目支出绩效自评表批量审核工具 — read, review and consolidate performance self-evaluation forms.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """项目支出绩效自评表批量审核工具 (selfeval)."""


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="自评表文件或文件夹（递归查找）", show_default=False)],
    json_out: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出到标准输出（结构见 docs/report-schema.md）")
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="评分规则：内置名称（central2020、hunan-legacy）或 .toml 文件路径；默认按表样自动识别")
    ] = None,
) -> None:
    """读取、复核自评表：每个文件的状态、项目、复核得分与问题（退出码：0 全部通过，1 有退回或拒收，2 用法错误）。"""
    report = check_paths(paths, load_profile(profile) if profile else None)
    if json_out:
        sys.stdout.write(to_json(report) + "\n")
    else:
        render_table(report, Console())
    raise typer.Exit(report.exit_code)


@app.command()
def rules(
    markdown: Annotated[bool, typer.Option("--markdown", help="输出 Markdown 表格（即 docs/rules.md）")] = False,
) -> None:
    """列出全部问题代码：级别、名称、示例和修改建议。"""
    if markdown:
        sys.stdout.write(rules_markdown())
    else:
        render_rules(Console())


def main() -> None:
    """Entry point: the one place where a SelfevalError becomes a message and an exit status."""
    try:
        app()
    except SelfevalError as exc:
        Console(stderr=True).print(f"[red]错误：[/red]{exc}")
        sys.exit(exc.exit_code)
