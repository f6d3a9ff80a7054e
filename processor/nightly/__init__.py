"""Nightly: the unattended drop-folder job built on the one-shot jobs (processor.check, processor.run).

config reads selfeval.toml, lock keeps two runs apart, intake hashes, reviews, records and files away each
new workbook, ledger (SQLite) remembers every file of the year, mail sends or queues the night's mail, and
night runs them in order: `selfeval run --config`, `selfeval report`, `selfeval rebuild-ledger`.
"""

from typing import TYPE_CHECKING

from processor.core.lazy import exports

if TYPE_CHECKING:
    from processor.nightly.config import Config, load_config, write_template
    from processor.nightly.night import Night, night, rebuild, rebuild_ledger

__all__ = ["Config", "Night", "load_config", "night", "rebuild", "rebuild_ledger", "write_template"]
__getattr__ = exports(__name__, {"Config": "config", "load_config": "config", "write_template": "config", "Night": "night", "night": "night",
                                 "rebuild": "night", "rebuild_ledger": "night"})
