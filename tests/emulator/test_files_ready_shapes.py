"""The published shapes of RecordingFileStatusUpdated the emulator can send, checked against Microsoft's own
payloads in ``tests/fixtures/events/published/``; a recording that never recorded sends nothing."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from azure.communication.callautomation import (
    CallAutomationClient,
    ChannelAffinity,
    CommunicationUserIdentifier,
    RecordingChannel,
    RecordingContent,
    RecordingFormat,
)

from tests.emulator.conftest import Control
from tests.emulator.flow import AGENT, answered_call, of_type
from tests.emulator.receiver import Receiver

PUBLISHED = Path(__file__).parents[1] / "fixtures" / "events" / "published"
# shape -> the published payload it follows. ``full`` follows no single one: the concepts page's long subject, the
# spec example's content/channel/format types, and the object as delete location (the newer form,
# reference/acs-protocol.md section 4), so each part is checked against its own source.
SHAPES = {
    "quickstart": "docs_quickstart_eg_recording_file_status_updated.json",
    "spec-example": "spec_eg_recording_file_status_updated.json",
    "byos": "docs_byos_eg_recording_file_status_updated.json",
}
FULL_SUBJECT = "docs_concepts_eg_recording_file_status_updated_long_subject.json"
FULL_DATA = "spec_eg_recording_file_status_updated.json"
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def subject_form(subject: str) -> str:
    """The subject with its ids replaced by ``{}`` (``/recording/call/{}/serverCallId/{}``)."""
    parts = subject.strip("/").split("/")
    names = ("call", "serverCallId", "recordingId")
    form, index = [], 0
    while index < len(parts):
        form.append(parts[index])
        if parts[index] in names or (index == 1 and parts[0] == "recording"):
            index += 1
            # a serverCallId may hold "/": it runs to the next known name
            while index + 1 < len(parts) and parts[index + 1] not in names:
                index += 1
            form.append("{}")
        index += 1
    return "/" + "/".join(form)


def shape_of(event: dict[str, Any]) -> tuple[str, set[str], set[str], str]:
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    delete = chunk.get("deleteLocation", "")
    delete_form = "content" if "/content/" in delete else ("object" if delete else "none")
    return subject_form(PLACEHOLDER.sub("x", event["subject"])), set(event["data"]), set(chunk), delete_form


def recorded(control: Control, sdk: CallAutomationClient, receiver: Receiver, **options: Any) -> dict[str, Any]:
    answered = answered_call(control, sdk, receiver)
    rid = sdk.start_recording(call_connection_id=answered.call_connection_id, **options).recording_id
    time.sleep(0.2)
    sdk.stop_recording(rid)
    sid = answered.server_call_id
    found = receiver.wait(
        lambda ev: [e for e in of_type(ev, "RecordingFileStatusUpdated") if sid in e["subject"] or rid in e["subject"]],
        what="RecordingFileStatusUpdated",
    )
    return found[0]


def published(name: str) -> dict[str, Any]:
    found = json.loads((PUBLISHED / name).read_text())
    event: dict[str, Any] = found[0] if isinstance(found, list) else found
    return event


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_shape_has_the_subject_fields_and_delete_location_of_its_published_payload(
    shape: str, control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    assert control("POST", "settings", {"filesReadyShape": shape}).status_code == 200
    event = recorded(control, sdk, subscribed)
    assert shape_of(event) == shape_of(published(SHAPES[shape]))


def test_the_full_shape_has_the_long_subject_every_type_and_the_object_as_delete_location(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    subject, data, chunk, delete = shape_of(recorded(control, sdk, subscribed))
    assert subject == shape_of(published(FULL_SUBJECT))[0]
    assert (data, chunk) == shape_of(published(FULL_DATA))[1:3]
    assert delete == "object"


def test_an_unknown_shape_is_refused(control: Control) -> None:
    response = control("POST", "settings", {"filesReadyShape": "imagined"})
    assert response.status_code == 400
    assert "quickstart" in response.text


def test_a_recording_started_paused_and_never_resumed_sends_no_files_ready(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    assert control("POST", "settings", {"filesReadyDelaySeconds": 0.05}).status_code == 200
    answered = answered_call(control, sdk, subscribed)
    rid = sdk.start_recording(call_connection_id=answered.call_connection_id, pause_on_start=True).recording_id
    sdk.stop_recording(rid)
    paused_then_resumed = sdk.start_recording(call_connection_id=answered.call_connection_id, pause_on_start=True)
    sdk.resume_recording(paused_then_resumed.recording_id)
    time.sleep(0.1)
    sdk.stop_recording(paused_then_resumed.recording_id)
    subscribed.wait(
        lambda ev: [e for e in of_type(ev, "RecordingFileStatusUpdated") if e["subject"].endswith(paused_then_resumed.recording_id)],
        what="files-ready of the resumed recording",
    )  # fmt: skip
    assert [e for e in of_type(subscribed.events(), "RecordingFileStatusUpdated") if e["subject"].endswith(rid)] == []
    listed = {r["recordingId"]: r for r in control("GET", "recordings").json()}
    assert listed[rid].get("chunks", []) == []


def test_channel_affinity_on_a_mixed_recording_is_accepted(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    started = sdk.start_recording(
        call_connection_id=answered.call_connection_id,
        recording_content_type=RecordingContent.AUDIO,
        recording_channel_type=RecordingChannel.MIXED,
        recording_format_type=RecordingFormat.MP3,
        channel_affinity=[ChannelAffinity(target_participant=CommunicationUserIdentifier(AGENT), channel=0)],
    )
    assert started.recording_id
