"""``FunctionsHost``: settings, keys, the app's functions, the HTTP front end, queue listeners and timers,
served from an event loop on a background thread."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from aiohttp import web
from azure.core.exceptions import AzureError

from . import faults, hostjson, settings, worker
from .http_api import HttpFrontEnd
from .indexing import FunctionSpec
from .invoker import Invoker
from .keys import HostKeys, load_or_create
from .queues import QueueListener
from .singleton import OccurrenceLock
from .storage import DEFAULT_CONNECTION
from .timers import TimerRunner

log = logging.getLogger(__name__)

RESTART_DELAY = 5.0
PREPARE_TIMEOUT = 15.0


class HostStartError(RuntimeError):
    """The host could not start (bad settings, app import error, port in use, ...)."""


class FunctionsHost:
    """A local Functions host for one app directory. ``start()`` returns once it serves; ``info`` is the ready line."""

    def __init__(
        self,
        app_dir: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        settings_file: str | Path | None = None,
        keys_file: str | Path | None = None,
        auth: bool = True,
        env_overrides: Mapping[str, str] | None = None,
        storage_connection_string: str | None = None,
        shutdown_grace: float = 10.0,
    ) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.host, self.port = host, port
        self.settings_file = Path(settings_file) if settings_file else None
        self.keys_file = Path(keys_file) if keys_file else self.app_dir / ".local" / "host-keys.json"
        self.auth = auth
        self.overrides = dict(env_overrides or {})
        if storage_connection_string:
            self.overrides["AzureWebJobsStorage"] = storage_connection_string
        self.shutdown_grace = shutdown_grace
        self.info: dict[str, Any] = {}
        self.specs: list[FunctionSpec] = []
        self._environment = ExitStack()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return str(self.info["functionsUrl"])

    def start(self, timeout: float = 60.0) -> FunctionsHost:
        path = settings.settings_path(self.app_dir, self.settings_file)
        values = settings.merged(settings.read_values(path), self.overrides)
        self._environment.enter_context(settings.applied(values))
        try:
            keys = load_or_create(self.keys_file)
            config = hostjson.load(self.app_dir)
            binding_faults = faults.from_environment()
            self.specs = worker.load(self.app_dir)
            self._thread = threading.Thread(
                target=self._serve, args=(keys, config, binding_faults), name="functions-host", daemon=True
            )
            self._thread.start()
            if not self._ready.wait(timeout):
                raise HostStartError(f"the host did not start within {timeout:.0f}s")
            if self._error is not None:
                raise HostStartError(str(self._error)) from self._error
        except BaseException:
            self._environment.close()
            raise
        log.info("serving %d function(s) on %s", len(self.specs), self.url)
        return self

    def stop(self) -> None:
        """Stop polling, let running invocations finish for ``shutdown_grace`` seconds, then close everything."""
        if self._loop is not None and self._stopping is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(self.shutdown_grace + 30)
        self._environment.close()

    def __enter__(self) -> FunctionsHost:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _serve(self, keys: HostKeys, config: hostjson.HostConfig, binding_faults: faults.BindingFaults) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(keys, config, binding_faults))
        finally:
            loop.close()

    async def _main(self, keys: HostKeys, config: hostjson.HostConfig, binding_faults: faults.BindingFaults) -> None:
        self._stopping = asyncio.Event()
        self._invoker = Invoker(config.queues.message_encoding, binding_faults)
        try:
            listeners, timers = self._triggers(config, self._stopping)
            runner = await self._serve_http(keys, config)
        except Exception as exc:  # reported to start(), which raises it in the caller's thread
            self._error = exc
            self._ready.set()
            return
        self._publish(runner, keys)
        await self._prepare(listeners)
        runs: list[tuple[str, Callable[[], Awaitable[None]]]] = [(item.spec.name, item.run) for item in listeners]
        runs += [(item.spec.name, item.run) for item in timers]
        tasks = [asyncio.create_task(self._supervise(name, run)) for name, run in runs]
        self._ready.set()
        await self._stopping.wait()
        await self._shutdown(runner, listeners, tasks)

    def _triggers(
        self, config: hostjson.HostConfig, stopping: asyncio.Event
    ) -> tuple[list[QueueListener], list[TimerRunner]]:
        """Listeners and timers, built first so that a missing setting or a bad schedule stops the start."""
        specs = self.specs
        listeners = [
            QueueListener(spec, config.queues, self._invoker, stopping)
            for spec in specs
            if spec.trigger_type == "queueTrigger"
        ]
        timers = [
            TimerRunner(spec, self._invoker, stopping, self._timer_lock(spec))
            for spec in specs
            if spec.trigger_type == "timerTrigger"
        ]
        return listeners, timers

    async def _serve_http(self, keys: HostKeys, config: hostjson.HostConfig) -> web.AppRunner:
        front = HttpFrontEnd(self.specs, config.route_prefix, keys if self.auth else None, self._invoker)
        runner = web.AppRunner(front.application(), access_log=None, shutdown_timeout=self.shutdown_grace)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError:
            await runner.cleanup()
            raise
        return runner

    def _timer_lock(self, spec: FunctionSpec) -> OccurrenceLock | None:
        """Timers coordinate through ``AzureWebJobsStorage`` when it is set; without it each process runs them."""
        if not os.environ.get(DEFAULT_CONNECTION, "").strip():
            return None
        return OccurrenceLock(self.app_dir, spec.name)

    async def _prepare(self, listeners: list[QueueListener]) -> None:
        """Create the trigger queues before reporting ready; if storage does not answer, the listeners retry later."""
        try:
            await asyncio.wait_for(asyncio.gather(*(listener.prepare() for listener in listeners)), PREPARE_TIMEOUT)
        except (AzureError, TimeoutError) as exc:
            reason = str(exc) or f"storage ({DEFAULT_CONNECTION}) did not answer within {PREPARE_TIMEOUT:g} s"
            log.warning("trigger queues could not be created yet (%s); the listeners keep trying", reason)

    def _publish(self, runner: web.AppRunner, keys: HostKeys) -> None:
        port = runner.addresses[0][1]
        self.info = {
            "functionsUrl": f"http://{self.host}:{port}",
            "functionKey": keys.function_key,
            "masterKey": keys.master,
            "eventGridKey": keys.event_grid_key,
            "functions": [spec.name for spec in self.specs],
            "pid": os.getpid(),
        }

    async def _supervise(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run a listener or timer; if it crashes (storage unreachable, ...), log it and start it again."""
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                await run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the trigger of %s stopped; restarting it in %.0fs", name, RESTART_DELAY)
                await asyncio.sleep(RESTART_DELAY)

    async def _shutdown(
        self, runner: web.AppRunner, listeners: list[QueueListener], tasks: list[asyncio.Task[None]]
    ) -> None:
        log.info("stopping: waiting up to %.0fs for running invocations", self.shutdown_grace)
        pending = (await asyncio.wait(tasks, timeout=5))[1] if tasks else set()
        await asyncio.gather(*(listener.drain(self.shutdown_grace) for listener in listeners))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await runner.cleanup()
        self._invoker.shutdown()
