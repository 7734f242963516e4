"""Run one invocation: bind the trigger value and outputs, call the function, then write the outputs.

Sync functions run on a thread pool of ``PYTHON_THREADPOOL_THREAD_COUNT`` threads; ``async def`` functions are
awaited on the host's event loop, like the Python worker does. Without the setting the pool has Python's own default
size, ``min(32, cores + 4)``, as the Python worker's is on Python 3.9 and later (Azure/azure-functions-python-worker,
``azure_functions_worker/dispatcher.py``, ``Dispatcher._get_sync_tp_max_workers``: no default value from 3.9 on, so
``ThreadPoolExecutor(max_workers=None)``).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from . import outputs
from .context import FunctionContext, Invocation, invocation_scope
from .faults import BindingFaults
from .indexing import FunctionSpec

log = logging.getLogger("local.host.function")
T = TypeVar("T")


class InvocationFailed(RuntimeError):
    """The function raised, or a binding could not be resolved or written."""


@dataclass(frozen=True)
class Outcome:
    """What the function returned and what it set on its output bindings (``$return`` included)."""

    returned: Any
    values: Mapping[str, Any]


def thread_count() -> int | None:
    """``PYTHON_THREADPOOL_THREAD_COUNT`` when it is a whole number of at least 1, else None (Python's default); the
    worker, too, warns about any other value and falls back to its default."""
    setting = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT", "")
    if not setting:
        return None
    if setting.strip().isdigit() and int(setting) >= 1:
        return int(setting)
    log.warning("PYTHON_THREADPOOL_THREAD_COUNT must be a whole number of at least 1, not %r: default used", setting)
    return None


class Invoker:
    def __init__(self, app_dir: str, message_encoding: str, faults: BindingFaults | None = None) -> None:
        self._functions = ThreadPoolExecutor(thread_count(), thread_name_prefix="function")
        self._storage = ThreadPoolExecutor(8, thread_name_prefix="storage")
        self._app_dir = app_dir
        self._message_encoding = message_encoding
        self._faults = faults

    async def io(self, call: Callable[..., T], *args: Any) -> T:
        """Run a blocking storage call off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._storage, functools.partial(call, *args))

    async def invoke(self, spec: FunctionSpec, trigger_value: Any, data: Mapping[str, Any], reason: str) -> Outcome:
        """One invocation with its own id in the logs; raises ``InvocationFailed`` when anything fails."""
        with invocation_scope(spec.name) as invocation:
            log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", spec.name, reason, invocation.invocation_id)
            started = time.monotonic()
            try:
                outcome = await self._run(spec, invocation, trigger_value, data)
            except Exception as exc:
                log.exception(
                    "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)",
                    spec.name,
                    invocation.invocation_id,
                    _elapsed_ms(started),
                )
                raise InvocationFailed(f"{spec.name} failed: {exc}") from exc
            log.info(
                "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
                spec.name,
                invocation.invocation_id,
                _elapsed_ms(started),
            )
            return outcome

    async def _run(
        self, spec: FunctionSpec, invocation: Invocation, trigger_value: Any, data: Mapping[str, Any]
    ) -> Outcome:
        targets = outputs.resolve_targets(spec.outputs, data)
        outs = {binding["name"]: outputs.OutValue() for binding in spec.outputs if binding["name"] != "$return"}
        arguments: dict[str, Any] = {spec.trigger["name"]: trigger_value, **outs}
        if "context" in spec.parameters and "context" not in arguments:
            arguments["context"] = FunctionContext(invocation, self._app_dir)
        returned = await self._call(spec, arguments)
        values = {name: out.get() for name, out in outs.items() if out.is_set}
        if spec.output("$return") is not None:
            values["$return"] = returned
        if targets:
            await self.io(outputs.write, targets, values, self._message_encoding, self._faults)
        return Outcome(returned, values)

    async def _call(self, spec: FunctionSpec, arguments: dict[str, Any]) -> Any:
        if spec.is_async:
            return await spec.user_function(**arguments)
        context = contextvars.copy_context()
        call = functools.partial(context.run, spec.user_function, **arguments)
        return await asyncio.get_running_loop().run_in_executor(self._functions, call)

    def shutdown(self) -> None:
        self._functions.shutdown(wait=False, cancel_futures=True)
        self._storage.shutdown(wait=False, cancel_futures=True)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
