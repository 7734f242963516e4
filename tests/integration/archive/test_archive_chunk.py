"""``archive_chunk`` against the session Azurite, with an in-memory ACS source."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared import layout
from shared.archive import ArchiveOptions, ArchiveTransientError, SourceGoneError, archive_chunk
from shared.archive import fetch as fetch_module
from shared.messages import ChunkJob
from tests.unit.archive.fakes import FakeSource

SERVER_CALL_ID = "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcC9jb252LXVzZWEy/+="
START = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
SMALL = ArchiveOptions(streaming_threshold_bytes=256 * 1024, block_size_bytes=64 * 1024, concurrency=4)
METADATA = {
    "chunkDuration": 60000,
    "pauseResumeIntervals": [{"startTime": "2026-11-23T19:00:10Z", "duration": 5000}],
    "participants": [{"participantId": "8:acs:agent", "channel": 0}, {"participantId": "4:+14255550123", "channel": 1}],
}


@pytest.fixture
def container(storage_connection_string: str, unique_name: str) -> Iterator[ContainerClient]:
    client = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    client.create_container()
    yield client
    client.delete_container()


def make_job(index: int, recording_id: str = "rec-1", event_id: str = "ev-1") -> ChunkJob:
    prefix = layout.recording_prefix(START, SERVER_CALL_ID, recording_id)
    base = f"https://us-storage.asm.skype.com/v1/objects/{recording_id}-{index}"
    return ChunkJob(
        server_call_id=SERVER_CALL_ID, call_folder=layout.call_folder(SERVER_CALL_ID), recording_id=recording_id,
        index=index, document_id=f"{recording_id}-{index}", format="wav",
        blob_path=layout.chunk_path(prefix, index, "wav"), metadata_path=layout.metadata_path(prefix, index),
        manifest_path=layout.manifest_path(prefix), content_location=f"{base}/content/audiowav",
        metadata_location=f"{base}/content/acsmetadata", delete_location=base, recording_start=START.isoformat(),
        end_reason="SessionEnded", event_id=event_id,
    )  # fmt: skip


def serve(source: FakeSource, job: ChunkJob, media: bytes) -> bytes:
    document = json.dumps({**METADATA, "chunkIndex": job.index}).encode()
    source.objects[job.content_location] = media
    source.objects[job.metadata_location] = document
    return document


def manifest(container: ContainerClient, job: ChunkJob) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(container.download_blob(job.manifest_path).readall())
    return body


def exists(container: ContainerClient, name: str) -> bool:
    return bool(container.get_blob_client(name).exists())


def test_a_small_chunk_is_returned_for_the_output_binding_with_metadata_and_manifest(
    container: ContainerClient,
) -> None:
    source, job, media = FakeSource(), make_job(0), os.urandom(200_000)
    document = serve(source, job, media)
    result = archive_chunk(job, source, container, SMALL)
    assert (result.payload, result.streamed, result.size) == (media, False, len(media))
    assert result.sha256 == hashlib.sha256(media).hexdigest()
    assert not exists(container, job.blob_path), "the output binding writes small media, not the engine"
    assert container.download_blob(job.metadata_path).readall() == document
    meta_props = container.get_blob_client(job.metadata_path).get_blob_properties()
    assert meta_props.metadata["sha256"] == hashlib.sha256(document).hexdigest()
    assert meta_props.metadata["serverCallId"] == SERVER_CALL_ID
    body = manifest(container, job)
    assert (body["serverCallId"], body["recordingId"], body["format"]) == (SERVER_CALL_ID, "rec-1", "wav")
    [entry] = body["chunks"]
    assert entry["sha256"] == result.sha256
    assert entry["metadataSha256"] == result.metadata_sha256 == hashlib.sha256(document).hexdigest()
    assert entry["durationMs"] == 60000 == result.duration_ms
    assert entry["participants"] == METADATA["participants"] == result.participants
    assert entry["pauseResumeIntervals"] == METADATA["pauseResumeIntervals"]
    assert entry["eventIds"] == ["ev-1"]


def test_a_chunk_above_the_threshold_is_committed_byte_identical_with_its_sha256(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(1), os.urandom(1_000_003)
    serve(source, job, media)
    result = archive_chunk(job, source, container, SMALL)
    assert (result.streamed, result.payload, result.size) == (True, None, len(media))
    assert container.download_blob(job.blob_path).readall() == media
    props = container.get_blob_client(job.blob_path).get_blob_properties()
    assert props.metadata["sha256"] == hashlib.sha256(media).hexdigest() == result.sha256
    assert (props.metadata["recordingId"], props.metadata["chunkIndex"]) == ("rec-1", "1")
    assert props.content_settings.content_type == "audio/wav"
    assert manifest(container, job)["chunks"][0]["streamed"] is True


def test_a_source_that_ignores_ranges_is_still_streamed_whole(container: ContainerClient) -> None:
    source, job, media = FakeSource(honour_ranges=False), make_job(0), os.urandom(700_000)
    serve(source, job, media)
    assert archive_chunk(job, source, container, SMALL).streamed
    assert container.download_blob(job.blob_path).readall() == media


def test_a_truncated_source_never_leaves_a_blob_under_the_final_name(
    container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "RETRY_DELAY_SECONDS", 0.0)
    source, job = FakeSource(cut_at=600_000), make_job(0)
    serve(source, job, os.urandom(1_000_000))
    with pytest.raises(ArchiveTransientError, match="cut short"):
        archive_chunk(job, source, container, SMALL)
    assert not exists(container, job.blob_path)
    assert job.blob_path not in [b.name for b in container.list_blobs()]
    assert not exists(container, job.manifest_path)


def test_a_recording_gone_at_acs_is_permanent(container: ContainerClient) -> None:
    with pytest.raises(SourceGoneError):
        archive_chunk(make_job(0), FakeSource(), container, SMALL)


def test_eight_concurrent_chunks_of_one_recording_are_all_in_the_manifest(container: ContainerClient) -> None:
    source = FakeSource()
    jobs = [make_job(i) for i in range(8)]
    media = {job.index: os.urandom(100_000 + job.index * 50_000) for job in jobs}
    for job in jobs:
        serve(source, job, media[job.index])
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda j: archive_chunk(j, source, container, SMALL), jobs))
    entries = manifest(container, jobs[0])["chunks"]
    assert [e["index"] for e in entries] == list(range(8))
    assert [e["sha256"] for e in entries] == [hashlib.sha256(media[i]).hexdigest() for i in range(8)]
    assert [r.sha256 for r in results] == [e["sha256"] for e in entries]


def test_archiving_a_chunk_again_leaves_one_entry_and_identical_bytes(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(2), os.urandom(900_000)
    serve(source, job, media)
    first = archive_chunk(job, source, container, SMALL)
    before = container.download_blob(job.manifest_path).readall()
    calls = len(source.calls)
    second = archive_chunk(job, source, container, SMALL)
    assert second == first
    assert container.download_blob(job.manifest_path).readall() == before
    assert container.download_blob(job.blob_path).readall() == media
    assert len(source.calls) == calls, "an archived chunk is not downloaded again"


def test_a_redelivered_small_chunk_returns_its_stored_payload_even_once_deleted_at_acs(
    container: ContainerClient,
) -> None:
    source, job, media = FakeSource(), make_job(0), os.urandom(1000)
    serve(source, job, media)
    payload = archive_chunk(job, source, container, SMALL).payload
    assert payload is not None
    container.upload_blob(job.blob_path, payload)  # what the blob output binding does
    source.objects.clear()
    again = archive_chunk(make_job(0, event_id="ev-2"), source, container, SMALL)
    assert (again.payload, again.streamed) == (media, False)
    assert manifest(container, job)["chunks"][0]["eventIds"] == ["ev-1", "ev-2"]


def test_a_small_chunk_whose_binding_never_wrote_is_copied_again(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(0), os.urandom(1000)
    serve(source, job, media)
    archive_chunk(job, source, container, SMALL)
    calls = len(source.calls)
    assert archive_chunk(job, source, container, SMALL).payload == media
    assert len(source.calls) > calls


def test_a_container_that_does_not_exist_yet_is_created(storage_connection_string: str, unique_name: str) -> None:
    client = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    source, job = FakeSource(), make_job(0)
    serve(source, job, b"abc")
    try:
        assert archive_chunk(job, source, client, SMALL).payload == b"abc"
        assert exists(client, job.manifest_path)
    finally:
        client.delete_container()


@pytest.mark.slow
def test_peak_memory_of_a_64_mib_streamed_chunk_stays_far_below_its_size(container: ContainerClient) -> None:
    options = ArchiveOptions(streaming_threshold_bytes=1024 * 1024, block_size_bytes=1024 * 1024, concurrency=4)
    source, job = FakeSource(), make_job(0)
    media = os.urandom(64 * 1024 * 1024)
    serve(source, job, media)
    tracemalloc.start()
    try:
        result = archive_chunk(job, source, container, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.streamed
    assert result.sha256 == hashlib.sha256(media).hexdigest()
    print(f"peak {peak / 2**20:.1f} MiB")
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 64 MiB chunk"
