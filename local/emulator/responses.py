"""Call Automation REST handlers: parse the request, call the backend, serialise the result. Nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .context import CONTEXT, json_object
from .exceptions import BadRequest
from .identifiers import identifier, raw_id_of
from .models import Connection, Recording
from .options import parse_options

Result = tuple[int, Any]
RestHandler = Callable[[web.Request], Awaitable[Result]]


def connection_properties(request: web.Request, connection: Connection) -> dict[str, Any]:
    call = request.app[CONTEXT].backend.call(connection.server_call_id)
    properties: dict[str, Any] = {
        "callConnectionId": connection.call_connection_id,
        "serverCallId": connection.server_call_id,
        "targets": [identifier(target) for target in connection.targets],
        "callConnectionState": connection.state,
        "callbackUri": connection.callback_uri,
        "source": identifier(connection.source),
        "correlationId": call.correlation_id,
        "mediaStreamingSubscription": {"id": connection.call_connection_id, "state": "disabled",
                                       "subscribedContentTypes": ["audio"]},
    }  # fmt: skip
    if connection.answered_by:
        properties["answeredBy"] = {"id": connection.answered_by}
    return properties


def recording_state(recording: Recording) -> dict[str, Any]:
    return {
        "recordingId": recording.recording_id,
        "recordingState": recording.rest_state,
        "recordingKind": recording.kind,
    }


async def answer_call(request: web.Request) -> Result:
    body = await json_object(request)
    context, callback = body.get("incomingCallContext"), body.get("callbackUri")
    if not isinstance(context, str) or not isinstance(callback, str):
        raise BadRequest("answer needs incomingCallContext and callbackUri")
    answered_by = body.get("answeredBy", {}).get("id") if isinstance(body.get("answeredBy"), dict) else None
    backend = request.app[CONTEXT].backend
    connection = backend.answer(context, callback, body.get("operationContext"), answered_by)
    return 200, connection_properties(request, connection)


async def create_call(request: web.Request) -> Result:
    body = await json_object(request)
    targets = [raw_id_of(target) for target in body.get("targets") or []]
    callback = body.get("callbackUri")
    if not isinstance(callback, str):
        raise BadRequest("createCall needs callbackUri")
    source = body.get("sourceCallerIdNumber") or body.get("source")
    source_id = raw_id_of(source) if isinstance(source, dict) else None
    backend = request.app[CONTEXT].backend
    connection = backend.create_call(targets, callback, source_id, body.get("operationContext"))
    return 201, connection_properties(request, connection)


async def get_call(request: web.Request) -> Result:
    connection = request.app[CONTEXT].backend.connection(request.match_info["connection_id"])
    return 200, connection_properties(request, connection)


async def hang_up(request: web.Request) -> Result:
    request.app[CONTEXT].backend.hang_up(request.match_info["connection_id"])
    return 204, None


async def start_recording(request: web.Request) -> Result:
    body = await json_object(request)
    locator: dict[str, str] = {}
    if body.get("callConnectionId"):
        locator["callConnectionId"] = str(body["callConnectionId"])
    elif isinstance(body.get("callLocator"), dict):
        call_locator = body["callLocator"]
        locator["serverCallId"] = str(call_locator.get("serverCallId") or call_locator.get("groupCallId")
                                      or call_locator.get("roomId") or "")  # fmt: skip
    if not locator:
        raise BadRequest("startRecording needs callLocator or callConnectionId")
    recording, status = request.app[CONTEXT].backend.start_recording(locator, parse_options(body))
    return status, recording_state(recording)


async def get_recording(request: web.Request) -> Result:
    return 200, recording_state(request.app[CONTEXT].backend.recording(request.match_info["recording_id"]))


def _transition(action: str, status: int) -> RestHandler:
    async def handler(request: web.Request) -> Result:
        request.app[CONTEXT].backend.transition(request.match_info["recording_id"], action)
        return status, None

    return handler


pause_recording = _transition("pause", 202)
resume_recording = _transition("resume", 202)
stop_recording = _transition("stop", 204)
