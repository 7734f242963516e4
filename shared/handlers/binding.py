"""Between the Functions bindings and the handlers: trigger objects to plain data, replies to HTTP responses."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import azure.functions as func

from shared.handlers.replies import Reply, Served


def grid_raw(event: func.EventGridEvent | func.CloudEvent) -> dict[str, Any]:
    """The event as it was on the wire (Event Grid schema or CloudEvents 1.0), for the parsing edge."""
    if isinstance(event, func.CloudEvent):
        return {
            "id": event.id,
            "source": event.source,
            "type": event.type,
            "specversion": event.specversion,
            "time": _text(event.time),
            "subject": event.subject,
            "data": event.get_json(),
        }
    return {
        "id": event.id,
        "topic": event.topic,
        "subject": event.subject,
        "eventType": event.event_type,
        "eventTime": _text(event.event_time),
        "dataVersion": event.data_version,
        "data": event.get_json(),
    }


def http(reply: Reply) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(reply.body, separators=(",", ":")), status_code=reply.status, mimetype="application/json"
    )


def served(answer: Reply | Served) -> func.HttpResponse:
    """A page, script or media piece as it is; a JSON reply (an error) as ``http`` makes it."""
    if isinstance(answer, Reply):
        return http(answer)
    return func.HttpResponse(answer.body, status_code=answer.status, headers=dict(answer.headers))


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
