"""Steps the app's emulator tests share: a call the app answered and connected, a recording it stopped."""

from __future__ import annotations

from typing import Any

from shared.layout import call_folder
from tests.integration.app.emulated import ANSWERED, Acs, body
from tests.integration.app.functions import App


def connected_call(app: App, acs: Acs) -> tuple[str, str]:
    """A call the app answered and connected; its recording is active at the emulator and in the app."""
    sid = acs.place_call(ANSWERED)
    assert app.grid(acs.grid_event(sid, "IncomingCall")) == []
    assert app.callback(acs.callback(sid, "CallConnected")).status_code == 200
    active = acs.callback(sid, "RecordingStateChanged", state="active")
    assert app.callback(active).status_code == 200
    return sid, str(body(active)["data"]["recordingId"])


def command(app: App, sid: str, action: str) -> tuple[int, dict[str, Any]]:
    status, answer = app.api("recording_command", "POST", {"callId": call_folder(sid), "action": action})
    return status, answer


def stopped_recording(app: App, acs: Acs, media_seconds: float = 0) -> tuple[str, str, dict[str, Any]]:
    """A recording of about ``media_seconds`` (plus the test's own run time) stopped by the control API; its
    ``RecordingFileStatusUpdated`` as the emulator delivered it."""
    sid, recording_id = connected_call(app, acs)
    acs.clock.advance(media_seconds)
    assert command(app, sid, "stop")[0] == 200
    return sid, recording_id, acs.grid_event(sid, "RecordingFileStatusUpdated")


def view(app: App, sid: str) -> dict[str, Any]:
    """``GET /api/calls/{callId}``."""
    status, found = app.api("get_call", "GET", {"callId": call_folder(sid)})
    assert status == 200, found
    result: dict[str, Any] = found
    return result
