"""What ACS reports when the sweeper asks (CallReconciled, RecordingReconciled) and which calls it asks about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain import Call, CallState, RecordingState, connect_request_id, replay
from shared.domain import inputs as ev
from shared.domain.reconcile import (
    call_due,
    connect_missed,
    needs_sweeper,
    recordings_due,
    start_due,
    unsettled,
)
from tests.unit.domain.builders import (
    OPTIONS,
    REC,
    SID,
    archived,
    at,
    connected,
    disconnected,
    files_ready,
    report,
    ringing,
    started,
)

AFTER = timedelta(seconds=120)


def run(*inputs: ev.Input) -> Call:
    call = replay(SID, inputs)
    assert call is not None
    return call


def answered(t: float = 1) -> ev.CallAnswered:
    return ev.CallAnswered("answered", at(t), "eventgrid", call_connection_id="conn-1")


def reconciled_up(t: float = 200, event_id: str = "reconciled:connected:conn-1") -> ev.CallReconciled:
    return ev.CallReconciled(event_id, at(t), "sweeper", connected=True, call_connection_id="conn-1", start=OPTIONS)


def reconciled_ended(t: float = 200) -> ev.CallReconciled:
    return ev.CallReconciled("reconciled:ended:conn-1", at(t), "sweeper", call_connection_id="conn-1", reason="404")


def acs_says(status: str, t: float) -> ev.RecordingReconciled:
    return ev.RecordingReconciled(f"reconciled:{status}:{t}", at(t), "sweeper", recording_id=REC, status=status)


def started_at(request_id: str, t: float) -> ev.RecordingStarted:
    return ev.RecordingStarted(f"started:{request_id}", at(t), "sweeper", request_id=request_id, recording_id=REC)


def test_an_answered_call_acs_reports_connected_is_connected_with_a_start_pending() -> None:
    call = run(ringing(), answered(), reconciled_up())
    assert call.state is CallState.CONNECTED
    assert call.latest is not None
    assert call.latest.state is RecordingState.STARTING
    assert call.latest.request_id == connect_request_id("reconciled:connected:conn-1")
    assert call.latest.options == OPTIONS


def test_a_late_call_connected_after_reconciliation_starts_no_second_recording() -> None:
    request_id = connect_request_id("reconciled:connected:conn-1")
    call = run(ringing(), answered(), reconciled_up(), started_at(request_id, 201), connected(t=2))
    assert len(call.recordings) == 1
    assert call.recordings[0].recording_id == REC


def test_reconciling_a_call_already_recorded_starts_nothing() -> None:
    call = run(ringing(), answered(), connected(), reconciled_up(event_id="reconciled:connected:again"))
    assert [r.request_id for r in call.recordings] == [connect_request_id("connected")]


def test_a_call_acs_no_longer_knows_is_disconnected_and_its_recording_stopped() -> None:
    call = run(ringing(), answered(), connected(), started_at(connect_request_id("connected"), 3), reconciled_ended())
    assert call.state is CallState.DISCONNECTED
    assert call.reason == "404"
    assert call.recordings[0].state is RecordingState.STOPPED


def test_a_reconciled_connect_after_the_call_ended_changes_nothing() -> None:
    call = run(ringing(), answered(), disconnected(t=100), reconciled_up(t=200))
    assert call.state is CallState.DISCONNECTED
    assert call.recordings == ()


@pytest.mark.parametrize(
    ("before", "status", "after"),
    [
        ((), "active", RecordingState.ACTIVE),
        ((), "inactive", RecordingState.PAUSED),
        ((), "gone", RecordingState.FAILED),
        ((report(True, 10),), "inactive", RecordingState.PAUSED),
        ((report(True, 10),), "gone", RecordingState.STOPPED),
        ((report(False, 10),), "active", RecordingState.ACTIVE),
    ],
)
def test_a_live_recording_follows_what_acs_reports(
    before: tuple[ev.Input, ...], status: str, after: RecordingState
) -> None:
    base = (ringing(), answered(), connected(), started_at(connect_request_id("connected"), 3))
    call = run(*base, *before, acs_says(status, 200))
    assert call.recordings[0].state is after


def test_a_recording_acs_dropped_while_starting_fails_with_a_reason() -> None:
    call = run(ringing(), answered(), connected(), started_at(connect_request_id("connected"), 3), acs_says("gone", 9))
    assert call.recordings[0].reason == "ACS no longer knows the recording"


def test_an_older_reconciled_report_does_not_undo_a_newer_callback() -> None:
    base = (ringing(), answered(), connected(), started_at(connect_request_id("connected"), 3))
    call = run(*base, report(True, 300), acs_says("inactive", 200))
    assert call.recordings[0].state is RecordingState.ACTIVE
    call = run(*base, acs_says("inactive", 200), report(True, 150))
    assert call.recordings[0].state is RecordingState.PAUSED, "an older callback arriving late is ignored"


def test_an_inactive_recording_of_an_ended_call_is_stopped_not_paused() -> None:
    late = ev.RecordingStateReported("late", at(50), "callback", recording_id=REC, active=True)
    call = run(ringing(), answered(), connected(start=False), disconnected(t=40), late, acs_says("inactive", 200))
    assert call.recordings[0].state is RecordingState.STOPPED


def test_an_unknown_reconciled_status_is_refused() -> None:
    base = (ringing(), answered(), connected(), started_at(connect_request_id("connected"), 3))
    with pytest.raises(ValueError, match="unknown reconciled recording status"):
        run(*base, acs_says("paused", 200))


def test_answered_and_connected_calls_and_live_recordings_are_unsettled() -> None:
    assert not unsettled(run(ringing()))
    assert unsettled(run(ringing(), answered()))
    assert unsettled(run(ringing(), answered(), connected()))
    assert not unsettled(run(ringing(), answered(), connected(), started(), disconnected()))
    assert unsettled(run(ringing(), answered(), connected(), disconnected())), "a start ACS has not named yet"
    assert unsettled(run(report(True, 0))), "a live recording of a call the app did not answer"


def test_the_sweeper_keeps_calls_waiting_for_the_archive_and_unsettled_ones() -> None:
    ended = run(ringing(), answered(), connected(start=False), report(True, 3), disconnected())
    assert not needs_sweeper(ended)
    assert needs_sweeper(
        run(ringing(), answered(), connected(start=False), report(True, 3), disconnected(), files_ready())
    )
    assert needs_sweeper(run(ringing(), answered()))


def test_a_call_is_due_once_quiet_for_the_threshold() -> None:
    call = run(ringing(), answered(t=1))
    assert not call_due(call, at(120), AFTER)
    assert call_due(call, at(121), AFTER)
    assert connect_missed(call)
    assert not call_due(run(ringing()), at(1000), AFTER), "a ringing call is not the app's yet"


def test_only_named_live_recordings_quiet_for_the_threshold_are_due() -> None:
    call = run(ringing(), answered(), connected(), started_at(connect_request_id("connected"), 3), report(True, 10))
    assert recordings_due(call, at(129), AFTER) == ()
    assert [r.recording_id for r in recordings_due(call, at(130), AFTER)] == [REC]
    assert recordings_due(run(ringing(), answered(), connected()), at(10_000), AFTER) == (), "no recordingId yet"


def test_a_start_without_an_outcome_is_due_after_the_threshold() -> None:
    call = run(ringing(), answered(), connected(t=2))
    assert start_due(call, at(121), AFTER) is None
    pending = start_due(call, at(122), AFTER)
    assert pending is not None
    assert pending.request_id == connect_request_id("connected")
    assert not connect_missed(call), "connected, and its recording is pending"


def test_a_start_acs_has_not_named_outlives_the_call_until_acs_names_it() -> None:
    """The start's answer was lost (storage down); ACS's callbacks about the recording arrived; the call ended."""
    lost = (ringing(), answered(), connected(t=2), report(True, 5), disconnected(t=40), files_ready(), archived(0))
    call = run(*lost, archived(1))
    pending = call.pending_start
    assert pending is not None
    assert pending.state is RecordingState.STARTING
    assert needs_sweeper(call)
    assert start_due(call, at(71 + 120), AFTER) == pending

    call = run(*lost, archived(1), started_at(connect_request_id("connected"), 200))

    (recording,) = call.recordings
    assert (recording.recording_id, recording.request_id) == (REC, connect_request_id("connected"))
    assert recording.state is RecordingState.ARCHIVED
    assert not needs_sweeper(call)


def test_a_start_named_after_the_call_ended_is_stopped() -> None:
    call = run(
        ringing(), answered(), connected(t=2), disconnected(t=40), started_at(connect_request_id("connected"), 41)
    )
    (recording,) = call.recordings
    assert (recording.recording_id, recording.state) == (REC, RecordingState.STOPPED)
