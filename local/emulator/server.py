"""The running emulator: the HTTPS API, the plain-HTTP storage upstream, the CONNECT proxy, delivery workers.

Everything runs on one asyncio loop in a background thread, so the same ``Emulator`` serves tests in-process and
``python -m local.emulator`` as a server.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import socket
import ssl
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from azure.core.exceptions import AzureError

from . import byos, urls
from .backend import Backend
from .callbacks import CallbackSender, CallbackSigner
from .config import TOPIC, EmulatorConfig
from .context import CONTEXT, Context
from .deadletter import DeadLetters
from .eventgrid import EventGrid, parse_subscription
from .events import GridEvent
from .files import StoredChunk
from .middleware import errors, hmac_check
from .models import Recording
from .proxy import ConnectProxy
from .storage import MediaCache
from .tls import LocalCA

log = logging.getLogger(__name__)


def _identity(config: EmulatorConfig) -> tuple[str, str]:
    """The access key and resource id: given, or generated once and kept in ``state_dir/identity.json``."""
    path = config.state_dir / "identity.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    key = config.access_key or stored.get("accessKey") or base64.b64encode(secrets.token_bytes(32)).decode()
    resource = config.resource_id or stored.get("resourceId") or str(uuid.uuid4())
    if not stored:
        path.write_text(json.dumps({"accessKey": key, "resourceId": resource}))
    return key, resource


class LoopEffects:
    """The backend's ``Effects``, carried out on the emulator's event loop (callable from any thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.context: Context | None = None
        self.sender: CallbackSender | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def _soon(self, action: Callable[[], Any]) -> None:
        self.loop.call_soon_threadsafe(action)

    def callback(self, url: str, event: dict[str, Any]) -> None:
        if self.sender is not None:
            sender = self.sender
            self._soon(lambda: sender.enqueue(url, event))

    def publish(self, event: GridEvent) -> None:
        if self.context is not None:
            grid = self.context.grid
            self._soon(lambda: grid.publish(event))

    def later(self, delay: float, action: Callable[[], None]) -> None:
        self._soon(lambda: self.loop.call_later(delay, action))

    def files_ready(self, recording: Recording, chunks: list[StoredChunk], event: GridEvent) -> None:
        self._soon(lambda: self._spawn(self._files_ready(recording, chunks, event)))

    def _spawn(self, coroutine: Any) -> None:
        task = self.loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _files_ready(self, recording: Recording, chunks: list[StoredChunk], event: GridEvent) -> None:
        context = self.context
        assert context is not None
        storage = context.config.storage_connection_string
        if recording.options.container_url and storage:
            facts = context.backend.facts(recording)
            args = (storage, recording.options.container_url, facts, chunks, context.media.cache_dir)
            try:
                await self.loop.run_in_executor(None, byos.export, *args)
            except AzureError as exc:  # ACS still announces the files, which stay downloadable from ACS storage
                log.error("export of recording %s to %s failed: %s", recording.recording_id, args[1], exc)
        context.grid.publish(event)


class Emulator:
    """``Emulator(config).start()`` serves in a background thread; ``info`` says where; ``stop()`` ends it."""

    def __init__(self, config: EmulatorConfig) -> None:
        config.state_dir = Path(config.state_dir).resolve()
        config.state_dir.mkdir(parents=True, exist_ok=True)
        if not config.storage_connection_string:
            config.storage_connection_string = None
        self.config = config
        self.access_key, self.resource_id = _identity(config)
        self._loop = asyncio.new_event_loop()
        self._effects = LoopEffects(self._loop)
        self.backend = Backend(config, self.resource_id, self._effects)
        self.info: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._stopped = asyncio.Event()
        self._runners: list[web.AppRunner] = []
        self._context: Context | None = None

    def start(self, timeout: float = 60) -> Emulator:
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="acs-emulator", daemon=True)
        self._thread.start()
        ready.result(timeout)
        return self

    def _run(self, ready: Future[None]) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve(ready))
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise
        finally:
            self._loop.close()

    async def _serve(self, ready: Future[None]) -> None:
        try:
            await self._start_parts()
        except BaseException as exc:
            await self._shutdown()
            ready.set_exception(exc)
            return
        ready.set_result(None)
        await self._stopped.wait()
        await self._shutdown()

    async def _start_parts(self) -> None:
        config = self.config
        ca = LocalCA.load_or_create(config.state_dir)
        client_ssl = ssl.create_default_context()
        client_ssl.load_verify_locations(ca.ca_path)
        session = aiohttp.ClientSession(trust_env=False, connector=aiohttp.TCPConnector(ssl=client_ssl))
        signer = CallbackSigner(config.state_dir, config.issuer, self.resource_id)
        grid = EventGrid(
            self.backend, session, DeadLetters(config.state_dir / "deadletter", config.storage_connection_string)
        )
        context = Context(config, self.backend, self.access_key, grid, signer, MediaCache(config.state_dir / "media"))
        self._context, self._session = context, session
        self._effects.context, self._effects.sender = context, CallbackSender(signer, self.backend, session)
        app = web.Application(middlewares=[errors, hmac_check], client_max_size=16 * 1024 * 1024)
        app[CONTEXT] = context
        urls.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        port = await self._site(runner, config.host, config.port, ca.server_context(["localhost"], ["127.0.0.1"]))
        upstream = await self._site(runner, "127.0.0.1", 0, None)
        context.hosts = [f"127.0.0.1:{port}", f"localhost:{port}", f"{config.host}:{port}"]
        context.proxy = ConnectProxy(ca, ("127.0.0.1", upstream))
        proxy_port = await context.proxy.start(config.host, config.proxy_port)
        await self._load_subscriptions(grid)
        self.info = self._describe(port, proxy_port, ca.ca_path)
        log.info("ACS emulator serving %s (proxy %s)", self.info["emulatorUrl"], self.info["proxyUrl"])

    async def _site(self, runner: web.AppRunner, host: str, port: int, context: ssl.SSLContext | None) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        await web.SockSite(runner, sock, ssl_context=context).start()
        return int(sock.getsockname()[1])

    async def _load_subscriptions(self, grid: EventGrid) -> None:
        """Subscriptions from the config file; each is validated before its first delivery."""
        path = self.config.subscriptions_file
        if path is None:
            return
        document = json.loads(Path(path).read_text())
        entries = document.get("subscriptions", []) if isinstance(document, dict) else document
        for entry in entries:
            await grid.subscribe(parse_subscription(entry), validate=False)

    def _describe(self, port: int, proxy_port: int, ca_path: Path) -> dict[str, Any]:
        host = self.config.host
        url, proxy = f"https://{host}:{port}", f"http://{host}:{proxy_port}"
        return {
            "emulatorUrl": url,
            "connectionString": f"endpoint={url}/;accesskey={self.access_key}",
            "proxyUrl": proxy,
            "caBundle": str(ca_path),
            "jwksUrl": f"{url}/calling/keys",
            "issuer": self.config.issuer,
            "audience": self.resource_id,
            "topic": TOPIC,
            "clientEnv": {"HTTPS_PROXY": proxy, "NO_PROXY": "127.0.0.1,localhost", "REQUESTS_CA_BUNDLE": str(ca_path)},
        }

    async def _shutdown(self) -> None:
        context = self._context
        if context is not None:
            if context.proxy is not None:
                await context.proxy.stop()
            await context.grid.drain()
        await self._effects.drain()
        if self._effects.sender is not None:
            await self._effects.sender.drain()
        for runner in self._runners:
            await runner.cleanup()
        if context is not None:
            await self._session.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(30)
        self._thread = None
