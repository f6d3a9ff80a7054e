"""The command line: parse options, call one library function, render its result. Nothing else."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from processor.check import check_paths, default_jobs
from processor.core.errors import SelfevalError, UsageError
from processor.core.names import DEFAULT_NAME, SPLIT_ABOVE
from processor.nightly.config import FILE_NAME, load_config
from processor.nightly.config import write_template as write_config_template
from processor.nightly.night import night, rebuild, rebuild_ledger
from processor.report import render_night, render_rules, render_run, render_table, rules_markdown, to_json
from processor.review.profiles import DEFAULT as DEFAULT_PROFILE
from processor.review.profiles import load_profile
from processor.run import run as run_job
from processor.write.template import DEFAULT_INDICATORS, write_template

LABELS_OPTION = Annotated[
    list[Path] | None, typer.Option("--labels", help="本单位补充的表头标签文件（.toml，格式见 processor/read/labels.toml），可重复")
]

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
    labels: LABELS_OPTION = None,
) -> None:
    """读取、复核自评表：每个文件的状态、项目、复核得分与问题（退出码：0 全部通过，1 有退回或拒收，2 用法错误）。"""
    report = check_paths(paths, load_profile(profile) if profile else None, labels=labels or ())
    if json_out:
        sys.stdout.write(to_json(report) + "\n")
    else:
        render_table(report, Console())
    raise typer.Exit(report.exit_code)


@app.command()
def run(
    inbox: Annotated[
        Path | None, typer.Argument(help="收件文件夹：各部门提交的自评表（递归查找）；用 --config 时省略", show_default=False)
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="夜间批处理：按 selfeval.toml 运行（收件、台账、归档、汇总、邮件）")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="汇总表输出文件夹")] = Path("out"),
    profile: Annotated[
        str | None, typer.Option("--profile", help="评分规则：内置名称或 .toml 文件路径；默认按表样自动识别")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="汇总日期 YYYY-MM-DD（文件名和生成日期；默认今天）")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="评价年度（默认取项目中最多的年度）")] = None,
    name: Annotated[str, typer.Option("--name", help="汇总表文件名模板，可用 {year} 和 {date}")] = DEFAULT_NAME,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="并行审核的进程数（默认为 CPU 核数，最多 8）")] = 0,
    split_by: Annotated[
        str, typer.Option("--split-by", help=f"项目页拆分：auto（超过 {SPLIT_ABOVE} 个项目时按主管部门拆分）、"
                          "department（每个主管部门一个工作簿，放在汇总表旁的“…_分部门”文件夹）、none（全部放在汇总表中）")
    ] = "auto",
    labels: LABELS_OPTION = None,
    no_feedback: Annotated[
        bool, typer.Option("--no-feedback", help="不生成各部门的审核意见副本（输出文件夹/审核意见/<主管部门>/）")
    ] = False,
) -> None:
    """审核收件夹中的全部自评表并生成汇总表（总览、项目汇总、部门汇总、问题清单、退回与拒收、每个项目一页），
    并为每个退回、拒收或有警告的文件生成审核意见副本，按主管部门分文件夹存放。

    退出码：0 汇总表已生成（有退回或拒收的文件也算正常完成），2 用法错误，3 无法写出汇总表或审核意见。
    用 --config 时（夜间批处理）：0 成功，1 今晚有退回或拒收的文件，3 无法写出，4 配置错误，5 已有任务在运行，
    6 邮件未能发出（已排队，下次运行重发）。
    """
    if config is not None:
        _night(config)
        return
    if inbox is None:
        raise UsageError("请给出收件文件夹，例如 `selfeval run 收件箱/ --out 汇总/`，或用 --config selfeval.toml。")
    if not inbox.is_dir():
        raise UsageError(f"收件文件夹不存在：{inbox}（请检查路径）")
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError as exc:
        raise UsageError(f"--date 应为 YYYY-MM-DD 格式，现为“{date}”。") from exc
    result = run_job(inbox, out, profile=load_profile(profile) if profile else None, date=day, year=year, name=name,
                     feedback=not no_feedback, jobs=jobs or default_jobs(), split=split_by,
                     labels=labels or ())
    render_run(result, Console())


def _night(config_path: Path) -> None:
    console = Console()
    if not console.is_terminal:  # under cron: plain timestamped lines
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    cfg = load_config(config_path)
    with Progress(transient=True, disable=not console.is_terminal, console=console) as bar:
        task = bar.add_task("审核", total=None)
        result = night(cfg, progress=lambda i, n, name: bar.update(task, completed=i, total=n,
                                                                    description=f"审核 {name}"))
    render_night(result, console)
    raise typer.Exit(result.exit_code)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="放置 selfeval.toml 的文件夹")] = Path("."),
) -> None:
    """生成带说明的夜间批处理配置文件 selfeval.toml（已存在时不覆盖）。"""
    path = write_config_template(folder)
    typer.echo(f"配置文件已生成：{path}\n请编辑其中的文件夹、收件人和邮件服务器，然后运行：selfeval run --config {path}")


@app.command()
def report(
    config: Annotated[Path, typer.Option("--config", "-c", help="selfeval.toml")] = Path(FILE_NAME),
) -> None:
    """不收新文件，按台账重新生成本年度汇总表（退出码：0 成功，3 无法写出，4 配置错误，5 已有任务在运行）。"""
    path = rebuild(load_config(config))
    typer.echo(f"汇总表已重新生成：{path}")


@app.command("rebuild-ledger")
def rebuild_ledger_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="selfeval.toml")] = Path(FILE_NAME),
) -> None:
    """从归档和拒收文件夹重建台账（原台账改名保留，不删除）；文件原地重新审核，不移动。"""
    aside, counts = rebuild_ledger(load_config(config))
    kept = f"原台账已改名保留为 {aside}；" if aside else ""
    typer.echo(f"台账已重建：{kept}登记文件 {counts['files']} 个，重复内容 {counts['duplicates']} 个。"
               "可运行 selfeval report 重新生成汇总表。")


@app.command()
def rules(
    markdown: Annotated[bool, typer.Option("--markdown", help="输出 Markdown 表格（即 docs/rules.md）")] = False,
) -> None:
    """列出全部问题代码：级别、名称、示例和修改建议。"""
    if markdown:
        sys.stdout.write(rules_markdown())
    else:
        render_rules(Console())


@app.command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件（.xlsx）", show_default=False)],
    profile: Annotated[str, typer.Option("--profile", help="评分规则：内置名称或 .toml 文件路径")] = DEFAULT_PROFILE,
    year: Annotated[int | None, typer.Option("--year", help="评价年度（印在标题中；默认留空由部门填写）")] = None,
    indicators: Annotated[int, typer.Option("--indicators", help="空白三级指标行数")] = DEFAULT_INDICATORS,
) -> None:
    """生成官方空白自评表模板：公式自动计算执行率、得分、总分，栏目锁定，数据验证与填表说明。"""
    path = write_template(output, profile=profile, year=year, indicators=indicators)
    typer.echo(f"模板已生成：{path}")  # plain: a long path must not be wrapped or read as markup


def main() -> None:
    """Entry point: the one place where errors become a message and an exit status, never a traceback.

    SelfevalError subclasses carry their documented code; anything else is a bug of ours, reported in one
    line with exit 8 so that schedulers treating 1 ("files were returned") as normal still notice it.
    """
    try:
        app()
    except SelfevalError as exc:
        # escape: messages name config keys like [smtp] host, which rich would take for markup
        Console(stderr=True).print(f"[red]错误：[/red]{escape(str(exc))}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        Console(stderr=True).print(f"[red]程序内部错误[/red]（{escape(type(exc).__name__)}：{escape(str(exc)[:300])}）。"
                                   "未处理完的文件仍在原处，下次运行会继续；请把这条信息发给系统管理员。",
                                   soft_wrap=True)
        sys.exit(8)
