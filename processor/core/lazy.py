"""A package's public names imported when first used (PEP 562 module __getattr__).

`selfeval run` starts in well under a second only if it does not import what it will not use: python-docx for
the Word reports, smtplib and sqlite3 for the nightly job, openpyxl for the rare 审核意见 copy it cannot make at
the package level. The packages still offer their names (`from processor.nightly import night`); each is
imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """The `__getattr__` of `package`: each name in `names` comes from the submodule named beside it."""

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
