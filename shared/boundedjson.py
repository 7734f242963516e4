"""JSON from outside the process (request bodies, queue messages, documents read back from storage), within bounds.

Python's parser recurses once per nesting level (a body nested some thousands deep raises ``RecursionError``, which
is no ``ValueError``), and it takes ``NaN``, ``Infinity`` and ``1e999`` (an infinite float that breaks every later
``int()``). Nothing the app reads is nested more than a few levels or holds a non-finite number, so ``loads``
refuses a document that is longer than its reader allows, nested deeper than ``MAX_DEPTH``, or holds a non-finite
number, with a ``BadJson`` (a ``ValueError``) whose message says which, before any recursion.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
"""Deeper than anything the app reads (a manifest is five levels deep)."""
MAX_BYTES = 1024 * 1024
"""The default size bound: every JSON the app reads is a few KiB (a manifest of 10,000 chunks is the largest)."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class BadJson(ValueError):
    """A document that is not JSON, or not within the bounds of ``loads``."""


def loads(data: str | bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` within bounds (see the module docstring); ``BadJson`` says what was wrong."""
    if len(data) > max_bytes:
        raise BadJson(f"is {len(data)} bytes, more than the {max_bytes} allowed")
    text = _text(data)
    depth = nesting(text)
    if depth > max_depth:
        raise BadJson(f"is nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_non_finite, parse_float=_finite)
    except BadJson:
        raise
    except ValueError as exc:
        raise BadJson(f"is not JSON: {exc}") from None


def nesting(text: str) -> int:
    """How deep the arrays and objects of ``text`` nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode(json.detect_encoding(data))
    except (UnicodeDecodeError, LookupError) as exc:
        raise BadJson(f"is not JSON text: {exc}") from None


def _non_finite(name: str) -> float:
    raise BadJson(f"holds {name}, which is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(f"holds {text}, a number too large for a double")
    return value
