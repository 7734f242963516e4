"""archive_chunk copies and asks for a verification; verify_chunk reads back, and only then records the chunk, writes
the manifest and deletes at ACS. Bad jobs are quarantined and hand nothing to the bindings."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.archive.readback import NotVerified
from shared.domain import ChunkState, RecordingState
from shared.handlers import api
from shared.handlers.archive import NOTHING, handle_chunk
from shared.handlers.eventgrid import handle_grid_event
from shared.handlers.verify import handle_verify, handle_verify_poison
from shared.layout import call_folder
from shared.messages import ChunkJob, VerifyJob
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, deliver, world


def ready(w: World, chunks: int = 2) -> tuple[str, list[ChunkJob]]:
    sid = p.server_call_id()
    return sid, handle_grid_event(p.files_ready(sid, "rec-1", chunks=chunks), w.deps)


def chunk_states(w: World, sid: str) -> list[ChunkState]:
    call = w.store.get(sid)
    assert call is not None
    return [c.state for c in call.recordings[0].chunks]


def test_a_small_chunk_goes_to_the_output_binding_and_is_not_archived_until_read_back() -> None:
    w = world()
    sid, jobs = ready(w)
    found = handle_chunk(jobs[0].to_json(), w.deps)
    assert found.media == b"\x00" * 10
    assert found.verify is not None
    assert chunk_states(w, sid) == [ChunkState.PENDING, ChunkState.PENDING], "the copy alone archives nothing"
    assert w.archive.manifests == {}
    w.archive.land(jobs[0], found.media)
    handle_verify(found.verify.to_json(), w.deps)
    assert chunk_states(w, sid) == [ChunkState.ARCHIVED, ChunkState.PENDING]
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].chunks[0].size == 10


def test_a_streamed_chunk_sets_no_media_but_is_verified_the_same_way() -> None:
    w = world()
    w.archive.sizes[1] = 5000
    sid, jobs = ready(w)
    found = handle_chunk(jobs[1].to_json().encode(), w.deps)
    assert found.media is None
    assert found.verify is not None
    assert found.verify.copy.streamed
    handle_verify(found.verify.to_json(), w.deps)
    assert chunk_states(w, sid) == [ChunkState.PENDING, ChunkState.ARCHIVED]


def test_a_binding_write_that_never_lands_leaves_the_chunk_unverified_and_the_source_at_acs() -> None:
    w = world(delete_source_after_archive=True)
    sid, jobs = ready(w, chunks=1)
    found = handle_chunk(jobs[0].to_json(), w.deps)
    assert found.verify is not None
    for _ in range(5):  # every delivery up to maxDequeueCount
        with pytest.raises(NotVerified, match="not in the archive"):
            handle_verify(found.verify.to_json(), w.deps)
    handle_verify_poison(found.verify.to_json(), w.deps)
    ((kind, reason, _),) = w.quarantine.kept
    assert kind == "verify-poison"
    assert "never matched" in reason
    assert "chunk-0000.wav is not in the archive" in reason
    assert chunk_states(w, sid) == [ChunkState.PENDING]
    assert (w.archive.manifests, w.source.deleted) == ({}, [])


def test_a_binding_write_that_lands_late_is_verified_on_a_later_delivery() -> None:
    w = world()
    sid, jobs = ready(w, chunks=1)
    found = handle_chunk(jobs[0].to_json(), w.deps)
    assert found.verify is not None
    assert found.media is not None
    with pytest.raises(NotVerified):
        handle_verify(found.verify.to_json(), w.deps)
    w.archive.land(jobs[0], found.media)
    handle_verify(found.verify.to_json(), w.deps)
    assert chunk_states(w, sid) == [ChunkState.ARCHIVED]


def test_a_blob_that_differs_from_what_acs_served_is_not_verified() -> None:
    w = world()
    sid, jobs = ready(w, chunks=1)
    found = handle_chunk(jobs[0].to_json(), w.deps)
    assert found.verify is not None
    w.archive.land(jobs[0], b"\x01" * 10)
    with pytest.raises(NotVerified, match="SHA-256"):
        handle_verify(found.verify.to_json(), w.deps)
    assert chunk_states(w, sid) == [ChunkState.PENDING]


def test_every_chunk_verified_makes_the_recording_archived_and_keeps_the_source_by_default() -> None:
    w = world()
    sid, jobs = ready(w)
    for job in jobs:
        deliver(w, job)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.ARCHIVED
    assert w.source.deleted == []
    (manifest,) = w.archive.manifests.values()
    assert [(c["index"], c["size"]) for c in manifest["chunks"]] == [(0, 10), (1, 10)]
    assert manifest["verdict"]["verdict"] == "complete"


def test_with_delete_after_archive_the_source_is_deleted_once_every_chunk_is_verified() -> None:
    w = world(delete_source_after_archive=True)
    sid, jobs = ready(w)
    deliver(w, jobs[0])
    assert w.source.deleted == []
    deliver(w, jobs[1])
    assert sorted(w.source.deleted) == sorted(j.file.delete_location for j in jobs)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.SOURCE_DELETED


def test_the_api_says_archived_once_every_chunk_is_verified_and_still_after_the_source_is_deleted() -> None:
    w = world(delete_source_after_archive=True)
    sid, jobs = ready(w)

    def archived() -> list[bool]:
        view = api.get_call(call_folder(sid), w.deps).body
        return [r["archived"] for r in view["recordings"]]

    assert archived() == [False]
    deliver(w, jobs[0])
    assert archived() == [False], "one chunk of two verified"
    deliver(w, jobs[1])
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.SOURCE_DELETED
    assert archived() == [True]


def test_an_incomplete_recording_is_kept_at_acs_though_every_announced_chunk_is_verified() -> None:
    w = world(delete_source_after_archive=True)
    sid = p.server_call_id()
    event = p.files_ready(sid, "rec-1", chunks=1)
    event["data"]["recordingStorageInfo"]["recordingChunks"][0]["endReason"] = "ChunkMaximumSizeExceeded"
    (job,) = handle_grid_event(event, w.deps)
    deliver(w, job)
    assert chunk_states(w, sid) == [ChunkState.ARCHIVED]
    assert w.source.deleted == [], "chunk 1 is still to come"


def test_nothing_irreversible_happens_before_the_chunks_it_concerns_were_read_back() -> None:
    """Over every order of copies, binding writes and verifications: a manifest names only chunks read back before
    it was written, and a delete at ACS comes only after every chunk of the recording was read back."""
    w = world(delete_source_after_archive=True)
    w.archive.sizes[1] = 5000  # one streamed chunk, two through the binding
    sid, jobs = ready(w, chunks=3)
    outputs = [handle_chunk(job.to_json(), w.deps) for job in jobs]
    verify = [o.verify for o in outputs]
    assert all(v is not None for v in verify)
    for index in (2, 1, 0):
        attempt(w, verify[index])
    for index in (0, 2):
        media = outputs[index].media
        assert media is not None
        w.archive.land(jobs[index], media)
        attempt(w, verify[index])
        attempt(w, verify[index])  # a redelivery
    assert ("delete", jobs[0].file.delete_location) in w.archive.journal
    read_back: set[tuple[str, int]] = set()
    for entry in w.archive.journal:
        if entry[0] == "read back":
            read_back.add((entry[1], entry[2]))
        elif entry[0] == "manifest":
            assert {(entry[1], i) for i in entry[2]} <= read_back, f"{entry} names a chunk not read back"
        elif entry[0] == "delete":
            assert {("rec-1", i) for i in range(3)} <= read_back, f"{entry} before every chunk was read back"
    assert chunk_states(w, sid) == [ChunkState.ARCHIVED] * 3


def attempt(w: World, job: VerifyJob | None) -> None:
    assert job is not None
    with contextlib.suppress(NotVerified):
        handle_verify(job.to_json(), w.deps)


def test_a_redelivered_job_for_a_verified_chunk_copies_nothing() -> None:
    w = world()
    _, jobs = ready(w)
    deliver(w, jobs[0])
    assert handle_chunk(jobs[0].to_json(), w.deps) == NOTHING
    assert len(w.archive.jobs) == 1


def test_a_redelivered_job_before_verification_copies_again() -> None:
    w = world()
    _, jobs = ready(w)
    first = handle_chunk(jobs[0].to_json(), w.deps)
    again = handle_chunk(jobs[0].to_json(), w.deps)
    assert first == again
    assert len(w.archive.jobs) == 2


def test_a_source_gone_at_acs_fails_the_recording_with_the_reason() -> None:
    w = world()
    w.archive.gone = True
    sid, jobs = ready(w)
    assert handle_chunk(jobs[0].to_json(), w.deps) == NOTHING
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.FAILED
    assert "404" in call.recordings[0].reason


def test_a_malformed_job_is_quarantined() -> None:
    w = world()
    assert handle_chunk(b'{"index": "x"}', w.deps) == NOTHING
    assert [kind for kind, _, _ in w.quarantine.kept] == ["chunk-job"]
    assert w.archive.jobs == []


def tampered(job: ChunkJob, **changes: Any) -> str:
    body = json.loads(job.to_json())
    body.update(changes)
    return json.dumps(body)


def test_a_job_whose_blob_path_is_not_the_layouts_is_quarantined_and_hands_the_binding_nothing() -> None:
    w = world()
    _, jobs = ready(w)
    assert handle_chunk(tampered(jobs[0], blobPath="evil.wav"), w.deps) == NOTHING
    ((kind, reason, _),) = w.quarantine.kept
    assert (kind, "blobPath 'evil.wav' is not the layout's path" in reason) == ("chunk-job", True)
    assert w.archive.jobs == []


def test_paths_sent_in_a_job_are_not_used() -> None:
    w = world()
    sid, jobs = ready(w)
    deliver(w, ChunkJob.from_json(tampered(jobs[0], metadataPath="x/evil.json", manifestPath="evil.json")))
    assert not any("evil" in name for name in w.archive.blobs)
    assert chunk_states(w, sid)[0] is ChunkState.ARCHIVED


def test_a_job_with_an_unsafe_url_is_quarantined_and_never_downloaded() -> None:
    w = world()
    _, jobs = ready(w)
    evil_file = replace(jobs[0].file, content_location="https://evil.example.com\\@us-storage.asm.skype.com/x")
    assert handle_chunk(replace(jobs[0], file=evil_file).to_json(), w.deps) == NOTHING
    assert w.archive.jobs == []
    assert "unsafe" in w.quarantine.kept[0][1]


@pytest.mark.parametrize("change", ["recording", "location"])
def test_a_job_for_a_chunk_the_state_does_not_hold_is_quarantined_before_any_copy(change: str) -> None:
    w = world()
    _, jobs = ready(w)
    if change == "recording":
        stray = replace(jobs[0], chunk=replace(jobs[0].chunk, recording_id="rec-unknown"))
    else:
        other = jobs[0].file.content_location.replace("/content/", "/other/")
        stray = replace(jobs[0], file=replace(jobs[0].file, content_location=other))
    assert handle_chunk(stray.to_json(), w.deps) == NOTHING
    ((kind, _reason, payload),) = w.quarantine.kept
    assert kind == "chunk-job"
    assert ChunkJob.from_json(payload) == stray
    assert w.archive.jobs == []


def test_a_malformed_verification_is_quarantined() -> None:
    w = world()
    handle_verify(b'{"serverCallId": 1}', w.deps)
    assert [kind for kind, _, _ in w.quarantine.kept] == ["verify-job"]


def test_a_job_moved_to_another_date_with_a_matching_blob_path_is_quarantined() -> None:
    w = world()
    _, jobs = ready(w)
    moved = replace(jobs[0], chunk=replace(jobs[0].chunk, recording_start=datetime(2020, 1, 1, tzinfo=UTC)))
    assert json.loads(moved.to_json())["blobPath"].startswith("2020/01/01/")
    assert handle_chunk(moved.to_json(), w.deps) == NOTHING
    ((_, reason, _),) = w.quarantine.kept
    assert "recordingStart or format differ" in reason
    assert w.archive.jobs == []


def test_a_verification_for_other_ids_than_the_state_holds_is_quarantined_and_records_nothing() -> None:
    w = world()
    sid, jobs = ready(w, chunks=1)
    found = deliver(w, jobs[0], verify=False)
    assert found.verify is not None
    elsewhere = replace(found.verify.chunk, format="mp3")
    for name in ("media", "metadata"):  # blobs that match, but under another chunk's paths
        w.archive.blobs[getattr(elsewhere.paths, name)] = w.archive.blobs[getattr(jobs[0].chunk.paths, name)]
    for forged in (replace(found.verify, chunk=elsewhere), replace(found.verify, document_id="other")):
        handle_verify(forged.to_json(), w.deps)
    assert [kind for kind, _, _ in w.quarantine.kept] == ["verify-job", "verify-job"]
    assert all("differ from what files-ready announced" in reason for _, reason, _ in w.quarantine.kept)
    assert chunk_states(w, sid) == [ChunkState.PENDING]
    assert w.archive.manifests == {}


def test_a_recording_that_fails_after_some_chunks_were_verified_gets_a_manifest_of_those_only() -> None:
    w = world()
    _, jobs = ready(w)
    deliver(w, jobs[0])
    assert w.archive.manifests == {}, "chunk 1 still waits for its copy"
    w.archive.gone = True
    assert handle_chunk(jobs[1].to_json(), w.deps) == NOTHING
    (manifest,) = w.archive.manifests.values()
    assert [c["index"] for c in manifest["chunks"]] == [0]
    assert manifest["verdict"]["verdict"] == "failed"
