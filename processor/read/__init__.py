"""Read: files in, forms out, the way a reviewer reads them.

Takes paths. discover picks the candidate files, guard refuses hostile containers before python-calamine
parses them, workbook loads the sheets, locate finds each form by its labels, parse (with table, funds,
values and context) turns a form into a core.model.Project with the reader's findings. Nothing here
judges a score: that is review's work.
"""

from processor.read.discover import Candidate, discover
from processor.read.locate import find_forms
from processor.read.parse import FormParser
from processor.read.workbook import ReadFailure, Sheet, Workbook, load

__all__ = ["Candidate", "FormParser", "ReadFailure", "Sheet", "Workbook", "discover", "find_forms", "load"]
