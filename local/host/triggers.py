"""What the host sends the runtime for a trigger, as the Functions host sends it, and the binding data it keeps for
output binding expressions.

Sources: azure-functions-host ``RpcMessageConversionExtensions.ToRpcHttp`` (the HTTP request: lower-cased headers,
non-empty query values, route values as ``params``, the body as bytes for a worker that asks for
``RawHttpBodyBytes`` as the Python runtime does); the Event Grid extension (the event as JSON, binding data
``{"data": event.data}``); the Storage Queues extension (the message as text, or bytes when it is not UTF-8, with
``Id``, ``DequeueCount``, ``PopReceipt``, ``InsertionTime``, ``ExpirationTime``, ``NextVisibleTime`` and
``QueueTrigger``); the Timer extension (``TimerInfo`` as JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .rpc import messages
from .typeddata import to_typed_data

BindingData = dict[str, Any]


@dataclass(frozen=True)
class Trigger:
    """The trigger's ``TypedData``, the trigger metadata sent with it, and the host's binding data."""

    data: Any
    metadata: BindingData = field(default_factory=dict)
    binding_data: BindingData = field(default_factory=dict)
    traceparent: str = ""


def grid_event(raw: dict[str, Any]) -> Trigger:
    """An Event Grid schema event (or a CloudEvents 1.0 event); binding data is ``data``."""
    binding_data = {"data": raw.get("data")}
    return Trigger(to_typed_data(raw), binding_data, binding_data)


def queue_message(
    body: str | bytes,
    *,
    message_id: str,
    dequeue_count: int,
    pop_receipt: str = "",
    inserted_on: datetime | None = None,
    expires_on: datetime | None = None,
    next_visible_on: datetime | None = None,
) -> Trigger:
    """A queue message; binding data has the message's metadata and, for a JSON object, its properties."""
    metadata: BindingData = {
        "Id": message_id,
        "DequeueCount": dequeue_count,
        "PopReceipt": pop_receipt,
        "InsertionTime": _iso(inserted_on),
        "ExpirationTime": _iso(expires_on),
        "NextVisibleTime": _iso(next_visible_on),
    }
    metadata = {key: value for key, value in metadata.items() if value is not None}
    text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
    binding_data = {**_json_properties(text), **metadata, "QueueTrigger": text}
    return Trigger(to_typed_data(body), binding_data, binding_data)


def timer_request(*, past_due: bool, last: datetime | None, next_run: datetime | None) -> Trigger:
    status = {"Last": _iso(last), "Next": _iso(next_run), "LastUpdated": _iso(last)}
    info = {"Schedule": {"AdjustForDST": True}, "ScheduleStatus": status, "IsPastDue": past_due}
    return Trigger(messages().TypedData(json=json.dumps(info)))


def http_request(
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    query: dict[str, str],
    route_values: dict[str, str],
    body: bytes,
    traceparent: str = "",
) -> Trigger:
    """An HTTP request; binding data has the route values, ``query.x``, ``headers.x`` and a JSON body's properties."""
    rpc = messages()
    request = rpc.RpcHttp(
        method=method,
        url=url,
        headers={name.lower(): value for name, value in headers.items()},
        query={name: value for name, value in query.items() if value},
        params=route_values,
    )
    if body:
        request.body.CopyFrom(rpc.TypedData(bytes=body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    binding_data = {**_json_properties(text), "query": query, "headers": headers, **route_values}
    return Trigger(rpc.TypedData(http=request), {}, binding_data, traceparent)


def _json_properties(text: str) -> BindingData:
    if not text.lstrip().startswith("{"):
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
