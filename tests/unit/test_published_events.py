"""Every payload Microsoft publishes (``tests/fixtures/events/published/``, sources in its README and ``index.json``)
goes through the parsing edge and comes out as the right typed event, or as an ignore this file documents; never
as a parse error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.config import ACS_HOST_SUFFIXES
from shared.wire import (
    CallbackEvent,
    EventParseError,
    IncomingCall,
    RecordingFilesReady,
    kind_from_metadata,
    parse_callbacks,
    parse_grid_event,
)

PUBLISHED = Path(__file__).parents[1] / "fixtures" / "events" / "published"
INDEX: list[dict[str, Any]] = json.loads((PUBLISHED / "index.json").read_text())
SUFFIXES = tuple(ACS_HOST_SUFFIXES.split(","))


def rows(*schemas: str) -> list[dict[str, Any]]:
    return [row for row in INDEX if row["schema"] in schemas]


def params(found: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(row, id=row["file"]) for row in found]


def items(row: dict[str, Any]) -> list[Any]:
    document = json.loads((PUBLISHED / row["file"]).read_text())
    return document if isinstance(document, list) else [document]


def test_the_index_lists_every_payload_file_and_only_known_schemas() -> None:
    files = {p.name for p in PUBLISHED.glob("*.json")} - {"index.json"}
    assert files == {row["file"] for row in INDEX}
    known = {"eventgrid", "cloudevents", "callback-single", "callback-array", "data-only", "metadata", "rest-response"}
    assert {row["schema"] for row in INDEX} <= known


@pytest.mark.parametrize("row", params(rows("eventgrid", "cloudevents")))
def test_every_published_event_grid_event_parses_to_its_typed_event(row: dict[str, Any]) -> None:
    expected = {"RecordingFileStatusUpdated": RecordingFilesReady, "IncomingCall": IncomingCall}[row["kind"]]
    for raw in items(row):
        event = parse_grid_event(raw, SUFFIXES)
        assert isinstance(event, expected)
        assert event.event_id == raw["id"]


FORMS = {  # subjectForm -> (has serverCallId, has recordingId in the subject)
    "spec": (False, True),
    "quickstart": (True, False),
    "long": (True, True),
}


@pytest.mark.parametrize("row", params([r for r in rows("eventgrid", "cloudevents") if r["subjectForm"] in FORMS]))
def test_every_published_subject_form_yields_the_ids_it_carries(row: dict[str, Any]) -> None:
    has_server, has_recording = FORMS[row["subjectForm"]]
    for raw in items(row):
        event = parse_grid_event(raw, SUFFIXES)
        assert isinstance(event, RecordingFilesReady)
        assert event.call_id == "{call-id}"
        assert (event.server_call_id is not None) == has_server
        named = event.recording_id is not None
        assert named == (has_recording or "recordingId" in raw["data"])
        chunk = event.chunks[0]
        assert chunk.delete_location.startswith(f"https://storage.asm.skype.com/v1/objects/{chunk.document_id}")


def test_a_published_event_without_types_leaves_them_to_be_derived() -> None:
    (raw,) = items({"file": "docs_quickstart_eg_recording_file_status_updated.json"})
    event = parse_grid_event(raw, SUFFIXES)
    assert isinstance(event, RecordingFilesReady)
    assert (event.content_type, event.channel_type, event.format, event.recording_id) == (None, None, None, None)


def test_a_published_event_without_a_delete_location_deletes_the_content_locations_object() -> None:
    (raw,) = items({"file": "docs_concepts_eg_recording_file_status_updated_server_subject.json"})
    event = parse_grid_event(raw, SUFFIXES)
    assert isinstance(event, RecordingFilesReady)
    document = event.chunks[0].document_id
    assert event.chunks[0].delete_location == f"https://storage.asm.skype.com/v1/objects/{document}"


@pytest.mark.parametrize("row", params(rows("callback-single", "callback-array")))
def test_every_published_callback_parses_to_callback_events_of_its_kinds(row: dict[str, Any]) -> None:
    body = json.dumps(items(row)).encode()
    events = parse_callbacks(body)
    assert all(isinstance(e, CallbackEvent) for e in events)
    assert [e.kind for e in events] == row["kind"].split("+")


def test_the_published_incoming_call_data_maps_to_an_incoming_call() -> None:
    """The SDK's harness keeps only the data of IncomingCall; it is wrapped in the spec example's envelope."""
    (envelope,) = items({"file": "spec_eg_incoming_call.json"})
    (data,) = items({"file": "sdkpy_incoming_call_data.json"})
    event = parse_grid_event({**envelope, "data": data}, SUFFIXES)
    assert isinstance(event, IncomingCall)
    assert event.server_call_id == data["serverCallId"]


def test_the_published_metadata_document_states_its_recordings_kind_even_with_swapped_keys() -> None:
    (document,) = items({"file": "sdkjs_metadata_mixed_audiovideo_mp4.json"})
    kind = kind_from_metadata(json.dumps(document).encode())
    assert (kind.content, kind.channel, kind.format) == ("audioVideo", "mixed", "mp4")


def test_the_recording_result_response_is_documented_as_not_an_event() -> None:
    """``rest-response`` is the body of ``GET /calling/recordings/{id}/result`` (not in SDK 1.6.0, which the app uses),
    not a delivery: it is not parsed as one. Its chunk list has the event's chunk shape, but the SDK's test harness
    replaced the hosts with "sanitized", which the URL guard refuses as it must."""
    (row,) = rows("rest-response")
    (body,) = items(row)
    assert "eventType" not in body
    assert "type" not in body
    envelope = {
        "id": "result",
        "subject": "/recording/call/c",
        "eventType": "Microsoft.Communication.RecordingFileStatusUpdated",
        "eventTime": body["recordingStartTime"],
        "data": body,
    }
    with pytest.raises(EventParseError, match="not a safe recording URL"):
        parse_grid_event(envelope, SUFFIXES)
