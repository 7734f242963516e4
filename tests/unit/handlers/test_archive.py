"""archive_chunk: bad jobs quarantined, results recorded, source deleted when all chunks are archived."""

from __future__ import annotations

from dataclasses import replace

from shared.domain import ChunkState, RecordingState
from shared.handlers.archive import handle_chunk
from shared.handlers.grid import handle_grid_event
from shared.messages import ChunkJob
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, world


def ready(w: World, chunks: int = 2) -> tuple[str, list[ChunkJob]]:
    sid = p.server_call_id()
    return sid, handle_grid_event(p.files_ready(sid, "rec-1", chunks=chunks), w.deps)


def test_a_small_chunk_is_returned_for_the_output_binding_and_recorded() -> None:
    w = world()
    sid, jobs = ready(w)
    assert handle_chunk(jobs[0].to_json(), w.deps) == b"\x00" * 10
    call = w.store.get(sid)
    assert call is not None
    chunk = call.recordings[0].chunks[0]
    assert (chunk.state, chunk.size) == (ChunkState.ARCHIVED, 10)


def test_a_streamed_chunk_sets_no_output() -> None:
    w = world()
    w.archive.sizes[1] = 5000
    _, jobs = ready(w)
    assert handle_chunk(jobs[1].to_json().encode(), w.deps) is None


def test_every_chunk_archived_makes_the_recording_archived_and_keeps_the_source_by_default() -> None:
    w = world()
    sid, jobs = ready(w)
    for job in jobs:
        handle_chunk(job.to_json(), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.ARCHIVED
    assert w.source.deleted == []


def test_with_delete_after_archive_the_source_is_deleted_once_every_chunk_is_archived() -> None:
    w = world(delete_source_after_archive=True)
    sid, jobs = ready(w)
    handle_chunk(jobs[0].to_json(), w.deps)
    assert w.source.deleted == []
    handle_chunk(jobs[1].to_json(), w.deps)
    assert sorted(w.source.deleted) == sorted(j.delete_location for j in jobs)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.SOURCE_DELETED


def test_a_redelivered_job_runs_the_copy_again_for_the_output_binding() -> None:
    w = world()
    _, jobs = ready(w)
    first = handle_chunk(jobs[0].to_json(), w.deps)
    again = handle_chunk(jobs[0].to_json(), w.deps)
    assert first == again == b"\x00" * 10
    assert len(w.archive.jobs) == 2


def test_a_source_gone_at_acs_fails_the_recording_with_the_reason() -> None:
    w = world()
    w.archive.gone = True
    sid, jobs = ready(w)
    assert handle_chunk(jobs[0].to_json(), w.deps) is None
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.FAILED
    assert "404" in call.recordings[0].reason


def test_a_malformed_job_is_quarantined() -> None:
    w = world()
    assert handle_chunk(b'{"index": "x"}', w.deps) is None
    assert [kind for kind, _, _ in w.quarantine.kept] == ["chunk-job"]
    assert w.archive.jobs == []


def test_a_job_with_an_unsafe_url_is_quarantined_and_never_downloaded() -> None:
    w = world()
    _, jobs = ready(w)
    evil = replace(jobs[0], content_location="https://evil.example.com\\@us-storage.asm.skype.com/x")
    assert handle_chunk(evil.to_json(), w.deps) is None
    assert w.archive.jobs == []
    assert "unsafe" in w.quarantine.kept[0][1]


def test_a_job_for_a_recording_the_call_does_not_have_is_quarantined_after_the_copy() -> None:
    w = world()
    _, jobs = ready(w)
    stray = replace(jobs[0], recording_id="rec-unknown")
    assert handle_chunk(stray.to_json(), w.deps) == b"\x00" * 10
    ((kind, reason, payload),) = w.quarantine.kept
    assert kind == "chunk-job"
    assert "rec-unknown" in reason
    assert ChunkJob.from_json(payload) == stray
