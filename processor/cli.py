"""The command line: parse options, call one library function, render its result. Nothing else."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

from processor import __version__
from processor.check import check_paths, default_jobs
from processor.core.errors import SelfevalError, UsageError
from processor.core.names import CONFIG_FILE, DEFAULT_NAME, PARKED, SPLIT_ABOVE
from processor.read.discover import discover
from processor.read.workbook import DEFAULT_MAX_FILE_MB
from processor.report import (
    render_delivery,
    render_draft,
    render_night,
    render_rules,
    render_run,
    render_table,
    rules_markdown,
    to_json,
)
from processor.review.past import Earlier
from processor.review.profiles import DEFAULT as DEFAULT_PROFILE
from processor.review.profiles import Profile, load_profile
from processor.run import run as run_job
from processor.write.template import DEFAULT_INDICATORS, write_template

REQUIRE_REPORT_OPTION = Annotated[
    bool, typer.Option("--require-report", help="要求每个项目都提交绩效自评报告（.docx）：没有报告的项目给出警告（report-missing）")
]
MAX_FILE_OPTION = Annotated[
    float, typer.Option("--max-file-mb", help="单个文件的大小上限（MB），超过的文件不读取、直接拒收（file-over-size-cap）")
]
LABELS_OPTION = Annotated[
    list[Path] | None, typer.Option("--labels", help="本单位补充的表头标签文件（.toml，格式见 processor/read/labels.toml），可重复")
]
HISTORY_OPTION = Annotated[
    list[Path] | None,
    typer.Option("--history", help="往年的自评表文件夹，或夜间任务的台账（状态/ledger.sqlite）；可重复。"
                 "每个项目与往年对比：上年结转资金、指标值、自评分与执行率、预算变化", show_default=False),
]

# -h beside --help on every command. The width only applies to the plain help printed when stdout is not a
# terminal (main() switches to it): there every help text stays on one line, whole, for `| less`, grep and docs.
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "terminal_width": 10_000}

app = typer.Typer(
    name="selfeval",
    help="项目支出绩效自评表批量审核工具 — read, review and consolidate performance self-evaluation forms.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    context_settings=CONTEXT,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"selfeval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="显示版本号后退出", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """项目支出绩效自评表批量审核工具 (selfeval)."""


def _watched() -> bool:
    """A person watches: stdout and stderr are both a terminal (the streams themselves, whatever FORCE_COLOR says)."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def _bar() -> Progress:
    """A progress bar with the elapsed time, on stderr, when a person watches; disabled, printing nothing at all,
    under cron, in a pipe or with `check --json > file`."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[name]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
                    console=Console(stderr=True), disable=not _watched())


def _follow(bar: Progress, task: TaskID, then: str = "") -> Callable[[int, int, str], None]:
    """The library's progress(done, total, file name) onto the bar; `then` names the stage after the last file."""
    def step(done: int, total: int, name: str) -> None:
        if then and done == total:
            bar.update(task, completed=done, total=total, description=then, name="")
        else:
            bar.update(task, completed=done, total=total, name=name)
    return step


def _history(paths: list[Path] | None, profile: Profile | None, labels: list[Path] | None,
             max_file_mb: float) -> list[Earlier]:
    """--history's earlier years. The nightly modules (SQLite, the mail stack) are imported only when asked for, so
    that the commands start without them."""
    if not paths:
        return []
    from processor.nightly.earlier import load_history

    return load_history(paths, profile, labels=labels or (), max_file_mb=max_file_mb)


def _require_workbooks(paths: list[Path], exclude: tuple[Path, ...] = ()) -> None:
    """A one-shot `check` or `run` with nothing to review is a mistake in the path, not a result: say so (exit 2)
    before anything is written. Owner files (~$…), hidden and temporary files and plain documents do not count."""
    found = discover(paths, exclude)
    if any(not c.skip_reason for c in found):
        return
    where = "、".join(str(p) for p in paths)
    if found:
        first = found[0]
        what = (f"中只有 {len(found)} 个不作为提交审核的文件（{'如 ' if len(found) > 1 else ''}"
                f"{first.path.name}：{first.skip_reason}）")
    else:
        what = "中没有任何文件"
    raise UsageError(f"没有找到可审核的工作簿：{where} {what}。请检查路径是否正确，或先把各部门提交的自评表"
                     "（.xlsx、.xls、.ods 等）放进去再运行。")


def _out_folder(out: Path) -> None:
    """--out must be a folder (or not exist yet): a file there, or on the way to it, is named as such (exit 2)."""
    for place in (out, *out.parents):
        if place.exists():
            if not place.is_dir():
                raise UsageError(f"--out 应为输出文件夹，但 {place} 是一个文件。请换一个文件夹，例如 --out 汇总/，"
                                 "或把这个文件改名、移走。")
            return


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
    max_file_mb: MAX_FILE_OPTION = DEFAULT_MAX_FILE_MB,
    require_report: REQUIRE_REPORT_OPTION = False,
    history: HISTORY_OPTION = None,
) -> None:
    """读取、复核自评表，并把同时提交的绩效自评报告（.docx）与自评表核对：每个文件的状态、项目、复核得分与问题（退出码：0 全部通过，1 有退回或拒收，2 用法错误或没有可审核的工作簿）。"""
    chosen = load_profile(profile) if profile else None
    _require_workbooks(paths)
    earlier = _history(history, chosen, labels, max_file_mb)
    console = Console()
    with _bar() as bar:
        task = bar.add_task("审核", total=None, name="")
        report = check_paths(paths, chosen, labels=labels or (), progress=_follow(bar, task), max_file_mb=max_file_mb,
                             require_report=require_report, history=earlier)
        bar.update(task, description="审核完成", name="")
    if json_out:
        sys.stdout.write(to_json(report) + "\n")
    else:
        render_table(report, console)
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
    max_file_mb: MAX_FILE_OPTION = DEFAULT_MAX_FILE_MB,
    no_feedback: Annotated[
        bool, typer.Option("--no-feedback", help="不生成各部门的审核意见副本（输出文件夹/审核意见/<主管部门>/）")
    ] = False,
    require_report: REQUIRE_REPORT_OPTION = False,
    history: HISTORY_OPTION = None,
) -> None:
    """审核收件夹中的全部自评表并生成汇总表（总览、项目汇总、部门汇总、问题清单、退回与拒收、每个项目一页），并为每个退回、拒收或有警告的文件生成审核意见副本，按主管部门分文件夹存放。

    退出码：0 汇总表已生成（有退回或拒收的文件也算正常完成），2 用法错误（包括收件文件夹中没有可审核的工作簿、--out 是一个文件），3 无法写出汇总表或审核意见。

    用 --config 时（夜间批处理）：0 成功（收件箱为空也是），1 今晚有退回或拒收的文件，3 无法写出，4 配置错误（包括邮件服务器拒绝登录或发件人：邮件留在队列中，改正后发出），5 已有任务在运行，6 邮件未能发出（已排队，下次运行重发），7 台账损坏，8 程序内部错误，9 今晚有邮件被服务器拒收（收件人全部被拒或邮件过大：已移到 状态/mail-failed/，不再自动重发，改正后用 selfeval mail --resend 重发）。
    """
    if config is not None:
        _night(config)
        return
    if inbox is None:
        raise UsageError("请给出收件文件夹，例如 `selfeval run 收件箱/ --out 汇总/`，或用 --config selfeval.toml。")
    if not inbox.is_dir():
        raise UsageError(f"收件文件夹不存在：{inbox}（请检查路径）")
    _out_folder(out)
    day = _day(date)
    chosen = load_profile(profile) if profile else None
    _require_workbooks([inbox], exclude=(out,))
    earlier = _history(history, chosen, labels, max_file_mb)
    console = Console()
    with _bar() as bar:
        task = bar.add_task("审核", total=None, name="")
        result = run_job(inbox, out, profile=chosen, date=day, year=year, name=name, feedback=not no_feedback,
                         jobs=jobs or default_jobs(), split=split_by, labels=labels or (), max_file_mb=max_file_mb,
                         require_report=require_report, history=earlier,
                         progress=_follow(bar, task, then="写出汇总表和审核意见"))
        bar.update(task, description="完成", name="")
    render_run(result, console)


def _day(date: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(date) if date else None
    except ValueError as exc:
        raise UsageError(f"--date 应为 YYYY-MM-DD 格式，现为“{date}”。") from exc


@app.command()
def draft(
    paths: Annotated[list[Path], typer.Argument(help="自评表文件或文件夹（递归查找）", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="初稿输出文件夹（按主管部门分子文件夹）", show_default=False)],
    date: Annotated[
        str | None, typer.Option("--date", help="落款日期 YYYY-MM-DD（也是文件的生成日期；默认今天）")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="初稿已存在时覆盖（默认不覆盖：部门可能已在修改）")
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="评分规则：内置名称或 .toml 文件路径；默认按表样自动识别")
    ] = None,
    labels: LABELS_OPTION = None,
    max_file_mb: MAX_FILE_OPTION = DEFAULT_MAX_FILE_MB,
    history: HISTORY_OPTION = None,
) -> None:
    """按自评表为每个项目起草《绩效自评报告（初稿）》（Word）：项目概况、综合评价结论、资金使用、总体目标和绩效指标完成情况（未达到的指标逐一列出偏差原因）、存在问题，附件为自评表；自评表未写明的内容以黄色【请填写：…】标出。

    输出：输出文件夹/<主管部门>/<项目名称>_<年度>_绩效自评报告（初稿）.docx。退出码：0 每个读到的项目都已生成初稿（被拒收的文件没有项目可起草，会列出原因），1 有初稿已存在、未覆盖（加 --force 覆盖），2 用法错误，3 无法写出。
    """
    from processor.draft import draft as draft_job  # python-docx: imported by the command that writes Word

    _out_folder(out)
    day = _day(date)
    chosen = load_profile(profile) if profile else None
    _require_workbooks(paths, exclude=(out,))
    earlier = _history(history, chosen, labels, max_file_mb)
    with _bar() as bar:
        task = bar.add_task("审核", total=None, name="")
        result = draft_job(paths, out, date=day, force=force, profile=chosen, labels=labels or (),
                           jobs=default_jobs(), max_file_mb=max_file_mb, history=earlier,
                           progress=_follow(bar, task, then="起草自评报告"))
        bar.update(task, description="完成", name="")
    render_draft(result, Console())
    raise typer.Exit(result.exit_code)


def _night(config_path: Path) -> None:
    from processor.nightly.config import load_config
    from processor.nightly.night import night

    console = Console()
    if not console.is_terminal:  # under cron: plain timestamped lines
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    cfg = load_config(config_path)
    with _bar() as bar:
        task = bar.add_task("审核", total=None, name="")
        result = night(cfg, progress=_follow(bar, task))
        bar.update(task, description="完成", name="")
    render_night(result, console)
    raise typer.Exit(result.exit_code)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="放置 selfeval.toml 的文件夹")] = Path("."),
) -> None:
    """生成带说明的夜间批处理配置文件 selfeval.toml（已存在时不覆盖，原文件不变，退出码 0）。"""
    from processor.nightly.config import ConfigExists
    from processor.nightly.config import write_template as write_config_template

    try:
        path = write_config_template(folder)
    except ConfigExists as exists:
        typer.echo(f"配置文件已存在，未改动：{exists.path}\n请直接编辑它，然后运行：selfeval run --config {exists.path}"
                   "（要重新生成，请先把它改名或移走）")
        return
    typer.echo(f"配置文件已生成：{path}\n请编辑其中的文件夹、收件人和邮件服务器，然后运行：selfeval run --config {path}")


@app.command()
def report(
    config: Annotated[Path, typer.Option("--config", "-c", help="selfeval.toml")] = Path(CONFIG_FILE),
) -> None:
    """不收新文件，按台账重新生成本年度汇总表（退出码：0 成功，3 无法写出，4 配置错误，5 已有任务在运行）。"""
    from processor.nightly.config import load_config
    from processor.nightly.night import rebuild

    path = rebuild(load_config(config))
    typer.echo(f"汇总表已重新生成：{path}")


@app.command("rebuild-ledger")
def rebuild_ledger_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="selfeval.toml")] = Path(CONFIG_FILE),
) -> None:
    """从归档和拒收文件夹重建台账（原台账改名保留，不删除）；文件原地重新审核，不移动。"""
    from processor.nightly.config import load_config
    from processor.nightly.night import rebuild_ledger

    aside, counts = rebuild_ledger(load_config(config))
    kept = f"原台账已改名保留为 {aside}；" if aside else ""
    typer.echo(f"台账已重建：{kept}登记文件 {counts['files']} 个，重复内容 {counts['duplicates']} 个。"
               "可运行 selfeval report 重新生成汇总表。")


@app.command()
def mail(
    resend: Annotated[
        bool, typer.Option("--resend", help=f"把被服务器拒收的邮件（状态/{PARKED}/）移回队列（状态/mailqueue/），连同排队的邮件立即发送")
    ] = False,
    config: Annotated[Path, typer.Option("--config", "-c", help="selfeval.toml")] = Path(CONFIG_FILE),
) -> None:
    """改正收件人地址或邮件大小后重发被服务器拒收的邮件（退出码：0 全部发出，2 未加 --resend，3 无法读写邮件文件夹，4 配置错误或邮件服务器拒绝登录，5 已有任务在运行，6 仍有邮件排队待下次运行重发，9 又被服务器拒收）。"""
    if not resend:
        raise UsageError("请加 --resend：selfeval mail --resend --config selfeval.toml 把被服务器拒收的邮件移回队列并立即发送。")
    from processor.nightly.config import load_config
    from processor.nightly.mail import resend as resend_parked
    from processor.nightly.night import mail_exit

    cfg = load_config(config)
    console = Console()
    if not console.is_terminal:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    moved, delivery = resend_parked(cfg.smtp, outbox=cfg.outbox, state=cfg.state, when=dt.datetime.now())
    where = escape(str(cfg.state / PARKED))
    console.print(f"已把 {len(moved)} 封邮件从 {where} 移回队列。" if moved else f"{where} 中没有被拒收的邮件。", soft_wrap=True)
    render_delivery(delivery, console)
    raise typer.Exit(mail_exit(delivery))


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
    force: Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖它（默认不覆盖，退出码 2）")] = False,
) -> None:
    """生成官方空白自评表模板：公式自动计算执行率、得分、总分，栏目锁定，数据验证与填表说明。"""
    path = write_template(output, profile=profile, year=year, indicators=indicators, force=force)
    typer.echo(f"模板已生成：{path}")  # plain: a long path must not be wrapped or read as markup


def _help_layout(terminal: bool) -> None:
    """Help that is never cut. In a terminal typer's rich panels, with a Chinese sentence folded onto the next line
    where typer would crop it with "…" (Chinese has no spaces to wrap at); elsewhere plain text, one line per
    help text (CONTEXT's width), so that `selfeval run -h | cat` or a saved copy shows every sentence whole."""
    if not terminal:
        app.rich_markup_mode = None
        return
    from typer import rich_utils

    class Folding(rich_utils.OptionHighlighter):
        def __call__(self, text: str | Text) -> Text:
            out = super().__call__(text)
            out.overflow = "fold"
            return out

    if isinstance(getattr(rich_utils, "highlighter", None), rich_utils.OptionHighlighter):
        rich_utils.highlighter = Folding()


def main() -> None:
    """Entry point: the one place where errors become a message and an exit status, never a traceback.

    SelfevalError subclasses carry their documented code; anything else is a bug of ours, reported in one
    line with exit 8 so that schedulers treating 1 ("files were returned") as normal still notice it.
    """
    _help_layout(sys.stdout.isatty())
    try:
        app(prog_name="selfeval")  # also under `python -m processor`
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
    finally:
        # The process is about to end and the system takes its memory back whole: a last run of the cyclic
        # collector over everything still alive (a batch's report and tables) would only delay the exit,
        # 0.3 s after a city-year run. Python does not promise finalizers at exit for such objects anyway;
        # every file of ours is closed by then.
        gc.freeze()
