"""Admin endpoints (master key): ``GET /admin/host/status``, ``GET /admin/functions`` and
``POST /admin/functions/<name>`` with ``{"input": "..."}`` to run a non-HTTP function now, as Core Tools does."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from . import triggers
from .indexing import FunctionSpec
from .invoker import InvocationFailed, Invoker

log = logging.getLogger(__name__)

REASON = "This function was programmatically called via the host APIs."


class AdminApi:
    def __init__(self, specs: list[FunctionSpec], invoker: Invoker, started: float) -> None:
        self._functions = {spec.name.lower(): spec for spec in specs}
        self._invoker = invoker
        self._started = started
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path.rstrip("/").lower()
        if path == "/admin/host/status" and request.method == "GET":
            return web.json_response(self._status())
        if path == "/admin/functions" and request.method == "GET":
            return web.json_response(
                [{"name": spec.name, "trigger": spec.trigger_type} for spec in self._functions.values()]
            )
        if path.startswith("/admin/functions/") and request.method == "POST":
            return await self._run(path.removeprefix("/admin/functions/"), await request.text())
        return web.Response(status=404)

    def _status(self) -> dict[str, Any]:
        return {
            "state": "Running",
            "version": "local",
            "processUptime": int((time.time() - self._started) * 1000),
            "pid": os.getpid(),
        }

    async def _run(self, name: str, body: str) -> web.Response:
        spec = self._functions.get(name)
        if spec is None or spec.trigger_type == "httpTrigger":
            return web.Response(status=404)
        try:
            text = str((json.loads(body) if body.strip() else {}).get("input") or "")
            trigger = _trigger(spec, text)
        except (ValueError, AttributeError, TypeError, RecursionError) as exc:
            return web.Response(status=400, text=f"bad input: {exc}")
        task = asyncio.create_task(self._invoke(spec, trigger))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=202)

    async def _invoke(self, spec: FunctionSpec, trigger: triggers.Trigger) -> None:
        try:
            await self._invoker.invoke(spec, trigger, REASON)
        except InvocationFailed as exc:
            log.warning("admin invocation of %s failed: %s", spec.name, exc)


def _trigger(spec: FunctionSpec, text: str) -> triggers.Trigger:
    if spec.trigger_type == "timerTrigger":
        return triggers.timer_request(past_due=False, last=None, next_run=None)
    if spec.trigger_type == "eventGridTrigger":
        return triggers.grid_event(json.loads(text))
    now = datetime.now(UTC)
    return triggers.queue_message(text, message_id=str(uuid.uuid4()), dequeue_count=1, inserted_on=now)
