"""A queue output binding wakes this host's listeners of that queue, as the Functions host's SharedQueueWatcher does."""

from __future__ import annotations

import uuid

import pytest

from local.host import outputs, storage, watcher
from local.host.typeddata import to_typed_data


def test_a_message_added_by_an_output_binding_wakes_the_listeners_of_that_queue_only(
    storage_connection_string: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", storage_connection_string)
    queue, other = f"woken{uuid.uuid4().hex[:8]}", f"quiet{uuid.uuid4().hex[:8]}"
    key = storage.connection_string(None)
    woken: list[str] = []
    wakes = {name: (lambda name=name: woken.append(name)) for name in (queue, other)}
    for name, wake in wakes.items():
        watcher.register(key, name, wake)
    try:
        outputs.write([outputs.Target("jobs", "queue", None, queue)], {"jobs": to_typed_data(["a", "b"])}, "none")
    finally:
        for name, wake in wakes.items():
            watcher.unregister(key, name, wake)
    assert woken == [queue], "one wake per write, for the queue written to"


def test_an_unset_queue_output_wakes_nobody(storage_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", storage_connection_string)
    queue = f"unset{uuid.uuid4().hex[:8]}"
    woken: list[str] = []
    wake = lambda: woken.append(queue)  # noqa: E731
    watcher.register(storage.connection_string(None), queue, wake)
    try:
        outputs.write([outputs.Target("jobs", "queue", None, queue)], {}, "none")
    finally:
        watcher.unregister(storage.connection_string(None), queue, wake)
    assert woken == []


def test_an_unregistered_listener_is_not_woken() -> None:
    woken: list[int] = []

    def wake() -> None:
        woken.append(1)

    watcher.register("conn", "q", wake)
    watcher.unregister("conn", "q", wake)
    watcher.notify("conn", "Q")
    assert woken == []
