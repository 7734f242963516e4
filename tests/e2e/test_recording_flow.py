"""One call at a time through the whole local stack, as a user's system would drive it."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
import requests
from azure.storage.blob import ContainerClient

from local.client import LocalClient, wait_for
from shared.layout import call_folder as _folder
from tests.e2e.conftest import ANSWERED_NUMBER, DECLINED_NUMBER, MAX_CHUNK_SECONDS, TIME_SCALE
from tests.e2e.flow import (
    answered_call,
    check_against_manifest,
    record_for,
    recordings,
    wait_archived,
    wait_recording,
)

pytestmark = pytest.mark.e2e


def test_an_answered_call_is_recorded_paused_resumed_and_archived_in_several_chunks(
    client: LocalClient, archive: ContainerClient, caller: str
) -> None:
    server_call_id = answered_call(client, caller, f"4:{ANSWERED_NUMBER}")
    record_for(MAX_CHUNK_SECONDS / TIME_SCALE * 1.5)
    client.recording(server_call_id, "pause")
    wait_recording(client, server_call_id, "paused")
    record_for(1.0)
    client.recording(server_call_id, "resume")
    wait_recording(client, server_call_id, "active")
    record_for(1.0)
    client.recording(server_call_id, "stop")
    client.hang_up(server_call_id)

    call = wait_archived(client, server_call_id)
    chunks = check_against_manifest(archive, call)
    assert len(chunks) >= 2, "the recording was long enough to be cut into several chunks"
    assert any(entry.get("pauseResumeIntervals") for entry in chunks), "the pause is listed in the manifest"
    total_seconds = 0.0
    for chunk in chunks:
        with wave.open(io.BytesIO(chunk["data"])) as audio:
            assert audio.getnchannels() == 2, "unmixed: one channel per participant"
            assert audio.getframerate() == 16000
            total_seconds += audio.getnframes() / audio.getframerate()
    assert total_seconds > MAX_CHUNK_SECONDS
    events = [str(entry) for entry in call.get("timeline", [])]
    for expected in ("Paused", "Resume", "Stop", "Disconnected", "Archived"):
        assert any(expected.lower() in event.lower() for event in events), f"{expected} missing from the timeline"


def test_a_call_to_a_number_outside_the_answer_policy_is_not_answered(client: LocalClient, caller: str) -> None:
    server_call_id = str(client.place_call(caller, f"4:{DECLINED_NUMBER}")["serverCallId"])
    wait_for(lambda: client.call(server_call_id) is not None, "the declined call to be recorded as ringing")
    record_for(1.5)
    call = client.call(server_call_id)
    assert call is not None
    assert call["state"] == "ringing"
    assert recordings(call) == []
    emulated = [c for c in client.emulator("GET", "calls") if c.get("serverCallId") == server_call_id]
    assert emulated
    assert emulated[0].get("state") != "connected"
    client.hang_up(server_call_id)


def test_a_call_is_read_over_http_given_only_the_server_call_id_pasted_as_acs_prints_it(
    client: LocalClient, caller: str
) -> None:
    server_call_id = str(client.place_call(caller, f"4:{DECLINED_NUMBER}")["serverCallId"])
    wait_for(lambda: client.call(server_call_id) is not None, "the call to be recorded as ringing")
    pasted = client.api("GET", f"calls/-?serverCallId={server_call_id}")  # its "/", "+", "=" unencoded
    assert pasted.status_code == 200, pasted.text
    assert (pasted.json()["serverCallId"], pasted.json()["callId"]) == (server_call_id, _folder(server_call_id))
    client.hang_up(server_call_id)


def test_hanging_up_while_paused_stops_and_archives_the_recording(
    client: LocalClient, archive: ContainerClient, caller: str
) -> None:
    server_call_id = answered_call(client, caller, f"4:{ANSWERED_NUMBER}")
    record_for(0.5)
    client.recording(server_call_id, "pause")
    wait_recording(client, server_call_id, "paused")
    client.hang_up(server_call_id)
    call = wait_archived(client, server_call_id)
    assert call["state"] == "disconnected"
    assert check_against_manifest(archive, call)


def test_illegal_commands_are_409_and_a_second_stop_is_a_no_op(client: LocalClient, caller: str) -> None:
    server_call_id = answered_call(client, caller, f"4:{ANSWERED_NUMBER}")
    response = client.api("POST", f"calls/{_folder(server_call_id)}/recording/resume")
    assert response.status_code == 409
    assert "active" in response.text
    client.recording(server_call_id, "stop")
    again = client.api("POST", f"calls/{_folder(server_call_id)}/recording/stop")
    assert again.status_code == 200
    client.hang_up(server_call_id)


def test_the_control_api_needs_a_function_key(stack_info: dict[str, Any], caller: str) -> None:
    url = f"{stack_info['functionsUrl']}/api/calls/{_folder(caller)}"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"x-functions-key": "wrong"}, timeout=10).status_code == 401


def test_event_grid_validation_handshake_is_answered_with_the_code(stack_info: dict[str, Any]) -> None:
    url = f"{stack_info['functionsUrl']}/runtime/webhooks/EventGrid?functionName=acs_events"
    key = stack_info.get("eventGridKey", "")
    event = {
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        "topic": "/subscriptions/x",
        "subject": "",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", "validationUrl": "https://example"},
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2026-11-23T19:00:00.0000000Z",
        "dataVersion": "1",
        "metadataVersion": "1",
    }
    headers = {"aeg-event-type": "SubscriptionValidation"}
    response = requests.post(url + (f"&code={key}" if key else ""), json=[event], headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    if key:
        assert requests.post(url, json=[event], headers=headers, timeout=10).status_code == 401
