"""Files-ready intake of lean events: the call, the recording and its kind found where the event leaves them out."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain import FiledUnder, RecordingOptions, RecordingState
from shared.domain import inputs as ev
from shared.handlers.eventgrid import handle_grid_event
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, world

AT = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
LEAN_KEYS = ("recordingContentType", "recordingChannelType", "recordingFormatType", "recordingDurationMs")


def quickstart(sid: str, chunks: int = 1, **kw: Any) -> dict[str, Any]:
    """The call recording quickstart's shape: no recordingId in the subject, no content/channel/format types."""
    event = p.files_ready(sid, "unused", chunks=chunks, **kw)
    event["subject"] = f"/recording/call/c1/serverCallId/{sid}"
    for key in LEAN_KEYS:
        del event["data"][key]
    return event


def started(w: World, sid: str, options: RecordingOptions | None, *, stop: bool = True) -> str:
    """A recording the app started (with ``options``) and stopped; its id."""
    w.store.apply(sid, ev.CallConnected("c", AT, "callback", call_connection_id="conn"))
    w.store.apply(sid, ev.StartRecording("s", AT, "api", request_id="req", options=options or RecordingOptions()))
    w.store.apply(sid, ev.RecordingStarted("r", AT, "api", request_id="req", recording_id="rec-7"))
    if stop:
        w.store.apply(sid, ev.StopRecording("x", AT, "api", recording_id="rec-7"))
    return "rec-7"


def wav_header(channels: int) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, channels, 16000, 32000 * channels, 2 * channels, 16)
    return b"RIFF" + struct.pack("<I", 36) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data\0\0\0\0"


def test_the_quickstart_shape_goes_to_the_calls_stopped_recording_with_the_options_it_started_with() -> None:
    w = world()
    sid = p.server_call_id()
    rid = started(w, sid, RecordingOptions(content="audio", channel="mixed", format="mp3"))
    jobs = handle_grid_event(quickstart(sid), w.deps)
    assert [(j.chunk.recording_id, j.chunk.format) for j in jobs] == [(rid, "mp3")]
    assert jobs[0].chunk.paths.media.endswith("/chunk-0000.mp3")
    call = w.store.get(sid)
    assert call is not None
    files = call.recordings[0].files
    assert files is not None
    assert (files.recording_id_from, files.kind_from, files.duration_ms) == ("state", "options", None)
    assert (files.content_type, files.channel_type) == ("audio", "mixed")
    assert w.source.downloads == []


def test_a_lean_event_for_a_recording_the_app_did_not_start_takes_its_kind_from_the_metadata_document() -> None:
    w = world()
    sid = p.server_call_id()
    event = quickstart(sid)
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    info = {"recordingInfo": {"contentType": "audio", "channelType": "unmixed", "format": "wav"}}
    w.source.files[chunk["metadataLocation"]] = json.dumps(info).encode()
    jobs = handle_grid_event(event, w.deps)
    assert [(j.chunk.recording_id, j.chunk.format) for j in jobs] == [(chunk["documentId"], "wav")]
    files = w.store.get(sid).recordings[0].files  # type: ignore[union-attr]
    assert files is not None
    assert (files.kind_from, files.recording_id_from, files.channel_type) == ("metadata", "documentId", "unmixed")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (wav_header(2), ("audio", "unmixed", "wav")),
        (wav_header(1), ("audio", "mixed", "wav")),
        (b"ID3\x04\x00" + bytes(59), ("audio", "mixed", "mp3")),
        (b"\x00\x00\x00\x20ftypisom" + bytes(52), ("audioVideo", "mixed", "mp4")),
    ],
)
def test_without_metadata_the_kind_comes_from_the_first_bytes(head: bytes, kind: tuple[str, str, str]) -> None:
    w = world()
    sid = p.server_call_id()
    event = quickstart(sid)
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    w.source.files[chunk["contentLocation"]] = head
    jobs = handle_grid_event(event, w.deps)
    assert [j.chunk.format for j in jobs] == [kind[2]]
    files = w.store.get(sid).recordings[0].files  # type: ignore[union-attr]
    assert files is not None
    assert (files.content_type, files.channel_type, files.format, files.kind_from) == (*kind, "bytes")


def test_a_recording_whose_format_nothing_states_is_quarantined_with_the_reason() -> None:
    w = world()
    assert handle_grid_event(quickstart(p.server_call_id()), w.deps) == []
    assert len(w.quarantine.kept) == 1
    assert "format is in neither the event" in w.quarantine.kept[0][1]


def test_chunks_split_over_two_lean_events_land_in_one_recording() -> None:
    w = world()
    sid = p.server_call_id()
    rid = started(w, sid, RecordingOptions(format="wav"))
    first, second = quickstart(sid, chunks=2), quickstart(sid, chunks=2)
    first_chunks = first["data"]["recordingStorageInfo"]["recordingChunks"]
    first_chunks[0]["endReason"] = "ChunkMaximumSizeExceeded"
    first["data"]["recordingStorageInfo"]["recordingChunks"] = first_chunks[:1]
    second["data"]["recordingStorageInfo"]["recordingChunks"] = second["data"]["recordingStorageInfo"][
        "recordingChunks"
    ][1:]
    assert [j.chunk.index for j in handle_grid_event(first, w.deps)] == [0]
    assert [(j.chunk.recording_id, j.chunk.index) for j in handle_grid_event(second, w.deps)] == [(rid, 1)]
    call = w.store.get(sid)
    assert call is not None
    assert [len(r.chunks) for r in call.recordings] == [2]


def test_a_redelivered_lean_event_is_a_no_op() -> None:
    w = world()
    sid = p.server_call_id()
    started(w, sid, RecordingOptions(format="wav"))
    event = quickstart(sid)
    assert len(handle_grid_event(event, w.deps)) == 1
    assert handle_grid_event(event, w.deps) == []
    assert [r.state for r in w.store.get(sid).recordings] == [RecordingState.FILES_READY]  # type: ignore[union-attr]


def test_files_before_the_stop_callback_go_to_the_live_recording() -> None:
    w = world()
    sid = p.server_call_id()
    rid = started(w, sid, RecordingOptions(format="wav"), stop=False)
    w.store.apply(sid, ev.RecordingStateReported("a", AT, "callback", recording_id=rid, active=True))
    assert [j.chunk.recording_id for j in handle_grid_event(quickstart(sid), w.deps)] == [rid]


def test_a_missing_delete_location_is_the_content_locations_object() -> None:
    w = world()
    sid = p.server_call_id()
    event = p.files_ready(sid, "rec-1", chunks=1)
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    del chunk["deleteLocation"]
    (job,) = handle_grid_event(event, w.deps)
    assert job.file.delete_location == f"{p.STORAGE}/{chunk['documentId']}"


@pytest.mark.parametrize("schema", ["eventgrid", "cloudevents"])
def test_an_event_from_another_acs_resource_is_quarantined_when_the_resource_is_configured(schema: str) -> None:
    w = world(acs_resource_id=p.TOPIC.lower())
    event = p.files_ready(p.server_call_id(), "rec-1")
    other = p.TOPIC.replace("/acs", "/someone-else")
    if schema == "cloudevents":
        event["source"] = other
        event["specversion"], event["type"], event["time"] = "1.0", event.pop("eventType"), event.pop("eventTime")
        del event["topic"]
    else:
        event["topic"] = other
    assert handle_grid_event(event, w.deps) == []
    assert "is not this app's ACS resource" in w.quarantine.kept[0][1]
    assert w.store.calls == {}


def test_the_resource_check_ignores_the_case_of_the_arm_id() -> None:
    w = world(acs_resource_id=p.TOPIC.upper() + "/")
    assert len(handle_grid_event(p.files_ready(p.server_call_id(), "rec-1"), w.deps)) == 2
    assert w.quarantine.kept == []


def test_the_call_id_placement_is_kept_in_the_state() -> None:
    w = world()
    event = p.files_ready(None, "rec-x", chunks=1)
    handle_grid_event(event, w.deps)
    files = w.store.get("c1").recordings[0].files  # type: ignore[union-attr]
    assert files is not None
    assert files.filed_under is FiledUnder.CALL_ID
