"""Core: what every stage may use, and nothing that belongs to one stage.

The frozen dataclasses the pipeline passes along (model), the one exception tree (errors), the catalogue
of finding codes (findings), the names outputs share (names), grade bands, and the plumbing that several
stages need: JSON round trips for the ledger, atomic writes, the process pool and the result spool.
Imports nothing from the stages above it.
"""

from processor.core.errors import (
    AlreadyRunning,
    ConfigError,
    LedgerError,
    OutputError,
    SelfevalError,
    UsageError,
)
from processor.core.findings import CATALOGUE, finding
from processor.core.model import FileResult, Finding, Funds, Indicator, Project, Report, Severity, Status, Value

__all__ = [
    "CATALOGUE", "AlreadyRunning", "ConfigError", "FileResult", "Finding", "Funds", "Indicator", "LedgerError",
    "OutputError", "Project", "Report", "SelfevalError", "Severity", "Status", "UsageError", "Value", "finding",
]
