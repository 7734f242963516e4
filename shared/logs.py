"""Logging that names the call on every line: callFolder, recordingId and correlationId.

Handlers bind the ids for a block (``with call_context(...)``). While ids are bound, every log record created in
that context, by any module (the archive engine and the Azure SDKs included), gets them as attributes and as a
``[callFolder=.. recordingId=.. correlationId=..]`` prefix, so one call can be followed across functions (the
Functions host forwards the text of each line to Application Insights). The record factory is installed on the
first ``call_context``, not at import.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("callFolder", "recordingId", "correlationId")

_current: ContextVar[dict[str, str]] = ContextVar("call_log_context", default={})  # noqa: B039 - never mutated
_install_lock = threading.Lock()
_installed = False


@contextmanager
def call_context(*, call_folder: str = "", recording_id: str = "", correlation_id: str = "") -> Iterator[None]:
    """Bind ids for the lines logged inside the block (an empty value keeps the outer one)."""
    install()
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


def install() -> None:
    """Wrap the log record factory once so records carry the bound ids."""
    global _installed
    with _install_lock:
        if not _installed:
            logging.setLogRecordFactory(_with_ids(logging.getLogRecordFactory()))
            _installed = True


def _with_ids(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        bound = _current.get()
        ids = {name: bound.get(name, "") for name in FIELDS}
        record.__dict__.update(ids)
        if bound:
            prefix = " ".join(f"{name}={value or '-'}" for name, value in ids.items())
            record.msg = f"[{prefix}] {record.msg}"
        return record

    return factory


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
