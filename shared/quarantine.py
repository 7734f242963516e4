"""Rejected input, kept for inspection: a bad event is written here with its reason, then acknowledged.

Each rejected payload becomes one JSON blob ``{yyyy}/{MM}/{dd}/{kind}/{uuid}.json`` (UTC date of receipt)::

    {"reason": "...", "source": "acs_events", "receivedAt": "2026-01-02T03:04:05.678901+00:00",
     "payloadEncoding": "utf-8" | "base64", "payload": "<the payload as text, or base64 when not UTF-8>"}

Storage errors propagate: the caller's trigger fails and the platform redelivers, so nothing is lost.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient, ContentSettings

from shared.containers import ensure_container

log = logging.getLogger(__name__)

_UNSAFE_KIND = re.compile(r"[^A-Za-z0-9._-]+")


class Quarantine(Protocol):
    def put(self, kind: str, reason: str, payload: bytes, *, source: str) -> str:
        """Keep ``payload`` with its ``reason``; return the name it is kept under."""
        ...


class BlobQuarantine:
    """A ``Quarantine`` in a blob container (created on first use if missing)."""

    def __init__(self, container: ContainerClient, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._container = container
        self._now = now

    def put(self, kind: str, reason: str, payload: bytes, *, source: str) -> str:
        received = self._now().astimezone(UTC)
        name = f"{received:%Y/%m/%d}/{_safe_kind(kind)}/{uuid.uuid4()}.json"
        body = json.dumps(_record(reason, source, received, payload)).encode()
        try:
            self._upload(name, body)
        except ResourceNotFoundError:
            ensure_container(self._container)
            self._upload(name, body)
        log.warning("quarantined %s from %s as %s: %s", kind, source, name, reason)
        return name

    def _upload(self, name: str, body: bytes) -> None:
        self._container.upload_blob(
            name, body, overwrite=False, content_settings=ContentSettings(content_type="application/json")
        )


def _safe_kind(kind: str) -> str:
    """``kind`` as one path segment: letters, digits, ``.``, ``_`` and ``-`` only."""
    return _UNSAFE_KIND.sub("-", kind).strip(".-") or "unknown"


def _record(reason: str, source: str, received: datetime, payload: bytes) -> dict[str, str]:
    try:
        text, encoding = payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(payload).decode("ascii"), "base64"
    return {
        "reason": reason,
        "source": source,
        "receivedAt": received.isoformat(),
        "payloadEncoding": encoding,
        "payload": text,
    }
