"""A one-shot run's spool is locked while in use (issue 16): the next run removes a killed run's spool at once,
not a day later, and never one that a live run holds."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from formbuilder import clean_rows, clean_spec, write_workbook

from processor.core.spool import Spool, sweep_stale
from processor.run import run

DAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parent.parent
PREFIX, LOCK = ".selfeval-spool-", "lock"  # a spool's folder, and the file inside it whose OS lock says "in use"


def biggish_inbox(inbox: Path, files: int = 150) -> Path:
    """Enough returned forms (each gets a letter) for a run to last a few seconds."""
    inbox.mkdir(parents=True)
    for i in range(files):
        write_workbook(inbox / f"部门{i:03d}.xlsx", [("表", clean_spec(
            name=f"项目{i}", department=f"部门{i % 20}", rows=clean_rows(r0={"actual": "8个"})))])
    return inbox


def spools(out: Path) -> list[Path]:
    return sorted(out.glob(PREFIX + "*"))


def test_a_killed_runs_spool_is_removed_by_the_next_run(tmp_path: Path) -> None:
    inbox, out = biggish_inbox(tmp_path / "inbox"), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "processor", "run", str(inbox), "--out", str(out), "--jobs", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not any(any(s.glob("*.pickle")) for s in spools(out)):  # the spool exists and holds results
            assert proc.poll() is None, f"the run ended before its spool was seen: {proc.communicate()[1]!r}"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait(timeout=30)
    (killed,) = spools(out)
    assert list(killed.glob("*.pickle"))  # left behind, as a kill leaves it
    again = run(inbox, out, date=DAY, feedback=False)
    assert len(again.report.files) == 150
    assert not killed.exists()  # removed at once: no process held it
    assert spools(out) == []


HOLDER = """
import sys
from pathlib import Path
from processor.core.spool import Spool
spool = Spool(Path(sys.argv[1]))
print(spool.folder, flush=True)
if sys.argv[2] == "hold":
    sys.stdin.readline()  # held until the test says so
"""

TRY_LOCK = """
import sys
from processor.core.fsutil import try_lock
with open(sys.argv[1], "r+b") as fh:
    print("free" if try_lock(fh) else "held")
"""


def _spool_of_a_process(out: Path, hold: bool) -> tuple[Path, subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), "hold" if hold else "exit"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return Path(proc.stdout.readline().strip()), proc


def _lock_state(spool: Path) -> str:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(spool / LOCK)], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_only_spools_no_process_holds_are_removed(tmp_path: Path) -> None:
    inbox, out = biggish_inbox(tmp_path / "inbox", files=2), tmp_path / "out"
    held, holder = _spool_of_a_process(out, hold=True)
    ended, gone = _spool_of_a_process(out, hold=False)  # its process ended without closing it, as if killed
    gone.wait(timeout=30)
    try:
        with Spool(out) as mine:  # this process's own: a POSIX lock does not keep its own process out
            run(inbox, out, date=DAY, feedback=False)
            assert not ended.exists()  # nobody held it: removed at once
            assert held.exists() and (held / LOCK).exists()  # a live process holds it: left alone
            assert mine.folder.exists() and _lock_state(mine.folder) == "held"  # and still locked after the sweep
            assert _lock_state(held) == "held"
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not mine.folder.exists()
    assert sweep_stale(out) == [held]  # its process is gone now
    assert spools(out) == []
