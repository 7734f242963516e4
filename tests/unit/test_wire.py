"""The parsing edge: documented example events in both schemas, callbacks, and malformed input."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.config import ACS_HOST_SUFFIXES
from shared.wire import (
    CallbackEvent,
    EventParseError,
    Identity,
    IgnoredEvent,
    IncomingCall,
    RecordingFilesReady,
    parse_callbacks,
    parse_grid_event,
    parse_timestamp,
)

SUFFIXES = tuple(ACS_HOST_SUFFIXES.split(","))
FIXTURES = Path(__file__).parents[1] / "fixtures" / "events"
SERVER_CALL_ID = (
    "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcC9jb252LXVzZWEyLTAxLmNvbnYuc2t5cGUuY29tL2NvbnYv"
    "ZXhhbXBsZT9pPTEwJmU9NjM4/Mjk="
)
RECORDING_ID = (
    "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiIwNTAwMjM4MC1hYWFlLTRiMDUtYWMyOS0wY2FiNWZlZjRlMjkiLCJSZXNvdXJjZVNwZWNpZmljSWQi"
    "OiJiYjk4YzIxMC1iZDg3LTQ3MTgtYTYwNy01NjZhNDBlN2RmNTMifQ"
)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def grid(name: str) -> dict[str, Any]:
    event: dict[str, Any] = load(name)[0]
    return event


def parse(raw: Any) -> Any:
    return parse_grid_event(raw, SUFFIXES)


# ---- timestamps ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-04T17:18:42.5542219Z", datetime(2023, 4, 4, 17, 18, 42, 554221, UTC)),
        ("2025-03-17T05:20:53.3842609+00:00", datetime(2025, 3, 17, 5, 20, 53, 384260, UTC)),
        ("2025-03-17T07:20:53+02:00", datetime(2025, 3, 17, 5, 20, 53, tzinfo=UTC)),
        ("2025-03-16T23:20:53.5-06:00", datetime(2025, 3, 17, 5, 20, 53, 500000, UTC)),
        ("2025-03-17T05:20:53.123456789z", datetime(2025, 3, 17, 5, 20, 53, 123456, UTC)),
        ("2025-03-17 05:20:53Z", datetime(2025, 3, 17, 5, 20, 53, tzinfo=UTC)),
    ],
)
def test_parses_timestamps_with_any_fraction_into_aware_utc(text: str, expected: datetime) -> None:
    stamp = parse_timestamp(text)
    assert stamp == expected
    assert stamp.utcoffset() == timedelta(0)
    assert stamp.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "2025-03-17T05:20:53", "2025-03-17", "yesterday", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
     "0001-01-01T00:00:00+01:00", "2025-03-17T05:20:53+24:00", "2025-03-17T05:20:53.Z"],
)  # fmt: skip
def test_refuses_timestamps_without_zone_or_out_of_range(text: str) -> None:
    with pytest.raises(EventParseError, match="timestamp"):
        parse_timestamp(text)


# ---- IncomingCall ----


def test_parses_the_documented_incoming_call_in_the_event_grid_schema() -> None:
    event = parse(grid("eg_incoming_call.json"))
    assert event == IncomingCall(
        event_id="e80026e7-e8f4-4a3a-9a4c-1c1d8b7b5b11",
        server_call_id=SERVER_CALL_ID,
        correlation_id="d591a5a2-4a8b-4c6e-9a3c-1e2f3a4b5c6d",
        incoming_call_context="eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJjYyI6Ikg0c0lBQUFBIn0.",
        caller=Identity("4:+14255550123", "phoneNumber"),
        callee=Identity("4:+14255550199", "phoneNumber"),
        caller_display_name="VOIP Caller",
        occurred_at=datetime(2023, 4, 4, 17, 18, 42, 554221, UTC),
    )


def test_parses_the_documented_incoming_call_as_a_cloud_event() -> None:
    event = parse(grid("ce_incoming_call.json"))
    assert isinstance(event, IncomingCall)
    assert event.event_id == "e80026e7-e8f4-4a3a-9a4c-1c1d8b7b5b12"
    assert event.caller == Identity("8:acs:res_caller", "communicationUser")
    assert event.callee == Identity("8:acs:res_callee", "communicationUser")
    assert event.occurred_at == datetime(2023, 4, 4, 17, 18, 42, 554221, UTC)


@pytest.mark.parametrize(
    ("identifier", "kind"),
    [
        ({"rawId": "4:+1425", "kind": "PhoneNumber"}, "phoneNumber"),
        ({"rawId": "8:orgid:abc", "kind": "microsoftTeamsUser"}, "microsoftTeamsUser"),
        ({"rawId": "28:bot", "kind": "microsoftTeamsApp"}, "unknown"),
        ({"rawId": "4:+1425"}, "phoneNumber"),
        ({"rawId": "8:acs:res_u1"}, "communicationUser"),
        ({"rawId": "8:orgid:abc"}, "microsoftTeamsUser"),
        ({"rawId": "x", "microsoftTeamsUser": {"userId": "abc"}}, "microsoftTeamsUser"),
        ({"rawId": "something-else"}, "unknown"),
    ],
)
def test_normalises_identity_kinds(identifier: dict[str, Any], kind: str) -> None:
    raw = grid("eg_incoming_call.json")
    raw["data"]["from"] = identifier
    assert parse(raw).caller == Identity(identifier["rawId"], kind)


@pytest.mark.parametrize("key", ["serverCallId", "correlationId", "incomingCallContext"])
def test_the_ids_and_context_the_typespec_marks_optional_may_be_absent(key: str) -> None:
    raw = grid("eg_incoming_call.json")
    del raw["data"][key]
    event = parse(raw)
    assert isinstance(event, IncomingCall)
    attribute = {"serverCallId": "server_call_id", "correlationId": "correlation_id"}.get(key, "incoming_call_context")
    assert getattr(event, attribute) == ""


def test_an_identifier_without_a_raw_id_takes_it_from_its_kinds_object() -> None:
    raw = grid("eg_incoming_call.json")
    del raw["data"]["from"]["rawId"]
    event = parse(raw)
    assert event.caller.raw_id == "4:" + raw["data"]["from"]["phoneNumber"]["value"]


def test_a_missing_caller_display_name_is_empty() -> None:
    raw = grid("eg_incoming_call.json")
    del raw["data"]["callerDisplayName"]
    assert parse(raw).caller_display_name == ""


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("id",), None, "id is missing"),
        (("id",), 7, "id must be a string"),
        (("id",), "", "id is empty"),
        (("eventType",), None, "eventType is missing"),
        (("eventTime",), None, "eventTime is missing"),
        (("eventTime",), "2023-04-04T17:18:42", "eventTime: not an ISO 8601"),
        (("data",), None, "data is missing"),
        (("data",), "text", "data must be an object"),
        (("data", "serverCallId"), ["x"], "data.serverCallId must be a string"),
        (("data", "from"), None, "data.from is missing"),
        (("data", "from"), {"kind": "phoneNumber"}, "data.from.rawId is missing and no identifier object names one"),
        (("data", "incomingCallContext"), 5, "data.incomingCallContext must be a string"),
        (("data", "to"), "8:acs:x", "data.to must be an object"),
        (("data", "to", "kind"), 3, "data.to.kind must be a string"),
        (("data", "callerDisplayName"), 5, "data.callerDisplayName must be a string"),
    ],
)
def test_a_malformed_incoming_call_names_the_field(path: tuple[str, ...], value: Any, reason: str) -> None:
    raw = _set(grid("eg_incoming_call.json"), path, value)
    with pytest.raises(EventParseError) as caught:
        parse(raw)
    assert reason in caught.value.reason


# ---- RecordingFileStatusUpdated ----


def test_parses_the_documented_recording_files_event_with_every_chunk_in_index_order() -> None:
    event = parse(grid("eg_recording_file_status_updated.json"))
    assert isinstance(event, RecordingFilesReady)
    assert event.event_id == "7283825e-f8f1-4c61-a9ea-752c56890500"
    assert event.server_call_id == SERVER_CALL_ID
    assert event.call_id == "36cf910b-932c-4101-a443-04e11a98aba5"
    assert event.recording_id == RECORDING_ID
    assert [c.index for c in event.chunks] == [0, 1]
    first = event.chunks[0]
    assert first.document_id == "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8"
    assert first.end_reason == "ChunkMaximumSizeExceeded"
    assert first.content_location.endswith(f"/v1/objects/{first.document_id}/content/audiowav")
    assert first.metadata_location.endswith(f"/v1/objects/{first.document_id}/content/acsmetadata")
    assert first.delete_location.endswith(f"/v1/objects/{first.document_id}")
    assert event.chunks[1].end_reason == "SessionEnded"
    assert event.recording_start == datetime(2021, 7, 27, 15, 20, 23, 608975, UTC)
    assert event.occurred_at == datetime(2021, 7, 27, 15, 20, 34, 219932, UTC)
    assert (event.duration_ms, event.session_end_reason) == (6620, "CallEnded")
    assert (event.content_type, event.channel_type, event.format) == ("audio", "unmixed", "wav")
    assert event.storage_type == "acs"


def test_the_older_subject_form_has_no_server_call_id() -> None:
    event = parse(grid("ce_recording_file_status_updated_old_subject.json"))
    assert isinstance(event, RecordingFilesReady)
    assert event.server_call_id is None
    assert (event.call_id, event.recording_id) == ("36cf910b-932c-4101-a443-04e11a98aba5", RECORDING_ID)
    assert (event.content_type, event.channel_type, event.format) == ("audioVideo", "mixed", "mp4")
    assert event.occurred_at == datetime(2021, 7, 27, 15, 20, 34, 219932, UTC)


def test_the_older_subject_form_takes_a_server_call_id_from_the_data_when_present() -> None:
    raw = grid("ce_recording_file_status_updated_old_subject.json")
    raw["data"]["serverCallId"] = SERVER_CALL_ID
    assert parse(raw).server_call_id == SERVER_CALL_ID


def test_bring_your_own_storage_events_say_azure_blob() -> None:
    event = parse(grid("eg_recording_file_status_updated_byos.json"))
    assert event.storage_type == "azureBlob"
    assert (event.content_type, event.channel_type, event.format) == ("audio", "mixed", "mp3")
    assert [c.index for c in event.chunks] == [0]


def test_a_subject_without_leading_slash_and_a_server_call_id_with_slashes_parse() -> None:
    raw = grid("eg_recording_file_status_updated.json")
    raw["subject"] = f"recording/call/c1/serverCallId/a/b+c=/recordingId/{RECORDING_ID}"
    event = parse(raw)
    assert (event.call_id, event.server_call_id, event.recording_id) == ("c1", "a/b+c=", RECORDING_ID)


@pytest.mark.parametrize(
    ("field", "wire", "normal"),
    [
        ("recordingContentType", "AudioVideo", "audioVideo"),
        ("recordingContentType", "audio", "audio"),
        ("recordingChannelType", "Mixed", "mixed"),
        ("recordingChannelType", "UNMIXED", "unmixed"),
        ("recordingFormatType", "Mp3", "mp3"),
        ("recordingFormatType", "mp4", "mp4"),
        ("storageType", "Acs", "acs"),
        ("storageType", "AzureBlobStorage", "azureBlob"),
    ],
)
def test_enums_are_matched_case_insensitively_and_normalised(field: str, wire: str, normal: str) -> None:
    raw = grid("eg_recording_file_status_updated.json")
    raw["data"][field] = wire
    event = parse(raw)
    attribute = {"recordingContentType": "content_type", "recordingChannelType": "channel_type"}
    attribute |= {"recordingFormatType": "format", "storageType": "storage_type"}
    assert getattr(event, attribute[field]) == normal


CHUNK = ("data", "recordingStorageInfo", "recordingChunks", 0)


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("subject",), None, "subject is missing"),
        (("subject",), "/caller/x/recipient/y", "subject is not"),
        (("subject",), "/recording/call/c1/recordingId/a/b", "subject is not"),
        (("data", "recordingId"), "another", "is not the subject's recordingId"),
        (("data", "recordingStorageInfo"), None, "data.recordingStorageInfo is missing"),
        (("data", "recordingStorageInfo", "recordingChunks"), None, "recordingChunks is missing"),
        (("data", "recordingStorageInfo", "recordingChunks"), [], "recordingChunks is empty"),
        (("data", "recordingStorageInfo", "recordingChunks"), {}, "recordingChunks must be an array"),
        (("data", "recordingStartTime"), None, "data.recordingStartTime is missing"),
        (("data", "recordingStartTime"), "27/07/2021", "data.recordingStartTime: not an ISO 8601"),
        (("data", "recordingDurationMs"), "6620", "data.recordingDurationMs must be an integer"),
        (("data", "recordingDurationMs"), 6620.5, "data.recordingDurationMs must be an integer"),
        (("data", "recordingDurationMs"), True, "data.recordingDurationMs must be an integer"),
        (("data", "recordingDurationMs"), -1, "data.recordingDurationMs must not be negative"),
        (("data", "recordingChannelType"), 1, "data.recordingChannelType must be a string"),
        (("data", "sessionEndReason"), 1, "data.sessionEndReason must be a string"),
        ((*CHUNK[:-1], 1), "chunk", "recordingChunks[1] must be an object"),
        ((*CHUNK, "index"), None, "recordingChunks[0].index is missing"),
        ((*CHUNK, "index"), "0", "recordingChunks[0].index must be an integer"),
        ((*CHUNK, "index"), -2, "recordingChunks[0].index must not be negative"),
        ((*CHUNK, "index"), 0, "duplicate indexes"),
        ((*CHUNK, "documentId"), None, "recordingChunks[0].documentId is missing"),
        ((*CHUNK, "endReason"), 3, "recordingChunks[0].endReason must be a string"),
        ((*CHUNK, "contentLocation"), None, "recordingChunks[0].contentLocation is missing"),
        ((*CHUNK, "metadataLocation"), 5, "recordingChunks[0].metadataLocation must be a string"),
        ((*CHUNK, "deleteLocation"), "", "recordingChunks[0].deleteLocation is empty"),
    ],
)
def test_a_malformed_recording_files_event_names_the_field(path: tuple[Any, ...], value: Any, reason: str) -> None:
    raw = _set(grid("eg_recording_file_status_updated.json"), path, value)
    with pytest.raises(EventParseError) as caught:
        parse(raw)
    assert reason in caught.value.reason


@pytest.mark.parametrize("field", ["contentLocation", "metadataLocation", "deleteLocation"])
@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com\\@x.asm.skype.com/calling/recordings/ID",
        "http://127.0.0.1:9/v1/objects/a",
        "https://169.254.169.254/metadata",
        "https://x.asm.skype.com:8443/v1/objects/a",
        "https://x.asm.skype.com.evil/v1/objects/a",
    ],
)
def test_an_unsafe_chunk_url_in_any_chunk_is_a_parse_error_naming_the_field(field: str, url: str) -> None:
    raw = grid("eg_recording_file_status_updated.json")
    raw["data"]["recordingStorageInfo"]["recordingChunks"][1][field] = url
    with pytest.raises(EventParseError) as caught:
        parse(raw)
    assert f"recordingChunks[1].{field} is not a safe recording URL" in caught.value.reason


def test_chunk_urls_are_checked_against_the_given_suffixes() -> None:
    with pytest.raises(EventParseError, match="not under an allowed suffix"):
        parse_grid_event(grid("eg_recording_file_status_updated.json"), [".teams.microsoft.com"])


# ---- schema detection and other types ----


def test_other_event_types_are_ignored_in_both_schemas() -> None:
    eg = {"id": "e1", "eventType": "Microsoft.Communication.CallStarted", "eventTime": "x", "data": {}}
    ce = {"id": "e2", "specversion": "1.0", "type": "Microsoft.EventGrid.SubscriptionValidationEvent", "data": {}}
    assert parse(eg) == IgnoredEvent("e1", "Microsoft.Communication.CallStarted")
    assert parse(ce) == IgnoredEvent("e2", "Microsoft.EventGrid.SubscriptionValidationEvent")


def test_event_types_match_case_insensitively() -> None:
    raw = grid("eg_incoming_call.json")
    raw["eventType"] = "microsoft.communication.incomingcall"
    assert isinstance(parse(raw), IncomingCall)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([], "event must be an object"),
        ("text", "event must be an object"),
        ({"id": "e", "specversion": "0.3", "type": "t"}, "specversion must be '1.0'"),
        ({"id": "e", "specversion": "1.0"}, "type is missing"),
        ({"id": "e", "specversion": "1.0", "type": "Microsoft.Communication.IncomingCall"}, "time is missing"),
        ({"id": "e"}, "eventType is missing"),
    ],
)
def test_a_malformed_envelope_names_the_field(raw: Any, reason: str) -> None:
    with pytest.raises(EventParseError) as caught:
        parse(raw)
    assert reason in caught.value.reason


def test_a_cloud_event_reads_time_not_event_time() -> None:
    raw = grid("ce_incoming_call.json")
    raw["eventTime"] = "2000-01-01T00:00:00Z"
    raw["time"] = "2024-02-29T12:00:00.1234567+01:00"
    assert parse(raw).occurred_at == datetime(2024, 2, 29, 11, 0, 0, 123456, UTC)


def test_envelope_times_may_be_aware_datetimes_as_azure_functions_gives_them() -> None:
    raw = grid("eg_incoming_call.json")
    raw["eventTime"] = datetime(2023, 4, 4, 19, 18, 42, 554221, timezone(timedelta(hours=2)))
    assert parse(raw).occurred_at == datetime(2023, 4, 4, 17, 18, 42, 554221, UTC)
    raw["eventTime"] = datetime(2023, 4, 4, 17, 18, 42)
    with pytest.raises(EventParseError, match="eventTime has no time zone"):
        parse(raw)


def test_parsed_events_are_frozen() -> None:
    event = parse(grid("eg_incoming_call.json"))
    with pytest.raises(AttributeError):
        event.server_call_id = "other"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)
_KEYS = st.sampled_from(
    ["id", "type", "eventType", "time", "eventTime", "specversion", "subject", "data", "recordingStorageInfo",
     "recordingChunks", "index", "contentLocation", "serverCallId", "from", "rawId", "kind", "state"]
)  # fmt: skip
_EVENTISH = st.recursive(
    _JSON, lambda children: st.dictionaries(_KEYS, children, max_size=8) | st.lists(children, max_size=3), max_leaves=40
)


@given(_EVENTISH)
def test_parse_grid_event_raises_nothing_but_event_parse_error_on_arbitrary_json(raw: Any) -> None:
    outcome = _outcome(parse, raw)
    assert isinstance(outcome, IncomingCall | RecordingFilesReady | IgnoredEvent) or outcome.reason


@given(st.sampled_from(["eg_incoming_call.json", "eg_recording_file_status_updated.json"]), st.data())
def test_mutating_any_field_of_a_real_event_gives_an_event_or_an_event_parse_error(name: str, data: Any) -> None:
    raw = grid(name)
    node, key = _random_slot(raw, data)
    node[key] = data.draw(_JSON)
    outcome = _outcome(parse, raw)
    assert isinstance(outcome, IncomingCall | RecordingFilesReady | IgnoredEvent) or outcome.reason


# ---- callbacks ----


def test_parses_the_documented_call_connected_callback() -> None:
    [event] = parse_callbacks((FIXTURES / "cb_call_connected.json").read_bytes())
    assert event == CallbackEvent(
        event_id="59ddcd8a-1b7f-4c52-9c1f-2d8a6b0e7f01",
        kind="CallConnected",
        call_connection_id="05002380-aaae-4b05-ac29-0cab5fef4e29",
        server_call_id=SERVER_CALL_ID,
        correlation_id="d591a5a2-4a8b-4c6e-9a3c-1e2f3a4b5c6d",
        operation_context="",
        result_code=200,
        result_subcode=0,
        result_message="",
        occurred_at=datetime(2025, 3, 17, 5, 20, 53, 384260, UTC),
    )


def test_parses_the_documented_recording_state_changed_callback() -> None:
    [event] = parse_callbacks((FIXTURES / "cb_recording_state_changed.json").read_bytes())
    assert event.kind == "RecordingStateChanged"
    assert (event.recording_id, event.recording_state) == (RECORDING_ID, "active")
    assert event.recording_start == datetime(2025, 3, 17, 5, 20, 58, 213796, UTC)
    assert event.server_call_id == SERVER_CALL_ID


def test_parses_call_disconnected_and_start_recording_failed() -> None:
    [gone] = parse_callbacks((FIXTURES / "cb_call_disconnected.json").read_bytes())
    [failed] = parse_callbacks((FIXTURES / "cb_start_recording_failed.json").read_bytes())
    assert (gone.kind, gone.result_subcode, gone.operation_context) == ("CallDisconnected", 7000, "answer")
    assert gone.result_message.startswith("The conversation has ended")
    assert (failed.kind, failed.recording_id, failed.result_code) == ("StartRecordingFailed", RECORDING_ID, 400)
    assert failed.recording_state is None


def test_a_single_callback_object_and_an_array_of_several_both_parse() -> None:
    one = load("cb_call_connected.json")[0]
    several = [one, load("cb_recording_state_changed.json")[0]]
    assert [e.kind for e in parse_callbacks(json.dumps(one).encode())] == ["CallConnected"]
    assert [e.kind for e in parse_callbacks(json.dumps(several).encode())] == ["CallConnected", "RecordingStateChanged"]
    assert parse_callbacks(b"[]") == []


def test_unknown_callback_kinds_pass_through_with_defaults() -> None:
    body = [{"id": "u1", "type": "Microsoft.Communication.PlayCompleted", "time": "2025-01-01T00:00:00Z", "data": {}}]
    [event] = parse_callbacks(json.dumps(body).encode())
    assert (event.kind, event.call_connection_id, event.result_code, event.recording_id) == (
        "PlayCompleted",
        "",
        None,
        None,
    )


def test_recording_states_are_normalised() -> None:
    body = load("cb_recording_state_changed.json")
    body[0]["data"]["state"] = "Inactive"
    [event] = parse_callbacks(json.dumps(body).encode())
    assert event.recording_state == "inactive"


STATE = (0, "data")


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ((0,), "event", "[0] must be an object"),
        ((0, "id"), None, "[0].id is missing"),
        ((0, "type"), None, "[0].type is missing"),
        ((0, "time"), None, "[0].time is missing"),
        ((0, "time"), "2025-03-17T05:20:58", "[0].time: not an ISO 8601"),
        ((0, "data"), [], "[0].data must be an object"),
        ((*STATE, "recordingId"), None, "[0].data.recordingId is missing"),
        ((*STATE, "state"), None, "[0].data.state is missing"),
        ((*STATE, "state"), "paused", "[0].data.state has unknown value"),
        ((*STATE, "startDateTime"), "soon", "[0].data.startDateTime: not an ISO 8601"),
        ((*STATE, "serverCallId"), 1, "[0].data.serverCallId must be a string"),
        ((*STATE, "resultInformation"), "ok", "[0].data.resultInformation must be an object"),
        ((*STATE, "resultInformation", "code"), "200", "[0].data.resultInformation.code must be an integer"),
        ((*STATE, "resultInformation", "subCode"), 1.5, "[0].data.resultInformation.subCode must be an integer"),
        ((*STATE, "resultInformation", "message"), 0, "[0].data.resultInformation.message must be a string"),
    ],
)
def test_a_malformed_callback_names_the_field(path: tuple[Any, ...], value: Any, reason: str) -> None:
    body = _set(load("cb_recording_state_changed.json"), path, value)
    with pytest.raises(EventParseError) as caught:
        parse_callbacks(json.dumps(body).encode())
    assert reason in caught.value.reason


def test_call_connected_without_its_connection_id_is_a_parse_error() -> None:
    body = load("cb_call_connected.json")
    del body[0]["data"]["callConnectionId"]
    with pytest.raises(EventParseError, match=r"data\.callConnectionId is missing"):
        parse_callbacks(json.dumps(body).encode())


def test_call_connected_without_a_server_call_id_parses_as_published_in_2022() -> None:
    body = load("cb_call_connected.json")
    del body[0]["data"]["serverCallId"]
    (event,) = parse_callbacks(json.dumps(body).encode())
    assert (event.kind, event.server_call_id) == ("CallConnected", "")


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"[" * 100_000, b"42", b'"text"', b"[1]", b"null"])
def test_a_callback_body_that_is_not_cloud_events_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(EventParseError):
        parse_callbacks(body)


@given(_EVENTISH)
def test_parse_callbacks_raises_nothing_but_event_parse_error_on_arbitrary_json(document: Any) -> None:
    outcome = _outcome(parse_callbacks, json.dumps(document).encode())
    assert isinstance(outcome, list) or outcome.reason
    assert not isinstance(outcome, list) or all(isinstance(event, CallbackEvent) for event in outcome)


def test_event_parse_error_is_a_value_error_with_its_reason() -> None:
    error = EventParseError("data.x is missing")
    assert isinstance(error, ValueError)
    assert (error.reason, str(error)) == ("data.x is missing", "data.x is missing")


# ---- helpers ----


def _outcome(function: Callable[[Any], Any], argument: Any) -> Any:
    """What ``function`` returns, or the ``EventParseError`` it raises (any other exception fails the test)."""
    try:
        return function(argument)
    except EventParseError as exc:
        return exc


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` replaced (``None`` deletes it)."""
    document = copy.deepcopy(document)
    node = document
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


def _random_slot(document: Any, data: Any) -> tuple[Any, Any]:
    """Walk down ``document`` at random; return a container and one of its keys."""
    node, key = document, data.draw(st.sampled_from(sorted(document)))
    while isinstance(node[key], dict | list) and node[key] and data.draw(st.booleans()):
        node = node[key]
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
    return node, key
