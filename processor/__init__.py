"""selfeval: read, review and consolidate 项目支出绩效自评表 workbooks.

The library is the product; `processor.cli` is a thin layer over `check_paths`.
"""

from processor.check import check_file, check_paths
from processor.core.model import FileResult, Finding, Project, Report

__all__ = ["FileResult", "Finding", "Project", "Report", "check_file", "check_paths"]
__version__ = "0.1.0"
