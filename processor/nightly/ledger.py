"""The ledger: an SQLite database in the state folder that remembers every file, project and run.

It is what makes the night idempotent: a file is identified by the SHA-256 of its content, so the same
workbook is processed once whatever it is called, and a run that died after recording a file but before
moving it only has to finish the move. The whole result of each file is stored (as JSON), so the summary
of the year can be rebuilt from the ledger alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

from processor.core.errors import AlreadyRunning, LedgerError
from processor.core.model import FileResult, Report, Status
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

    def close(self) -> None:
        self.db.close()

    # -- runs ---------------------------------------------------------------------------------------
    def start_run(self, when: dt.datetime) -> int:
        cur = self.db.execute("INSERT INTO runs (started, status) VALUES (?, 'running')", (when.isoformat(),))
        return int(cur.lastrowid or 0)

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
        with self._transaction():
            self.db.execute(
                "INSERT INTO files (sha256, name, size, mtime, received, run_id, status, reason, result, stored)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, name, size, mtime, received, run_id, result.status.value, result.reason, dump(result),
                 None if stored is None else str(stored)))
            self.db.executemany(
                "INSERT INTO projects (sha256, idx, year, department, name, code) VALUES (?, ?, ?, ?, ?, ?)",
                [(sha256, i, p.year, p.department, p.name, p.code) for i, p in enumerate(result.projects)])

    def result(self, sha256: str) -> FileResult:
        return load(self.db.execute("SELECT result FROM files WHERE sha256 = ?", (sha256,)).fetchone()[0])

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

    def stored(self, sha256: str, where: Path) -> None:
        self.db.execute("UPDATE files SET stored = ? WHERE sha256 = ?", (str(where), sha256))

    def sighting(self, sha256: str, name: str, seen: str, run_id: int, stored: Path) -> None:
        self.db.execute("INSERT INTO sightings (sha256, name, seen, run_id, stored) VALUES (?, ?, ?, ?, ?)",
                        (sha256, name, seen, run_id, str(stored)))

    def _transaction(self) -> _Tx:
        return _Tx(self.db)

    # -- the year's current projects -------------------------------------------------------------------
    def current_report(self, year: int | None, spool: Spool | None = None) -> tuple[Report, int | None]:
        """Every file that still carries a current project, every Word/PDF report (processor.narrative.link picks
        the newest one for each project) and every rejected file; and the year to title the summary with (the given
        one, else the most common).

        A project (year, 主管部门, 项目名称) is current in the newest file that holds it: later runs win,
        then later modification times. Older submissions stay in the ledger and count as versions. Projects
        of other years are kept (the summary counts them apart) so that nothing received disappears.
        With `spool`, each full result goes there and the report holds thin ones (processor.core.spool), so a
        province's ledger is never all in memory at once.
        """
        files = self.db.execute(  # the results themselves are read one at a time below, never all at once
            "SELECT sha256, name, received, status, run_id, mtime FROM files ORDER BY run_id, mtime, name").fetchall()
        order = {row[0]: i for i, row in enumerate(files)}
        projects = self.db.execute("SELECT sha256, idx, year, department, name, code FROM projects").fetchall()
        if year is None:
            year = main_year(p[2] for p in projects)  # every stored version counts, as it always has
        latest: dict[tuple[object, ...], tuple[str, int]] = {}
        versions: dict[tuple[object, ...], int] = {}
        for sha, idx, p_year, dept, name, code in sorted(projects, key=lambda p: (order[p[0]], p[1])):
            # a form without 主管部门 or 项目名称 cannot be the same project as another one; a coded project is
            # the same one by its code (two coded projects may share a name such as 工资性支出)
            key = project_key(p_year, dept, name, code) if dept and name else (p_year, sha, str(idx))
            latest[key] = (sha, idx)
            versions[key] = versions.get(key, 0) + 1
        keep: dict[str, dict[int, int]] = {}
        for key, (sha, idx) in latest.items():
            keep.setdefault(sha, {})[idx] = versions[key]
        results: list[FileResult] = []
        for sha, name, received, status, _run, _mtime in files:
            report = is_report(Path(name))  # a Word/PDF report holds no project: its form is found by matching
            if status != Status.REJECTED.value and sha not in keep and not report:
                continue
            result = self.result(sha)
            if result.report is not None:
                result = replace(result, report=replace(result.report, received=received[:10]))
            elif result.status is not Status.REJECTED:
                result = _only(result, keep[sha], received[:10])
            if spool is not None:
                spool.put(len(results), result)
                result = thin(result)
            results.append(result)
        return Report(tuple(results)), year


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
