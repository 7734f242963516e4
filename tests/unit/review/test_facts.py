"""Pauses on the media's time axis, and what the archive says about a chunk."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from shared.domain import Chunk, ChunkFile, ChunkState
from shared.domain.model import ChunkCopy
from shared.review.facts import chunk_facts, media_pauses

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_pause_sits_where_the_media_was_when_it_began_less_the_pauses_before_it() -> None:
    intervals = [
        {"startTime": "2026-12-01T09:00:30Z", "duration": 10_000},
        {"startTime": "2026-12-01T09:00:05Z", "duration": 5_000},
    ]
    pauses = media_pauses(START, intervals)
    assert [p["mediaOffsetMs"] for p in pauses] == [5_000, 25_000]
    assert [p["durationMs"] for p in pauses] == [5_000, 10_000]


def test_without_a_chunk_start_a_pause_has_no_place_in_the_media() -> None:
    assert media_pauses(None, [{"startTime": "2026-12-01T09:00:30Z", "duration": 1}])[0]["mediaOffsetMs"] is None
    assert media_pauses(START, [{"startTime": "not a time", "duration": 1}, {"duration": 3}]) == []


def archived_chunk(size: int = 10, sha: str = "ab") -> Chunk:
    file = ChunkFile(
        index=0, document_id="doc", end_reason="SessionEnded", content_location="c", metadata_location="m",
        delete_location="d",
    )  # fmt: skip
    copy = ChunkCopy(size=size, sha256=sha, metadata_sha256="0" * 64, streamed=False)
    return Chunk(file, ChunkState.ARCHIVED, copy=copy)


def metadata() -> bytes:
    return json.dumps({
        "chunkStartTime": "2026-12-01T09:00:00Z", "chunkDuration": 60_000,
        "pauseResumeIntervals": [{"startTime": "2026-12-01T09:00:20Z", "duration": 4_000}],
        "recordingInfo": {"audioConfiguration": {"sampleRate": 16000, "channels": 2}},
        "participants": [{"participantId": "4:+1", "channel": 0}, {"participantId": "8:acs:a", "channel": 1}],
    }).encode()  # fmt: skip


def test_an_archived_chunk_that_agrees_with_its_manifest_has_no_problem() -> None:
    document = metadata()
    entry = {"index": 0, "size": 10, "sha256": "ab", "metadataSha256": hashlib.sha256(document).hexdigest()}
    facts = chunk_facts(archived_chunk(), entry, document)
    assert facts["problems"] == []
    assert (facts["durationMs"], facts["channels"], facts["sampleRate"]) == (60_000, 2, 16000)
    assert facts["pauses"][0]["mediaOffsetMs"] == 20_000
    assert facts["participants"] == [
        {"participantId": "4:+1", "channel": 0},
        {"participantId": "8:acs:a", "channel": 1},
    ]


def test_disagreements_between_state_manifest_and_metadata_are_named() -> None:
    entry = {"index": 0, "size": 11, "sha256": "ab", "metadataSha256": "00"}
    problems = chunk_facts(archived_chunk(), entry, metadata())["problems"]
    assert any("other bytes" in p for p in problems)
    assert any("differs from the manifest" in p for p in problems)
    assert chunk_facts(archived_chunk(), None, None)["problems"] == [
        "chunk 0 is not listed in the manifest",
        "the metadata document of chunk 0 is missing from the archive",
    ]
    pending = Chunk(archived_chunk().file)
    assert chunk_facts(pending, None, None)["problems"] == ["chunk 0 is not archived yet"]
