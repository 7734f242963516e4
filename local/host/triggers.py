"""Trigger values built the way the Python worker builds them, through azure.functions' own input converters,
with the binding data the host offers to output binding expressions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.queue import QueueMessageInConverter
from azure.functions.timer import TimerRequestConverter

BindingData = dict[str, Any]


def grid_event(raw: dict[str, Any]) -> tuple[func.EventGridEvent | func.CloudEvent, BindingData]:
    """An Event Grid schema event (or a CloudEvents 1.0 event, which has ``specversion``); binding data is ``data``."""
    event = EventGridEventInConverter.decode(meta.Datum(type="json", value=json.dumps(raw)), trigger_metadata=None)
    return event, {"data": raw.get("data")}


def queue_message(
    body: str | bytes,
    *,
    message_id: str,
    dequeue_count: int,
    pop_receipt: str = "",
    inserted_on: datetime | None = None,
    expires_on: datetime | None = None,
    next_visible_on: datetime | None = None,
) -> tuple[func.QueueMessage, BindingData]:
    """A ``func.QueueMessage``; binding data has the message's metadata and, for a JSON object, its properties."""
    metadata: dict[str, Any] = {
        "Id": message_id,
        "DequeueCount": dequeue_count,
        "PopReceipt": pop_receipt,
        "InsertionTime": _iso(inserted_on),
        "ExpirationTime": _iso(expires_on),
        "NextVisibleTime": _iso(next_visible_on),
    }
    datums = {
        key: meta.Datum(type="int" if isinstance(value, int) else "string", value=value)
        for key, value in metadata.items()
        if value is not None
    }
    payload = meta.Datum(type="string" if isinstance(body, str) else "bytes", value=body)
    message = QueueMessageInConverter.decode(payload, trigger_metadata=datums)
    text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
    return message, {**_json_properties(text), **metadata, "QueueTrigger": text}


def timer_request(*, past_due: bool, last: datetime | None, next_run: datetime | None) -> func.TimerRequest:
    status = {"Last": _iso(last), "Next": _iso(next_run), "LastUpdated": _iso(last)}
    info = {"Schedule": {"AdjustForDST": True}, "ScheduleStatus": status, "IsPastDue": past_due}
    request: func.TimerRequest = TimerRequestConverter.decode(
        meta.Datum(type="json", value=json.dumps(info)), trigger_metadata=None
    )
    return request


def http_binding_data(
    route_values: dict[str, str], query: dict[str, str], headers: dict[str, str], body: bytes
) -> BindingData:
    """Route values, ``query.x``, ``headers.x`` and, for a JSON object body, its properties."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    return {**_json_properties(text), "query": query, "headers": headers, **route_values}


def _json_properties(text: str) -> BindingData:
    if not text.lstrip().startswith("{"):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
