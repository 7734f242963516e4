"""Recording options that need their own app settings: mixed MP3 into bring-your-own-storage."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import av
import pytest
from azure.storage.blob import BlobServiceClient

from local.client import LocalClient
from tests.e2e.conftest import ANSWERED_NUMBER, BASE_SETTINGS, external_info, start_stack
from tests.e2e.flow import answered_call, check_against_manifest, record_for, wait_archived

pytestmark = pytest.mark.e2e
BYOS_CONTAINER = "byos-recordings"


@pytest.fixture(scope="module")
def mixed_mp3_byos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if external_info() is not None:
        pytest.skip("variant settings need a stack this test starts itself (E2E_FUNCTIONS_URL is set)")
    settings = {
        **BASE_SETTINGS,
        "RECORDING_CHANNEL": "mixed",
        "RECORDING_FORMAT": "mp3",
        "RECORDING_BYOS_CONTAINER_URL": f"https://devstoreaccount1.blob.core.windows.net/{BYOS_CONTAINER}",
    }
    stack = start_stack(tmp_path_factory.mktemp("variant"), settings, time_scale=10.0, files_ready_delay=0.3)
    try:
        yield stack.info
    finally:
        stack.stop()


def test_a_mixed_mp3_recording_is_archived_and_exported_to_the_byos_container(
    mixed_mp3_byos: dict[str, Any],
) -> None:
    client = LocalClient(mixed_mp3_byos)
    service = BlobServiceClient.from_connection_string(mixed_mp3_byos["storageConnectionString"])
    archive = service.get_container_client(mixed_mp3_byos["archiveContainer"])
    server_call_id = answered_call(client, "4:+1425" + str(uuid.uuid4().int)[:7], f"4:{ANSWERED_NUMBER}")
    record_for(1.5)
    client.recording(server_call_id, "stop")
    client.hang_up(server_call_id)
    call = wait_archived(client, server_call_id)
    chunks = check_against_manifest(archive, call)
    assert all(chunk["blobPath"].endswith(".mp3") for chunk in chunks)
    with av.open(io.BytesIO(chunks[0]["data"])) as media:
        assert media.format.name == "mp3"
        audio = media.streams.audio[0]
        assert audio.channels == 1, "mixed: one channel"
    exported = list(service.get_container_client(BYOS_CONTAINER).list_blobs())
    assert any(blob.name.endswith(".mp3") for blob in exported), "ACS wrote the recording into the BYOS container"
