"""Logging that names the call: callFolder, recordingId, correlationId and serverCallId as attributes.

Handlers bind the ids for a block (``with call_context(...)``). Inside it, every line logged through
``get_logger`` carries the bound ids as record attributes (``extra``), which OpenTelemetry's logging handler exports
as log attributes: ``customDimensions`` in Application Insights, where one call can be queried as a dimension.
The ids are also set on the invocation's span, and every log record carries that span's trace and span id
(``operation_Id``), so lines the Azure SDKs log inside the block join the call's trace too. The message text is
left as it was logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from shared import telemetry
from shared.layout import LayoutError, server_call_id

FIELDS = ("callFolder", "recordingId", "correlationId", "serverCallId")

_current: ContextVar[dict[str, str]] = ContextVar("call_log_context", default={})  # noqa: B039 - never mutated


@contextmanager
def call_context(
    *, call_folder: str = "", recording_id: str = "", correlation_id: str = "", server_call: str = ""
) -> Iterator[None]:
    """Bind ids for the block (an empty value keeps the outer one); the serverCallId follows from the callFolder."""
    if call_folder and not server_call:
        server_call = _server_call_of(call_folder)
    given = {
        "callFolder": call_folder,
        "recordingId": recording_id,
        "correlationId": correlation_id,
        "serverCallId": server_call,
    }
    merged = {**_current.get(), **{k: v for k, v in given.items() if v}}
    token = _current.set(merged)
    telemetry.annotate(merged)
    try:
        yield
    finally:
        _current.reset(token)


def _server_call_of(folder: str) -> str:
    try:
        return server_call_id(folder)
    except LayoutError:
        return ""


def current() -> dict[str, str]:
    """The ids bound now (each of ``FIELDS``, empty when unknown)."""
    bound = _current.get()
    return {name: bound.get(name, "") for name in FIELDS}


class CallLogger(logging.LoggerAdapter[logging.Logger]):
    """Adds the bound ids to each record's ``extra`` (an id the call site passes itself wins)."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        bound = {k: v for k, v in _current.get().items() if v}
        kwargs["extra"] = {**bound, **(kwargs.get("extra") or {})}
        return msg, kwargs


def get_logger(name: str) -> CallLogger:
    return CallLogger(logging.getLogger(name), {})
