"""With a storage connection string (Azurite): bring-your-own-storage export and dead letters in a container."""

from __future__ import annotations

import io
import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.communication.callautomation import (
    AzureBlobContainerRecordingStorage,
    CallAutomationClient,
    RecordingContent,
    RecordingFormat,
)
from azure.storage.blob import BlobServiceClient

from local.emulator import Emulator, EmulatorConfig
from tests.emulator.conftest import control_for
from tests.emulator.flow import answered_call, of_type
from tests.emulator.receiver import Receiver


@pytest.fixture(scope="module")
def byos_emulator(tmp_path_factory: pytest.TempPathFactory, storage_connection_string: str) -> Iterator[Emulator]:
    config = EmulatorConfig(
        state_dir=tmp_path_factory.mktemp("byos"), storage_connection_string=storage_connection_string,
        files_ready_delay=0.1, time_scale=10.0,
    )  # fmt: skip
    emulator = Emulator(config).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def test_a_byos_recording_is_written_into_the_container_and_the_event_says_so(
    byos_emulator: Emulator, receiver: Receiver, storage_connection_string: str, unique_name: str
) -> None:
    control = control_for(byos_emulator)
    assert control("POST", "subscriptions", {"name": "byos", "endpoint": receiver.url("/grid")}).status_code == 201
    sdk = CallAutomationClient.from_connection_string(
        byos_emulator.info["connectionString"], retry_total=0, connection_verify=byos_emulator.info["caBundle"]
    )
    answered = answered_call(control, sdk, receiver)
    recording = sdk.start_recording(
        call_connection_id=answered.call_connection_id,
        recording_content_type=RecordingContent.AUDIO,
        recording_format_type=RecordingFormat.WAV,
        recording_storage=AzureBlobContainerRecordingStorage(
            f"https://devstoreaccount1.blob.core.windows.net/{unique_name}"
        ),
    )
    sdk.stop_recording(recording.recording_id)
    [event] = receiver.wait(lambda ev: of_type(ev, "RecordingFileStatusUpdated", recordingId=recording.recording_id))
    assert event["data"]["storageType"] == "AzureBlob"
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    container = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    names = sorted(blob.name for blob in container.list_blobs())
    prefix = rf"^\d{{8}}/[\w-]+/{re.escape(recording.recording_id[:8])}-[\w-]+/0-"
    assert re.match(prefix + rf"acsmetadata\.{chunk['documentId']}\.json$", names[0])
    assert re.match(prefix + rf"audiowav\.{chunk['documentId']}\.wav$", names[1])
    metadata = json.loads(container.download_blob(names[0]).readall())
    with wave.open(io.BytesIO(container.download_blob(names[1]).readall())) as audio:
        assert audio.getnframes() * 1000 // audio.getframerate() == metadata["chunkDuration"]
    control("DELETE", "subscriptions/byos")


def test_dead_letters_also_go_to_the_deadletter_container(
    byos_emulator: Emulator, receiver: Receiver, storage_connection_string: str
) -> None:
    control = control_for(byos_emulator)
    body = {"name": "failing", "endpoint": receiver.url("/grid"), "maxDeliveryAttempts": 1}
    assert control("POST", "subscriptions", body).status_code == 201
    receiver.default_status = 503
    event = control("POST", "recordings/synthetic", {"durationSeconds": 1, "deliver": True}).json()

    def dead() -> list[dict[str, str]]:
        found = [d for d in control("GET", "deliveries").json() if d.get("eventId") == event["id"]]
        return [d for d in found if d.get("deadLetterBlob")]

    [record] = receiver.wait(lambda _: dead(), what="dead letter blob")
    container, name = record["deadLetterBlob"].split("/", 1)
    blob = BlobServiceClient.from_connection_string(storage_connection_string).get_blob_client(container, name)
    assert json.loads(blob.download_blob().readall())[0]["id"] == event["id"]
    assert Path(record["deadLetter"]).exists()
    control("DELETE", "subscriptions/failing")
