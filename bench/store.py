"""Synthetic ACS recording storage for the benchmark: byte ranges on loopback behind the emulator's CONNECT proxy.

``python -m bench.store`` prints one JSON line (``proxyUrl``, ``caPath``) and serves until terminated. Any object
``/v1/objects/synthetic-<size>/content/audiowav`` exists: ``size`` bytes of a fixed pseudo-random pattern, generated
on the fly (a 1 GiB chunk costs no memory); ``.../content/acsmetadata`` is a small metadata document.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web

from local.emulator.proxy import ConnectProxy
from local.emulator.tls import LocalCA

PATTERN = random.Random(7).randbytes(1024 * 1024 + 7)
PIECE = 256 * 1024


def content(start: int, end: int) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of every synthetic object, in pieces."""
    position = start
    while position < end:
        offset = position % len(PATTERN)
        piece = PATTERN[offset : offset + min(PIECE, end - position)]
        yield piece
        position += len(piece)


def sha256_of(size: int) -> str:
    digest = hashlib.sha256()
    for piece in content(0, size):
        digest.update(piece)
    return digest.hexdigest()


def media_url(size: int) -> str:
    return f"https://us-storage.asm.skype.com/v1/objects/synthetic-{size}/content/audiowav"


def metadata_url(size: int) -> str:
    return f"https://us-storage.asm.skype.com/v1/objects/synthetic-{size}/content/acsmetadata"


async def _media(request: web.Request) -> web.StreamResponse:
    size = int(request.match_info["size"])
    start, end, status = 0, size, 200
    if request.http_range.start is not None:
        start, end, status = request.http_range.start, min(size, request.http_range.stop or size), 206
    response = web.StreamResponse(
        status=status,
        headers={"Content-Range": f"bytes {start}-{end - 1}/{size}", "Content-Type": "application/octet-stream"},
    )
    response.content_length = end - start
    await response.prepare(request)
    for piece in content(start, end):
        await response.write(piece)
    return response


async def _metadata(request: web.Request) -> web.Response:
    body = {"chunkDuration": 1000, "chunkIndex": 0, "pauseResumeIntervals": [], "participants": []}
    return web.Response(body=json.dumps(body).encode(), content_type="application/octet-stream")


async def serve(state: Path) -> None:
    app = web.Application()
    app.router.add_get("/v1/objects/synthetic-{size:\\d+}/content/audiowav", _media)
    app.router.add_get("/v1/objects/synthetic-{size:\\d+}/content/acsmetadata", _metadata)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    ca = LocalCA.load_or_create(state)
    proxy_port = await ConnectProxy(ca, ("127.0.0.1", port)).start("127.0.0.1", 0)
    print(json.dumps({"proxyUrl": f"http://127.0.0.1:{proxy_port}", "caPath": str(ca.ca_path)}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    state = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="bench-ca-"))
    asyncio.run(serve(state))


if __name__ == "__main__":
    main()
