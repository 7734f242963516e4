"""The control plane under ``/_emulator/``: JSON in and out, no HMAC. Documented in the README."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from aiohttp import web

from .config import FILES_READY_SHAPES, SETTING_NAMES, SHAPE_SETTING
from .context import CONTEXT, json_object
from .eventgrid import SubscriptionError, parse_subscription
from .exceptions import BadRequest
from .faults import parse_download_fault, parse_eventgrid_faults, parse_rest_fault
from .identifiers import check_raw_id, timestamp
from .media import MediaObject
from .models import Call, Recording
from .options import parse_options


def call_view(call: Call) -> dict[str, Any]:
    return {
        "serverCallId": call.server_call_id, "correlationId": call.correlation_id, "state": call.state,
        "from": call.caller, "to": call.callee, "participants": call.participants,
        "callerDisplayName": call.display_name, "callConnections": call.connections,
        "incomingCallContext": call.incoming_call_context, "created": timestamp(call.created_at),
        "answeredAt": timestamp(call.answered_at) if call.answered_at is not None else None,
    }  # fmt: skip


def recording_view(recording: Recording) -> dict[str, Any]:
    return {
        "recordingId": recording.recording_id, "serverCallId": recording.server_call_id,
        "callConnectionId": recording.call_connection_id,
        "state": "failed" if recording.failed else recording.timeline.state.value,
        "recordingState": recording.rest_state, "options": recording.options.as_json(),
        "channels": recording.channels, "filesReady": recording.files_ready,
        "sessionEndReason": recording.session_end_reason,
        "chunks": [{**chunk.as_event_chunk(), "durationMs": chunk.spec.duration_ms, "deleted": chunk.deleted}
                   for chunk in recording.chunks],
    }  # fmt: skip


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def reset(request: web.Request) -> web.Response:
    body = await json_object(request)
    context = request.app[CONTEXT]
    context.backend.reset()
    if body.get("subscriptions"):
        context.grid.subscriptions.clear()
    return web.json_response({"reset": True})


async def incoming_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    caller, callee = check_raw_id(body.get("from")), check_raw_id(body.get("to"))
    others = [check_raw_id(p) for p in body.get("participants") or []]
    call = request.app[CONTEXT].backend.place_call(caller, callee, others, str(body.get("callerDisplayName") or ""))
    result = {"serverCallId": call.server_call_id, "correlationId": call.correlation_id,
              "incomingCallContext": call.incoming_call_context}  # fmt: skip
    return web.json_response(result, status=201)


async def hang_up(request: web.Request) -> web.Response:
    body = await json_object(request)
    request.app[CONTEXT].backend.end_call(str(body.get("serverCallId", "")))
    return web.json_response({})


async def list_calls(request: web.Request) -> web.Response:
    backend = request.app[CONTEXT].backend
    with backend.lock:
        return web.json_response([call_view(call) for call in backend.calls.values()])


async def list_recordings(request: web.Request) -> web.Response:
    backend = request.app[CONTEXT].backend
    with backend.lock:
        return web.json_response([recording_view(r) for r in backend.recordings.values()])


async def object_digest(request: web.Request) -> web.Response:
    """Size and SHA-256 of a chunk's media as ACS serves it, also once it was deleted (for archive audits)."""
    context = request.app[CONTEXT]
    document_id = request.match_info["document_id"]
    with context.backend.lock:
        chunk = context.backend.objects.get(document_id)
    if chunk is None:
        return web.json_response({"error": f"no object {document_id}"}, status=404)
    rendered = await context.media.get(chunk)
    digest = await asyncio.get_running_loop().run_in_executor(None, _sha256, rendered)
    body = {"documentId": document_id, "recordingId": chunk.recording_id, "index": chunk.index,
            "size": rendered.size, "sha256": digest, "deleted": chunk.deleted}  # fmt: skip
    return web.json_response(body)


def _sha256(media: MediaObject, piece: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    for offset in range(0, media.size, piece):
        digest.update(media.read(offset, min(piece, media.size - offset)))
    return digest.hexdigest()


async def list_deliveries(request: web.Request) -> web.Response:
    backend = request.app[CONTEXT].backend
    with backend.lock:
        return web.json_response([dict(record) for record in backend.deliveries])


async def settings(request: web.Request) -> web.Response:
    backend = request.app[CONTEXT].backend
    if request.method == "POST":
        body = await json_object(request)
        unknown = set(body) - {*SETTING_NAMES, SHAPE_SETTING}
        if unknown:
            raise BadRequest(f"unknown settings {sorted(unknown)}; known: {sorted([*SETTING_NAMES, SHAPE_SETTING])}")
        shape = body.pop(SHAPE_SETTING, None)
        if shape is not None and shape not in FILES_READY_SHAPES:
            raise BadRequest(f"{SHAPE_SETTING} must be one of {', '.join(FILES_READY_SHAPES)}")
        with backend.lock:
            if shape is not None:
                backend.settings.files_ready_shape = shape
            for name, value in body.items():
                if not isinstance(value, int | float) or value < 0:
                    raise BadRequest(f"{name} must be a non-negative number")
                setattr(backend.settings, SETTING_NAMES[name], float(value))
    return web.json_response(backend.settings.as_json())


async def subscribe(request: web.Request) -> web.Response:
    subscription = parse_subscription(await json_object(request))
    try:
        await request.app[CONTEXT].grid.subscribe(subscription)
    except SubscriptionError as exc:
        raise BadRequest(f"subscription validation failed: {exc}", "SubscriptionValidationFailed") from exc
    return web.json_response(subscription.as_json(), status=201)


async def list_subscriptions(request: web.Request) -> web.Response:
    return web.json_response([s.as_json() for s in request.app[CONTEXT].grid.subscriptions.values()])


async def unsubscribe(request: web.Request) -> web.Response:
    request.app[CONTEXT].grid.subscriptions.pop(request.match_info["name"], None)
    return web.json_response({})


async def download_fault(request: web.Request) -> web.Response:
    fault = parse_download_fault(await json_object(request))
    backend = request.app[CONTEXT].backend
    with backend.lock:
        backend.faults.downloads.append(fault)
    return web.json_response(fault.as_json(), status=201)


async def eventgrid_fault(request: web.Request) -> web.Response:
    faults = parse_eventgrid_faults(await json_object(request))
    backend = request.app[CONTEXT].backend
    with backend.lock:
        backend.faults.eventgrid = faults
    return web.json_response(faults.as_json())


async def recording_fault(request: web.Request) -> web.Response:
    body = await json_object(request)
    count = body.get("startFailures")
    if not isinstance(count, int) or count < 0:
        raise BadRequest("startFailures: how many of the next recording starts fail (a non-negative integer)")
    backend = request.app[CONTEXT].backend
    with backend.lock:
        backend.faults.start_failures = count
    return web.json_response({"startFailures": count})


async def rest_fault(request: web.Request) -> web.Response:
    fault = parse_rest_fault(await json_object(request))
    backend = request.app[CONTEXT].backend
    with backend.lock:
        backend.faults.rest.append(fault)
    return web.json_response(fault.as_json(), status=201)


async def faults(request: web.Request) -> web.Response:
    backend = request.app[CONTEXT].backend
    with backend.lock:
        if request.method == "DELETE":
            backend.faults.downloads.clear()
            backend.faults.eventgrid = parse_eventgrid_faults({})
            backend.faults.start_failures = 0
            backend.faults.rest.clear()
        return web.json_response(backend.faults.as_json())


async def synthetic_recording(request: web.Request) -> web.Response:
    body = await json_object(request)
    fmt = str(body.get("format", "wav"))
    options = parse_options({
        "recordingContentType": "audioVideo" if fmt == "mp4" else "audio",
        "recordingChannelType": body.get("channel", "mixed"), "recordingFormatType": fmt,
    })  # fmt: skip
    duration, count = float(body.get("durationSeconds", 10)), int(body.get("chunks", 1))
    if duration <= 0 or count < 1:
        raise BadRequest("durationSeconds must be positive and chunks at least 1")
    context = request.app[CONTEXT]
    event = context.backend.synthetic(body.get("serverCallId"), options, int(duration * 1000), count)
    if body.get("deliver", False):
        context.grid.publish(event)
    return web.json_response(event.as_schema("EventGridSchema"), status=201)


async def proxy_log(request: web.Request) -> web.Response:
    proxy = request.app[CONTEXT].proxy
    return web.json_response({"tunnels": proxy.tunnels if proxy else 0, "refused": proxy.refused if proxy else []})
