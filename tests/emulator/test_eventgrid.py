"""Event Grid delivery: validation handshakes, both schemas, headers, retries, dead-lettering, injected faults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.emulator import Emulator
from tests.emulator.conftest import Control
from tests.emulator.flow import of_type
from tests.emulator.receiver import Receiver

FILES_READY = "Microsoft.Communication.RecordingFileStatusUpdated"


def subscribe(control: Control, receiver: Receiver, **extra: Any) -> Any:
    body = {"name": "sub1", "endpoint": receiver.url("/runtime/webhooks/EventGrid?functionName=acs_events"), **extra}
    return control("POST", "subscriptions", body)


def synthetic(control: Control) -> dict[str, Any]:
    response = control("POST", "recordings/synthetic", {"durationSeconds": 1, "deliver": True})
    assert response.status_code == 201
    event: dict[str, Any] = response.json()
    return event


def deliveries(control: Control, event_id: str) -> list[dict[str, Any]]:
    return [d for d in control("GET", "deliveries").json() if d.get("eventId") == event_id]


def test_event_grid_schema_subscription_is_validated_and_gets_event_grid_headers(
    control: Control, receiver: Receiver
) -> None:
    response = subscribe(control, receiver, includedEventTypes=[FILES_READY])
    assert response.status_code == 201, response.text
    validation = receiver.requests[0]
    assert validation.headers["aeg-event-type"] == "SubscriptionValidation"
    assert validation.json()[0]["eventType"] == "Microsoft.EventGrid.SubscriptionValidationEvent"
    event = synthetic(control)
    [delivered] = receiver.wait(lambda ev: [e for e in ev if e.get("id") == event["id"]])
    assert delivered["eventType"] == FILES_READY
    assert delivered["dataVersion"] == "1.0"
    notification = receiver.notifications()[0]
    assert notification.path_qs.endswith("?functionName=acs_events"), "the query string is kept"
    assert notification.headers["aeg-event-type"] == "Notification"
    assert notification.headers["aeg-subscription-name"] == "SUB1"
    assert notification.headers["aeg-delivery-count"] == "0"
    assert isinstance(notification.json(), list)


def test_the_event_type_filter_holds_back_other_events(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver, includedEventTypes=["Microsoft.Communication.IncomingCall"])
    synthetic(control)
    control("POST", "calls/incoming", {"from": "4:+14255550100", "to": "8:acs:a"})
    receiver.wait(lambda ev: of_type(ev, "IncomingCall"))
    assert not of_type(receiver.events(), "RecordingFileStatusUpdated")


def test_a_wrong_validation_code_refuses_the_subscription(control: Control, receiver: Receiver) -> None:
    receiver.echo_validation = False
    response = subscribe(control, receiver)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SubscriptionValidationFailed"
    assert control("GET", "subscriptions").json() == []


def test_cloud_events_subscription_uses_the_options_handshake_and_cloud_event_bodies(
    control: Control, receiver: Receiver
) -> None:
    assert subscribe(control, receiver, schema="CloudEventSchemaV1_0").status_code == 201
    options = receiver.requests[0]
    assert options.method == "OPTIONS"
    assert options.headers["WebHook-Request-Origin"] == "eventgrid.azure.net"
    event = synthetic(control)
    [delivered] = receiver.wait(lambda ev: [e for e in ev if e.get("id") == event["id"]])
    assert delivered["specversion"] == "1.0"
    assert delivered["type"] == FILES_READY
    assert delivered["source"].endswith("/communicationServices/acs-emulator")
    assert delivered["subject"] == event["subject"]
    assert delivered["data"] == event["data"]
    assert receiver.notifications()[0].headers["Content-Type"].startswith("application/cloudevents+json")


def test_cloud_events_endpoint_that_does_not_allow_the_origin_is_refused(control: Control, receiver: Receiver) -> None:
    receiver.allow_origin = False
    assert subscribe(control, receiver, schema="CloudEventSchemaV1_0").status_code == 400


def test_failed_deliveries_are_retried_with_a_growing_delivery_count(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver)
    receiver.statuses.extend([503, 500])
    event = synthetic(control)
    receiver.wait(lambda _: [d for d in deliveries(control, event["id"]) if d["outcome"] == "delivered"])
    counts = [r.headers["aeg-delivery-count"] for r in receiver.notifications()]
    assert counts == ["0", "1", "2"]
    [record] = deliveries(control, event["id"])
    assert (record["status"], record["attempts"]) == (200, 3)


def test_after_the_last_attempt_the_event_is_dead_lettered_to_the_state_folder(
    emu: Emulator, control: Control, receiver: Receiver
) -> None:
    subscribe(control, receiver, maxDeliveryAttempts=2)
    receiver.default_status = 500
    event = synthetic(control)
    [record] = receiver.wait(
        lambda _: [d for d in deliveries(control, event["id"]) if d["outcome"] == "deadLettered"], what="dead letter"
    )
    assert record["attempts"] == 2
    assert record["status"] == 500
    [letter] = json.loads(Path(record["deadLetter"]).read_text())
    assert Path(record["deadLetter"]).is_relative_to(emu.config.state_dir / "deadletter" / "SUB1")
    assert letter["id"] == event["id"]
    assert letter["deadLetterReason"] == "MaxDeliveryAttemptsExceeded"
    assert letter["deliveryAttempts"] == 2
    assert letter["lastHttpStatusCode"] == 500


def test_a_400_is_not_retried_and_goes_straight_to_dead_letter(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver)
    receiver.default_status = 400
    event = synthetic(control)
    [record] = receiver.wait(lambda _: [d for d in deliveries(control, event["id"]) if d["outcome"] == "deadLettered"])
    assert record["attempts"] == 1
    assert len(receiver.notifications()) == 1


def test_a_slow_endpoint_times_out_and_is_retried(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver, maxDeliveryAttempts=2)
    control("POST", "settings", {"eventGridTimeoutSeconds": 0.2})
    receiver.delay_seconds = 1.0
    event = synthetic(control)
    [record] = receiver.wait(lambda _: [d for d in deliveries(control, event["id"]) if d["outcome"] == "deadLettered"])
    assert record["status"] is None
    assert record["attempts"] == 2


def test_injected_duplicates_deliver_each_event_several_times(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver)
    assert control("POST", "faults/eventgrid", {"duplicates": 3}).status_code == 200
    event = synthetic(control)
    copies = receiver.wait(
        lambda ev: (found := [e for e in ev if e.get("id") == event["id"]]) and len(found) == 3 and found
    )
    assert all(copy == copies[0] for copy in copies)
    control("DELETE", "faults")
    second = synthetic(control)
    receiver.wait(lambda ev: [e for e in ev if e.get("id") == second["id"]])
    assert len(deliveries(control, second["id"])) == 1


def test_injected_shuffle_changes_the_delivery_order(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver)
    control("POST", "faults/eventgrid", {"shuffle": True})
    published = [synthetic(control)["id"] for _ in range(12)]
    received = receiver.wait(
        lambda ev: (ids := [e["id"] for e in ev if e.get("id") in published]) and len(ids) == 12 and ids
    )
    assert sorted(received) == sorted(published)
    assert received != published, "12 events in publication order after shuffling: 1 chance in 479 million"


def test_deleting_a_subscription_drops_its_pending_retries(control: Control, receiver: Receiver) -> None:
    subscribe(control, receiver)
    control("POST", "settings", {"eventGridRetryScale": 0.05})  # 0.5 s before the first retry
    receiver.default_status = 500
    event = synthetic(control)
    receiver.wait(lambda _: [d for d in deliveries(control, event["id"]) if d["outcome"] == "retrying"])
    assert control("DELETE", "subscriptions/sub1").status_code == 200
    [record] = receiver.wait(lambda _: [d for d in deliveries(control, event["id"]) if d["outcome"] == "dropped"])
    assert record["attempts"] == 1
