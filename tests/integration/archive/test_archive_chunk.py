"""``archive_chunk`` and ``read_back`` against the session Azurite, with an in-memory ACS source."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import pytest
from azure.core.pipeline import PipelineRequest
from azure.storage.blob import BlobServiceClient, ContainerClient

from local.emulator.media import MediaSpec, WavMedia
from shared.archive import Archived, ArchiveOptions, ArchiveTransientError, SourceGoneError, archive_chunk
from shared.archive import fetch as fetch_module
from shared.archive.readback import RANGE_BYTES, NotVerified, read_back, stored_sha256
from shared.domain import ChunkFile
from shared.messages import ChunkJob, ChunkRef, VerifyJob
from tests.unit.archive.fakes import FakeSource

SERVER_CALL_ID = "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcC9jb252LXVzZWEy/+="
START = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
SMALL = ArchiveOptions(streaming_threshold_bytes=256 * 1024, block_size_bytes=64 * 1024, concurrency=4)
METADATA = {
    "chunkDuration": 60000,
    "pauseResumeIntervals": [{"startTime": "2026-11-23T19:00:10Z", "duration": 5000}],
    "participants": [{"participantId": "8:acs:agent", "channel": 0}, {"participantId": "4:+14255550123", "channel": 1}],
}


def make_job(index: int, recording_id: str = "rec-1", event_id: str = "ev-1") -> ChunkJob:
    base = f"https://us-storage.asm.skype.com/v1/objects/{recording_id}-{index}"
    ref = ChunkRef(
        server_call_id=SERVER_CALL_ID, recording_id=recording_id, index=index, format="wav", recording_start=START
    )
    file = ChunkFile(
        index=index, document_id=f"{recording_id}-{index}", end_reason="SessionEnded",
        content_location=f"{base}/content/audiowav", metadata_location=f"{base}/content/acsmetadata",
        delete_location=base,
    )  # fmt: skip
    return ChunkJob(chunk=ref, file=file, event_id=event_id)


def serve(source: FakeSource, job: ChunkJob, media: bytes) -> bytes:
    document = json.dumps({**METADATA, "chunkIndex": job.chunk.index}).encode()
    source.objects[job.file.content_location] = media
    source.objects[job.file.metadata_location] = document
    return document


def exists(container: ContainerClient, name: str) -> bool:
    return bool(container.get_blob_client(name).exists())


def verify_job(job: ChunkJob, archived: Archived) -> VerifyJob:
    return VerifyJob(chunk=job.chunk, document_id=job.file.document_id, copy=archived.copy)


def test_a_small_chunk_is_returned_for_the_output_binding_with_its_metadata_blob(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(0), os.urandom(200_000)
    document = serve(source, job, media)
    result = archive_chunk(job, source, container, SMALL)
    copy = result.copy
    assert (result.payload, copy.streamed, copy.size) == (media, False, len(media))
    assert copy.sha256 == hashlib.sha256(media).hexdigest()
    assert not exists(container, job.chunk.paths.media), "the output binding writes small media, not the engine"
    assert not exists(container, job.chunk.paths.manifest), "the copy writes no manifest: the verification does"
    assert container.download_blob(job.chunk.paths.metadata).readall() == document
    meta_props = container.get_blob_client(job.chunk.paths.metadata).get_blob_properties()
    assert meta_props.metadata["sha256"] == hashlib.sha256(document).hexdigest() == copy.metadata_sha256
    assert meta_props.metadata["serverCallId"] == SERVER_CALL_ID
    assert copy.duration_ms == 60000
    assert list(copy.participants) == METADATA["participants"]
    assert list(copy.pause_intervals) == METADATA["pauseResumeIntervals"]


def test_a_chunk_above_the_threshold_is_committed_byte_identical_with_its_sha256(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(1), os.urandom(1_000_003)
    serve(source, job, media)
    result = archive_chunk(job, source, container, SMALL)
    assert (result.copy.streamed, result.payload, result.copy.size) == (True, None, len(media))
    assert container.download_blob(job.chunk.paths.media).readall() == media
    props = container.get_blob_client(job.chunk.paths.media).get_blob_properties()
    assert props.metadata["sha256"] == hashlib.sha256(media).hexdigest() == result.copy.sha256
    assert (props.metadata["recordingId"], props.metadata["chunkIndex"]) == ("rec-1", "1")
    assert props.content_settings.content_type == "audio/wav"


def test_blocks_made_of_several_pieces_are_stored_byte_identical(container: ContainerClient) -> None:
    options = ArchiveOptions(streaming_threshold_bytes=256 * 1024, block_size_bytes=256 * 1024, concurrency=3)
    source, job, media = FakeSource(), make_job(2), os.urandom(1024 * 1024 + 7)  # pieces of 64 KiB per block
    serve(source, job, media)
    result = archive_chunk(job, source, container, options)
    assert (result.copy.streamed, result.copy.sha256) == (True, hashlib.sha256(media).hexdigest())
    assert container.download_blob(job.chunk.paths.media).readall() == media
    blocks = container.get_blob_client(job.chunk.paths.media).get_block_list("committed")[0]
    assert [block.size for block in blocks] == [256 * 1024] * 4 + [7]


def test_a_source_that_ignores_ranges_is_still_streamed_whole(container: ContainerClient) -> None:
    source, job, media = FakeSource(honour_ranges=False), make_job(0), os.urandom(700_000)
    serve(source, job, media)
    assert archive_chunk(job, source, container, SMALL).copy.streamed
    assert container.download_blob(job.chunk.paths.media).readall() == media


def test_a_truncated_source_never_leaves_a_blob_under_the_final_name(
    container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "RETRY_DELAY_SECONDS", 0.0)
    source, job = FakeSource(cut_at=600_000), make_job(0)
    serve(source, job, os.urandom(1_000_000))
    with pytest.raises(ArchiveTransientError, match="cut short"):
        archive_chunk(job, source, container, SMALL)
    assert not exists(container, job.chunk.paths.media)
    assert job.chunk.paths.media not in [b.name for b in container.list_blobs()]


def test_a_recording_gone_at_acs_is_permanent(container: ContainerClient) -> None:
    with pytest.raises(SourceGoneError):
        archive_chunk(make_job(0), FakeSource(), container, SMALL)


def test_copying_a_chunk_again_leaves_identical_bytes(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(2), os.urandom(900_000)
    serve(source, job, media)
    first = archive_chunk(job, source, container, SMALL)
    second = archive_chunk(job, source, container, SMALL)
    assert second == first
    assert container.download_blob(job.chunk.paths.media).readall() == media


def test_a_container_that_does_not_exist_yet_is_created(storage_connection_string: str, unique_name: str) -> None:
    client = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    source, job = FakeSource(), make_job(0)
    serve(source, job, b"abc")
    try:
        assert archive_chunk(job, source, client, SMALL).payload == b"abc"
        assert exists(client, job.chunk.paths.metadata)
    finally:
        client.delete_container()


def test_a_streamed_chunk_reads_back_and_matches(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(3), os.urandom(1_000_003)
    serve(source, job, media)
    read_back(verify_job(job, archive_chunk(job, source, container, SMALL)), container, SMALL)


def test_a_small_chunk_reads_back_only_once_the_binding_wrote_it(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(0), os.urandom(20_000)
    serve(source, job, media)
    archived = archive_chunk(job, source, container, SMALL)
    with pytest.raises(NotVerified, match=r"chunk-0000\.wav is not in the archive"):
        read_back(verify_job(job, archived), container, SMALL)
    container.upload_blob(job.chunk.paths.media, media)  # the blob output binding's write
    read_back(verify_job(job, archived), container, SMALL)


@pytest.mark.parametrize("size", [20_000, 1_000_003])
def test_a_stored_blob_that_differs_in_one_byte_or_its_length_is_not_verified(
    container: ContainerClient, size: int
) -> None:
    source, job, media = FakeSource(), make_job(0), os.urandom(size)
    serve(source, job, media)
    archived = archive_chunk(job, source, container, SMALL)
    changed = bytes([media[0] ^ 1]) + media[1:]
    container.upload_blob(job.chunk.paths.media, changed, overwrite=True)
    with pytest.raises(NotVerified, match="SHA-256"):
        read_back(verify_job(job, archived), container, SMALL)
    container.upload_blob(job.chunk.paths.media, media + b"x", overwrite=True)
    with pytest.raises(NotVerified, match="bytes"):
        read_back(verify_job(job, archived), container, SMALL)


def test_a_changed_metadata_blob_is_not_verified(container: ContainerClient) -> None:
    source, job, media = FakeSource(), make_job(1), os.urandom(1_000_003)
    serve(source, job, media)
    archived = archive_chunk(job, source, container, SMALL)
    container.upload_blob(job.chunk.paths.metadata, b"{}", overwrite=True)
    with pytest.raises(NotVerified, match=r"metadata\.json has SHA-256"):
        read_back(verify_job(job, archived), container, SMALL)


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
    assert result.copy.streamed
    assert result.copy.sha256 == hashlib.sha256(media).hexdigest()
    print(f"peak {peak / 2**20:.1f} MiB")
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 64 MiB chunk"


class RequestLog:
    """Notes the method and path of every request a storage client sends (its ``raw_request_hook``)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, request: PipelineRequest[Any]) -> None:
        self.seen.append(f"{request.http_request.method} {unquote(request.http_request.url.split('?', 1)[0])}")


def test_a_streamed_unmixed_wav_is_split_along_its_copy_without_reading_it_back(
    storage_connection_string: str, container: ContainerClient
) -> None:
    requests = RequestLog()
    logged = BlobServiceClient.from_connection_string(
        storage_connection_string, raw_request_hook=requests
    ).get_container_client(container.container_name)
    spec = MediaSpec(format="wav", channels=2, duration_ms=20_000, voices=(0, 1), seed="split-along")
    wav = WavMedia(spec)
    source, job, media = FakeSource(), make_job(3), wav.read(0, wav.size)
    serve(source, job, media)
    result = archive_chunk(job, source, logged, SMALL)
    assert result.copy.streamed
    files = {part["channel"]: part for part in result.copy.participant_files}
    assert set(files) == {0, 1}
    for channel, part in files.items():
        mono = container.download_blob(part["blobPath"]).readall()
        assert mono[44:] == b"".join(media[44 + offset + 2 * channel : 44 + offset + 2 * channel + 2]
                                     for offset in range(0, len(media) - 44, 4))  # fmt: skip
        assert part["sha256"] == hashlib.sha256(mono).hexdigest()
    assert [seen for seen in requests.seen if seen.endswith(job.chunk.paths.media)], "the media's requests were seen"
    reads = [seen for seen in requests.seen if seen.startswith(("GET", "HEAD"))]
    assert not [seen for seen in reads if seen.endswith(job.chunk.paths.media)], "the media was not read back"


def test_a_read_back_holds_ranges_far_below_the_copy_block_and_still_catches_a_changed_byte(
    container: ContainerClient,
) -> None:
    options = ArchiveOptions(streaming_threshold_bytes=1024 * 1024, block_size_bytes=32 * 1024 * 1024, concurrency=1)
    media = os.urandom(6 * RANGE_BYTES - 5)  # 24 MiB: one request of the copy block before ranges were capped
    blob = container.get_blob_client(f"readback-{os.urandom(4).hex()}.wav")
    blob.upload_blob(media)
    tracemalloc.start()
    try:
        digest = stored_sha256(blob, len(media), options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest == hashlib.sha256(media).hexdigest()
    # The SDK presizes a list of 8 bytes per byte of a response (readback.RANGE_BYTES): 24 MiB in one request peaked
    # at 216 MiB traced.
    assert peak < 12 * RANGE_BYTES, f"peak {peak / 2**20:.1f} MiB reading back {len(media) / 2**20:.0f} MiB"
    blob.upload_blob(media[:-1] + b"\0", overwrite=True)
    assert stored_sha256(blob, len(media), options) != digest
