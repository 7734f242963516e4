"""The current invocation (function name and id) for the host's logs and the function's own.

The host's task sets ``current`` for its own records and for ``async def`` functions, which the runtime awaits in
that task. A sync function runs on the runtime's thread pool, where context variables are not copied; there the
runtime records the invocation id in its own ``invocation_id_cv``, and ``running`` maps it back to the function.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from . import worker

LOG_FORMAT = "%(asctime)s %(levelname)s %(invocation)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Invocation:
    function_name: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def label(self) -> str:
        return f"[{self.function_name} {self.invocation_id}]"


current: ContextVar[Invocation | None] = ContextVar("local_host_invocation", default=None)
_running: dict[str, Invocation] = {}
_running_lock = threading.Lock()


@contextmanager
def invocation_scope(function_name: str) -> Iterator[Invocation]:
    """Every log record emitted inside, by the host or by the function, names the invocation."""
    invocation = Invocation(function_name)
    token = current.set(invocation)
    with _running_lock:
        _running[invocation.invocation_id] = invocation
    try:
        yield invocation
    finally:
        with _running_lock:
            _running.pop(invocation.invocation_id, None)
        current.reset(token)


def invocation_of_record() -> Invocation | None:
    """The invocation a log record belongs to, in the host's task or on the runtime's function thread."""
    invocation = current.get()
    if invocation is not None:
        return invocation
    invocation_id = worker.invocation_id_of_thread()
    if invocation_id is None:
        return None
    with _running_lock:
        return _running.get(invocation_id)


class InvocationLogFilter(logging.Filter):
    """Adds ``record.invocation`` (``[name id]``, or ``[host]`` outside an invocation) and the two ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        invocation = invocation_of_record()
        record.invocation = invocation.label if invocation else "[host]"
        record.function_name = invocation.function_name if invocation else ""
        record.invocation_id = invocation.invocation_id if invocation else ""
        return True
