"""The current invocation (function name and a fresh id) in a context variable, and a log filter that shows it."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import azure.functions as func
from azure.functions._abc import RetryContext, TraceContext

LOG_FORMAT = "%(asctime)s %(levelname)s %(invocation)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Invocation:
    function_name: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def label(self) -> str:
        return f"[{self.function_name} {self.invocation_id}]"


current: ContextVar[Invocation | None] = ContextVar("local_host_invocation", default=None)


@contextmanager
def invocation_scope(function_name: str) -> Iterator[Invocation]:
    """Every log record emitted inside (in this task, or in a thread started with its context) names the invocation."""
    invocation = Invocation(function_name)
    token = current.set(invocation)
    try:
        yield invocation
    finally:
        current.reset(token)


class InvocationLogFilter(logging.Filter):
    """Adds ``record.invocation`` (``[name id]``, or ``[host]`` outside an invocation) and the two ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        invocation = current.get()
        record.invocation = invocation.label if invocation else "[host]"
        record.function_name = invocation.function_name if invocation else ""
        record.invocation_id = invocation.invocation_id if invocation else ""
        return True


class _TraceContext(TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class FunctionContext(func.Context):
    """What a function receives for a ``context`` parameter."""

    _local = threading.local

    def __init__(self, invocation: Invocation, directory: str) -> None:
        self._invocation = invocation
        self._directory = directory

    @property
    def invocation_id(self) -> str:
        return self._invocation.invocation_id

    @property
    def function_name(self) -> str:
        return self._invocation.function_name

    @property
    def function_directory(self) -> str:
        return self._directory

    @property
    def thread_local_storage(self) -> type[threading.local]:
        return self._local

    @property
    def trace_context(self) -> TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> RetryContext:
        raise NotImplementedError("retry policies are not supported by the local host")
