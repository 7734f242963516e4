"""The blob quarantine on a real Azurite."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared.quarantine import BlobQuarantine, Quarantine

RECEIVED = datetime(2026, 1, 2, 23, 30, 5, 123456, tzinfo=UTC)


@pytest.fixture
def container(storage_connection_string: str, unique_name: str) -> Iterator[ContainerClient]:
    service = BlobServiceClient.from_connection_string(storage_connection_string)
    client = service.get_container_client(unique_name)
    yield client
    if client.exists():
        client.delete_container()


def read(container: ContainerClient, name: str) -> dict[str, str]:
    record: dict[str, str] = json.loads(container.download_blob(name).readall())
    return record


def test_keeps_a_text_payload_with_its_reason_source_and_time(container: ContainerClient) -> None:
    container.create_container()
    quarantine: Quarantine = BlobQuarantine(container, now=lambda: RECEIVED)
    payload = json.dumps([{"id": "e1", "eventType": "Microsoft.Communication.RecordingFileStatusUpdated"}]).encode()
    name = quarantine.put("grid-event", "data.recordingStorageInfo is missing", payload, source="acs_events")
    assert re.fullmatch(r"2026/01/02/grid-event/[0-9a-f-]{36}\.json", name)
    assert read(container, name) == {
        "reason": "data.recordingStorageInfo is missing",
        "source": "acs_events",
        "receivedAt": "2026-01-02T23:30:05.123456+00:00",
        "payloadEncoding": "utf-8",
        "payload": payload.decode(),
    }
    properties = container.get_blob_client(name).get_blob_properties()
    assert properties.content_settings.content_type == "application/json"


def test_keeps_a_binary_payload_as_base64(container: ContainerClient) -> None:
    payload = b"\xff\xfe\x00not utf-8"
    name = BlobQuarantine(container, now=lambda: RECEIVED).put("callback", "body is not JSON", payload, source="cb")
    record = read(container, name)
    assert record["payloadEncoding"] == "base64"
    assert base64.b64decode(record["payload"]) == payload


def test_creates_the_container_when_it_is_missing(container: ContainerClient) -> None:
    assert not container.exists()
    name = BlobQuarantine(container).put("callback", "bad", b"{}", source="callbacks")
    assert container.exists()
    assert read(container, name)["reason"] == "bad"


def test_files_by_the_utc_date_of_receipt(container: ContainerClient) -> None:
    container.create_container()
    local = datetime(2026, 1, 3, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    name = BlobQuarantine(container, now=lambda: local).put("grid-event", "bad", b"{}", source="acs_events")
    assert name.startswith("2026/01/02/grid-event/")
    assert read(container, name)["receivedAt"] == "2026-01-02T23:00:00+00:00"


def test_a_kind_cannot_escape_its_folder(container: ContainerClient) -> None:
    container.create_container()
    quarantine = BlobQuarantine(container, now=lambda: RECEIVED)
    assert quarantine.put("../../etc", "bad", b"{}", source="x").startswith("2026/01/02/etc/")
    assert quarantine.put("chunk job/β", "bad", b"{}", source="x").startswith("2026/01/02/chunk-job/")
    assert quarantine.put("..", "bad", b"{}", source="x").startswith("2026/01/02/unknown/")


def test_concurrent_writers_each_keep_their_own_blob(container: ContainerClient) -> None:
    quarantine = BlobQuarantine(container, now=lambda: RECEIVED)

    def put(n: int) -> str:
        return quarantine.put("grid-event", f"reason {n}", f'{{"n": {n}}}'.encode(), source="acs_events")

    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(put, range(16)))
    assert len(set(names)) == 16
    stored = {blob.name for blob in container.list_blobs(name_starts_with="2026/01/02/grid-event/")}
    assert stored == set(names)
    assert sorted(read(container, name)["reason"] for name in names) == sorted(f"reason {n}" for n in range(16))
