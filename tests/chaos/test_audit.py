"""The auditor itself: it must see a lost, a duplicated and a corrupted chunk (or the suite proves nothing)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from chaos.audit import SourceChunk, audit
from chaos.result import Result
from chaos.runner import details
from shared.layout import call_folder

DAY = "2026/01/02"


@pytest.fixture
def archive(storage_connection_string: str, unique_name: str) -> ContainerClient:
    container = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    container.create_container()
    return container


def put_recording(archive: ContainerClient, sid: str, rid: str, chunks: dict[int, bytes], listed: list[int]) -> str:
    prefix = f"{DAY}/{call_folder(sid)}/{rid}"
    for index, data in chunks.items():
        archive.upload_blob(f"{prefix}/chunk-{index:04d}.wav", data)
    entries = [{"index": i, "sha256": hashlib.sha256(chunks.get(i, b"")).hexdigest()} for i in listed]
    archive.upload_blob(f"{prefix}/manifest.json", json.dumps({"chunks": entries}))
    return prefix


def sources(sid: str, rid: str, count: int) -> list[SourceChunk]:
    return [
        SourceChunk(sid, rid, i, f"https://us-storage.asm.skype.com/v1/objects/d{i}/content/audiowav")
        for i in range(count)
    ]


def view(sid: str, rid: str, data: dict[int, bytes]) -> dict[str, dict[str, object]]:
    chunks = [{"index": i, "sha256": hashlib.sha256(b).hexdigest()} for i, b in data.items()]
    return {sid: {"recordings": [{"recordingId": rid, "chunks": chunks}]}}


def test_a_complete_and_identical_archive_is_fully_verified(archive: ContainerClient) -> None:
    data = {0: b"zero", 1: b"one"}
    put_recording(archive, "call/A=", "rec1", data, [0, 1])
    by_url = {c.content_location: hashlib.sha256(data[c.index]).hexdigest() for c in sources("call/A=", "rec1", 2)}
    found = audit(archive, sources("call/A=", "rec1", 2), by_url.get, view("call/A=", "rec1", data))
    assert (found.expected, found.archived, found.verified) == (2, 2, 2)
    assert (found.lost, found.duplicated, found.corrupted) == (0, 0, 0)


def test_a_missing_chunk_is_lost(archive: ContainerClient) -> None:
    data = {0: b"zero"}
    put_recording(archive, "call/B=", "rec1", data, [0])
    by_url = {c.content_location: hashlib.sha256(b"zero" if c.index == 0 else b"one").hexdigest()
              for c in sources("call/B=", "rec1", 2)}  # fmt: skip
    found = audit(archive, sources("call/B=", "rec1", 2), by_url.get, view("call/B=", "rec1", data))
    assert (found.lost, found.verified) == (1, 1)


def test_a_chunk_listed_twice_in_the_manifest_is_duplicated(archive: ContainerClient) -> None:
    data = {0: b"zero"}
    put_recording(archive, "call/C=", "rec1", data, [0, 0])
    url = sources("call/C=", "rec1", 1)[0].content_location
    found = audit(archive, sources("call/C=", "rec1", 1), {url: hashlib.sha256(b"zero").hexdigest()}.get, {})
    assert found.duplicated == 1
    assert found.verified == 0


def test_bytes_that_differ_from_the_source_are_corrupted(archive: ContainerClient) -> None:
    data = {0: b"zero-but-cut"}
    put_recording(archive, "call/D=", "rec1", data, [0])
    url = sources("call/D=", "rec1", 1)[0].content_location
    found = audit(archive, sources("call/D=", "rec1", 1), {url: hashlib.sha256(b"zero").hexdigest()}.get,
                  view("call/D=", "rec1", data))  # fmt: skip
    assert found.corrupted == 1
    assert found.verified == 0
    result = Result("x")
    found.into(result)
    assert not result.ok
    assert result.corrupted == 1


def test_verified_bytes_the_app_state_does_not_record_are_a_lost_state_update(archive: ContainerClient) -> None:
    data = {0: b"zero"}
    put_recording(archive, "call/E=", "rec1", data, [0])
    url = sources("call/E=", "rec1", 1)[0].content_location
    found = audit(archive, sources("call/E=", "rec1", 1), {url: hashlib.sha256(b"zero").hexdigest()}.get, {})
    assert found.verified == 1
    assert found.stale_state == 1
    result = Result("x", expected=0)
    found.into(result)
    assert result.failed_checks == ["no lost state update"]


def test_a_manifest_entry_naming_a_missing_or_different_blob_is_a_mismatch(archive: ContainerClient) -> None:
    data = {0: b"zero", 1: b"one"}
    prefix = put_recording(archive, "call/E=", "rec1", data, [0, 1])
    entries = [
        {"index": 0, "sha256": hashlib.sha256(b"other bytes").hexdigest()},
        {"index": 1, "sha256": hashlib.sha256(b"one").hexdigest()},
        {"index": 2, "sha256": hashlib.sha256(b"two").hexdigest(), "blobPath": f"{prefix}/chunk-0002.wav"},
    ]
    archive.upload_blob(f"{prefix}/manifest.json", json.dumps({"chunks": entries}), overwrite=True)
    by_url = {c.content_location: hashlib.sha256(data[c.index]).hexdigest() for c in sources("call/E=", "rec1", 2)}

    found = audit(archive, sources("call/E=", "rec1", 2), by_url.get, view("call/E=", "rec1", data))

    assert found.manifest_mismatches == 2, found.problems
    assert found.corrupted == 0, "chunk 0's bytes are the source's: only its manifest entry is wrong"
    assert found.verified == 1, "chunk 0 is not verified while its entry does not match"
    result = Result("x")
    found.into(result)
    assert result.checks["manifests name only blobs that hold those bytes"] is False


def test_a_manifest_that_never_lists_an_archived_chunk_says_so_and_not_corrupted(archive: ContainerClient) -> None:
    data = {0: b"zero", 1: b"one"}
    put_recording(archive, "call/G=", "rec1", data, [1])
    by_url = {c.content_location: hashlib.sha256(data[c.index]).hexdigest() for c in sources("call/G=", "rec1", 2)}

    found = audit(archive, sources("call/G=", "rec1", 2), by_url.get, view("call/G=", "rec1", data), 1.0)

    assert (found.corrupted, found.unlisted, found.verified) == (0, 1, 1), found.problems
    assert "unlisted: rec1.. chunk 0: the manifest does not list it (still after the wait)" in found.problems
    result = Result("x")
    found.into(result)
    assert result.failed_checks == ["manifests list every archived chunk"]
    assert not result.ok


def test_the_audit_waits_for_a_manifest_rendered_after_the_state_said_archived(archive: ContainerClient) -> None:
    data = {0: b"zero"}
    prefix = put_recording(archive, "call/H=", "rec1", data, [])
    by_url = {sources("call/H=", "rec1", 1)[0].content_location: hashlib.sha256(b"zero").hexdigest()}
    settled = json.dumps({"chunks": [{"index": 0, "sha256": hashlib.sha256(b"zero").hexdigest()}]})
    late = threading.Timer(1.5, lambda: archive.upload_blob(f"{prefix}/manifest.json", settled, overwrite=True))
    late.start()

    found = audit(archive, sources("call/H=", "rec1", 1), by_url.get, view("call/H=", "rec1", data), 20.0)

    late.join()
    assert (found.verified, found.unlisted, found.corrupted) == (1, 0, 0), found.problems
    assert any(p.startswith("manifests rendered after the state said archived: rec1.. ") for p in found.problems)


def test_a_failing_row_never_reads_broken_none() -> None:
    result = Result("x", expected=2, archived=2, verified=1, corrupted=1)
    result.check("no 5xx", True)

    assert result.broken == ["corrupted 1", "verified 1 of 2"]
    assert "broken: corrupted 1, verified 1 of 2" in details([result])


def test_a_recording_deleted_at_acs_with_a_chunk_not_archived_is_counted(archive: ContainerClient) -> None:
    data = {0: b"zero"}
    put_recording(archive, "call/F=", "rec1", data, [0])
    put_recording(archive, "call/F=", "rec2", {0: b"zero", 1: b"one"}, [0, 1])
    deleted = [replace(c, deleted=True) for c in [*sources("call/F=", "rec1", 2), *sources("call/F=", "rec2", 2)]]
    by_url = {c.content_location: hashlib.sha256([b"zero", b"one"][c.index]).hexdigest() for c in deleted}

    found = audit(archive, deleted, by_url.get, {})

    assert (found.lost, found.deleted_unverified) == (1, 1), found.problems
    result = Result("x")
    found.into(result)
    assert result.checks["nothing deleted at ACS before it was verified"] is False
