"""The call as plain JSON-able data and back (for the state row), driven by the dataclasses' type hints."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import datetime
from enum import Enum
from typing import Any

from shared.domain.model import Call, Chunk


def dump(value: Any) -> Any:
    """Dataclasses -> dicts, tuples -> lists, datetimes -> ISO text, enums -> values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [dump(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def load_call(data: dict[str, Any]) -> Call:
    call = _load(Call, data)
    assert isinstance(call, Call)
    return call


def load_chunk(data: dict[str, Any]) -> Chunk:
    chunk = _load(Chunk, data)
    assert isinstance(chunk, Chunk)
    return chunk


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    """A dataclass's resolved field types (resolved once per class: the hints are strings under ``annotations``)."""
    return typing.get_type_hints(kind)


def _load(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (inner,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _load(inner, data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], item) for item in data)
        return tuple(_load(arg, item) for arg, item in zip(args, data, strict=True))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        values = {f.name: _load(hints[f.name], data[f.name]) for f in dataclasses.fields(kind) if f.name in data}
        return kind(**values)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    return data
