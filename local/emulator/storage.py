"""Emulated ACS recording storage: ``GET``/``DELETE /v1/objects/<documentId>[/content/<kind>]``.

Reached through the CONNECT proxy as ``https://us-storage.asm.skype.com/...``; every request is HMAC-signed
like the REST API. GET honours ``Range`` (206 + ``Content-Range``) and streams the media as it is generated.
Download faults set on the control plane are applied here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import struct
from pathlib import Path

from aiohttp import web

from . import media
from .context import CONTEXT
from .exceptions import NotFound
from .faults import DownloadFault
from .files import StoredChunk

log = logging.getLogger(__name__)
PIECE = 256 * 1024
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


class MediaCache:
    """Rendered media per document; MP3/MP4 are encoded once (in a worker thread) into ``cache_dir``."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._media: dict[str, media.MediaObject] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, chunk: StoredChunk) -> media.MediaObject:
        lock = self._locks.setdefault(chunk.document_id, asyncio.Lock())
        async with lock:
            if chunk.document_id not in self._media:
                loop = asyncio.get_running_loop()
                rendered = await loop.run_in_executor(None, media.render, chunk.spec, self.cache_dir)
                self._media[chunk.document_id] = rendered
            return self._media[chunk.document_id]


class _Body:
    """The bytes of one object, whether media (rendered lazily) or metadata."""

    def __init__(self, data: bytes | media.MediaObject) -> None:
        self._data = data
        self.size = len(data) if isinstance(data, bytes) else data.size

    async def read(self, offset: int, length: int) -> bytes:
        if isinstance(self._data, bytes):
            return self._data[offset : offset + length]
        return await asyncio.get_running_loop().run_in_executor(None, self._data.read, offset, length)


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a ``bytes=`` range, ``None`` for the whole object; ``HTTPRequestRangeNotSatisfiable``."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first_text, last_text = match.groups()
    if first_text == "":
        first, last = max(0, size - int(last_text)), size - 1
    else:
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or first > last:
        raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return first, last


async def _body_of(request: web.Request, chunk: StoredChunk) -> _Body:
    kind = request.match_info["kind"]
    if kind == "acsmetadata":
        return _Body(chunk.metadata)
    if kind != chunk.content_kind:
        raise NotFound(f"object {chunk.document_id} has no {kind} content", "ObjectNotFound")
    return _Body(await request.app[CONTEXT].media.get(chunk))


async def get_object(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    chunk = context.backend.stored(request.match_info["document_id"])
    with context.backend.lock:
        fault = context.backend.faults.next_download()
    if fault is not None and fault.kind in ("500", "503", "429", "redirect"):
        return _error_fault(fault)
    body = await _body_of(request, chunk)
    span = _range(request.headers.get("Range"), body.size)
    first, last = span if span else (0, body.size - 1)
    response = web.StreamResponse(status=206 if span else 200)
    response.content_type = "application/octet-stream"
    response.content_length = last - first + 1
    response.headers["Content-Range"] = f"bytes {first}-{last}/{body.size}"
    await response.prepare(request)
    if await _write(response, body, first, last + 1, fault):
        await response.write_eof()
    else:
        _cut(request, reset=fault is not None and fault.kind == "reset")
    return response


async def _write(response: web.StreamResponse, body: _Body, start: int, end: int, fault: DownloadFault | None) -> bool:
    """Write ``[start, end)``; False when a reset/truncate fault stopped half way."""
    stop_at = end if fault is None or fault.kind == "slow" else start + (end - start) // 2
    piece = PIECE if fault is None or fault.kind != "slow" else max(1, int(fault.bytes_per_second / 10))
    position = start
    while position < stop_at:
        data = await body.read(position, min(piece, stop_at - position))
        await response.write(data)
        position += len(data)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(len(data) / fault.bytes_per_second)
    if fault is not None and fault.kind in ("reset", "truncate"):
        log.info("download fault %s after %d of %d bytes", fault.kind, stop_at - start, end - start)
        return False
    return True


def _cut(request: web.Request, reset: bool) -> None:
    """End the connection mid-body: an RST (``reset``) or a clean close with bytes missing (``truncate``)."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if reset:
        transport.abort()
    else:
        transport.close()


def _error_fault(fault: DownloadFault) -> web.Response:
    if fault.kind == "redirect":
        return web.Response(status=302, headers={"Location": fault.location})
    headers = {"Retry-After": str(int(fault.retry_after))} if fault.kind == "429" else {}
    status = int(fault.kind)
    body = {"error": {"code": f"Injected{status}", "message": f"injected download fault {status}"}}
    return web.json_response(body, status=status, headers=headers)


async def delete_object(request: web.Request) -> web.Response:
    request.app[CONTEXT].backend.delete_object(request.match_info["document_id"])
    return web.Response(status=200)
