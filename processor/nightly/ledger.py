"""The ledger: an SQLite database in the state folder that remembers every file, project and run.

It is what makes the night idempotent: a file is identified by the SHA-256 of its content, so the same
workbook is processed once whatever it is called, and a run that died after recording a file but before
moving it only has to finish the move. The whole result of each file is stored (as JSON), so the summary
of the year can be rebuilt from the ledger alone; beside it its thin result (`thin`: the projects' figures and the
findings, what the summary's tables need) with a digest of the whole, and `books` remembers each department workbook
a night wrote by the digest of what it was made from, so the next night can carry it forward unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from processor.core.errors import AlreadyRunning, LedgerError
from processor.core.model import FileResult, Funds, Project, Report, Status
from processor.core.names import main_year, project_key
from processor.core.serialize import dump, load
from processor.core.spool import Spool, thin
from processor.read.discover import is_report

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT, status TEXT, counts TEXT);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER, mtime REAL, received TEXT NOT NULL,
    run_id INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT, result TEXT NOT NULL, stored TEXT);
CREATE TABLE IF NOT EXISTS sightings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL, name TEXT NOT NULL, seen TEXT NOT NULL,
    run_id INTEGER NOT NULL, stored TEXT);
CREATE TABLE IF NOT EXISTS answered (path TEXT PRIMARY KEY, night TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, night TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS thin (sha256 TEXT PRIMARY KEY, result TEXT NOT NULL, full TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS books (
    digest TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL, landings TEXT NOT NULL,
    night TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
    sha256 TEXT NOT NULL, idx INTEGER NOT NULL, year INTEGER, department TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (sha256, idx));
"""


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    name: str
    status: Status
    stored: str | None


def keep_aside(path: Path, why: str) -> Path:
    """Move a ledger (and its WAL files) out of the way under a new name; nothing is deleted."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{why}-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.{why}-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            os.replace(part, Path(str(aside) + suffix))
    return aside


class LedgerBusy(AlreadyRunning):
    """The ledger is locked by another program: try again later (exit 5), nothing is moved aside."""


class Ledger:
    def __init__(self, path: Path, *, rebuilding: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._identities: dict[str, str] = {}
        if not rebuilding and not path.exists() and list(path.parent.glob(f"{path.name}.damaged-*")):
            raise LedgerError(f"上次发现台账损坏（已保留为 {path.name}.damaged-…），尚未重建。请先运行 "
                              "`selfeval rebuild-ledger --config selfeval.toml`，否则新台账会漏掉已归档的文件。")
        try:
            self.db = sqlite3.connect(path, isolation_level=None)  # explicit transactions below
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            if self.db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            self.db.executescript(SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(projects)")}
            if "code" not in columns:  # a ledger written before project codes were read (0.1.0)
                self.db.execute("ALTER TABLE projects ADD COLUMN code TEXT NOT NULL DEFAULT ''")
        except sqlite3.OperationalError as exc:  # locked or unreadable for now: not damage, keep it as it is
            with contextlib.suppress(Exception):
                self.db.close()
            raise LedgerBusy(f"台账数据库 {path} 暂时无法使用（{exc}），可能正被其他程序打开。"
                             "请关闭打开它的程序后重试；台账本身未被改动。") from exc
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(Exception):
                self.db.close()
            aside = keep_aside(path, "damaged")
            raise LedgerError(f"台账数据库 {path} 已损坏（{exc}），已原样移到 {aside} 保存。"
                              "请运行 `selfeval rebuild-ledger --config selfeval.toml` 从归档和拒收文件夹重建台账，"
                              "然后照常运行。") from exc

    @classmethod
    def read_only(cls, path: Path, tries: int = 3) -> Ledger:
        """Another job's ledger, opened only to read (a --history source): no lock, no schema change. A busy database
        is tried again `tries` times, then LedgerBusy says so."""
        self = cls.__new__(cls)
        self.path = path
        self._identities = {}
        # a ledger closed cleanly has no -wal file; in a folder this user cannot write, SQLite cannot create the -shm
        # file a WAL database wants even to read: such a ledger is opened again as immutable (nothing writes it now)
        settled = False
        for attempt in range(tries + 1):
            try:
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if settled else ""),
                                          uri=True, timeout=5)
                self.db.execute("SELECT 1 FROM files LIMIT 1").fetchall()
                columns = {row[1] for row in self.db.execute("PRAGMA table_info(projects)")}
                if "code" not in columns:  # a 0.1.0 ledger: read it as if every code were blank
                    self.db.execute("CREATE TEMP VIEW projects AS SELECT *, '' AS code FROM main.projects")
                return self
            except sqlite3.OperationalError as exc:
                with contextlib.suppress(Exception):
                    self.db.close()
                if "locked" in str(exc) and attempt + 1 < tries:
                    time.sleep(1 + attempt)
                    continue
                if not settled and not Path(str(path) + "-wal").exists() and "locked" not in str(exc):
                    settled = True
                    continue
                if "readonly" in str(exc) or "read-only" in str(exc):
                    raise LedgerError(f"无法读取台账 {path}：它所在的文件夹不可写，而夜间任务正在使用或上次未正常关闭它"
                                      f"（{exc}）。请在夜间任务结束后重试，或把台账连同 -wal 文件复制到可写的文件夹再指定。") from exc
                raise LedgerBusy(f"无法读取台账 {path}（{exc}）。请确认这是 selfeval 的台账文件（状态/ledger.sqlite），"
                                 "或稍后重试。") from exc
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(Exception):
                    self.db.close()
                raise LedgerError(f"台账 {path} 无法读取（{exc}）：它不是 selfeval 的台账，或已损坏。") from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.db.close()

    def earlier_index(self, year: int) -> tuple[list[tuple[str, int, Project]], Callable[[str, int], Project]]:
        """Every project of years before `year`, newest version only, as the ledger's index has it (year, 主管部门,
        名称, code: what pairing needs, read without decoding a single result), and how to read one whole. A
        province's earlier years are not held in memory every night: only the matched projects are read."""
        files = self.db.execute("SELECT sha256, name, received, status, run_id, mtime, stored FROM files "
                                "ORDER BY run_id, mtime, name").fetchall()
        projects = self.db.execute("SELECT sha256, idx, year, department, name, code FROM projects").fetchall()
        keep = latest_versions(files, projects, lambda y: y is not None and y < year)
        where = {r[0]: r[6] or r[1] for r in files}
        sha_of = {where[sha]: sha for sha in keep}
        stubs = [(where[sha], idx, _stub(p_year, dept, name, code)) for sha, idx, p_year, dept, name, code in projects
                 if idx in keep.get(sha, {})]

        @lru_cache(maxsize=64)
        def result(path: str) -> FileResult:
            return self.result(sha_of[path])

        def whole(path: str, idx: int) -> Project:
            return result(path).projects[idx]

        return stubs, whole

    def earlier(self, year: int | None) -> Iterator[tuple[str, int, Project]]:
        """Every project of years before `year` (all years when None), newest version only, whole (with indicator rows,
        which the history checks compare), with the file it is in: what the summary sets beside this year's."""
        files = self.db.execute("SELECT sha256, name, received, status, run_id, mtime FROM files "
                                "ORDER BY run_id, mtime, name").fetchall()
        projects = self.db.execute("SELECT sha256, idx, year, department, name, code FROM projects").fetchall()
        keep = latest_versions(files, projects, lambda y: y is not None and (year is None or y < year))
        for sha, indexes in keep.items():
            result = self.result(sha)
            for idx in sorted(indexes):
                yield result.path, idx, result.projects[idx]

    # -- runs ---------------------------------------------------------------------------------------
    def start_run(self, when: dt.datetime, status: str = "running") -> int:
        """A run; `status` HISTORY_RUN for loading earlier years' folders, which a crash must not answer again."""
        cur = self.db.execute("INSERT INTO runs (started, status) VALUES (?, ?)", (when.isoformat(), status))
        return int(cur.lastrowid or 0)

    def known_at(self, where: Path, size: int, mtime: float) -> bool:
        """Whether the file lying at `where` with this size and mtime is already recorded (history folders are
        looked at every night; a file unchanged since it was recorded is not read again)."""
        row = self.db.execute("SELECT 1 FROM files WHERE stored = ? AND size = ? AND mtime = ?",
                              (str(where), size, mtime)).fetchone()
        return row is not None

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        self.db.execute("UPDATE runs SET finished = ?, status = ?, counts = ? WHERE id = ?",
                        (dt.datetime.now().isoformat(timespec="seconds"), status,
                         json.dumps(counts, ensure_ascii=False), run_id))

    # -- files --------------------------------------------------------------------------------------
    def file(self, sha256: str) -> FileRecord | None:
        row = self.db.execute("SELECT sha256, name, status, stored FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return FileRecord(row[0], row[1], Status(row[2]), row[3]) if row else None

    def record(self, sha256: str, name: str, size: int, mtime: float, received: str, run_id: int,
               result: FileResult, stored: Path | None = None) -> None:
        """One transaction: the file, where it is going and its projects are in the ledger together, or not
        at all. `result.path` should be that destination: unique, unlike the name a department chose."""
        full = dump(result)
        with self._transaction():
            self.db.execute(
                "INSERT INTO files (sha256, name, size, mtime, received, run_id, status, reason, result, stored)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, name, size, mtime, received, run_id, result.status.value, result.reason, full,
                 None if stored is None else str(stored)))
            self.db.execute("INSERT OR REPLACE INTO thin (sha256, result, full) VALUES (?, ?, ?)",
                            (sha256, dump(thin(result)), _digest(full)))
            self.db.executemany(
                "INSERT INTO projects (sha256, idx, year, department, name, code) VALUES (?, ?, ?, ?, ?, ?)",
                [(sha256, i, p.year, p.department, p.name, p.code) for i, p in enumerate(result.projects)])

    def result(self, sha256: str) -> FileResult:
        return load(self.db.execute("SELECT result FROM files WHERE sha256 = ?", (sha256,)).fetchone()[0])

    def thin_results(self, shas: Iterable[str]) -> dict[str, tuple[FileResult, str]]:
        """The thin results (processor.core.spool.thin) of these files, each with a digest of its full result: a
        province's summary is its 20,000 projects' figures and findings, and decoding every full result (indicator rows
        and all) took most of a night. A ledger older than the thin table gets each missing one made from the full
        result and kept, once."""
        wanted = set(shas)
        out = {sha: (load(text), full) for sha, text, full in self.db.execute("SELECT sha256, result, full FROM thin")
               if sha in wanted}
        missing = sorted(wanted - out.keys())
        for sha in missing:
            text = self.db.execute("SELECT result FROM files WHERE sha256 = ?", (sha,)).fetchone()[0]
            out[sha] = (thin(load(text)), _digest(text))
        if missing:
            with contextlib.suppress(sqlite3.OperationalError), self._transaction():  # one commit, not one per file
                self.db.executemany("INSERT OR REPLACE INTO thin (sha256, result, full) VALUES (?, ?, ?)",
                                    [(sha, dump(out[sha][0]), out[sha][1]) for sha in missing])
        return out

    def identity(self, path: str) -> str:
        """A digest of the full result the year's report holds under `path` (processor.write.deptbooks.BookStore)."""
        return self._identities[path]

    def book(self, digest: str) -> tuple[Path, str] | None:
        """The department workbook an earlier night wrote with this digest, and its landings, while it lies there as
        written: a workbook someone opened and saved in the outbox is not carried forward."""
        row = self.db.execute("SELECT path, size, mtime, landings FROM books WHERE digest = ?", (digest,)).fetchone()
        if row is None:
            return None
        try:
            info = Path(row[0]).stat()
        except OSError:
            return None
        return (Path(row[0]), row[3]) if (info.st_size, info.st_mtime) == (row[1], row[2]) else None

    def books(self, written: Iterable[tuple[str, Path, str]], night: str) -> None:
        """Tonight's department workbooks (digest, where it lies now, landings), for the nights after."""
        rows = []
        for digest, path, landings in written:
            info = path.stat()
            rows.append((digest, str(path), info.st_size, info.st_mtime, landings, night))
        with self._transaction():
            self.db.executemany("INSERT OR REPLACE INTO books (digest, path, size, mtime, landings, night) "
                                "VALUES (?, ?, ?, ?, ?, ?)", rows)

    def forget_books(self, folder: Path) -> None:
        """The department workbooks that lay in `folder`, now removed ([output] keep_days): the table stays as small
        as the outbox."""
        prefix = str(folder) + os.sep
        self.db.execute("DELETE FROM books WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))

    def close_crashed(self, current: int) -> list[str]:
        """Runs that never finished (killed, power cut) are marked crashed; their files' hashes are returned
        so tonight can still write their feedback and mail them (`result` loads each when it is needed)."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM runs WHERE status = 'running' AND id != ?", (current,))]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        self.db.execute(f"UPDATE runs SET status = 'crashed' WHERE id IN ({marks})", ids)
        rows = self.db.execute(f"SELECT sha256 FROM files WHERE run_id IN ({marks}) ORDER BY rowid", ids).fetchall()
        return [r[0] for r in rows]

    def answered(self) -> set[str]:
        """The reports (by the path they are stored at) a letter has already answered: a report is answered once, on
        the first night it could be checked (or its form's letter, each night a new form of it comes)."""
        return {r[0] for r in self.db.execute("SELECT path FROM answered")}

    def answer(self, paths: Iterable[str], night: str) -> None:
        self.db.executemany("INSERT OR IGNORE INTO answered (path, night) VALUES (?, ?)", [(p, night) for p in paths])

    def wrote(self, paths: Iterable[Path], night: str) -> None:
        """What a night wrote into the outbox (its summary, its 审核意见 folder, its .eml files): only these are
        ever removed when they are older than [output] keep_days, never a file someone else put there."""
        self.db.executemany("INSERT OR REPLACE INTO outputs (path, night) VALUES (?, ?)",
                            [(str(p), night) for p in paths])

    def outputs_before(self, night: str) -> list[Path]:
        return [Path(r[0]) for r in self.db.execute("SELECT path FROM outputs WHERE night < ?", (night,))]

    def forget_outputs(self, paths: Iterable[Path]) -> None:
        self.db.executemany("DELETE FROM outputs WHERE path = ?", [(str(p),) for p in paths])

    def stored(self, sha256: str, where: Path) -> None:
        self.db.execute("UPDATE files SET stored = ? WHERE sha256 = ?", (str(where), sha256))

    def sighting(self, sha256: str, name: str, seen: str, run_id: int, stored: Path) -> None:
        self.db.execute("INSERT INTO sightings (sha256, name, seen, run_id, stored) VALUES (?, ?, ?, ?, ?)",
                        (sha256, name, seen, run_id, str(stored)))

    def _transaction(self) -> _Tx:
        return _Tx(self.db)

    # -- the year's current projects -------------------------------------------------------------------
    def current_report(self, year: int | None, spool: Spool | None = None,
                       today: dt.date | None = None) -> tuple[Report, int | None]:
        """The evaluated year's files: every file that still carries a current project of that year, and the Word/PDF
        reports (processor.narrative.link picks the newest one for each project) and refused files received since
        that year's first form; and the year (the given one, else recent_year's). Earlier years' projects are not in
        it: they are history (earlier()), which the summary sets beside this year's.

        A project (year, 主管部门, 项目名称) is current in the newest file that holds it: later runs win,
        then later modification times. Older submissions stay in the ledger and count as versions.
        With `spool`, each full result goes there and the report holds thin ones (processor.core.spool), so a
        province's ledger is never all in memory at once.
        """
        files = self.db.execute(  # the results themselves are read one at a time below, never all at once
            "SELECT sha256, name, received, status, run_id, mtime FROM files ORDER BY run_id, mtime, name").fetchall()
        projects = self.db.execute("SELECT sha256, idx, year, department, name, code FROM projects").fetchall()
        loaded = {r[0] for r in self.db.execute("SELECT id FROM runs WHERE status = ?", (HISTORY_RUN,))}
        if year is None:
            year = recent_year(files, projects, today or dt.date.today(), loaded)
        # what carries no year of its own (a refused file, a report or a form without 年度) belongs to the season:
        # received since the year's first form, or in the last RECENT_DAYS days, whichever is earlier
        season = ((today or dt.date.today()) - dt.timedelta(days=RECENT_DAYS)).isoformat()
        dated = {r[0]: (r[2][:10], r[4]) for r in files}
        start = min((dated[p[0]][0] for p in projects if year is not None and p[2] == year), default=season)
        since = min(start, season)
        in_season = {sha for sha, (received, run) in dated.items() if received >= since and run not in loaded}
        keep = latest_versions(files, projects if year is None else
                               [p for p in projects if p[2] == year or (p[2] is None and p[0] in in_season)])
        wanted = [(sha, run) for sha, name, _received, status, run, _mtime in files
                  # a Word/PDF report holds no project: its form is found by matching
                  if sha in keep or ((is_report(Path(name)) or status == Status.REJECTED.value) and sha in in_season)]
        thins = self.thin_results(sha for sha, _ in wanted) if spool is not None else {}
        results: list[FileResult] = []
        for sha, run in wanted:
            result = thins[sha][0] if spool is not None else self.result(sha)
            if result.report is not None and year is not None and result.report.year != year and not (
                    result.report.year is None and sha in in_season):
                continue  # another year's report: that year's summary has it
            current = partial(_current, received=dated[sha][0], run=run, kept=keep.get(sha, {}))
            if spool is not None:  # the full result only when a sheet or a letter needs it
                spool.defer(len(results), partial(_then, self.result, sha, current))
            results.append(current(result))
            if spool is not None:
                self._identities[result.path] = thins[sha][1]
        return Report(tuple(results)), year


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _current(result: FileResult, *, received: str, run: int, kept: dict[int, int]) -> FileResult:
    """A stored result as the year's summary has it: a report stamped with when it came, a form with its current
    projects only."""
    if result.report is not None:
        return replace(result, report=replace(result.report, received=received, run=run))
    if result.status is not Status.REJECTED:
        return _only(result, kept, received)
    return result


def _then(read: Callable[[str], FileResult], sha: str, change: Callable[[FileResult], FileResult]) -> FileResult:
    return change(read(sha))


def _stub(year: int | None, department: str, name: str, code: str) -> Project:
    """A project as the ledger's index knows it, for pairing only (processor.review.past reads the matched whole)."""
    funds = Funds(None, None, None, None, None, None)
    return Project(sheet="", year=year, name=name, department=department, unit="", profile="", funds=funds,
                   indicators=(), self_total=None, self_grade=None, code=code)


HISTORY_RUN = "history"  # the status of the runs that loaded [history] folders: no letters, and not recent
RECENT_DAYS = 180  # [review] year = 0: the year most forms received in this many days are for


def recent_year(files: list[tuple[Any, ...]], projects: list[tuple[Any, ...]], today: dt.date,
                history_runs: set[int]) -> int | None:
    """The most common year among the projects of forms received in the last RECENT_DAYS days (every stored version
    counts; forms loaded from [history] folders do not), else among all: a ledger that still holds last year must not
    pin this year's summary to it."""
    since = (today - dt.timedelta(days=RECENT_DAYS)).isoformat()
    recent = {row[0] for row in files if row[2][:10] >= since and row[4] not in history_runs}
    return main_year(p[2] for p in projects if p[0] in recent) or main_year(p[2] for p in projects)


def latest_versions(files: list[tuple[Any, ...]], projects: list[tuple[Any, ...]],
                    years: Callable[[int | None], bool] | None = None) -> dict[str, dict[int, int]]:
    """sha256 → {project index: how many versions} for the newest version of every project (of the `years`)."""
    order = {row[0]: i for i, row in enumerate(files)}
    latest: dict[tuple[object, ...], tuple[str, int]] = {}
    versions: dict[tuple[object, ...], int] = {}
    for sha, idx, p_year, dept, name, code in sorted(projects, key=lambda p: (order[p[0]], p[1])):
        if years is not None and not years(p_year):
            continue
        # a form without 主管部门 or 项目名称 cannot be the same project as another one; a coded project is
        # the same one by its code (two coded projects may share a name such as 工资性支出)
        key = project_key(p_year, dept, name, code) if dept and name else (p_year, sha, str(idx))
        latest[key] = (sha, idx)
        versions[key] = versions.get(key, 0) + 1
    keep: dict[str, dict[int, int]] = {}
    for key, (sha, idx) in latest.items():
        keep.setdefault(sha, {})[idx] = versions[key]
    return keep


def _only(result: FileResult, kept: dict[int, int], received: str) -> FileResult:
    """The file with only its current projects (and their findings), each stamped with version and date."""
    new_index = {old: new for new, old in enumerate(sorted(kept))}
    projects = tuple(replace(result.projects[old], version=kept[old], received=received) for old in sorted(kept))
    findings = tuple(replace(f, project=new_index[f.project]) if f.project is not None else f
                     for f in result.findings if f.project is None or f.project in new_index)
    return replace(result, projects=projects, findings=findings)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
