"""The Event Grid webhook: handshake, notifications (202/500), bad requests (400/404/401), both schemas."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from .conftest import HostProcess, seen

NOTIFICATION = {"aeg-event-type": "Notification"}


def grid_event(**data: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "topic": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/CommunicationServices/z",
        "subject": "call/1",
        "eventType": "Microsoft.Communication.IncomingCall",
        "eventTime": "2024-05-01T10:20:30.1234567Z",
        "data": data,
        "dataVersion": "1.0",
    }


def post(
    host: HostProcess, body: Any, headers: dict[str, str], name: str = "acs_events", **params: str
) -> requests.Response:
    query = {"functionName": name, "code": host.info["eventGridKey"], **params}
    url = f"{host.url}/runtime/webhooks/EventGrid"
    return requests.post(url, json=body, headers=headers, params=query, timeout=30)


def seen_ids(host: HostProcess) -> dict[str, dict[str, Any]]:
    return {str(event["id"]): event for event in seen(host)}


def test_subscription_validation_answers_the_code_without_invoking(web_host: HostProcess) -> None:
    event = grid_event(validationCode="512d38b6-c7b8-40c8-89fe-f46f9e9622b6")
    event["eventType"] = "Microsoft.EventGrid.SubscriptionValidationEvent"

    response = post(web_host, [event], {"aeg-event-type": "SubscriptionValidation"})

    assert response.status_code == 200
    assert response.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    assert event["id"] not in seen_ids(web_host)


def test_notification_invokes_once_per_event_and_answers_202(web_host: HostProcess) -> None:
    events = [grid_event(n=index) for index in range(3)]

    response = post(web_host, events, NOTIFICATION)

    assert response.status_code == 202
    recorded = seen_ids(web_host)
    assert [recorded[event["id"]]["data"] for event in events] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert {recorded[event["id"]]["class"] for event in events} == {"EventGridEvent"}


def test_a_single_event_object_is_accepted(web_host: HostProcess) -> None:
    event = grid_event(single=True)

    assert post(web_host, event, NOTIFICATION).status_code == 202
    assert event["id"] in seen_ids(web_host)


def test_cloud_event_reaches_the_function_as_a_cloud_event(web_host: HostProcess) -> None:
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/acs",
        "type": "Microsoft.Communication.IncomingCall",
        "time": "2024-05-01T10:20:30Z",
        "data": {"cloud": True},
    }

    assert post(web_host, [event], NOTIFICATION).status_code == 202
    assert seen_ids(web_host)[event["id"]]["class"] == "CloudEvent"


def test_any_failing_event_makes_the_batch_answer_500_while_the_others_run(web_host: HostProcess) -> None:
    good, bad = grid_event(n=1), grid_event(fail=True)

    response = post(web_host, [good, bad], NOTIFICATION)

    assert response.status_code == 500
    assert good["id"] in seen_ids(web_host)


def test_missing_event_type_header_is_400(web_host: HostProcess) -> None:
    assert post(web_host, [grid_event()], {}).status_code == 400


def test_unknown_function_is_404(web_host: HostProcess) -> None:
    assert post(web_host, [grid_event()], NOTIFICATION, name="nope").status_code == 404


def test_a_non_event_grid_function_is_404(web_host: HostProcess) -> None:
    assert post(web_host, [grid_event()], NOTIFICATION, name="hello").status_code == 404


def test_wrong_or_function_key_is_401_and_master_key_is_accepted(web_host: HostProcess) -> None:
    assert post(web_host, [grid_event()], NOTIFICATION, code="wrong").status_code == 401
    assert post(web_host, [grid_event()], NOTIFICATION, code=web_host.info["functionKey"]).status_code == 401
    assert post(web_host, [grid_event()], NOTIFICATION, code=web_host.info["masterKey"]).status_code == 202


def test_webhook_path_is_case_insensitive_and_takes_the_key_header(web_host: HostProcess) -> None:
    event = grid_event()
    headers = {**NOTIFICATION, "x-functions-key": web_host.info["eventGridKey"]}

    response = requests.post(
        f"{web_host.url}/runtime/webhooks/eventgrid",
        params={"functionName": "ACS_EVENTS"},
        json=[event],
        headers=headers,
        timeout=30,
    )

    assert response.status_code == 202
    assert event["id"] in seen_ids(web_host)


def test_unsubscribe_is_202(web_host: HostProcess) -> None:
    assert post(web_host, [grid_event()], {"aeg-event-type": "Unsubscribe"}).status_code == 202


def test_cloud_events_abuse_protection_options_is_allowed(web_host: HostProcess) -> None:
    response = requests.options(
        f"{web_host.url}/runtime/webhooks/EventGrid",
        params={"functionName": "acs_events", "code": web_host.info["eventGridKey"]},
        headers={"WebHook-Request-Origin": "eventgrid.azure.net"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.headers["WebHook-Allowed-Origin"] == "*"
