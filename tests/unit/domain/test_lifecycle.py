"""The named lifecycle checks handlers ask instead of comparing state names."""

from __future__ import annotations

from shared.domain import Call, Recording, lifecycle, replay
from shared.domain import inputs as ev
from tests.unit.domain.builders import (
    REC,
    SID,
    archived,
    connected,
    disconnected,
    files_ready,
    report,
    ringing,
    started,
)


def run(*inputs: ev.Input) -> Call:
    call = replay(SID, inputs)
    assert call is not None
    return call


def only_recording(call: Call) -> Recording:
    recording = call.recording(REC)
    assert recording is not None
    return recording


def test_a_ringing_call_awaits_its_answer_and_a_connected_one_does_not() -> None:
    assert lifecycle.awaiting_answer(run(ringing()))
    assert not lifecycle.awaiting_answer(run(ringing(), connected()))


def test_a_start_without_an_answer_from_acs_is_unanswered_until_acs_names_the_recording() -> None:
    asked = run(ringing(), connected())
    assert lifecycle.unanswered_start(asked, "connect:connected") is not None
    assert lifecycle.unanswered_start(run(ringing(), connected(), started()), "connect:connected") is None
    assert lifecycle.unanswered_start(asked, "another request") is None


def test_a_recording_is_live_until_it_stops() -> None:
    assert lifecycle.is_live(only_recording(run(ringing(), connected(), started(), report(True, 5))))
    assert not lifecycle.is_live(only_recording(run(ringing(), connected(), started(), disconnected())))


def test_the_manifest_waits_while_an_announced_chunk_is_not_verified() -> None:
    announced = only_recording(run(ringing(), connected(), started(), disconnected(), files_ready(2), archived(0)))
    assert lifecycle.waiting_for_archive(announced)
    assert not lifecycle.settled_for_manifest(announced)
    assert not lifecycle.fully_archived(announced)
    assert not lifecycle.archive_done(announced)


def test_a_recording_with_every_chunk_verified_is_settled_archived_and_done() -> None:
    done = only_recording(
        run(ringing(), connected(), started(), disconnected(), files_ready(2), archived(0), archived(1))
    )
    assert lifecycle.settled_for_manifest(done)
    assert lifecycle.fully_archived(done)
    assert lifecycle.archive_done(done)
    assert all(chunk.archived for chunk in done.chunks)


def test_a_deleted_source_is_done_but_no_longer_fully_archived_at_acs() -> None:
    inputs = (ringing(), connected(), started(), disconnected(), files_ready(1), archived(0))
    deleted = ev.SourceDeleted("deleted", archived(0).at, "verify", recording_id=REC)
    recording = only_recording(run(*inputs, deleted))
    assert lifecycle.archive_done(recording)
    assert not lifecycle.fully_archived(recording)


def test_files_without_a_recording_id_go_to_the_recording_stopped_without_files() -> None:
    call = run(ringing(), connected(), started(), disconnected())
    assert lifecycle.recording_for_files(call, ["doc-0"]) is call.recording(REC)


def test_files_without_a_recording_id_go_to_a_live_recording_when_none_has_stopped() -> None:
    call = run(ringing(), connected(), started(), report(True, 5))
    assert lifecycle.recording_for_files(call, ["doc-0"]) is call.recording(REC)


def test_files_go_nowhere_when_every_recording_has_all_its_chunks() -> None:
    call = run(ringing(), connected(), started(), disconnected(), files_ready(1), archived(0))
    assert lifecycle.recording_for_files(call, ["doc-9"]) is None
    assert lifecycle.recording_for_files(call, ["doc-0"]) is call.recording(REC), "a redelivery finds its recording"


def test_a_call_is_in_the_state_of_itself_or_of_any_of_its_recordings() -> None:
    call = run(ringing(), connected(), started(), report(True, 5))
    assert lifecycle.in_state(call, "connected")
    assert lifecycle.in_state(call, "active")
    assert not lifecycle.in_state(call, "archived")
    assert {"ringing", "no_media", "source_deleted"} <= set(lifecycle.STATE_NAMES)
