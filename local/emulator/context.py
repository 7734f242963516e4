"""What request handlers reach through ``request.app[CONTEXT]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from .backend import Backend
from .config import EmulatorConfig

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
