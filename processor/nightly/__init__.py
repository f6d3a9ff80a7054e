"""Nightly: the unattended drop-folder job built on the one-shot jobs (processor.check, processor.run).

config reads selfeval.toml, lock keeps two runs apart, intake hashes, reviews, records and files away each
new workbook, ledger (SQLite) remembers every file of the year, mail sends or queues the night's mail, and
night runs them in order: `selfeval run --config`, `selfeval report`, `selfeval rebuild-ledger`. Imported eagerly
(the function `night` would otherwise be shadowed by its submodule); the CLI imports this package only for the
commands that need it.
"""

from processor.nightly.config import Config, load_config, write_template
from processor.nightly.night import Night, night, rebuild, rebuild_ledger

__all__ = ["Config", "Night", "load_config", "night", "rebuild", "rebuild_ledger", "write_template"]
