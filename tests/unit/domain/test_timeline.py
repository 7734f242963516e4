"""Timeline lines: each names the states the input left, so a reader's recording lane follows the recording."""

from __future__ import annotations

from shared.domain import Call, replay
from shared.domain import inputs as ev
from shared.domain.timeline import entry
from tests.unit.domain.builders import SID, connected, disconnected, report, ringing, started


def run(*inputs: ev.Input) -> Call:
    call = replay(SID, inputs)
    assert call is not None
    return call


def test_a_hang_up_line_shows_the_paused_recording_stopped() -> None:
    before = (ringing(), connected(), started(), report(True, 4), report(False, 30))
    assert run(*before).recordings[0].state.value == "paused"
    hang_up = disconnected(40)
    line = entry(hang_up, run(*before, hang_up))
    assert (line["callState"], line["recordingState"]) == ("disconnected", "stopped")
    assert line["verdict"] == "incomplete", "a stopped recording waits for its files"


def test_a_live_recording_line_carries_no_verdict() -> None:
    inputs = (ringing(), connected(), started(), report(True, 4))
    line = entry(inputs[-1], run(*inputs))
    assert line["recordingState"] == "active"
    assert "verdict" not in line
