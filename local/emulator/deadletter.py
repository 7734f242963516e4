"""Dead-lettered Event Grid events, written as Event Grid does: a JSON array of the event plus delivery facts.

Folder: ``<state_dir>/deadletter/<SUBSCRIPTION>/<yyyy>/<MM>/<dd>/<HH>/<uuid>.json``; with a storage connection
string, the same path also goes to the ``deadletter`` blob container.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.blob import BlobServiceClient

from .identifiers import timestamp

log = logging.getLogger(__name__)
CONTAINER = "deadletter"


class DeadLetters:
    def __init__(self, folder: Path, storage_connection_string: str | None) -> None:
        self.folder = folder
        self.storage_connection_string = storage_connection_string

    async def write(self, subscription: str, event: dict[str, Any], reason: str, record: dict[str, Any]) -> Path:
        now = time.time()
        entry = {
            **event,
            "deadLetterReason": reason,
            "deliveryAttempts": record.get("attempts", 0),
            "lastDeliveryOutcome": "Probation" if record.get("status") is None else f"HTTP {record['status']}",
            "lastHttpStatusCode": record.get("status") or 0,
            "publishTime": record.get("publishTime", timestamp(now)),
            "lastDeliveryAttemptTime": timestamp(now),
        }
        name = f"{subscription.upper()}/{datetime.fromtimestamp(now, UTC):%Y/%m/%d/%H}/{uuid.uuid4()}.json"
        data = json.dumps([entry], indent=2).encode()
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        record["deadLetter"] = str(path)
        log.warning("dead-lettered event %s for %s: %s", event.get("id"), subscription, reason)
        if self.storage_connection_string:
            await asyncio.get_running_loop().run_in_executor(None, self._upload, name, data)
            record["deadLetterBlob"] = f"{CONTAINER}/{name}"
        return path

    def _upload(self, name: str, data: bytes) -> None:
        assert self.storage_connection_string is not None
        container = BlobServiceClient.from_connection_string(self.storage_connection_string).get_container_client(
            CONTAINER
        )
        with contextlib.suppress(ResourceExistsError):
            container.create_container()
        try:
            container.upload_blob(name, data, overwrite=True)
        except AzureError as exc:
            log.error("dead-letter blob %s not written: %s", name, exc)
