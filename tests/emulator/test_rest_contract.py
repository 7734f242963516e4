"""The real, unmodified Call Automation SDK (1.6.x) against the emulator, with an ordinary connection string."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from azure.communication.callautomation import (
    AzureBlobContainerRecordingStorage,
    CallAutomationClient,
    ChannelAffinity,
    CommunicationUserIdentifier,
    PhoneNumberIdentifier,
    RecordingChannel,
    RecordingContent,
    RecordingFormat,
)
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)

from local.emulator import Emulator
from tests.emulator.conftest import Control
from tests.emulator.flow import AGENT, CALLER, SUPERVISOR, answered_call, of_type, place_call
from tests.emulator.receiver import Receiver
from tests.emulator.signed import signed

API = "?api-version=2026-03-12"


def statuses_hook(statuses: list[int]) -> Any:
    return lambda response: statuses.append(response.http_response.status_code)


def test_an_incoming_call_arrives_through_event_grid_with_both_parties(control: Control, subscribed: Receiver) -> None:
    placed = place_call(control)
    event = subscribed.wait(lambda ev: of_type(ev, "IncomingCall", serverCallId=placed["serverCallId"]))[0]
    assert event["subject"] == f"/caller/{CALLER}/recipient/{AGENT}"
    assert event["data"]["from"] == {"kind": "phoneNumber", "rawId": CALLER, "phoneNumber": {"value": CALLER[2:]}}
    assert event["data"]["to"]["communicationUser"] == {"id": AGENT}
    assert event["data"]["correlationId"] == placed["correlationId"]
    assert event["data"]["callerDisplayName"] == "Test Caller"
    assert event["data"]["incomingCallContext"]


def test_answer_connects_the_call_and_get_reports_it_connected(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    assert answered.call_connection_state == "connecting"
    assert answered.callback_url == subscribed.url("/api/callbacks?code=k1")
    connected = of_type(subscribed.events(), "CallConnected", callConnectionId=answered.call_connection_id)
    assert connected[0]["source"] == f"calling/callConnections/{answered.call_connection_id}"
    assert connected[0]["data"]["resultInformation"]["code"] == 200
    callback = next(r for r in subscribed.requests if r.path_qs == "/api/callbacks?code=k1")
    assert callback.headers["Authorization"].startswith("Bearer ")
    properties = sdk.get_call_connection(answered.call_connection_id).get_call_properties()
    assert properties.call_connection_state == "connected"
    assert properties.server_call_id == answered.server_call_id
    assert {t.raw_id for t in properties.targets} == {CALLER, SUPERVISOR}


def test_create_call_connects_and_calls_back(sdk: CallAutomationClient, receiver: Receiver) -> None:
    statuses: list[int] = []
    created = sdk.create_call(
        CommunicationUserIdentifier("8:acs:res_callee"), receiver.url("/cb"), raw_response_hook=statuses_hook(statuses)
    )
    assert statuses == [201]
    assert created.call_connection_state == "connecting"
    receiver.wait(lambda ev: of_type(ev, "CallConnected", callConnectionId=created.call_connection_id))


@pytest.mark.parametrize("for_everyone", [True, False])
def test_hang_up_disconnects_and_the_connection_is_then_gone(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver, for_everyone: bool
) -> None:
    answered = answered_call(control, sdk, subscribed)
    connection = sdk.get_call_connection(answered.call_connection_id)
    connection.hang_up(is_for_everyone=for_everyone)
    subscribed.wait(lambda ev: of_type(ev, "CallDisconnected", callConnectionId=answered.call_connection_id))
    with pytest.raises(ResourceNotFoundError):
        connection.get_call_properties()
    calls = {c["serverCallId"]: c for c in control("GET", "calls").json()}
    assert calls[answered.server_call_id]["state"] == "disconnected"


def test_start_with_every_option_by_call_connection_is_202_and_inactive_until_it_starts(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    statuses: list[int] = []
    started = sdk.start_recording(
        call_connection_id=answered.call_connection_id,
        recording_state_callback_url=subscribed.url("/recording-state"),
        recording_content_type=RecordingContent.AUDIO,
        recording_channel_type=RecordingChannel.UNMIXED,
        recording_format_type=RecordingFormat.WAV,
        audio_channel_participant_ordering=[PhoneNumberIdentifier(CALLER[2:])],
        channel_affinity=[ChannelAffinity(target_participant=CommunicationUserIdentifier(SUPERVISOR), channel=0)],
        pause_on_start=True,
        recording_storage=AzureBlobContainerRecordingStorage("https://acct.blob.core.windows.net/recordings"),
        raw_response_hook=statuses_hook(statuses),
    )
    assert statuses == [202]
    assert started.recording_state == "inactive"
    assert started.recording_kind == "azureCommunicationServices"
    recording = next(r for r in control("GET", "recordings").json() if r["recordingId"] == started.recording_id)
    assert recording["channels"] == [SUPERVISOR, CALLER, AGENT], "affinity, then ordering, then call order"
    assert recording["state"] == "paused"
    state = subscribed.wait(lambda ev: of_type(ev, "RecordingStateChanged", recordingId=started.recording_id))
    assert state[0]["data"]["state"] == "inactive"
    assert [r for r in subscribed.requests if r.path_qs == "/recording-state"], "sent to recordingStateCallbackUri"


def test_start_by_server_call_id_is_200_and_pause_resume_stop_follow_the_state_machine(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    statuses: list[int] = []
    started = sdk.start_recording(server_call_id=answered.server_call_id, raw_response_hook=statuses_hook(statuses))
    assert statuses == [200]
    rid = started.recording_id
    assert sdk.get_recording_properties(rid).recording_state == "active"
    sdk.pause_recording(rid)
    assert sdk.get_recording_properties(rid).recording_state == "inactive"
    with pytest.raises(ResourceExistsError, match="cannot pause: recording is paused"):
        sdk.pause_recording(rid)
    sdk.resume_recording(rid)
    assert sdk.get_recording_properties(rid).recording_state == "active"
    with pytest.raises(ResourceExistsError, match="cannot resume: recording is active"):
        sdk.resume_recording(rid)
    with pytest.raises(ResourceExistsError, match="already being recorded"):
        sdk.start_recording(server_call_id=answered.server_call_id)
    sdk.stop_recording(rid)
    assert sdk.get_recording_properties(rid).recording_state == "inactive"
    for action in (sdk.stop_recording, sdk.pause_recording, sdk.resume_recording):
        with pytest.raises(ResourceExistsError):
            action(rid)

    def states(events: list[dict[str, Any]]) -> list[str] | None:
        found = [e["data"]["state"] for e in of_type(events, "RecordingStateChanged", recordingId=rid)]
        return found if len(found) == 4 else None

    assert subscribed.wait(states) == ["active", "inactive", "active", "inactive"]


def test_unknown_ids_are_404(sdk: CallAutomationClient) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.get_call_connection(str(uuid.uuid4())).get_call_properties()
    with pytest.raises(ResourceNotFoundError):
        sdk.get_recording_properties("bm8tc3VjaC1yZWNvcmRpbmc")
    with pytest.raises(ResourceNotFoundError):
        sdk.pause_recording("bm8tc3VjaC1yZWNvcmRpbmc")
    with pytest.raises(ResourceNotFoundError):
        sdk.start_recording(server_call_id="bm8tc3VjaC1jYWxs")
    with pytest.raises(ResourceNotFoundError):
        sdk.answer_call("not-a-known-context", "http://127.0.0.1:9/cb")


def test_a_wrong_access_key_is_401(emu: Emulator) -> None:
    endpoint = emu.info["connectionString"].split(";")[0]
    wrong = CallAutomationClient.from_connection_string(
        f"{endpoint};accesskey=d3Jvbmcta2V5LXdyb25nLWtleQ==", retry_total=0, connection_verify=emu.info["caBundle"]
    )
    with pytest.raises(ClientAuthenticationError):
        wrong.get_recording_properties("anything")


def test_a_stale_date_or_a_tampered_body_is_401_and_errors_have_the_acs_shape(emu: Emulator) -> None:
    body = {"callLocator": {"serverCallId": "x", "kind": "serverCallLocator"}, "channelAffinity": []}
    stale = signed(emu, "POST", f"/calling/recordings{API}", body, date_offset=-3600)
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "Unauthorized"
    assert "x-ms-date" in stale.json()["error"]["message"]
    tampered = signed(emu, "POST", f"/calling/recordings{API}", body, sent_body=b'{"callLocator": {}}')
    assert tampered.status_code == 401
    unsigned_ok = signed(emu, "POST", f"/calling/recordings{API}", body)
    assert unsigned_ok.status_code == 404, "correctly signed: reaches the backend (unknown call)"
    assert unsigned_ok.json()["error"]["code"] == "CallNotFound"


def test_a_missing_api_version_or_a_bad_option_is_400(
    emu: Emulator, control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    body = {"callConnectionId": answered.call_connection_id, "channelAffinity": []}
    assert signed(emu, "POST", "/calling/recordings", body).status_code == 400
    with pytest.raises(HttpResponseError) as raised:
        sdk.start_recording(
            call_connection_id=answered.call_connection_id,
            recording_channel_type=RecordingChannel.UNMIXED,
            recording_format_type=RecordingFormat.MP3,
            recording_content_type=RecordingContent.AUDIO,
        )
    assert raised.value.status_code == 400


def test_a_repeated_request_id_returns_the_first_result(
    emu: Emulator, control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    body = {"callConnectionId": answered.call_connection_id, "channelAffinity": []}
    headers = repeatable_headers()
    first = signed(emu, "POST", f"/calling/recordings{API}", body, headers=headers)
    again = signed(emu, "POST", f"/calling/recordings{API}", body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["recordingId"] == again.json()["recordingId"]
    assert again.headers["Repeatability-Result"] == "accepted"
    other = signed(emu, "POST", f"/calling/recordings{API}", body, headers=repeatable_headers())
    assert other.status_code == 409, "a new request id is a new request"


def repeatable_headers(request_id: str | None = None, sent: datetime | None = None) -> dict[str, str]:
    return {
        "Repeatability-Request-ID": request_id or str(uuid.uuid4()),
        "Repeatability-First-Sent": format_datetime(sent or datetime.now(UTC), usegmt=True),
    }


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Repeatability-Request-ID": "not-a-guid", "Repeatability-First-Sent": "now"}, 400),
        (repeatable_headers() | {"Repeatability-First-Sent": "2026-11-23T19:05:33Z"}, 400),
        ({"Repeatability-Request-ID": str(uuid.uuid4())}, 400),
        (repeatable_headers(sent=datetime.now(UTC) - timedelta(minutes=6)), 412),
    ],
)
def test_repeatability_headers_are_checked_as_acs_documents(
    emu: Emulator,
    control: Control,
    sdk: CallAutomationClient,
    subscribed: Receiver,
    headers: dict[str, str],
    status: int,
) -> None:
    # https://learn.microsoft.com/en-us/rest/api/communication/repeatable-requests (response code table)
    answered = answered_call(control, sdk, subscribed)
    body = {"callConnectionId": answered.call_connection_id, "channelAffinity": []}
    assert signed(emu, "POST", f"/calling/recordings{API}", body, headers=headers).status_code == status


def test_a_repeat_that_does_not_match_its_first_request_is_refused(
    emu: Emulator, control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    body = {"callConnectionId": answered.call_connection_id, "channelAffinity": []}
    request_id = str(uuid.uuid4())
    first = repeatable_headers(request_id, datetime.now(UTC) - timedelta(seconds=20))
    assert signed(emu, "POST", f"/calling/recordings{API}", body, headers=first).status_code == 202
    later = repeatable_headers(request_id)
    assert signed(emu, "POST", f"/calling/recordings{API}", body, headers=later).status_code == 400


def test_an_injected_start_failure_is_accepted_then_reported_by_start_recording_failed(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    assert control("POST", "faults/recordings", {"startFailures": 1}).status_code == 200
    failed = sdk.start_recording(call_connection_id=answered.call_connection_id)
    assert failed.recording_state == "inactive"
    [event] = subscribed.wait(lambda ev: of_type(ev, "StartRecordingFailed", recordingId=failed.recording_id))
    assert event["data"]["resultInformation"]["code"] == 500
    assert event["data"]["callConnectionId"] == answered.call_connection_id
    with pytest.raises(ResourceNotFoundError):
        sdk.get_recording_properties(failed.recording_id)
    retried = sdk.start_recording(call_connection_id=answered.call_connection_id)
    assert sdk.get_recording_properties(retried.recording_id).recording_state == "active"
    assert not of_type(subscribed.events(), "RecordingStateChanged", recordingId=failed.recording_id)


def test_an_injected_rest_fault_is_not_remembered_so_the_sdk_retry_with_the_same_request_id_succeeds(
    emu: Emulator, control: Control, subscribed: Receiver
) -> None:
    retrying = CallAutomationClient.from_connection_string(
        emu.info["connectionString"], retry_total=2, retry_backoff_factor=0.01, connection_verify=emu.info["caBundle"]
    )
    answered = answered_call(control, retrying, subscribed)
    fault = {"status": 503, "count": 1, "match": "POST /calling/recordings"}
    assert control("POST", "faults/rest", fault).status_code == 201
    statuses: list[int] = []
    started = retrying.start_recording(
        call_connection_id=answered.call_connection_id, raw_response_hook=statuses_hook(statuses)
    )
    assert statuses == [503, 202], "the SDK re-sent the POST after the injected 503"
    assert retrying.get_recording_properties(started.recording_id).recording_state == "active"
    assert control("GET", "faults").json()["fired"]["rest503"] == 1
