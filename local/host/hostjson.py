"""The parts of ``host.json`` the local host honours: the HTTP route prefix and the queue listener settings.

App settings named ``AzureFunctionsJobHost__<path>`` override the value at that path (``__`` separates the levels,
matched without regard to case), as Azure Functions documents ("Override host.json values",
https://learn.microsoft.com/azure/azure-functions/functions-host-json#override-hostjson-values): e.g.
``AzureFunctionsJobHost__extensions__queues__batchSize=4``.

``functionTimeout`` is read but not enforced locally (a Python thread cannot be stopped from outside); Core Tools
enforces it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

OVERRIDE_PREFIX = "AzureFunctionsJobHost__"
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


@dataclass(frozen=True)
class QueueOptions:
    """``extensions.queues`` with the Functions host's defaults."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: float = 60.0
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5
    message_encoding: str = "base64"


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueueOptions = QueueOptions()
    function_timeout: float | None = None


def parse_timespan(text: str) -> float:
    """A .NET TimeSpan (``[d.]hh:mm:ss[.fff]``) in seconds."""
    match = _TIMESPAN.match(text.strip())
    if match is None:
        raise ValueError(f"not a TimeSpan: {text!r}")
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def overridden(document: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``document`` with every ``AzureFunctionsJobHost__a__b`` setting of ``environ`` put at ``a.b``."""
    for name, value in sorted(environ.items()):
        if not name.lower().startswith(OVERRIDE_PREFIX.lower()):
            continue
        *parents, leaf = [part for part in name[len(OVERRIDE_PREFIX) :].split("__") if part]
        section = document
        for part in parents:
            key = _key(section, part)
            if not isinstance(section.get(key), dict):
                section[key] = {}
            section = section[key]
        section[_key(section, leaf)] = value
        log.info("host.json %s overridden by app setting %s", ".".join([*parents, leaf]), name)
    return document


def _key(section: dict[str, Any], name: str) -> str:
    """The key of ``section`` that is ``name`` but for case (``name`` itself when there is none)."""
    return next((key for key in section if key.lower() == name.lower()), name)


def load(app_dir: Path, environ: Mapping[str, str] | None = None) -> HostConfig:
    path = app_dir / "host.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    document = overridden(document, os.environ if environ is None else environ)
    extensions = document.get("extensions") or {}
    timeout = document.get("functionTimeout")
    if timeout:
        log.info("functionTimeout %s is not enforced by the local host", timeout)
    return HostConfig(
        route_prefix=str((extensions.get("http") or {}).get("routePrefix", "api")).strip("/"),
        queues=_queue_options(extensions.get("queues") or {}),
        function_timeout=parse_timespan(timeout) if timeout else None,
    )


def _queue_options(section: dict[str, Any]) -> QueueOptions:
    batch_size = min(int(section.get("batchSize", 16)), 32)
    encoding = str(section.get("messageEncoding", "base64")).lower()
    if encoding not in ("base64", "none"):
        raise ValueError(f"host.json extensions.queues.messageEncoding must be base64 or none, not {encoding!r}")
    return QueueOptions(
        batch_size=batch_size,
        new_batch_threshold=int(section.get("newBatchThreshold", batch_size // 2)),
        max_polling_interval=parse_timespan(section.get("maxPollingInterval", "00:01:00")),
        visibility_timeout=parse_timespan(section.get("visibilityTimeout", "00:00:00")),
        max_dequeue_count=int(section.get("maxDequeueCount", 5)),
        message_encoding=encoding,
    )
