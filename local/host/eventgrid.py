"""``/runtime/webhooks/EventGrid?functionName=<name>``, with the Event Grid extension's answers:
validation handshake (200 with the code), notifications (one invocation per event in parallel: 202, or 500 if any
fails), unsubscribe (202), missing ``aeg-event-type`` (400), unknown function (404), CloudEvents ``OPTIONS``."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from . import triggers
from .indexing import FunctionSpec
from .invoker import InvocationFailed, Invoker

log = logging.getLogger(__name__)


class EventGridWebhook:
    def __init__(self, specs: list[FunctionSpec], invoker: Invoker) -> None:
        self._functions = {spec.name.lower(): spec for spec in specs if spec.trigger_type == "eventGridTrigger"}
        self._invoker = invoker

    async def handle(self, request: web.Request) -> web.Response:
        spec = self._functions.get(request.query.get("functionName", "").lower())
        if spec is None:
            return _text(404, f"cannot find an Event Grid function named {request.query.get('functionName')!r}")
        if request.method == "OPTIONS":
            return _abuse_protection(request)
        if request.method != "POST":
            return _text(405, "use POST")
        kind = request.headers.get("aeg-event-type", "")
        if kind not in ("SubscriptionValidation", "Notification", "Unsubscribe"):
            return _text(400, f"the aeg-event-type header is missing or not recognised: {kind!r}")
        if kind == "Unsubscribe":
            return web.Response(status=202)
        try:
            events = _events(await request.text())
        except (ValueError, RecursionError) as exc:
            return _text(400, f"the body is not an event or an array of events: {exc}")
        if kind == "SubscriptionValidation":
            return _validation(events)
        return await self._notify(spec, events)

    async def _notify(self, spec: FunctionSpec, events: list[dict[str, Any]]) -> web.Response:
        results = await asyncio.gather(*(self._invoke(spec, event) for event in events), return_exceptions=True)
        failures = [result for result in results if isinstance(result, BaseException)]
        for failure in failures:
            if not isinstance(failure, InvocationFailed):
                log.error("event delivery to %s failed: %r", spec.name, failure)
        return web.Response(status=500 if failures else 202)

    async def _invoke(self, spec: FunctionSpec, raw: dict[str, Any]) -> None:
        try:
            trigger = triggers.grid_event(raw)
        except (ValueError, TypeError, RecursionError) as exc:
            raise InvocationFailed(f"event {raw.get('id')!r} cannot be sent to the function: {exc}") from exc
        reason = f"EventGrid trigger fired at {datetime.now(UTC).isoformat()}"
        await self._invoker.invoke(spec, trigger, reason)


def _events(body: str) -> list[dict[str, Any]]:
    document = json.loads(body)
    events = document if isinstance(document, list) else [document]
    if not events or not all(isinstance(event, dict) for event in events):
        raise ValueError("expected a JSON object or a non-empty array of objects")
    return events


def _validation(events: list[dict[str, Any]]) -> web.Response:
    data = events[0].get("data") or {}
    code = data.get("validationCode") if isinstance(data, dict) else None
    if not code:
        return _text(400, "a SubscriptionValidation event needs data.validationCode")
    log.info("answered the Event Grid subscription validation handshake")
    return web.json_response({"validationResponse": code})


def _abuse_protection(request: web.Request) -> web.Response:
    """The CloudEvents webhook validation handshake."""
    headers = {"Allow": "POST, OPTIONS"}
    if request.headers.get("WebHook-Request-Origin"):
        headers["WebHook-Allowed-Origin"] = "*"
        headers["WebHook-Allowed-Rate"] = "*"
    return web.Response(status=200, headers=headers)


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message)
