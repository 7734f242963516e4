"""A malformed input on purpose, to see what the app does with one: it is quarantined, with the reason, and
acknowledged (so Event Grid neither retries it nor drops it silently)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from local.client import ClientError
from local.stackfile import PROG


def bad_incoming_call() -> dict[str, Any]:
    """An Event Grid IncomingCall event without its data (no from, to or incomingCallContext)."""
    return {
        "id": str(uuid.uuid4()),
        "eventType": "Microsoft.Communication.IncomingCall",
        "subject": "/caller/4:+14255550100/recipient/4:+18005550100",
        "data": {},
        "eventTime": datetime.now(UTC).isoformat(),
        "dataVersion": "1.0",
    }


def send_bad_event(info: Mapping[str, Any]) -> int:
    """Post the event to the app's Event Grid webhook as Event Grid does (Notification, system key)."""
    event = bad_incoming_call()
    url = f"{str(info['functionsUrl']).rstrip('/')}/runtime/webhooks/EventGrid"
    session = requests.Session()
    session.trust_env = False  # the stack is on loopback; never through a proxy
    answer = session.post(
        url,
        json=[event],
        params={"functionName": "acs_events", "code": str(info.get("eventGridKey", ""))},
        headers={"aeg-event-type": "Notification"},
        timeout=30,
    )
    if answer.status_code >= 300:
        raise ClientError(f"the app answered {answer.status_code} to the event: {answer.text[:200]}")
    print(f"sent IncomingCall event {event['id']} without its data; the app answered {answer.status_code}")
    print(f"see it, with the reason: {PROG} quarantine --payload")
    return 0
