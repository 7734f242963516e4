"""Run one invocation: resolve the output bindings' targets, hand the invocation to Microsoft's runtime
(``local.host.worker``), then write what the function set on its outputs.

The runtime binds the trigger, validates and converts every value, and calls the function: sync functions on its
own thread pool (``PYTHON_THREADPOOL_THREAD_COUNT``, validated by the runtime), ``async def`` functions on this
host's event loop. The host logs "Executing"/"Executed" around it, as the Functions host does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from . import outputs, worker
from .context import Invocation, invocation_scope
from .faults import BindingFaults
from .indexing import FunctionSpec
from .rpc import messages
from .triggers import Trigger
from .typeddata import to_typed_data

log = logging.getLogger("local.host.function")
T = TypeVar("T")


class InvocationFailed(RuntimeError):
    """The function raised, the runtime refused a value, or a binding could not be resolved or written."""


@dataclass(frozen=True)
class Outcome:
    """What the function returned (``$return``) and what it set on its other outputs, as the runtime sent them
    (``TypedData``; an output the function left unset is absent)."""

    returned: Any
    values: Mapping[str, Any]


class Invoker:
    def __init__(self, message_encoding: str, faults: BindingFaults | None = None) -> None:
        self._storage = ThreadPoolExecutor(8, thread_name_prefix="storage")
        self._message_encoding = message_encoding
        self._faults = faults

    async def io(self, call: Callable[..., T], *args: Any) -> T:
        """Run a blocking storage call off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._storage, functools.partial(call, *args))

    async def invoke(self, spec: FunctionSpec, trigger: Trigger, reason: str) -> Outcome:
        """One invocation with its own id in the logs; raises ``InvocationFailed`` when anything fails."""
        with invocation_scope(spec.name) as invocation:
            log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", spec.name, reason, invocation.invocation_id)
            started = time.monotonic()
            try:
                outcome = await self._run(spec, invocation, trigger)
            except Exception as exc:
                log.error(
                    "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)\n%s",
                    spec.name,
                    invocation.invocation_id,
                    _elapsed_ms(started),
                    exc,
                )
                raise InvocationFailed(f"{spec.name} failed: {exc}") from exc
            log.info(
                "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
                spec.name,
                invocation.invocation_id,
                _elapsed_ms(started),
            )
            return outcome

    async def _run(self, spec: FunctionSpec, invocation: Invocation, trigger: Trigger) -> Outcome:
        targets = outputs.resolve_targets(spec.outputs, trigger.binding_data)
        response = await worker.invoke(invocation_request(spec, trigger, invocation.invocation_id))
        if response.result.status != messages().StatusResult.Success:
            exception = response.result.exception
            raise FunctionError(exception.message, exception.stack_trace)
        returned = response.return_value if response.HasField("return_value") else None
        values = {binding.name: binding.data for binding in response.output_data}
        if returned is not None and spec.output("$return") is not None:
            values["$return"] = returned
        if targets:
            await self.io(outputs.write, targets, values, self._message_encoding, self._faults)
        return Outcome(returned, values)

    def shutdown(self) -> None:
        self._storage.shutdown(wait=False, cancel_futures=True)


class FunctionError(Exception):
    """The runtime's report of a failed invocation: the exception's message and the stack trace it captured."""

    def __init__(self, message: str, stack_trace: str) -> None:
        super().__init__(f"{message}\n{stack_trace}".rstrip())


def invocation_request(spec: FunctionSpec, trigger: Trigger, invocation_id: str) -> Any:
    """The ``InvocationRequest`` the Functions host sends for ``trigger``: the trigger as the function's input, its
    metadata, a traceparent (the request's, continued, or a new trace) and an empty retry context."""
    rpc = messages()
    return rpc.InvocationRequest(
        invocation_id=invocation_id,
        function_id=spec.function_id,
        input_data=[rpc.ParameterBinding(name=spec.trigger["name"], data=trigger.data)],
        trigger_metadata={name: to_typed_data(value) for name, value in trigger.metadata.items()},
        trace_context=rpc.RpcTraceContext(trace_parent=trigger.traceparent or new_traceparent()),
        retry_context=rpc.RetryContext(),
    )


def new_traceparent(parent: str = "") -> str:
    """A W3C traceparent for the host's activity: a child of ``parent`` when it is valid, else a new trace."""
    parts = parent.split("-")
    trace_id = parts[1] if len(parts) == 4 and len(parts[1]) == 32 else secrets.token_hex(16)
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
