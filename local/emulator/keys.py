"""The callback-token keys: JWKS at ``/calling/keys`` and the OpenID configuration that points to it."""

from __future__ import annotations

from aiohttp import web

from .context import CONTEXT


def jwks_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}/calling/keys"


async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTEXT].signer.jwks())


async def openid_configuration(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTEXT].signer.openid_configuration(jwks_url(request)))
