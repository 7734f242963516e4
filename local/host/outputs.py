"""Blob and queue output bindings: targets resolved before the function runs, values written after it succeeds.

Values are what the runtime sent back, read as the Functions host reads them (``local.host.typeddata``): bytes or
text for a blob; for a queue, text or bytes as one message, a JSON object as one message, a JSON array as one
message per item (the Storage Queues extension enumerates an array into its collector).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceExistsError

from . import storage, watcher
from .expressions import BindingExpressionError, resolve
from .faults import BindingFaults
from .typeddata import from_typed_data

log = logging.getLogger(__name__)

_created: set[tuple[str, str, str]] = set()
_created_lock = threading.Lock()


@dataclass(frozen=True)
class Target:
    """One storage output binding with its path (``container/blob``) or queue name resolved."""

    name: str
    kind: str
    connection: str | None
    location: str


def resolve_targets(outputs: tuple[dict[str, Any], ...], data: Mapping[str, Any]) -> list[Target]:
    """Resolve every blob/queue output's binding expressions (``BindingExpressionError`` fails the invocation)."""
    targets = []
    for binding in outputs:
        if binding["type"] == "blob":
            location = resolve(binding["path"], data)
            if "/" not in location.strip("/"):
                raise BindingExpressionError(f"blob path {location!r} needs a container and a blob name")
        elif binding["type"] == "queue":
            location = resolve(binding["queueName"], data).lower()
        else:
            continue
        targets.append(Target(binding["name"], binding["type"], binding.get("connection"), location))
    return targets


def write(
    targets: list[Target], values: Mapping[str, Any], message_encoding: str, faults: BindingFaults | None = None
) -> None:
    """Write each output that received a value (``None`` or an unset ``Out`` writes nothing).

    ``faults`` (``LOCAL_HOST_FAULT_BINDING``) may kill the host or fail the write just before a blob is written.
    """
    for target in targets:
        value = from_typed_data(values.get(target.name))
        if value is None:
            continue
        if target.kind == "blob":
            if faults is not None:
                faults.before_blob_write(target.location)
            _write_blob(target, value)
        else:
            _write_queue(target, value, message_encoding)


def encode_message(message: str | bytes, message_encoding: str) -> str:
    """The text stored in the queue for ``message`` under host.json ``messageEncoding``."""
    raw = message.encode("utf-8") if isinstance(message, str) else message
    if message_encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    return message if isinstance(message, str) else raw.decode("utf-8")


def _write_blob(target: Target, value: Any) -> None:
    if not isinstance(value, (bytes, str)):
        raise TypeError(f"blob output {target.name} got {type(value).__name__}; a blob takes bytes or text")
    container, _, blob = target.location.strip("/").partition("/")
    client = storage.container_client(target.connection, container)
    _ensure(("blob", storage.connection_string(target.connection), container), client.create_container)
    client.upload_blob(blob, value, overwrite=True)
    log.info("wrote blob %s/%s (%s)", container, blob, target.name)


def _write_queue(target: Target, value: Any, message_encoding: str) -> None:
    items = value if isinstance(value, list) else [value]
    messages = [item if isinstance(item, (str, bytes)) else json.dumps(item) for item in items]
    client = storage.queue_client(target.connection, target.location)
    _ensure(("queue", storage.connection_string(target.connection), target.location), client.create_queue)
    for message in messages:
        client.send_message(encode_message(message, message_encoding))
    if messages:
        watcher.notify(storage.connection_string(target.connection), target.location)
    log.info("sent %d message(s) to queue %s (%s)", len(messages), target.location, target.name)


def ensure_queue(connection: str | None, name: str) -> None:
    client = storage.queue_client(connection, name)
    _ensure(("queue", storage.connection_string(connection), name), client.create_queue)


def _ensure(key: tuple[str, str, str], create: Any) -> None:
    with _created_lock:
        if key in _created:
            return
    with contextlib.suppress(ResourceExistsError):
        create()
    with _created_lock:
        _created.add(key)
