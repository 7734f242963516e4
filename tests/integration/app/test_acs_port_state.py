"""The Call Automation port's state reads (``get_call_properties``, ``get_recording_state``) over the real SDK
against the ACS emulator: what ACS reports for a live call and recording, and None once ACS no longer knows them."""

from __future__ import annotations

import uuid

import pytest
from azure.communication.callautomation import CallAutomationClient

from shared.acs import AcsCallAutomation, AcsTransient
from shared.domain import RecordingOptions
from tests.integration.app.emulated import ANSWERED, CALLER, Acs


@pytest.fixture
def port(acs: Acs) -> AcsCallAutomation:
    client = CallAutomationClient.from_connection_string(
        acs.emu.info["connectionString"], retry_total=0, connection_verify=acs.emu.info["caBundle"]
    )
    return AcsCallAutomation(client)


def answered(acs: Acs, port: AcsCallAutomation) -> tuple[str, str]:
    """(serverCallId, callConnectionId) of a call the port answered, once ACS has called back that it connected."""
    placed = acs.control("POST", "calls/incoming", {"from": CALLER, "to": ANSWERED})
    call = port.answer(placed["incomingCallContext"], acs.hooks.url("/api/callbacks"), request_id=f"a:{uuid.uuid4()}")
    acs.callback(placed["serverCallId"], "CallConnected")
    return placed["serverCallId"], call.call_connection_id


def test_a_connected_call_reads_connected_and_an_ended_one_reads_none(acs: Acs, port: AcsCallAutomation) -> None:
    sid, connection_id = answered(acs, port)
    assert port.get_call_properties(connection_id) == "connected"
    acs.control("POST", "calls/hangup", {"serverCallId": sid})
    assert port.get_call_properties(connection_id) is None


def test_a_recording_reads_active_then_inactive_when_paused(acs: Acs, port: AcsCallAutomation) -> None:
    sid, connection_id = answered(acs, port)
    recording_id = port.start_recording(
        sid, RecordingOptions(), request_id=f"r:{uuid.uuid4()}", call_connection_id=connection_id
    )
    assert port.get_recording_state(recording_id) == "active"
    port.pause_recording(recording_id)
    assert port.get_recording_state(recording_id) == "inactive"


def test_an_unknown_recording_reads_none(port: AcsCallAutomation) -> None:
    assert port.get_recording_state("bm8tc3VjaC1yZWNvcmRpbmc") is None


def test_a_server_error_while_reading_state_is_transient(acs: Acs, port: AcsCallAutomation) -> None:
    _sid, connection_id = answered(acs, port)
    acs.control("POST", "faults/rest", {"status": 503, "count": 1, "match": connection_id})
    with pytest.raises(AcsTransient, match="503"):
        port.get_call_properties(connection_id)
    assert port.get_call_properties(connection_id) == "connected"
