"""Logging that names the call on every line: callFolder, recordingId and correlationId.

Handlers bind the ids once (``with call_context(...)``); every logger from ``get_logger`` then prefixes its
lines with them and passes them as ``extra`` fields, so one call can be followed across functions (the
Functions host forwards the text of each line to Application Insights).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("callFolder", "recordingId", "correlationId")

_current: ContextVar[dict[str, str]] = ContextVar("call_log_context", default={})  # noqa: B039 - never mutated


@contextmanager
def call_context(*, call_folder: str = "", recording_id: str = "", correlation_id: str = "") -> Iterator[None]:
    """Bind ids for the lines logged inside the block (an empty value keeps the outer one)."""
    given = {"callFolder": call_folder, "recordingId": recording_id, "correlationId": correlation_id}
    merged = {**_current.get(), **{k: v for k, v in given.items() if v}}
    token = _current.set(merged)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> dict[str, str]:
    """The ids bound now (each of ``FIELDS``, empty when unknown)."""
    bound = _current.get()
    return {name: bound.get(name, "") for name in FIELDS}


class CallLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Prefixes ``[callFolder=.. recordingId=.. correlationId=..]`` and adds the same as extra fields."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        ids = current()
        kwargs["extra"] = {**ids, **(kwargs.get("extra") or {})}
        prefix = " ".join(f"{name}={value or '-'}" for name, value in ids.items())
        return f"[{prefix}] {msg}", kwargs


def get_logger(name: str) -> CallLogger:
    return CallLogger(logging.getLogger(name), {})
