"""The published catalogue (docs/rules.md, `selfeval rules`) is the code's catalogue, never a stale copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from processor.core.findings import CATALOGUE
from processor.report import rules_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_doc_is_generated_from_the_catalogue() -> None:
    assert DOC.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `.venv/bin/selfeval rules --markdown > docs/rules.md`")


def test_every_code_has_a_unique_entry_with_message_and_hint() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, rule in CATALOGUE.items():
        assert f"| `{code}` |" in text
        assert rule.message and rule.hint and rule.title and rule.example
    assert len({r.code for r in CATALOGUE.values()}) == len(CATALOGUE)


def test_rules_command_lists_codes() -> None:
    proc = subprocess.run([sys.executable, "-m", "processor", "rules", "--markdown"], capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0 and proc.stdout == rules_markdown()
