"""Write: reviewed results and their aggregate in, workbooks out (xlsxwriter; openpyxl only for the copies).

summary writes the consolidated 汇总表, projectsheet one re-laid form per project, deptbooks the split
per-department workbooks, feedback the 审核意见 copy of each department's own file, template the official
blank form. book, styles and sheetnames are what they share. Nothing here decides a status or a score.
"""

from processor.write.deptbooks import write_books
from processor.write.feedback import write_feedback
from processor.write.summary import project_sheet_names, write_summary
from processor.write.template import build_template, write_template

__all__ = ["build_template", "project_sheet_names", "write_books", "write_feedback", "write_summary",
           "write_template"]
