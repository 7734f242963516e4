"""The host's HTTP surface: ``/api/<route>`` HTTP triggers, the Event Grid webhook and the admin endpoints,
with Core Tools' key checks (``x-functions-key`` header or ``?code=``)."""

from __future__ import annotations

import logging
import time
from typing import Any

import azure.functions as func
from aiohttp import web
from multidict import CIMultiDict

from . import triggers
from .admin import REASON, AdminApi
from .eventgrid import EventGridWebhook
from .indexing import FunctionSpec
from .invoker import InvocationFailed, Invoker
from .keys import EVENT_GRID_KEY, HostKeys
from .routes import MethodNotAllowed, RouteTable

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
        body = await request.read()
        query, headers = dict(request.query), dict(request.headers)
        http_request = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params=query,
            route_params=route_values,
            body=body,
        )
        data = triggers.http_binding_data(route_values, query, headers, body)
        try:
            outcome = await self._invoker.invoke(spec, http_request, data, REASON)
        except InvocationFailed:
            return web.Response(status=500)
        return _response(_http_output(spec, outcome.returned, outcome.values))

    def _allowed(self, request: web.Request, level: str) -> bool:
        if self._keys is None or level.upper() == "ANONYMOUS":
            return True
        key = _key(request)
        if level.upper() == "ADMIN":
            return self._keys.is_master(key)
        return self._keys.is_function_key(key)


def _key(request: web.Request) -> str:
    return request.headers.get("x-functions-key") or request.query.get("code") or ""


def _http_output(spec: FunctionSpec, returned: Any, values: Any) -> Any:
    name = next((binding["name"] for binding in spec.outputs if binding["type"] == "http"), None)
    if name == "$return":
        return returned
    return values.get(name) if name else None


def _response(value: Any) -> web.Response:
    """Map what the function produced to a response, like the worker's HTTP output converter."""
    if value is None:
        return web.Response(status=204)
    if isinstance(value, func.HttpResponse):
        headers = CIMultiDict(value.headers.items())
        if "Content-Type" not in headers and value.mimetype:
            charset = f"; charset={value.charset}" if value.charset and value.mimetype.startswith("text/") else ""
            headers["Content-Type"] = f"{value.mimetype}{charset}"
        return web.Response(status=value.status_code, body=value.get_body(), headers=headers)
    if isinstance(value, str):
        return web.Response(status=200, text=value)
    log.error(
        "an HTTP function returned %s; only str or func.HttpResponse can be an HTTP response", type(value).__name__
    )
    return web.Response(status=500)
