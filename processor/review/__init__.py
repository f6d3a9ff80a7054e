"""Review: a read Project in, the same Project re-scored by the rulebook plus the reviewers' findings out.

profiles holds the rulebook's numbers as data (the shipped TOML files beside it, or a bureau's own),
scoring recomputes each indicator and the budget score, checks runs the reviewers' checks of the form.
"""

from processor.review.checks import apply_severity, review
from processor.review.profiles import Profile, detect, load_profile
from processor.review.scoring import execution_rate, score_indicator

__all__ = ["Profile", "apply_severity", "detect", "execution_rate", "load_profile", "review", "score_indicator"]
