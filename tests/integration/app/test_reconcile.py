"""Callbacks lost for good (the app's callback URL unreachable, as while its storage is down): the sweeper asks the
emulator and settles the call the way the lost callbacks would have: the recording starts, its state follows ACS,
the ended call is disconnected, and Event Grid's files-ready still archives it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.azurite import free_port
from local.client import wait_for
from shared import bootstrap
from tests.integration.app.emulated import ANSWERED, WAIT_SECONDS, Acs
from tests.integration.app.flow import view
from tests.integration.app.functions import App


@pytest.fixture
def lost_callbacks(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """The app with a callback URL nobody listens on (ACS's few retries fail) and reconciliation at once."""
    monkeypatch.setenv("CALLBACK_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("RECONCILE_AFTER_SECONDS", "0")
    bootstrap.reset()
    yield app
    bootstrap.reset()


def emulator_state(acs: Acs, sid: str, wanted: str) -> bool:
    return bool(acs.call(sid)["state"] == wanted)


def test_a_call_whose_call_connected_was_lost_is_recorded_after_a_sweep(lost_callbacks: App, acs: Acs) -> None:
    app = lost_callbacks
    sid = acs.place_call(ANSWERED)
    assert app.grid(acs.grid_event(sid, "IncomingCall")) == []
    wait_for(lambda: emulator_state(acs, sid, "connected"), "the call connected at the emulator", WAIT_SECONDS, 0.05)
    assert view(app, sid)["state"] == "answered"
    assert acs.recordings(sid) == [], "nothing starts a recording without CallConnected"

    assert app.sweep() == []
    (recording,) = acs.recordings(sid)
    assert recording["recordingState"] == "active"
    assert acs.callbacks(sid, "CallConnected") == [], "the callback never reached anyone"
    called = view(app, sid)
    assert called["state"] == "connected"
    assert [(r["recordingId"], r["state"]) for r in called["recordings"]] == [(recording["recordingId"], "starting")]

    app.sweep()
    app.sweep()
    assert len(acs.recordings(sid)) == 1, "later sweeps start no second recording"
    assert [r["state"] for r in view(app, sid)["recordings"]] == ["active"], "the lost state callback, reconciled"


def test_a_call_that_ended_while_callbacks_were_lost_is_disconnected_and_archived(
    lost_callbacks: App, acs: Acs
) -> None:
    app = lost_callbacks
    sid = acs.place_call(ANSWERED)
    app.grid(acs.grid_event(sid, "IncomingCall"))
    wait_for(lambda: emulator_state(acs, sid, "connected"), "the call connected at the emulator", WAIT_SECONDS, 0.05)
    app.sweep()
    acs.control("POST", "calls/hangup", {"serverCallId": sid})

    app.sweep()
    ended = view(app, sid)
    assert ended["state"] == "disconnected"
    assert [r["state"] for r in ended["recordings"]] == ["stopped"]

    jobs = app.grid(acs.grid_event(sid, "RecordingFileStatusUpdated"))
    assert jobs, "files-ready comes through Event Grid, which did not lose it"
    for job in jobs:
        app.run_chunk(job)
    assert [r["state"] for r in view(app, sid)["recordings"]] == ["source_deleted"]
