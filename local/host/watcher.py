"""Wake a queue's idle listener when a function of this host adds a message to that queue.

The Functions host does the same: each queue listener registers with the host's ``SharedQueueWatcher``, the queue
output binding notifies it after adding a message, and the listener then polls at once instead of waiting out its
back-off (up to ``maxPollingInterval``). Source: Azure/azure-sdk-for-net,
``sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Common/src/Shared/Queues/SharedQueueWatcher.cs`` and
``QueueListener.cs`` ("Call Notify whenever a function adds a message to this queue"). Messages added by another
process (another host, a tool) are found by polling only, as there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_lock = threading.Lock()
_listeners: dict[tuple[str, str], list[Callable[[], None]]] = {}


def register(connection: str, queue: str, wake: Callable[[], None]) -> None:
    """Call ``wake`` (from any thread) whenever this process adds a message to ``queue`` on ``connection``."""
    with _lock:
        _listeners.setdefault((connection, queue.lower()), []).append(wake)


def unregister(connection: str, queue: str, wake: Callable[[], None]) -> None:
    with _lock:
        found = _listeners.get((connection, queue.lower()), [])
        if wake in found:
            found.remove(wake)


def notify(connection: str, queue: str) -> None:
    """A message was added to ``queue``: wake every listener of it in this process."""
    with _lock:
        wakes = list(_listeners.get((connection, queue.lower()), ()))
    for wake in wakes:
        wake()
