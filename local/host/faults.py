"""Fault injection on blob output bindings (dev and chaos runs only): the app setting ``LOCAL_HOST_FAULT_BINDING``.

A comma-separated list of ``KIND:N`` items, where N counts this host process's blob output writes from 1:

- ``crash-before-write:N``: the function has returned and its N-th blob output write is about to start: the host
  process kills itself (SIGKILL, nothing cleaned up, no lease given back). In Azure the host can die exactly there,
  because the host writes output bindings after the function returns, as one more step of the invocation
  (azure-webjobs-sdk ``src/Microsoft.Azure.WebJobs.Host/Executors/FunctionExecutor.cs``,
  ``ExecuteWithWatchersAsync``: ``InvokeAsync`` then ``ProcessOutputParameters``). The queue message of the killed
  invocation stays invisible until its visibility timeout ends, then comes back with its dequeue count raised
  ("Peek lock": "The Functions host crashes during function execution ... the message is left with the default
  10 minute timeout set by the storage service", https://learn.microsoft.com/azure/azure-functions/
  functions-bindings-storage-queue-trigger#peek-lock). This host holds a message for ``queues.LEASE_SECONDS``.
- ``fail-write:N``: the N-th blob output write fails. A failed output binding write fails the invocation (same
  source: ``ProcessOutputParameters`` runs inside it), so a queue message is made visible again after host.json
  ``visibilityTimeout`` and, after ``maxDequeueCount`` failed attempts, moved to ``<queue>-poison`` (same page,
  "Poison messages" and "Peek lock").

Example: ``crash-before-write:2,fail-write:5``. An empty or missing setting injects nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from enum import StrEnum

log = logging.getLogger(__name__)

SETTING = "LOCAL_HOST_FAULT_BINDING"


class FaultKind(StrEnum):
    CRASH_BEFORE_WRITE = "crash-before-write"
    FAIL_WRITE = "fail-write"


class InjectedWriteFailure(OSError):
    """The blob output write that ``fail-write:N`` makes fail."""


class BindingFaults:
    """The planned faults by write number; ``before_blob_write`` counts this host's writes and fires the planned one."""

    def __init__(self, planned: Mapping[int, FaultKind]) -> None:
        self.planned = dict(planned)
        self._writes = 0
        self._lock = threading.Lock()

    def before_blob_write(self, location: str) -> None:
        """Called just before a blob output write to ``location`` (``container/blob``)."""
        if not self.planned:
            return
        with self._lock:
            self._writes += 1
            number = self._writes
        kind = self.planned.get(number)
        if kind is FaultKind.CRASH_BEFORE_WRITE:
            log.critical("%s: killing the host before blob output write %d (%s)", SETTING, number, location)
            os.kill(os.getpid(), signal.SIGKILL)
        if kind is FaultKind.FAIL_WRITE:
            log.warning("%s: failing blob output write %d (%s)", SETTING, number, location)
            raise InjectedWriteFailure(f"{SETTING}: blob output write {number} to {location} failed (injected)")


def parse(text: str) -> BindingFaults:
    """``BindingFaults`` from the setting's text; ``ValueError`` naming the bad item."""
    planned: dict[int, FaultKind] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        kind, _, number = item.partition(":")
        try:
            fault, write = FaultKind(kind.strip()), int(number)
        except ValueError:
            raise ValueError(f"{SETTING}: {item!r} is not KIND:N with KIND in {[k.value for k in FaultKind]}") from None
        if write < 1 or write in planned:
            raise ValueError(f"{SETTING}: write number {write} must be >= 1 and appear once")
        planned[write] = fault
    return BindingFaults(planned)


def from_environment() -> BindingFaults:
    return parse(os.environ.get(SETTING, ""))
