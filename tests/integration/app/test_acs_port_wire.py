"""The exact requests the Call Automation port puts on the wire, seen by a loopback server that records them.

Kept beside the emulator tests (``test_acs_port.py``) for what the emulator cannot show: it honours a repeated
``Repeatability-Request-ID`` but never reveals the value, so only the wire shows that the header is the stable
UUID derived from the app's request id (what lets ACS recognise a retry after a crash, when the app has only its
own request id left); and its recording ids are base64url, so only a hand-picked id shows that ``+``, ``/`` and
``=`` in a recording id are percent-encoded in the path; and it accepts either call locator, so only the wire
shows which one a start without a call connection sends.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from azure.communication.callautomation import CallAutomationClient
from azure.core.credentials import AzureKeyCredential

from shared.acs import AcsCallAutomation, repeatability_id
from shared.domain import RecordingOptions

RECORDING = {"recordingId": "rec-1", "recordingState": "inactive", "recordingKind": "azureCommunicationServices"}
CONNECTION: dict[str, Any] = {
    "callConnectionId": "conn-1",
    "serverCallId": "c2lk",
    "correlationId": "corr-1",
    "targets": [],
}


class Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[dict[str, Any]] = []


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        self.server.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, reply = (202 if self.command == "POST" else 204), None
        if self.path.startswith("/calling/recordings?"):
            status, reply = 200, RECORDING
        elif self.path.startswith("/calling/callConnections:answer"):
            status, reply = 200, {**CONNECTION, "callConnectionState": "connecting"}
        data = json.dumps(reply).encode() if reply is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = _handle
    do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.shutdown()
        recorder.server_close()


@pytest.fixture
def port(server: Recorder) -> AcsCallAutomation:
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    return AcsCallAutomation(CallAutomationClient(endpoint, AzureKeyCredential("a2V5"), retry_total=0))


def test_start_and_answer_send_the_uuid_derived_from_the_request_id(server: Recorder, port: AcsCallAutomation) -> None:
    port.start_recording("c2lk", RecordingOptions(), request_id="connect:e1", call_connection_id="conn-1")
    port.answer("ctx", "https://app.example/api/callbacks", request_id="answer:e1")
    start, answer = server.seen
    assert start["headers"]["Repeatability-Request-ID"] == repeatability_id("connect:e1")
    assert answer["headers"]["Repeatability-Request-ID"] == repeatability_id("answer:e1")
    assert repeatability_id("connect:e1") == repeatability_id("connect:e1") != repeatability_id("connect:e2")


def test_the_repeatability_id_is_a_version_4_uuid_on_the_wire(server: Recorder, port: AcsCallAutomation) -> None:
    port.start_recording("c2lk", RecordingOptions(), request_id="connect:e1", call_connection_id="conn-1")
    sent = uuid.UUID(server.seen[0]["headers"]["Repeatability-Request-ID"])
    assert (sent.version, sent.variant) == (4, uuid.RFC_4122)


def test_a_retried_request_keeps_the_time_it_was_first_sent(server: Recorder, port: AcsCallAutomation) -> None:
    first = datetime(2026, 12, 1, 9, 30, 15, 987000, tzinfo=UTC)
    for _ in range(2):
        port.start_recording("c2lk", RecordingOptions(), request_id="connect:e1", first_sent=first)
        port.answer("ctx", "https://app.example/api/callbacks", request_id="answer:e1", first_sent=first)
    sent = {s["headers"]["Repeatability-First-Sent"] for s in server.seen}
    assert sent == {"Tue, 01 Dec 2026 09:30:15 GMT"}
    assert len(server.seen) == 4


def test_a_request_made_for_the_first_time_is_first_sent_now(server: Recorder, port: AcsCallAutomation) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    port.answer("ctx", "https://app.example/api/callbacks", request_id="answer:e9")
    sent = parsedate_to_datetime(server.seen[0]["headers"]["Repeatability-First-Sent"])
    assert before <= sent <= datetime.now(UTC)


def test_a_start_without_a_connection_sends_a_server_call_locator(server: Recorder, port: AcsCallAutomation) -> None:
    port.start_recording("c2lk", RecordingOptions(), request_id="api:1")
    assert server.seen[0]["body"]["callLocator"] == {"serverCallId": "c2lk", "kind": "serverCallLocator"}
    assert "callConnectionId" not in server.seen[0]["body"]


def test_a_recording_id_is_percent_encoded_in_the_path(server: Recorder, port: AcsCallAutomation) -> None:
    port.pause_recording("a+b/c=")
    port.stop_recording("a+b/c=")
    assert [s["path"].split("?")[0] for s in server.seen] == [
        "/calling/recordings/a%2Bb%2Fc%3D:pause",
        "/calling/recordings/a%2Bb%2Fc%3D",
    ]
