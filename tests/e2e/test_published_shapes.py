"""Each published shape of RecordingFileStatusUpdated the emulator can send (its ``filesReadyShape`` setting; see
``local/emulator/README.md``), through the whole local stack: Event Grid delivery over HTTP to the local Functions
host, the archive on Azurite. Every shape ends archived, complete, and nothing is quarantined."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.storage.blob import ContainerClient

from local.client import LocalClient, recordings
from tests.e2e.conftest import ANSWERED_NUMBER
from tests.e2e.flow import answered_call, check_against_manifest, record_for, wait_archived

pytestmark = pytest.mark.e2e


@pytest.fixture
def shaped(client: LocalClient) -> Iterator[LocalClient]:
    """The client; the emulator's files-ready shape goes back to ``full`` after the test."""
    try:
        yield client
    finally:
        client.emulator("POST", "settings", {"filesReadyShape": "full"})


@pytest.mark.parametrize("shape", ["quickstart", "spec-example", "byos"])
def test_a_recording_announced_in_a_published_shape_is_archived_complete(
    shaped: LocalClient, archive: ContainerClient, caller: str, shape: str
) -> None:
    shaped.emulator("POST", "settings", {"filesReadyShape": shape})
    server_call_id = answered_call(shaped, caller, f"4:{ANSWERED_NUMBER}")
    record_for(0.5)
    shaped.recording(server_call_id, "stop")
    shaped.hang_up(server_call_id)
    call = wait_archived(shaped, server_call_id)
    assert check_against_manifest(archive, call)
    (recording,) = recordings(call)
    assert recording["verdict"] == {"verdict": "complete", "missing": []}
    assert recording["files"]["filedUnder"] == "serverCallId"
