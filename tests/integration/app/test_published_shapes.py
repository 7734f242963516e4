"""Every published shape of ``RecordingFileStatusUpdated`` (``tests/fixtures/events/published/``) through the app
on the emulator and Azurite: each ends archived and verified, never quarantined, never silently dropped.

A published payload names placeholder ids (``{call-id}``, ``{serverCallId}``, ``{recording-id}``) and storage
objects at ``storage.asm.skype.com`` that do not exist. The test keeps each payload's shape (keys, subject form,
URL forms) and substitutes the recording the emulator really made: its ids, its document ids, its chunk list,
locations on the emulator's storage host (``us-storage.asm.skype.com``, through its TLS proxy) with the object's
real content kind, and the emulator's topic (the app checks ``ACS_RESOURCE_ID``).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from local.emulator.config import STORAGE_HOST, TOPIC
from tests.integration.app.emulated import Acs
from tests.integration.app.flow import stopped_recording, view
from tests.integration.app.functions import App

PUBLISHED = Path(__file__).parents[2] / "fixtures" / "events" / "published"
INDEX: list[dict[str, Any]] = json.loads((PUBLISHED / "index.json").read_text())
SHAPES = [row["file"] for row in INDEX if row["kind"] == "RecordingFileStatusUpdated"]
OBJECT = re.compile(r"^https://[^/]+/v1/objects/[^/]+(?P<rest>(/content/(?P<kind>[^/]+))?)$")


def published(name: str) -> dict[str, Any]:
    document = json.loads((PUBLISHED / name).read_text())
    event: dict[str, Any] = document[0] if isinstance(document, list) else document
    return event


def relocated(url: str, document_id: str, content_kind: str) -> str:
    """The published URL's form on the emulator's storage host and object; a content URL gets the object's real
    kind (the emulator serves each object's media under its own kind only), the others keep theirs."""
    match = OBJECT.match(url)
    assert match, url
    kind = match["kind"]
    if kind not in (None, "acsmetadata", "deletedata"):
        kind = content_kind
    return f"https://{STORAGE_HOST}/v1/objects/{document_id}" + (f"/content/{kind}" if kind else "")


def substituted(shape: dict[str, Any], made: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """``shape`` carrying the emulator's recording ``made`` (its full files-ready event) under ``ids``."""
    event = copy.deepcopy(shape)
    if "specVersion" in event:
        # The spec's CloudEvents example writes ``specVersion`` (a typo: CloudEvents names are lower case, FINDINGS A9).
        # Event Grid sends ``specversion``, and the Functions Python worker (azure-functions ``eventgrid.py``)
        # recognises a CloudEvent only by it, so on the stack the example travels as Event Grid would send it.
        event["specversion"] = event.pop("specVersion")
    subject = event["subject"]
    for placeholder, value in ids.items():
        subject = subject.replace(placeholder, value)
    event["subject"] = subject
    event["id"] = made["id"]
    event["topic" if "topic" in event else "source"] = TOPIC
    data = event["data"]
    if "recordingId" in data:
        data["recordingId"] = ids["{recording-id}"]
    template = data["recordingStorageInfo"]["recordingChunks"][0]
    chunks = []
    for real in made["data"]["recordingStorageInfo"]["recordingChunks"]:
        kind = OBJECT.match(real["contentLocation"])["kind"]  # type: ignore[index]
        chunk = {key: real[key] for key in template if key in ("documentId", "index", "endReason")}
        for key in ("contentLocation", "metadataLocation", "deleteLocation"):
            if key in template:
                chunk[key] = relocated(template[key], real["documentId"], kind)
        chunks.append({key: chunk[key] for key in template})
    data["recordingStorageInfo"]["recordingChunks"] = chunks
    data["recordingStartTime"] = made["data"]["recordingStartTime"]
    for key in ("recordingDurationMs", "recordingContentType", "recordingChannelType", "recordingFormatType"):
        if key in data:  # the example's values describe another recording
            data[key] = made["data"][key]
    return event


def archived(app: App, sid: str) -> dict[str, Any]:
    """The call's one recording after every job of its files-ready ran; asserts it is archived and complete."""
    (recording,) = view(app, sid)["recordings"]
    assert recording["state"] in ("archived", "source_deleted"), recording
    assert recording["verdict"] == {"verdict": "complete", "missing": []}
    assert list(app.quarantine.list_blobs()) == []
    for chunk in recording["chunks"]:
        assert app.archive.get_blob_client(chunk["blobPath"]).exists()
    return recording


@pytest.mark.parametrize("name", SHAPES)
def test_a_published_shape_for_a_recording_the_app_made_ends_archived(app: App, acs: Acs, name: str) -> None:
    sid, recording_id, made = stopped_recording(app, acs)
    call_id = made["subject"].split("/")[3]
    ids = {"{call-id}": call_id, "{serverCallId}": sid, "{recording-id}": recording_id, "{recordingId}": recording_id}
    event = substituted(published(name), made, ids)
    jobs = app.grid(event)
    assert jobs, f"{name}: nothing enqueued"
    for job in jobs:
        app.run_chunk(job)
    recording = archived(app, sid)
    assert recording["recordingId"] == recording_id
    assert recording["files"]["format"] == "wav"
    assert recording["files"]["filedUnder"] == "serverCallId"


def test_the_quickstart_shape_for_a_recording_the_app_never_saw_is_archived_under_its_server_call_id(
    app: App, acs: Acs
) -> None:
    made = acs.control("POST", "recordings/synthetic", {"format": "mp3", "durationSeconds": 2, "chunks": 1})
    sid = made["subject"].split("/serverCallId/", 1)[1].rsplit("/recordingId/", 1)[0]
    ids = {"{call-id}": made["subject"].split("/")[3], "{serverCallId}": sid, "{recording-id}": "x"}
    event = substituted(published("docs_quickstart_eg_recording_file_status_updated.json"), made, ids)
    for job in app.grid(event):
        app.run_chunk(job)
    recording = archived(app, sid)
    document = made["data"]["recordingStorageInfo"]["recordingChunks"][0]["documentId"]
    assert recording["recordingId"] == document
    files = recording["files"]
    assert (files["format"], files["kindFrom"], files["recordingIdFrom"]) == ("mp3", "metadata", "documentId")
    manifest = json.loads(app.archive.download_blob(files["manifestPath"]).readall())
    assert manifest["chunks"][0]["blobPath"].endswith(".mp3")
    assert (manifest["filedUnder"], manifest["recordingIdFrom"]) == ("serverCallId", "documentId")
    assert manifest["verdict"] == {"verdict": "complete", "missing": []}


def test_the_spec_shape_for_a_recording_the_app_never_saw_is_filed_under_the_subjects_call_id(
    app: App, acs: Acs
) -> None:
    made = acs.control("POST", "recordings/synthetic", {"format": "wav", "durationSeconds": 2, "chunks": 1})
    recording_id = made["subject"].rsplit("/recordingId/", 1)[1]
    call_id = made["subject"].split("/")[3]
    ids = {"{call-id}": call_id, "{recording-id}": recording_id}
    event = substituted(published("spec_eg_recording_file_status_updated.json"), made, ids)
    for job in app.grid(event):
        app.run_chunk(job)
    recording = archived(app, call_id)
    assert (recording["recordingId"], recording["files"]["filedUnder"]) == (recording_id, "callId")
    manifest = json.loads(app.archive.download_blob(recording["files"]["manifestPath"]).readall())
    assert (manifest["filedUnder"], manifest["serverCallId"], manifest["recordingIdFrom"]) == (
        "callId",
        call_id,
        "event",
    )


def test_files_ready_from_another_acs_resource_is_quarantined_with_the_reason(app: App, acs: Acs) -> None:
    sid, _, made = stopped_recording(app, acs)
    other = {**made, "topic": TOPIC.replace("/acs-emulator", "/someone-elses-acs")}
    assert app.grid(other) == []
    (blob,) = app.quarantine.list_blobs()
    kept = json.loads(app.quarantine.download_blob(blob.name).readall())
    assert "is not this app's ACS resource" in json.dumps(kept)
    (recording,) = view(app, sid)["recordings"]
    assert recording["state"] == "stopped", "nothing of the other resource's event was applied"
