"""The Call Automation port (``AcsCallAutomation``) over the real SDK against the ACS emulator: what each operation
does at ACS, repeated request ids, and how ACS errors map to ``AcsTransient`` / ``AcsRejected``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from azure.communication.callautomation import CallAutomationClient
from azure.core.credentials import AzureKeyCredential

from shared.acs import AcsCallAutomation, AcsRejected, AcsTransient
from shared.domain import RecordingOptions
from tests.integration.app.emulated import ANSWERED, CALLER, Acs

AGENT = "8:acs:port-agent"
CALLBACKS = "/api/callbacks"


@pytest.fixture
def port(acs: Acs) -> AcsCallAutomation:
    client = CallAutomationClient.from_connection_string(
        acs.emu.info["connectionString"], retry_total=0, connection_verify=acs.emu.info["caBundle"]
    )
    return AcsCallAutomation(client)


def request_id(kind: str) -> str:
    """A request id of its own: the emulator, like ACS, remembers every Repeatability-Request-ID it was sent."""
    return f"{kind}:{uuid.uuid4()}"


def answered(acs: Acs, port: AcsCallAutomation, participants: tuple[str, ...] = ()) -> tuple[str, str]:
    """(serverCallId, callConnectionId) of a call the port answered."""
    placed = acs.control("POST", "calls/incoming", {"from": CALLER, "to": ANSWERED, "participants": participants})
    call = port.answer(placed["incomingCallContext"], acs.hooks.url(CALLBACKS), request_id=request_id("answer"))
    return placed["serverCallId"], call.call_connection_id


def test_answer_connects_the_call_and_acs_calls_back_on_the_given_url(acs: Acs, port: AcsCallAutomation) -> None:
    sid, connection_id = answered(acs, port)
    assert acs.call(sid)["callConnections"] == [connection_id]
    connected = acs.callback(sid, "CallConnected")
    assert connected.path_qs == CALLBACKS
    assert connected.json()[0]["data"]["callConnectionId"] == connection_id


def test_an_answer_repeated_with_its_request_id_gets_the_first_answer(acs: Acs, port: AcsCallAutomation) -> None:
    placed = acs.control("POST", "calls/incoming", {"from": CALLER, "to": ANSWERED})
    context, url = placed["incomingCallContext"], acs.hooks.url(CALLBACKS)
    once, sent = request_id("answer"), datetime.now(UTC)  # a repeat carries the first request's First-Sent
    first = port.answer(context, url, request_id=once, first_sent=sent)
    assert port.answer(context, url, request_id=once, first_sent=sent) == first
    with pytest.raises(AcsRejected) as refused:
        port.answer(context, url, request_id=request_id("answer"))
    assert refused.value.status == 400, "a connected call is not ringing any more"
    assert acs.call(placed["serverCallId"])["callConnections"] == [first.call_connection_id]


def test_start_sends_every_option_to_acs(acs: Acs, port: AcsCallAutomation) -> None:
    sid, connection_id = answered(acs, port, participants=(AGENT,))
    options = RecordingOptions(
        content="audio",
        channel="unmixed",
        format="wav",
        pause_on_start=True,
        channel_affinity=((0, CALLER),),
        participant_ordering=(AGENT, ANSWERED),
        byos_container_url="https://acct.blob.core.windows.net/byos",
        state_callback_url=acs.hooks.url("/api/callbacks?kind=state"),
    )
    recording_id = port.start_recording(
        sid, options, request_id=request_id("connect"), call_connection_id=connection_id
    )
    recording = acs.recording(sid)
    assert (recording["recordingId"], recording["callConnectionId"]) == (recording_id, connection_id)
    assert recording["options"] == {
        "recordingContentType": "audio",
        "recordingChannelType": "unmixed",
        "recordingFormatType": "wav",
        "audioChannelParticipantOrdering": [AGENT, ANSWERED],
        "channelAffinity": {"0": CALLER},
        "pauseOnStart": True,
        "recordingStateCallbackUri": acs.hooks.url("/api/callbacks?kind=state"),
        "externalStorageContainerUrl": "https://acct.blob.core.windows.net/byos",
    }
    assert recording["channels"] == [CALLER, AGENT, ANSWERED]
    assert recording["state"] == "paused"
    inactive = acs.callback(sid, "RecordingStateChanged", state="inactive")
    assert inactive.path_qs == "/api/callbacks?kind=state"


def test_start_without_a_connection_finds_the_call_by_server_call_id(acs: Acs, port: AcsCallAutomation) -> None:
    sid, _connection_id = answered(acs, port)
    recording_id = port.start_recording(sid, RecordingOptions(), request_id=request_id("api"))
    assert acs.recording(sid)["recordingId"] == recording_id


def test_a_start_repeated_with_its_request_id_gets_the_same_recording(acs: Acs, port: AcsCallAutomation) -> None:
    sid, connection_id = answered(acs, port)
    once, sent = request_id("connect"), datetime.now(UTC)  # a repeat carries the first request's First-Sent
    first = port.start_recording(
        sid, RecordingOptions(), request_id=once, call_connection_id=connection_id, first_sent=sent
    )
    again = port.start_recording(
        sid, RecordingOptions(), request_id=once, call_connection_id=connection_id, first_sent=sent
    )
    assert again == first
    with pytest.raises(AcsRejected) as refused:
        port.start_recording(
            sid, RecordingOptions(), request_id=request_id("connect"), call_connection_id=connection_id
        )
    assert refused.value.status == 409
    assert [r["recordingId"] for r in acs.recordings(sid)] == [first]


def test_pause_resume_and_stop_change_the_recording_at_acs(acs: Acs, port: AcsCallAutomation) -> None:
    sid, _connection_id = answered(acs, port)
    recording_id = port.start_recording(sid, RecordingOptions(), request_id=request_id("api"))
    for operation, state in [
        (port.pause_recording, "paused"),
        (port.resume_recording, "active"),
        (port.stop_recording, "stopped"),
    ]:
        operation(recording_id)
        assert acs.recording(sid)["state"] == state


def test_an_illegal_or_unknown_recording_request_is_rejected_with_its_status(acs: Acs, port: AcsCallAutomation) -> None:
    sid, _connection_id = answered(acs, port)
    recording_id = port.start_recording(sid, RecordingOptions(), request_id=request_id("api"))
    with pytest.raises(AcsRejected, match="409") as illegal:
        port.resume_recording(recording_id)
    assert illegal.value.status == 409
    with pytest.raises(AcsRejected, match="404") as unknown:
        port.stop_recording("bm8tc3VjaC1yZWNvcmRpbmc")
    assert unknown.value.status == 404


@pytest.mark.parametrize("status", [503, 500, 429])
def test_acs_server_errors_and_throttling_are_transient(acs: Acs, port: AcsCallAutomation, status: int) -> None:
    sid, _connection_id = answered(acs, port)
    recording_id = port.start_recording(sid, RecordingOptions(), request_id=request_id("api"))
    acs.control("POST", "faults/rest", {"status": status, "count": 1, "match": ":pause"})
    with pytest.raises(AcsTransient, match=str(status)) as failed:
        port.pause_recording(recording_id)
    assert failed.value.status == status
    assert acs.recording(sid)["state"] == "active", "the failed request changed nothing"
    port.pause_recording(recording_id)
    assert acs.recording(sid)["state"] == "paused"


def test_an_unreachable_acs_is_transient() -> None:
    client = CallAutomationClient("http://127.0.0.1:9", AzureKeyCredential("a2V5"), retry_total=0)
    with pytest.raises(AcsTransient):
        AcsCallAutomation(client).stop_recording("rec-1")
