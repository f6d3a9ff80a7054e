"""Checking CPU time per form: `check_paths` in one process over the city-year corpus, the fastest of N runs.

    .venv/bin/python bench/check_cpu.py            # city-year corpus, 3 runs (make bench-check)
    BENCH_REPEAT=5 .venv/bin/python bench/check_cpu.py

The reader and the review engine are the per-form cost that every other step multiplies; a change to how
forms are read (new layouts, new labels) says what it costs with this figure. CPU time of this process only
(time.process_time): one process, no pool, so nothing else on the machine is counted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    from make_corpus import CORPORA, ensure_corpus

    from processor.check import check_paths

    name = os.environ.get("BENCH_CORPUS", "city-year")
    forms = ensure_corpus(name)
    count = CORPORA[name].workbooks * CORPORA[name].projects
    runs = []
    for _ in range(int(os.environ.get("BENCH_REPEAT", "3"))):
        start = time.process_time()
        report = check_paths([forms], jobs=1)
        runs.append(time.process_time() - start)
        read = sum(len(f.projects) for f in report.files)
    best = min(runs)
    print(f"{name}: {count} forms ({read} read) · checking CPU s per run: "
          f"{', '.join(f'{r:.2f}' for r in runs)} · best {best:.2f} s = {best / count * 1000:.2f} ms per form")


if __name__ == "__main__":
    main()
