"""Every cell of the transition table: the next state, "=" (kept: a late or repeated input) or "!" (illegal)."""

from __future__ import annotations

import pytest

from shared.domain import CallState, InvalidTransition, RecordingState
from shared.domain.transitions import CALL_TABLE, RECORDING_TABLE, call_target, recording_target

REC_STATES = (
    "starting", "active", "paused", "stopped", "files_ready", "archived", "source_deleted", "failed", "no_media"
)  # fmt: skip
RECORDING_EXPECTED = {
    #                 starting   active     paused     stopped    files_ready  archived   source_deleted  failed  no_media
    "report_active": ("active", "active", "active", "=", "=", "=", "=", "=", "="),
    "report_paused": ("paused", "paused", "paused", "=", "=", "=", "=", "=", "="),
    "report_stopped": ("stopped", "stopped", "stopped", "stopped", "=", "=", "=", "=", "="),
    "pause": ("!", "paused", "!", "!", "!", "!", "!", "!", "!"),
    "resume": ("!", "!", "active", "!", "!", "!", "!", "!", "!"),
    "stop": ("stopped", "stopped", "stopped", "=", "=", "=", "=", "=", "="),
    "call_ended": ("stopped", "stopped", "stopped", "=", "=", "=", "=", "=", "="),
    "start_failed": ("failed", "=", "=", "=", "=", "=", "=", "=", "="),
    "files_ready": (
        "files_ready",
        "files_ready",
        "files_ready",
        "files_ready",
        "files_ready",
        "files_ready",
        "=",
        "=",
        "files_ready",
    ),
    "chunk_archived": ("!", "!", "!", "!", "files_ready", "archived", "source_deleted", "failed", "!"),
    "chunk_requeued": ("!", "!", "!", "!", "files_ready", "=", "=", "=", "!"),
    "archive_failed": ("!", "!", "!", "!", "failed", "=", "=", "failed", "!"),
    "source_deleted": ("!", "!", "!", "!", "!", "source_deleted", "source_deleted", "!", "!"),
    "retention_warned": ("=", "=", "=", "=", "files_ready", "archived", "source_deleted", "=", "="),
    "source_expired": ("=", "=", "=", "=", "failed", "=", "=", "=", "="),
}

CALL_STATES = ("ringing", "answered", "connected", "disconnected")
CALL_EXPECTED = {
    "ring": ("ringing", "=", "=", "="),
    "answer": ("answered", "answered", "=", "="),
    "answer_failed": ("disconnected", "disconnected", "=", "="),
    "connect": ("connected", "connected", "connected", "="),
    "disconnect": ("disconnected", "disconnected", "disconnected", "disconnected"),
    "start_recording": ("ringing", "answered", "connected", "!"),
}


def _cells(expected: dict[str, tuple[str, ...]], states: tuple[str, ...]) -> list[tuple[str, str, str]]:
    return [
        (trigger, state, outcome)
        for trigger, row in expected.items()
        for state, outcome in zip(states, row, strict=True)
    ]


def test_the_tests_cover_every_trigger_of_the_tables() -> None:
    assert set(RECORDING_EXPECTED) == set(RECORDING_TABLE)
    assert set(CALL_EXPECTED) == set(CALL_TABLE)
    assert tuple(s.value for s in RecordingState) == REC_STATES
    assert tuple(s.value for s in CallState) == CALL_STATES


@pytest.mark.parametrize(("trigger", "state", "outcome"), _cells(RECORDING_EXPECTED, REC_STATES))
def test_recording_transition(trigger: str, state: str, outcome: str) -> None:
    current = RecordingState(state)
    if outcome == "!":
        with pytest.raises(InvalidTransition, match=f"recording is {state}$"):
            recording_target(trigger, current)
    elif outcome == "=":
        assert recording_target(trigger, current) is None
    else:
        assert recording_target(trigger, current) is RecordingState(outcome)


@pytest.mark.parametrize(("trigger", "state", "outcome"), _cells(CALL_EXPECTED, CALL_STATES))
def test_call_transition(trigger: str, state: str, outcome: str) -> None:
    current = CallState(state)
    if outcome == "!":
        with pytest.raises(InvalidTransition, match=f"call is {state}$"):
            call_target(trigger, current)
    elif outcome == "=":
        assert call_target(trigger, current) is None
    else:
        assert call_target(trigger, current) is CallState(outcome)


def test_an_illegal_pause_names_the_action_and_the_current_state() -> None:
    with pytest.raises(InvalidTransition) as caught:
        recording_target("pause", RecordingState.STOPPED)
    assert str(caught.value) == "cannot pause: recording is stopped"
    assert caught.value.state == "stopped"
