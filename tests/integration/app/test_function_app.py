"""The functions invoked as the host invokes them (real ``func.*`` objects) over Azurite and the real archive engine.

ACS is the Call Automation port's fake and the recording source the archive's in-memory fake: the rest (store,
quarantine, archive engine, manifest, blobs) is real.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import azure.functions as func
import pytest
from azure.data.tables import TableClient
from azure.functions import meta
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.timer import TimerRequestConverter
from azure.storage.blob import BlobServiceClient, ContainerClient

import function_app
from shared import bootstrap
from shared.archive import ArchiveOptions, archive_chunk
from shared.handlers.deps import Deps
from shared.layout import call_folder
from shared.messages import ArchivedChunk, ChunkJob
from shared.quarantine import BlobQuarantine
from shared.store.table import TableCallStore
from tests.unit.archive.fakes import FakeSource
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import FakeAcs, FakeVerifier, settings

T = TypeVar("T")
GOOD = {"Authorization": "Bearer good"}


@dataclass
class Out(Generic[T]):
    """What the host passes for an output binding."""

    value: T | None = None

    def set(self, val: T) -> None:
        self.value = val

    def get(self) -> T | None:
        return self.value


@dataclass
class App:
    acs: FakeAcs
    source: FakeSource
    archive: ContainerClient
    quarantine: ContainerClient
    store: TableCallStore
    deps: Deps
    written: dict[str, bytes] = field(default_factory=dict)

    def grid(self, raw: dict[str, Any]) -> list[str]:
        event = EventGridEventInConverter.decode(meta.Datum(type="json", value=json.dumps(raw)), trigger_metadata=None)
        jobs: Out[list[str]] = Out()
        function_app.acs_events.build().get_user_function()(event, jobs)
        return jobs.get() or []

    def callback(self, *events: dict[str, Any], headers: dict[str, str] = GOOD) -> func.HttpResponse:
        request = func.HttpRequest("POST", "http://localhost/api/callbacks", headers=headers, body=p.body(*events))
        response: func.HttpResponse = function_app.callbacks.build().get_user_function()(request)
        return response

    def api(self, fn: Any, method: str, route: dict[str, str], body: bytes = b"", **params: str) -> Any:
        request = func.HttpRequest(method, "http://localhost/api/calls", route_params=route, params=params, body=body)
        response: func.HttpResponse = fn.build().get_user_function()(request)
        return response.status_code, json.loads(response.get_body())

    def run_chunk(self, job_json: str) -> bytes | None:
        """One queue delivery; what the blob output binding received is written as the host would."""
        media: Out[bytes] = Out()
        message = func.QueueMessage(id=str(uuid.uuid4()), body=job_json.encode())
        function_app.archive_chunk.build().get_user_function()(message, media)
        payload = media.get()
        if payload is not None:
            path = json.loads(job_json)["blobPath"]
            self.archive.upload_blob(path, payload, overwrite=True)
        return payload


def metadata(index: int) -> bytes:
    return json.dumps(
        {
            "resourceId": "res",
            "callId": "call",
            "chunkDocumentId": f"doc-{index}",
            "chunkIndex": index,
            "chunkStartTime": "2026-11-23T23:59:58.1234567Z",
            "chunkDuration": 3000,
            "pauseResumeIntervals": [],
            "recordingInfo": {"contentType": "audio", "channelType": "unmixed", "format": "wav"},
            "participants": [{"participantId": "4:+14255550123", "channel": 0}],
        }
    ).encode()


@pytest.fixture
def app(storage_connection_string: str, calls_table: TableClient, unique_name: str) -> Iterator[App]:
    blobs = BlobServiceClient.from_connection_string(storage_connection_string)
    archive = blobs.create_container(unique_name + "a")
    quarantine = blobs.get_container_client(unique_name + "q")
    source = FakeSource()
    options = ArchiveOptions(streaming_threshold_bytes=64 * 1024, block_size_bytes=16 * 1024, concurrency=2)

    def copy(job: ChunkJob) -> ArchivedChunk:
        return archive_chunk(job, source, archive, options)

    acs, store = FakeAcs(), TableCallStore(calls_table)
    deps = Deps(
        settings=settings(answer_policy=("+18005550100",), delete_source_after_archive=True),
        store=store,
        acs=acs,
        quarantine=BlobQuarantine(quarantine),
        archive=copy,
        source=source,
        verifier=FakeVerifier(),
    )
    bootstrap.use(deps)
    try:
        yield App(acs, source, archive, quarantine, store, deps)
    finally:
        bootstrap.reset()


def serve_chunks(app: App, sizes: list[int]) -> list[dict[str, Any]]:
    chunks = []
    for index, size in enumerate(sizes):
        chunk = p.chunk(index + 100 * len(app.source.objects))
        chunk["index"] = index
        app.source.objects[chunk["contentLocation"]] = bytes([index + 1]) * size
        app.source.objects[chunk["metadataLocation"]] = metadata(index)
        chunks.append(chunk)
    return chunks


def test_a_call_is_answered_recorded_commanded_and_archived_through_the_functions(app: App) -> None:
    sid = p.server_call_id()
    folder = call_folder(sid)
    assert app.grid(p.incoming_call(sid)) == []
    assert app.callback(p.callback("CallConnected", sid)).status_code == 200
    (recording_id,) = [r for r in app.acs.by_repeatability.values() if isinstance(r, str)]
    app.callback(p.state_changed(sid, recording_id, "active", "2026-11-23T19:00:03+00:00"))
    route = {"callId": folder}
    assert app.api(function_app.recording_command, "POST", {**route, "action": "pause"})[0] == 200
    assert app.api(function_app.recording_command, "POST", {**route, "action": "resume"})[0] == 200
    status, body = app.api(function_app.recording_command, "POST", {**route, "action": "resume"})
    assert (status, body["error"]) == (409, "cannot resume: recording is active")
    assert app.api(function_app.recording_command, "POST", {**route, "action": "stop"})[0] == 200
    assert app.api(function_app.recording_command, "POST", {**route, "action": "stop"})[0] == 200
    app.callback(p.callback("CallDisconnected", sid))

    chunks = serve_chunks(app, [1000, 200_000])
    jobs = app.grid(p.files_ready(sid, recording_id, chunk_list=chunks))
    assert len(jobs) == 2
    payloads = [app.run_chunk(job) for job in jobs]
    assert payloads[0] == bytes([1]) * 1000, "the small chunk leaves through the output binding"
    assert payloads[1] is None, "the large chunk was streamed with the Storage SDK"

    status, call = app.api(function_app.get_call, "GET", route)
    assert status == 200
    assert call["state"] == "disconnected"
    (recording,) = call["recordings"]
    assert recording["state"] == "source_deleted"
    assert [c["size"] for c in recording["chunks"]] == [1000, 200_000]
    assert sorted(app.source.deleted) == sorted({c["deleteLocation"] for c in chunks})
    for chunk in recording["chunks"]:
        assert (
            app.archive.download_blob(chunk["blobPath"]).readall()
            == app.source.objects[chunks[chunk["index"]]["contentLocation"]]
        )
    manifest = json.loads(app.archive.download_blob(recording["files"]["manifestPath"]).readall())
    assert sorted(e["index"] for e in manifest["chunks"]) == [0, 1]
    events = " ".join(line["event"] for line in call["timeline"])
    for expected in (
        "PauseRecording",
        "ResumeRecording",
        "StopRecording",
        "CallDisconnected",
        "ChunkArchived",
        "SourceDeleted",
    ):
        assert expected in events

    status, listed = app.api(function_app.list_calls, "GET", {}, date="2026-11-23", state="disconnected")
    assert status == 200
    assert sid in [c["serverCallId"] for c in listed["calls"]]


def test_a_redelivered_callback_and_files_ready_change_nothing(app: App) -> None:
    sid = p.server_call_id()
    app.grid(p.incoming_call(sid))
    connected = p.callback("CallConnected", sid)
    app.callback(connected)
    app.callback(connected)
    assert len(app.acs.sent("start")) == 1
    (recording_id,) = [r for r in app.acs.by_repeatability.values() if isinstance(r, str)]
    event = p.files_ready(sid, recording_id, chunk_list=serve_chunks(app, [500]))
    assert len(app.grid(event)) == 1
    assert app.grid(event) == []


def test_a_bad_token_is_401_and_a_bad_event_is_quarantined_and_acknowledged(app: App) -> None:
    sid = p.server_call_id()
    assert app.callback(p.callback("CallConnected", sid), headers={"Authorization": "Bearer x"}).status_code == 401
    assert app.store.get(sid) is None
    evil = p.files_ready(sid, "rec", chunk_list=[p.chunk(0, host="127.0.0.1")])
    assert app.grid(evil) == []
    kept = list(app.quarantine.list_blobs())
    assert len(kept) == 1
    record = json.loads(app.quarantine.download_blob(kept[0].name).readall())
    assert "contentLocation" in record["reason"] or "host" in record["reason"]


def test_the_control_api_answers_400_404_and_starts_with_overrides(app: App) -> None:
    sid = p.server_call_id()
    route = {"callId": call_folder(sid)}
    assert app.api(function_app.get_call, "GET", route)[0] == 404
    assert app.api(function_app.get_call, "GET", {"callId": "bad/id"})[0] == 400
    assert app.api(function_app.recording_command, "POST", {**route, "action": "rewind"})[0] == 404
    status, body = app.api(function_app.start_recording, "POST", route, b'{"format": "flac"}')
    assert (status, "format" in body["error"]) == (400, True)
    status, body = app.api(function_app.start_recording, "POST", route, b'{"format": "mp3"}')
    assert status == 200
    assert body["options"]["format"] == "mp3"
    assert app.api(function_app.list_calls, "GET", {}, date="yesterday")[0] == 400


def test_the_sweeper_re_enqueues_a_stuck_chunk(app: App) -> None:
    sid = p.server_call_id()
    late = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    bootstrap.use(Deps(**{**app.deps.__dict__, "now": lambda: late}))
    jobs = app.grid(p.files_ready(sid, "rec-sweep", chunk_list=serve_chunks(app, [300])))
    assert len(jobs) == 1
    timer = TimerRequestConverter.decode(
        meta.Datum(type="json", value=json.dumps({"Schedule": {}, "ScheduleStatus": {}, "IsPastDue": False})),
        trigger_metadata={},
    )
    out: Out[list[str]] = Out()
    bootstrap.use(Deps(**{**app.deps.__dict__, "now": lambda: late.replace(hour=2)}))
    function_app.sweeper.build().get_user_function()(timer, out)
    again = [json.loads(j) for j in out.get() or []]
    assert [(j["serverCallId"], j["index"], j["attempt"]) for j in again] == [(sid, 0, 1)]
