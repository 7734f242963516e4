"""Queue jobs name a chunk by its ids; the paths they are written to come from the layout, never from the message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared import layout
from shared.domain import ChunkFile
from shared.domain.model import ChunkCopy
from shared.handlers.poison import chunk_poison_reason
from shared.messages import ChunkJob, ChunkRef, MessageError, VerifyJob

SID = "aHR0cHM6Ly9hcGkuZXhhbXBsZS9jb252LzE="
REF = ChunkRef(
    server_call_id=SID, recording_id="rec-1", index=2, format="wav", recording_start=datetime(2026, 11, 23, tzinfo=UTC)
)
FILE = ChunkFile(
    index=2,
    document_id="doc-2",
    end_reason="SessionEnded",
    content_location="https://us-storage.asm.skype.com/v1/objects/doc-2/content/audiowav",
    metadata_location="https://us-storage.asm.skype.com/v1/objects/doc-2/content/acsmetadata",
    delete_location="https://us-storage.asm.skype.com/v1/objects/doc-2",
)
JOB = ChunkJob(chunk=REF, file=FILE, correlation_id="corr", event_id="ev-1", attempt=1)


def body(**changes: Any) -> str:
    found = json.loads(JOB.to_json())
    found.update(changes)
    return json.dumps({k: v for k, v in found.items() if v is not None})


def test_a_chunk_job_round_trips_and_its_blob_path_is_the_layouts() -> None:
    assert ChunkJob.from_json(JOB.to_json()) == JOB
    prefix = layout.recording_prefix(REF.recording_start, SID, "rec-1")
    assert json.loads(JOB.to_json())["blobPath"] == layout.chunk_path(prefix, 2, "wav") == REF.paths.media
    assert REF.paths.manifest == layout.manifest_path(prefix)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"blobPath": "evil.wav"}, "not the layout's path"),
        ({"blobPath": None}, "lacks blobPath"),
        ({"recordingId": "../x"}, "names no archive path"),
        ({"format": "exe"}, "names no archive path"),
        ({"index": -1}, "must not be negative"),
        ({"recordingStart": "yesterday"}, "not an ISO 8601 time"),
        ({"recordingStart": "2026-11-23T00:00:00"}, "no time zone"),
        ({"serverCallId": ""}, "serverCallId is empty"),
        ({"attempt": True}, "attempt must be int"),
    ],
)
def test_a_chunk_job_the_layout_cannot_vouch_for_is_refused_with_the_reason(
    changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(MessageError, match=reason):
        ChunkJob.from_json(body(**changes))


def test_paths_a_job_sends_besides_blob_path_are_ignored() -> None:
    assert ChunkJob.from_json(body(metadataPath="evil.json", manifestPath="evil.json")) == JOB


def test_a_verify_job_round_trips_with_the_facts_of_the_copy() -> None:
    copy = ChunkCopy(
        size=5,
        sha256="a" * 64,
        metadata_sha256="b" * 64,
        streamed=False,
        duration_ms=1000,
        participants=({"participantId": "8:acs:a", "channel": 0},),
        participant_files=(
            {
                "participantId": "8:acs:a",
                "channel": 0,
                "blobPath": "p/chunk-0002.8_acs_a.wav",
                "size": 3,
                "sha256": "c" * 64,
            },
        ),
    )
    job = VerifyJob(chunk=REF, document_id="doc-2", copy=copy, correlation_id="corr")
    assert VerifyJob.from_json(job.to_json()) == job
    with pytest.raises(MessageError, match="hex SHA-256"):
        VerifyJob.from_json(job.to_json().replace("a" * 64, "z" * 64))


def test_a_poisoned_chunk_job_is_explained_by_what_its_body_shows() -> None:
    assert "could not resolve {blobPath}" in chunk_poison_reason(body(blobPath=None))
    assert "not the layout's path" in chunk_poison_reason(body(blobPath="evil.wav"))
    assert "not JSON" in chunk_poison_reason(b"\xff")
    assert "failed on every delivery of chunk 2 of recording rec-1" in chunk_poison_reason(JOB.to_json())


@pytest.mark.parametrize("missing", ["sha256", "size", "blobPath", "participantId"])
def test_a_verify_job_whose_participant_file_lacks_a_field_is_refused_naming_it(missing: str) -> None:
    copy = ChunkCopy(size=5, sha256="a" * 64, metadata_sha256="b" * 64, streamed=False)
    found = json.loads(VerifyJob(chunk=REF, document_id="doc-2", copy=copy).to_json())
    part = {"participantId": "4:+1", "blobPath": "x.wav", "size": 4, "sha256": "a" * 64}
    del part[missing]
    found["participantFiles"] = [part]
    with pytest.raises(MessageError, match=f"participantFiles\\[0\\] lacks {missing}"):
        VerifyJob.from_json(json.dumps(found))


def test_a_poisoned_job_nested_deeply_or_off_the_layout_is_still_explained() -> None:
    assert "nested more than" in chunk_poison_reason("[" * 25_000 + "]" * 25_000)
    assert "not a chunk job" in chunk_poison_reason(body(recordingId="a/b"))
