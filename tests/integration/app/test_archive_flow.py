"""Recording files from the emulator to the archive: ``acs_events`` turns its ``RecordingFileStatusUpdated`` into
queue messages, ``archive_chunk`` downloads the real media through its TLS proxy (the unmodified SDK) into Azurite
and, with ``DELETE_SOURCE_AFTER_ARCHIVE``, deletes the recording at the emulator.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from shared import bootstrap
from shared.archive import ArchiveTransientError
from tests.integration.app.conftest import MAX_CHUNK_SECONDS
from tests.integration.app.emulated import ANSWERED, Acs
from tests.integration.app.flow import connected_call, stopped_recording, view
from tests.integration.app.functions import App, FunctionFailed

CLOUD = "/cloud"


def chunks_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = event["data"]["recordingStorageInfo"]["recordingChunks"]
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def quarantined(app: App) -> list[dict[str, Any]]:
    """The quarantine records (reason, source, payload) the app wrote."""
    return [json.loads(app.quarantine.download_blob(b.name).readall()) for b in app.quarantine.list_blobs()]


def test_files_ready_archives_the_emulators_media_and_deletes_it_there(app: App, acs: Acs) -> None:
    sid, recording_id, event = stopped_recording(app, acs, media_seconds=MAX_CHUNK_SECONDS + 1)
    chunks = chunks_of(event)
    assert [c["index"] for c in chunks] == [0, 1], "one full chunk and the rest"
    served = {c["index"]: acs.sha256(c["contentLocation"]) for c in chunks}

    jobs = app.grid(event)
    assert [json.loads(job)["index"] for job in jobs] == [0, 1]
    assert app.grid(event) == [], "a redelivered event enqueues nothing"
    streamed, small = (app.run_chunk(job) for job in jobs)
    assert streamed is None, "the full chunk was streamed with the Storage SDK"
    assert small is not None, "the short chunk left through the blob output binding"
    assert (len(small), sha256(small)) == served[1]

    (recording,) = view(app, sid)["recordings"]
    assert (recording["recordingId"], recording["state"]) == (recording_id, "source_deleted")
    manifest = json.loads(app.archive.download_blob(recording["files"]["manifestPath"]).readall())
    for chunk, entry in zip(recording["chunks"], sorted(manifest["chunks"], key=lambda e: e["index"]), strict=True):
        stored = app.archive.download_blob(chunk["blobPath"]).readall()
        assert (len(stored), sha256(stored)) == served[chunk["index"]]
        assert (chunk["size"], chunk["sha256"]) == (entry["size"], entry["sha256"]) == served[chunk["index"]]
        metadata = json.loads(app.archive.download_blob(chunk["metadataPath"]).readall())
        assert metadata["chunkIndex"] == chunk["index"]

    assert [c["deleted"] for c in acs.recording(sid)["chunks"]] == [True, True]
    with pytest.raises(HttpResponseError) as gone:
        acs.download(chunks[0]["contentLocation"])
    assert gone.value.status_code == 404


def test_files_ready_in_the_older_subject_form_is_matched_to_its_call_by_recording_id(app: App, acs: Acs) -> None:
    sid, recording_id, event = stopped_recording(app, acs)
    (chunk,) = chunks_of(event)
    served = acs.sha256(chunk["contentLocation"])
    correlation = event["subject"].split("/")[3]
    older = {**event, "subject": f"/recording/call/{correlation}/recordingId/{recording_id}"}
    assert "serverCallId" not in older["data"]

    (job,) = app.grid(older)
    assert json.loads(job)["serverCallId"] == sid
    payload = app.run_chunk(job)
    assert payload is not None
    assert (len(payload), sha256(payload)) == served
    assert view(app, sid)["recordings"][0]["state"] == "source_deleted"


def test_a_tampered_files_ready_event_is_quarantined_acknowledged_and_downloads_nothing(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs)
    tampered = copy.deepcopy(event)
    location = chunks_of(tampered)[0]["contentLocation"]
    chunks_of(tampered)[0]["contentLocation"] = location.replace("us-storage.asm.skype.com", "127.0.0.1:9443")

    assert app.grid(tampered) == []
    (kept,) = quarantined(app)
    assert (kept["source"], "contentLocation" in kept["reason"]) == ("acs_events", True)
    assert json.loads(kept["payload"])["id"] == event["id"]
    assert view(app, sid)["recordings"][0]["state"] == "stopped", "the state did not change"
    assert acs.recording(sid)["chunks"][0]["deleted"] is False

    assert len(app.grid(event)) == 1, "the genuine event is still taken"


def test_a_chunk_message_with_an_unsafe_url_is_quarantined_and_nothing_is_fetched(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs)
    (job,) = app.grid(event)
    tampered = json.loads(job)
    tampered["contentLocation"] = "https://us-storage.asm.skype.com@127.0.0.1/v1/objects/x/content/audiowav"
    assert app.run_chunk(json.dumps(tampered)) is None
    (kept,) = quarantined(app)
    assert (kept["source"], "unsafe recording URL" in kept["reason"]) == ("archive_chunk", True)
    assert view(app, sid)["recordings"][0]["chunks"][0]["state"] == "pending"
    assert acs.recording(sid)["chunks"][0]["deleted"] is False


def test_the_sweeper_re_enqueues_a_lost_chunk_message_which_then_archives(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs)
    assert len(app.grid(event)) == 1, "enqueued, then lost"
    stuck = timedelta(seconds=app.deps.settings.stuck_chunk_after_seconds + 60)
    bootstrap.use(replace(app.deps, now=lambda: datetime.now(UTC) + stuck))
    (again,) = app.sweep()
    assert (json.loads(again)["serverCallId"], json.loads(again)["attempt"]) == (sid, 1)
    assert app.run_chunk(again) is not None
    assert view(app, sid)["recordings"][0]["state"] == "source_deleted"


def test_downloads_cut_or_refused_at_the_emulator_are_retried_until_the_chunk_is_whole(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs, media_seconds=MAX_CHUNK_SECONDS + 1)
    served = {c["index"]: acs.sha256(c["contentLocation"]) for c in chunks_of(event)}
    before = acs.control("GET", "faults")["fired"]
    kinds = ("truncate", "503", "reset")
    for kind in kinds:
        acs.control("POST", "faults/downloads", {"kind": kind, "count": 1})
    for job in app.grid(event):
        delivered(app, job)
    fired = acs.control("GET", "faults")["fired"]
    assert [fired.get(kind, 0) - before.get(kind, 0) for kind in kinds] == [1, 1, 1], "every fault was served"
    (recording,) = view(app, sid)["recordings"]
    assert recording["state"] == "source_deleted"
    assert {c["index"]: (c["size"], c["sha256"]) for c in recording["chunks"]} == served


def delivered(app: App, job: str, deliveries: int = 5) -> None:
    """Deliver a queue message until the function succeeds, as the host does (up to maxDequeueCount)."""
    for _ in range(deliveries - 1):
        try:
            app.run_chunk(job)
            return
        except FunctionFailed as failed:
            if not str(failed).startswith(f"{ArchiveTransientError.__name__}: "):
                raise
            continue
    app.run_chunk(job)


def test_a_hang_up_whose_callbacks_arrive_after_the_files_still_ends_archived(app: App, acs: Acs) -> None:
    sid, recording_id = connected_call(app, acs)
    acs.control("POST", "calls/hangup", {"serverCallId": sid})
    event = acs.grid_event(sid, "RecordingFileStatusUpdated")
    (job,) = app.grid(event)
    assert app.run_chunk(job) is not None
    late = [acs.callback(sid, "RecordingStateChanged", state="inactive"), acs.callback(sid, "CallDisconnected")]
    for callback in late:
        assert app.callback(callback).status_code == 200
    found = view(app, sid)
    assert found["state"] == "disconnected"
    assert [(r["recordingId"], r["state"]) for r in found["recordings"]] == [(recording_id, "source_deleted")]


def test_a_call_delivered_in_the_cloud_events_schema_is_answered_and_archived(
    app: App, acs: Acs, unique_name: str
) -> None:
    subscription = {"name": unique_name + "ce", "endpoint": acs.hooks.url(CLOUD), "schema": "CloudEventSchemaV1_0"}
    acs.control("POST", "subscriptions", subscription)
    try:
        sid = acs.place_call(ANSWERED)
        assert app.grid(acs.grid_event(sid, "IncomingCall", CLOUD)) == []
        assert acs.call(sid)["callConnections"], "answered at the emulator"
        assert app.callback(acs.callback(sid, "CallConnected")).status_code == 200
        acs.control("POST", "calls/hangup", {"serverCallId": sid})
        (job,) = app.grid(acs.grid_event(sid, "RecordingFileStatusUpdated", CLOUD))
    finally:
        acs.control("DELETE", f"subscriptions/{subscription['name']}")
    assert app.run_chunk(job) is not None
    assert view(app, sid)["recordings"][0]["state"] == "source_deleted"
