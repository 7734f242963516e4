"""Legal hold on the local stack: Azurite does not implement it (``APINotImplemented``, HTTP 501; its README lists
"Version Level Worm" as not supported), so the API answers a 502 naming what storage said, and nothing changes."""

from __future__ import annotations

import function_app
from shared.layout import call_folder
from tests.integration.app.emulated import Acs
from tests.integration.app.flow import stopped_recording, view
from tests.integration.app.functions import App


def test_a_legal_hold_on_azurite_is_a_502_naming_its_refusal_and_the_archive_is_untouched(app: App, acs: Acs) -> None:
    sid, recording_id, event = stopped_recording(app, acs, media_seconds=1)
    for job in app.grid(event):
        app.run_chunk(job)
    before = sorted(b.name for b in app.archive.list_blobs())
    assert any(name.endswith("/manifest.json") for name in before)
    route = {"callId": call_folder(sid)}
    for method in ("POST", "DELETE"):
        status, answer = app.api(function_app.legal_hold, method, route, b'{"tag": "matter-1"}')
        assert status == 502, answer
        assert "APINotImplemented (HTTP 501)" in answer["error"]
        assert recording_id in answer["error"]
    found = view(app, sid)
    assert found["legalHold"] is None
    assert not any(line["event"] == "LegalHoldChanged" for line in found["timeline"])
    assert sorted(b.name for b in app.archive.list_blobs()) == before


def test_a_legal_hold_names_the_call_by_its_server_call_id_too(app: App, acs: Acs) -> None:
    sid, _, event = stopped_recording(app, acs, media_seconds=1)
    for job in app.grid(event):
        app.run_chunk(job)
    status, answer = app.api(function_app.legal_hold, "POST", {"callId": "-"}, serverCallId=sid)
    assert status == 502
    assert call_folder(sid) in answer["error"]
