"""Round-trip the pipeline's frozen dataclasses through JSON, for the ledger.

The ledger keeps each file's full result so the summary can be rebuilt any night without reading a
single workbook again; JSON (not pickle) so a ledger stays readable by later versions and by people.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Any

from processor.core.model import FileResult


def dump(result: FileResult) -> str:
    return json.dumps(_plain(result), ensure_ascii=False, separators=(",", ":"))


def load(text: str) -> FileResult:
    value = _builder(FileResult)(json.loads(text))
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


def _same(data: Any) -> Any:
    return data


@cache
def _builder(tp: Any) -> Callable[[Any], Any]:
    """How to rebuild a value of type `tp` from its JSON, worked out once per type: a province's ledger is decoded
    every night, and asking the type hints again for every value took four fifths of the decoding."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _builder(options[0]) if len(options) == 1 else _same
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = _hints(tp)
        fields = {f.name: _builder(hints[f.name]) for f in dataclasses.fields(tp)}
        cls = tp

        def build(data: Any) -> Any:
            if data is None:
                return None
            return cls(**{k: fields[k](v) for k, v in data.items() if k in fields})
        return build
    if isinstance(tp, type) and issubclass(tp, Enum):
        enum = tp
        return lambda data: None if data is None else enum(data)
    if origin is tuple:
        inner = _builder(typing.get_args(tp)[0])
        if inner is _same:
            return lambda data: None if data is None else tuple(data)
        return lambda data: None if data is None else tuple(inner(x) for x in data)
    if origin is dict:
        value = _builder(typing.get_args(tp)[1])
        return lambda data: None if data is None else {k: value(v) for k, v in data.items()}
    if tp is float:
        return lambda data: float(data) if isinstance(data, int) else data
    return _same
