"""A small webhook receiver for tests: an aiohttp server on its own thread that records every request."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from local.azurite import free_port


@dataclass
class Received:
    method: str
    path_qs: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Answers Event Grid validation (echoing the code), CloudEvents OPTIONS, and posts with ``statuses``."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: deque[int] = deque()  # answers for the next notifications, then ``default_status``
        self.default_status = 200
        self.echo_validation = True
        self.allow_origin = True
        self.delay_seconds = 0.0
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> Receiver:
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.result(10)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, ready: Future[None]) -> None:
        self._loop.run_until_complete(self._serve(ready))

    async def _serve(self, ready: Future[None]) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        ready.set_result(None)
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
        await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Received(request.method, request.path_qs, dict(request.headers), body))
        if request.method == "OPTIONS":
            origin = request.headers.get("WebHook-Request-Origin", "")
            return web.Response(headers={"WebHook-Allowed-Origin": origin} if self.allow_origin else {})
        if request.headers.get("aeg-event-type") == "SubscriptionValidation":
            code = json.loads(body)[0]["data"]["validationCode"]
            answer = code if self.echo_validation else "not-the-code"
            return web.json_response({"validationResponse": answer})
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        return web.Response(status=self.statuses.popleft() if self.statuses else self.default_status)

    def notifications(self) -> list[Received]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.headers.get("aeg-event-type") != "SubscriptionValidation"
        ]

    def events(self) -> list[dict[str, Any]]:
        """Every event posted (Event Grid arrays, CloudEvents objects and callback arrays, flattened)."""
        found: list[dict[str, Any]] = []
        for request in self.notifications():
            document = request.json()
            found += document if isinstance(document, list) else [document]
        return found

    def wait(self, predicate: Callable[[list[dict[str, Any]]], Any], timeout: float = 15, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate(self.events())
            if result:
                return result
            time.sleep(0.05)
        raise TimeoutError(
            f"timed out waiting for {what or 'events'}; got {[e.get('type') or e.get('eventType') for e in self.events()]}"
        )
