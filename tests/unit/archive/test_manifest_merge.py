from __future__ import annotations

from typing import Any

from shared.archive.manifest import merged
from shared.messages import ChunkJob


def job(index: int = 0, event_id: str = "ev-1") -> ChunkJob:
    return ChunkJob(
        server_call_id="aHR0cHM6Ly9hcGk=", call_folder="aHR0cHM6Ly9hcGk", recording_id="rec1", index=index,
        document_id=f"doc{index}", format="wav", blob_path=f"p/chunk-{index:04d}.wav",
        metadata_path=f"p/chunk-{index:04d}.metadata.json", manifest_path="p/manifest.json",
        content_location="https://x.asm.skype.com/c", metadata_location="https://x.asm.skype.com/m",
        delete_location="https://x.asm.skype.com/d", recording_start="2026-11-23T19:00:00Z", event_id=event_id,
    )  # fmt: skip


def entry(index: int, sha: str = "aa", event: str = "ev-1", at: str = "2026-11-23T19:10:00.000Z") -> dict[str, Any]:
    return {"index": index, "blobPath": f"p/chunk-{index:04d}.wav", "size": 3, "sha256": sha, "eventIds": [event],
            "archivedAt": at}  # fmt: skip


def test_the_first_chunk_creates_the_recording_level_fields() -> None:
    document = merged(None, job(), entry(0), "now")
    assert document is not None
    assert document["serverCallId"] == "aHR0cHM6Ly9hcGk="
    assert document["recordingId"] == "rec1"
    assert [c["index"] for c in document["chunks"]] == [0]


def test_a_new_chunk_joins_the_others_in_index_order() -> None:
    document = merged(merged(None, job(2), entry(2), "t1"), job(0), entry(0), "t2")
    assert document is not None
    assert [c["index"] for c in document["chunks"]] == [0, 2]


def test_merging_the_same_chunk_again_changes_nothing() -> None:
    document = merged(None, job(), entry(0), "t1")
    assert merged(document, job(), entry(0, at="2026-11-23T20:00:00.000Z"), "t2") is None


def test_another_event_for_the_same_chunk_adds_its_id_and_keeps_the_first_archive_time() -> None:
    document = merged(None, job(), entry(0), "t1")
    again = merged(document, job(event_id="ev-2"), entry(0, event="ev-2", at="later"), "t2")
    assert again is not None
    assert again["chunks"] == [{**entry(0), "eventIds": ["ev-1", "ev-2"]}]


def test_changed_bytes_replace_the_entry() -> None:
    document = merged(None, job(), entry(0), "t1")
    again = merged(document, job(), entry(0, sha="bb", at="later"), "t2")
    assert again is not None
    assert [(c["sha256"], c["archivedAt"]) for c in again["chunks"]] == [("bb", "later")]
