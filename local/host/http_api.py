"""The host's HTTP surface: ``/api/<route>`` HTTP triggers, the Event Grid webhook and the admin endpoints,
with Core Tools' key checks (``x-functions-key`` header or ``?code=``)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from . import triggers
from .admin import REASON, AdminApi
from .eventgrid import EventGridWebhook
from .indexing import FunctionSpec
from .invoker import InvocationFailed, Invoker, Outcome, new_traceparent
from .keys import EVENT_GRID_KEY, HostKeys
from .routes import MethodNotAllowed, RouteTable
from .typeddata import from_typed_data

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 100 * 1024 * 1024
EVENT_GRID_PATH = "/runtime/webhooks/eventgrid"


class HttpFrontEnd:
    """One catch-all aiohttp handler, so paths match case-insensitively and 404/405/401 follow the host's rules."""

    def __init__(self, specs: list[FunctionSpec], route_prefix: str, keys: HostKeys | None, invoker: Invoker) -> None:
        self._routes = RouteTable(specs, route_prefix)
        self._keys = keys
        self._invoker = invoker
        self._event_grid = EventGridWebhook(specs, invoker)
        self._admin = AdminApi(specs, invoker, started=time.time())

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/").lower()
        if path.startswith("/admin/"):
            if not self._allowed(request, "ADMIN"):
                return web.Response(status=401)
            return await self._admin.handle(request)
        if path == EVENT_GRID_PATH:
            if self._keys is not None and not self._keys.is_system_key(EVENT_GRID_KEY, _key(request)):
                return web.Response(status=401)
            return await self._event_grid.handle(request)
        return await self._http_trigger(request)

    async def _http_trigger(self, request: web.Request) -> web.StreamResponse:
        try:
            found = self._routes.match(request.path, request.method)
        except MethodNotAllowed:
            return web.Response(status=405)
        if found is None:
            return web.Response(status=404)
        spec, route_values = found
        if not self._allowed(request, str(spec.trigger.get("authLevel", "FUNCTION"))):
            return web.Response(status=401)
        trigger = triggers.http_request(
            method=request.method,
            url=str(request.url),
            headers=dict(request.headers),
            query=dict(request.query),
            route_values=route_values,
            body=await request.read(),
            traceparent=new_traceparent(request.headers.get("traceparent", "")),
        )
        try:
            outcome = await self._invoker.invoke(spec, trigger, REASON)
        except InvocationFailed:
            return web.Response(status=500)
        return _response(_http_output(spec, outcome))

    def _allowed(self, request: web.Request, level: str) -> bool:
        if self._keys is None or level.upper() == "ANONYMOUS":
            return True
        key = _key(request)
        if level.upper() == "ADMIN":
            return self._keys.is_master(key)
        return self._keys.is_function_key(key)


def _key(request: web.Request) -> str:
    return request.headers.get("x-functions-key") or request.query.get("code") or ""


def _http_output(spec: FunctionSpec, outcome: Outcome) -> Any:
    """The ``TypedData`` of the function's HTTP output (``$return`` or a named ``Out``), if it set one."""
    name = next((binding["name"] for binding in spec.outputs if binding["type"] == "http"), None)
    if name == "$return":
        return outcome.returned
    return outcome.values.get(name) if name else None


def _response(data: Any) -> web.Response:
    """The response for what the runtime sent back, as the Functions host maps it: an ``RpcHttp`` with its status,
    headers and body; text or bytes as a 200; nothing as a 204."""
    kind = data.WhichOneof("data") if data is not None else None
    if kind is None:
        return web.Response(status=204)
    if kind != "http":
        value = from_typed_data(data)
        if isinstance(value, bytes):
            return web.Response(status=200, body=value)
        return web.Response(status=200, text=value if isinstance(value, str) else json.dumps(value))
    http = data.http
    headers = CIMultiDict(http.headers.items())
    body = from_typed_data(http.body) if http.HasField("body") else b""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    return web.Response(status=int(http.status_code or 200), body=body, headers=headers)
