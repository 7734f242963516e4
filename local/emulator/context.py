"""What request handlers share: the state they reach through ``request.app[CONTEXT]``, and the JSON body reader."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .backend import Backend
from .config import EmulatorConfig
from .exceptions import BadRequest

if TYPE_CHECKING:
    from .callbacks import CallbackSigner
    from .eventgrid import EventGrid
    from .proxy import ConnectProxy
    from .storage import MediaCache


@dataclass
class Context:
    config: EmulatorConfig
    backend: Backend
    access_key: str
    grid: EventGrid
    signer: CallbackSigner
    media: MediaCache
    hosts: list[str] = field(default_factory=list)  # host:port names a signed request may name
    proxy: ConnectProxy | None = None


CONTEXT = web.AppKey("context", Context)


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object (an empty body is ``{}``); ``BadRequest`` otherwise."""
    raw = await request.read()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body
