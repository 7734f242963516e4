"""The Call Automation port over the real SDK, against a loopback HTTP server that records what it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from azure.communication.callautomation import CallAutomationClient
from azure.core.credentials import AzureKeyCredential

from shared.acs import AcsCallAutomation, AcsRejected, AcsTransient, repeatability_id
from shared.domain import RecordingOptions

RECORDING = {"recordingId": "rec-1", "recordingState": "inactive", "recordingKind": "azureCommunicationServices"}
CONNECTION = {
    "callConnectionId": "conn-1",
    "serverCallId": "c2lk",
    "correlationId": "corr-1",
    "callConnectionState": "connecting",
    "targets": [],
}


class Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[dict[str, Any]] = []
        self.status = 200


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        self.server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        status = self.server.status
        if status >= 300:
            reply: Any = {"error": {"code": "Nope", "message": "refused"}}
        elif "recordings" in self.path and self.command == "POST" and ":" not in self.path.rsplit("/", 1)[-1]:
            reply = RECORDING
        elif ":answer" in self.path:
            reply = CONNECTION
        else:
            status = 202 if self.command == "POST" else 204
            reply = None
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
    client = CallAutomationClient(endpoint, AzureKeyCredential("a2V5"), retry_total=0)
    return AcsCallAutomation(client)


def test_start_sends_every_option_and_a_repeatability_id_derived_from_the_request(
    server: Recorder, port: AcsCallAutomation
) -> None:
    options = RecordingOptions(
        content="audio",
        channel="unmixed",
        format="wav",
        pause_on_start=True,
        channel_affinity=((0, "4:+14255550123"),),
        participant_ordering=("8:acs:agent", "4:+14255550123"),
        byos_container_url="https://acct.blob.core.windows.net/byos",
        state_callback_url="https://app.example/api/callbacks",
    )
    assert port.start_recording("c2lk", options, request_id="connect:e1", call_connection_id="conn-1") == "rec-1"
    (sent,) = server.seen
    assert sent["headers"]["Repeatability-Request-ID"] == repeatability_id("connect:e1")
    body = sent["body"]
    assert body["callConnectionId"] == "conn-1"
    assert (body["recordingContentType"], body["recordingChannelType"], body["recordingFormatType"]) == (
        "audio",
        "unmixed",
        "wav",
    )
    assert body["pauseOnStart"] is True
    assert body["recordingStateCallbackUri"] == "https://app.example/api/callbacks"
    assert body["channelAffinity"][0]["channel"] == 0
    assert body["channelAffinity"][0]["participant"]["rawId"] == "4:+14255550123"
    assert [p["rawId"] for p in body["audioChannelParticipantOrdering"]] == ["8:acs:agent", "4:+14255550123"]
    assert body["externalStorage"]["recordingDestinationContainerUrl"] == "https://acct.blob.core.windows.net/byos"


def test_start_without_a_connection_locates_the_call_by_server_call_id(
    server: Recorder, port: AcsCallAutomation
) -> None:
    port.start_recording("c2lk", RecordingOptions(), request_id="api:1")
    assert server.seen[0]["body"]["callLocator"] == {"serverCallId": "c2lk", "kind": "serverCallLocator"}


def test_answer_uses_the_callback_url_and_a_stable_repeatability_id(server: Recorder, port: AcsCallAutomation) -> None:
    answered = port.answer("ctx", "https://app.example/api/callbacks", request_id="answer:e1")
    assert answered.call_connection_id == "conn-1"
    (sent,) = server.seen
    assert sent["body"]["callbackUri"] == "https://app.example/api/callbacks"
    assert sent["headers"]["Repeatability-Request-ID"] == repeatability_id("answer:e1")


def test_pause_resume_and_stop_address_the_recording(server: Recorder, port: AcsCallAutomation) -> None:
    port.pause_recording("a+b/c=")
    port.resume_recording("rec-1")
    port.stop_recording("rec-1")
    assert [(s["method"], s["path"].split("?")[0]) for s in server.seen] == [
        ("POST", "/calling/recordings/a%2Bb%2Fc%3D:pause"),
        ("POST", "/calling/recordings/rec-1:resume"),
        ("DELETE", "/calling/recordings/rec-1"),
    ]


@pytest.mark.parametrize(("status", "error"), [(503, AcsTransient), (429, AcsTransient), (400, AcsRejected)])
def test_acs_errors_are_mapped_to_transient_or_rejected(
    server: Recorder, port: AcsCallAutomation, status: int, error: type[Exception]
) -> None:
    server.status = status
    with pytest.raises(error, match=str(status)):
        port.pause_recording("rec-1")


def test_an_unreachable_acs_is_transient() -> None:
    client = CallAutomationClient("http://127.0.0.1:9", AzureKeyCredential("a2V5"), retry_total=0)
    with pytest.raises(AcsTransient):
        AcsCallAutomation(client).stop_recording("rec-1")
