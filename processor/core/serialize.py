"""Round-trip the pipeline's frozen dataclasses through JSON, for the ledger.

The ledger keeps each file's full result so the summary can be rebuilt any night without reading a
single workbook again; JSON (not pickle) so a ledger stays readable by later versions and by people.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from functools import cache
from typing import Any

from processor.core.model import FileResult


def dump(result: FileResult) -> str:
    return json.dumps(_plain(result), ensure_ascii=False, separators=(",", ":"))


def load(text: str) -> FileResult:
    value = _build(FileResult, json.loads(text))
    assert isinstance(value, FileResult)
    return value


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(options[0], data) if len(options) == 1 else data
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = _hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        return tp(**{k: _build(hints[k], v) for k, v in data.items() if k in known})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if origin is tuple:
        args = typing.get_args(tp)
        return tuple(_build(args[0], x) for x in data)
    if origin is dict:
        _, value_type = typing.get_args(tp)
        return {k: _build(value_type, v) for k, v in data.items()}
    if tp is float and isinstance(data, int):
        return float(data)
    return data
