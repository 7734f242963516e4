"""Legal hold on the local stack: Azurite does not implement it (``APINotImplemented``, HTTP 501; its README lists
"Version Level Worm" as not supported), so the API answers a 502 naming what storage said, and nothing changes.
A hold storage confirmed is kept in the call's Table storage rows."""

from __future__ import annotations

from dataclasses import replace

from azure.storage.blob import BlobServiceClient

from shared.handlers import legal_hold
from shared.handlers.eventgrid import handle_grid_event
from shared.layout import call_folder
from shared.legalhold import BlobLegalHolds
from shared.store.table import TableCallStore
from tests.integration.app.emulated import Acs
from tests.integration.app.flow import stopped_recording, view
from tests.integration.app.functions import App
from tests.integration.storage.blob_service import BlobService
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import world


def test_a_legal_hold_on_azurite_is_a_502_naming_its_refusal_and_the_archive_is_untouched(app: App, acs: Acs) -> None:
    sid, recording_id, event = stopped_recording(app, acs, media_seconds=1)
    for job in app.grid(event):
        app.run_chunk(job)
    before = sorted(b.name for b in app.archive.list_blobs())
    assert any(name.endswith("/manifest.json") for name in before)
    route = {"callId": call_folder(sid)}
    for method in ("POST", "DELETE"):
        status, answer = app.api("legal_hold", method, route, b'{"tag": "matter-1"}')
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
    status, answer = app.api("legal_hold", "POST", {"callId": "-"}, serverCallId=sid)
    assert status == 502
    assert call_folder(sid) in answer["error"]


def test_a_confirmed_hold_is_kept_in_the_table_state_row_and_timeline(store: TableCallStore) -> None:
    """Storage played by the recording Blob service (Azurite cannot hold); the call's state on Azurite's tables."""
    service = BlobService().start()
    try:
        w = world()
        deps = replace(w.deps, store=store)
        sid = p.server_call_id()
        handle_grid_event(p.files_ready(sid, "rec-1", chunks=1), deps)
        service.backend.blobs["recordings"] = {f"2026/11/23/{call_folder(sid)}/rec-1/chunk-0000.wav": ["v1", "v2"]}
        holds = BlobLegalHolds(BlobServiceClient(service.account_url).get_container_client("recordings"))
        reply = legal_hold.change(call_folder(sid), True, b'{"tag": "matter-9"}', replace(deps, holds=holds))
        assert (reply.status, reply.body["blobVersions"]) == (200, 2)
    finally:
        service.stop()
    stored = store.get(sid)
    assert stored is not None
    assert stored.legal_hold is not None
    assert stored.legal_hold.tag == "matter-9"
    (line,) = [t for t in store.timeline(sid) if t["event"] == "LegalHoldChanged"]
    assert (line["held"], line["tag"], line["blobVersions"], line["source"]) == (True, "matter-9", 2, "api")
