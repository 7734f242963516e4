"""The complete / incomplete / failed verdict on a recording, from its chunks and state."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.domain import ChunkState, Recording, RecordingState, apply, new_call
from shared.domain import inputs as ev
from shared.domain.verdict import RecordingVerdict, Verdict, announced_whole, judge
from tests.unit.domain import builders as b


def _recording(chunks: int = 2, archived: tuple[int, ...] = ()) -> Recording:
    call = None
    for event in (b.ringing(), b.connected(), b.started(), b.report(True, 4), b.disconnected()):
        call = apply(call or new_call(b.SID, event), event)
    assert call is not None
    call = apply(call, b.files_ready(chunks))
    for index in archived:
        call = apply(call, b.archived(index))
    recording = call.recording(b.REC)
    assert recording is not None
    return recording


def _with_end_reason(recording: Recording, index: int, reason: str) -> Recording:
    chunks = tuple(
        replace(c, file=replace(c.file, end_reason=reason)) if c.index == index else c for c in recording.chunks
    )
    return replace(recording, chunks=chunks)


def test_every_chunk_archived_and_the_last_ending_the_session_is_complete() -> None:
    verdict = judge(_recording(2, archived=(0, 1)))
    assert verdict.verdict is Verdict.COMPLETE
    assert verdict.missing == ()


def test_a_chunk_not_yet_verified_keeps_the_recording_incomplete_and_says_which() -> None:
    verdict = judge(_recording(3, archived=(0, 2)))
    assert verdict.verdict is Verdict.INCOMPLETE
    assert verdict.missing == ("chunk 1 not verified in the archive",)


def test_a_gap_in_the_announced_indexes_is_named() -> None:
    recording = _recording(3, archived=(0, 1, 2))
    recording = replace(recording, chunks=tuple(c for c in recording.chunks if c.index != 1))
    verdict = judge(recording)
    assert verdict.verdict is Verdict.INCOMPLETE
    assert verdict.missing == ("chunk 1 not announced",)
    assert not announced_whole(recording)


def test_a_last_chunk_cut_at_the_maximum_size_means_more_chunks_follow() -> None:
    recording = _with_end_reason(_recording(2, archived=(0, 1)), 1, "ChunkMaximumSizeExceeded")
    verdict = judge(recording)
    assert verdict.verdict is Verdict.INCOMPLETE
    assert verdict.missing == ("chunk 1 ended with ChunkMaximumSizeExceeded: chunk 2 not announced",)
    assert not announced_whole(recording)


def test_an_earlier_chunk_cut_at_the_maximum_size_is_normal() -> None:
    recording = _with_end_reason(_recording(2, archived=(0, 1)), 0, "ChunkMaximumSizeExceeded")
    assert judge(recording).verdict is Verdict.COMPLETE
    assert announced_whole(recording)


def test_a_last_chunk_without_an_end_reason_ends_the_session() -> None:
    recording = _with_end_reason(_recording(1, archived=(0,)), 0, "")
    assert judge(recording).verdict is Verdict.COMPLETE


def test_a_recording_without_files_is_incomplete() -> None:
    recording = replace(_recording(1), chunks=())
    assert judge(recording).missing == ("no files announced by ACS yet",)


@pytest.mark.parametrize("state", [RecordingState.STARTING, RecordingState.ACTIVE, RecordingState.PAUSED])
def test_a_recording_still_being_recorded_is_not_judged_incomplete(state: RecordingState) -> None:
    recording = replace(_recording(1), chunks=(), state=state)
    assert judge(recording) == RecordingVerdict(verdict=Verdict.RECORDING)


def test_a_failed_recording_says_why() -> None:
    recording = replace(_recording(1), state=RecordingState.FAILED, reason="source expired")
    verdict = judge(recording)
    assert verdict.verdict is Verdict.FAILED
    assert verdict.as_json() == {"verdict": "failed", "missing": ["source expired"]}


def test_pending_chunks_are_the_ones_counted_unverified() -> None:
    recording = _recording(2, archived=(0,))
    assert [c.state for c in recording.chunks] == [ChunkState.ARCHIVED, ChunkState.PENDING]
    assert judge(recording).missing == ("chunk 1 not verified in the archive",)


def _ended(*reports: bool) -> Recording:
    """A recording started paused-on-start, with these state reports, whose call then ended."""
    paused = ev.CallConnected(
        "connected",
        b.at(2),
        "callback",
        call_connection_id="conn-1",
        correlation_id="corr",
        start=replace(b.OPTIONS, pause_on_start=True),
    )
    events = [b.ringing(), paused, b.started(), b.report(False, 3.5)]
    events += [b.report(active, 4 + n) for n, active in enumerate(reports)]
    call = None
    for event in (*events, b.disconnected()):
        call = apply(call or new_call(b.SID, event), event)
    assert call is not None
    recording = call.recording(b.REC)
    assert recording is not None
    return recording


def test_a_recording_paused_on_start_and_never_resumed_ends_with_no_media() -> None:
    recording = _ended()
    assert recording.state is RecordingState.NO_MEDIA
    assert judge(recording).verdict is Verdict.NO_MEDIA
    assert judge(recording).missing == ()


def test_a_recording_resumed_once_waits_for_its_files() -> None:
    recording = _ended(True, False)
    assert recording.state is RecordingState.STOPPED
    assert judge(recording).verdict is Verdict.INCOMPLETE


def test_files_for_a_no_media_recording_are_still_taken() -> None:
    recording = _ended()
    call = apply(new_call(b.SID, b.ringing()), b.ringing())
    call = apply(replace(call, recordings=(recording,)), b.files_ready(1))
    taken = call.recording(b.REC)
    assert taken is not None
    assert taken.state is RecordingState.FILES_READY


def test_a_recording_started_unpaused_whose_active_report_was_lost_still_waits_for_files() -> None:
    call = None
    for event in (b.ringing(), b.connected(), b.started(), b.disconnected()):
        call = apply(call or new_call(b.SID, event), event)
    assert call is not None
    recording = call.recording(b.REC)
    assert recording is not None
    assert recording.state is RecordingState.STOPPED


def test_a_gap_up_to_an_enormous_claimed_index_is_one_line_not_one_per_index() -> None:
    recording = _recording(3, archived=(0, 1, 2))
    last = recording.chunks[2]
    far = replace(last, file=replace(last.file, index=10**12))
    verdict = judge(replace(recording, chunks=(recording.chunks[0], far)))
    assert verdict.missing[0] == "chunks 1 to 999999999999 not announced"
    assert len(verdict.missing) == 1
