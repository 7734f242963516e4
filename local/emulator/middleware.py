"""Cross-cutting request handling: ACS error bodies, HMAC checks, common headers, repeatable requests."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from . import auth
from .context import CONTEXT
from .exceptions import AcsError, BadRequest
from .repeatability import check_repeat, repeatable
from .responses import RestHandler

log = logging.getLogger(__name__)
SUPPORTED_VERSIONS = "2023-03-06, 2023-10-15, 2024-09-15, 2025-05-15, 2025-06-15, 2026-03-12"
SIGNED_PREFIXES = ("/calling/", "/v1/objects/")
UNSIGNED = ("/calling/keys", "/calling/.well-known/")


def _json(status: int, body: Any, request: web.Request) -> web.Response:
    headers = {"api-supported-versions": SUPPORTED_VERSIONS, "MS-CV": uuid.uuid4().hex[:22]}
    client_id = request.headers.get("x-ms-client-request-id")
    if client_id:
        headers["x-ms-client-request-id"] = client_id
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", charset="utf-8", headers=headers
    )


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AcsError as exc:
        log.info("%s %s -> %d %s", request.method, request.path, exc.status, exc.message)
        return _json(exc.status, exc.body(), request)


@web.middleware
async def hmac_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith(SIGNED_PREFIXES) and not path.startswith(UNSIGNED):
        context = request.app[CONTEXT]
        hosts = [*context.hosts, request.host]
        body = await request.read()
        auth.verify(context.access_key, request.method, request.raw_path, request.headers, body, hosts, time.time())
    return await handler(request)


def rest(handler: RestHandler) -> Handler:
    """Wrap a REST handler: api-version required, repeatable requests answered once, JSON out."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        if "api-version" not in request.query:
            raise BadRequest("the api-version query parameter is required", "MissingApiVersionParameter")
        backend = request.app[CONTEXT].backend
        with backend.lock:
            fault = backend.faults.next_rest(request.method, request.path)
        if fault is not None:  # not processed, so not remembered for the Repeatability-Request-ID either
            headers = {"Retry-After": str(int(fault.retry_after))} if fault.status == 429 else {}
            error = AcsError(f"injected fault {fault.status}", f"Injected{fault.status}")
            response = _json(fault.status, error.body(), request)
            response.headers.update(headers)
            return response
        key = request.headers.get("Repeatability-Request-ID")
        if not key:
            status, body = await handler(request)
            return _json(status, body, request)
        this = repeatable(
            request.method, request.path, key, request.headers.get("Repeatability-First-Sent"), time.time()
        )
        with backend.lock:
            seen = backend.repeatability.get(this.key)
        if seen is not None:
            check_repeat(seen[0], this)
            cached = seen[1]
        else:
            try:
                cached = await handler(request)
            except AcsError as exc:
                cached = (exc.status, exc.body())
            with backend.lock:
                backend.repeatability.setdefault(this.key, (this, cached))
        response = _json(cached[0], cached[1], request)
        response.headers["Repeatability-Result"] = "accepted"
        return response

    return wrapped
