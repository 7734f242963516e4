"""The control plane: health, settings, listings, reset."""

from __future__ import annotations

import hashlib

import pytest
from azure.communication.callautomation import CallAutomationClient

from local.emulator import Emulator
from tests.emulator.conftest import Control
from tests.emulator.flow import AGENT, CALLER, SUPERVISOR, answered_call, place_call
from tests.emulator.receiver import Receiver


def test_health_answers_200(control: Control) -> None:
    assert control("GET", "health").status_code == 200


def test_settings_change_any_subset_and_reject_unknown_names(control: Control) -> None:
    changed = control("POST", "settings", {"filesReadyDelaySeconds": 2, "timeScale": 60}).json()
    assert changed["filesReadyDelaySeconds"] == 2
    assert changed["timeScale"] == 60
    assert changed["maxChunkSeconds"] == 4 * 3600
    assert changed["retentionSeconds"] == 24 * 3600
    assert set(changed) == {
        "filesReadyDelaySeconds",
        "timeScale",
        "maxChunkSeconds",
        "retentionSeconds",
        "eventGridRetryScale",
        "eventGridTimeoutSeconds",
        "filesReadyShape",
    }
    assert changed["filesReadyShape"] == "full"
    assert control("POST", "settings", {"speed": 2}).status_code == 400
    assert control("POST", "settings", {"timeScale": -1}).status_code == 400


def test_calls_list_parties_states_and_connections(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    ringing = place_call(control)["serverCallId"]
    answered = answered_call(control, sdk, subscribed)
    calls = {c["serverCallId"]: c for c in control("GET", "calls").json()}
    assert calls[ringing]["state"] == "ringing"
    connected = calls[answered.server_call_id]
    assert connected["state"] == "connected"
    assert (connected["from"], connected["to"], connected["participants"]) == (
        CALLER,
        AGENT,
        [CALLER, AGENT, SUPERVISOR],
    )
    assert connected["callConnections"] == [answered.call_connection_id]


def test_a_call_needs_raw_ids(control: Control) -> None:
    assert control("POST", "calls/incoming", {"from": "+14255550100", "to": AGENT}).status_code == 400
    assert control("POST", "calls/hangup", {"serverCallId": "unknown"}).status_code == 404


def test_reset_forgets_calls_recordings_and_deliveries_but_keeps_subscriptions(
    emu: Emulator, control: Control, subscribed: Receiver
) -> None:
    place_call(control)
    control("POST", "recordings/synthetic", {"durationSeconds": 1})
    control("POST", "settings", {"timeScale": 5})
    assert control("POST", "reset").status_code == 200
    assert control("GET", "calls").json() == []
    assert control("GET", "recordings").json() == []
    assert control("GET", "deliveries").json() == []
    assert control("GET", "settings").json()["timeScale"] == emu.config.time_scale
    assert [s["name"] for s in control("GET", "subscriptions").json()] == ["tests"]


@pytest.mark.usefixtures("proxied")
def test_an_objects_digest_matches_its_download_and_outlives_its_deletion(
    control: Control, sdk: CallAutomationClient
) -> None:
    event = control("POST", "recordings/synthetic", {"durationSeconds": 1, "chunks": 2}).json()
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][1]
    document_id = chunk["documentId"]
    data = b"".join(sdk.download_recording(chunk["contentLocation"]).iter_bytes())

    sdk.delete_recording(chunk["deleteLocation"])
    digest = control("GET", f"objects/{document_id}").json()

    assert (digest["size"], digest["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert (digest["index"], digest["deleted"]) == (1, True)
    assert control("GET", "objects/0-eus-d1-00000000000000000000000000000000").status_code == 404
