"""Event Grid's at-least-once, out-of-order delivery, reproduced by the emulator on the whole stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.storage.blob import ContainerClient

from local.client import LocalClient
from tests.e2e.conftest import ANSWERED_NUMBER
from tests.e2e.flow import answered_call, check_against_manifest, record_for, recordings, wait_archived

pytestmark = pytest.mark.e2e


@pytest.fixture
def duplicated_delivery(client: LocalClient) -> Iterator[None]:
    client.emulator("POST", "faults/eventgrid", {"duplicates": 2, "shuffle": True})
    try:
        yield
    finally:
        client.emulator("DELETE", "faults")


@pytest.mark.usefixtures("duplicated_delivery")
def test_events_delivered_twice_and_shuffled_archive_each_chunk_once(
    client: LocalClient, archive: ContainerClient, caller: str
) -> None:
    server_call_id = answered_call(client, caller, f"4:{ANSWERED_NUMBER}")
    record_for(1.0)
    client.recording(server_call_id, "stop")
    client.hang_up(server_call_id)
    call = wait_archived(client, server_call_id)
    assert len(recordings(call)) == 1, "a redelivered event must not start a second recording"
    chunks = check_against_manifest(archive, call)
    names = [c["blobPath"] for c in chunks]
    assert len(names) == len(set(names))
    deliveries = client.emulator("GET", "deliveries")
    files_ready = [d for d in deliveries if d.get("eventType", "").endswith("RecordingFileStatusUpdated")]
    assert len(files_ready) >= 2, "the emulator really delivered the files-ready event more than once"
