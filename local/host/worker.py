"""Microsoft's Python runtime, ``azure-functions-runtime``, driven in-process through its worker contract.

In Azure, for a Python 3.13+ app the Python worker's proxy receives FunctionRpc messages from the Functions host and
hands them to this runtime (the version the app pins in requirements.txt). The local host does the same here, with
the same calls: ``worker_init_request`` (the runtime imports ``function_app.py``, validates every function and
indexes it), ``functions_metadata_request`` (the functions with their ids and binding JSON), one
``function_load_request`` per function, and ``invocation_request`` per invocation, which binds the trigger,
converts the outputs and calls the function. ``function_environment_reload_request`` is never sent: it replaces
``os.environ`` and exists for placeholder specialisation only.

The runtime keeps its functions in module-level registries, so one process serves one app.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import azure_functions_runtime as runtime  # type: ignore[import-untyped]

from .indexing import FunctionSpec, IndexingError, spec_of
from .rpc import messages

log = logging.getLogger(__name__)

HOST_VERSION = "local"  # WorkerInitRequest.host_version: the runtime only logs it

_lock = threading.Lock()
_loaded: tuple[Path, list[FunctionSpec]] | None = None


def load(app_dir: Path) -> list[FunctionSpec]:
    """Index and load the app once per process; every later call for the same app returns the same functions.

    Raises ``IndexingError`` with the runtime's own message when it refuses the app (then no function runs at all,
    as in Azure), and when another app was loaded in this process already.
    """
    global _loaded
    app_dir = app_dir.resolve()
    with _lock:
        if _loaded is None:
            _loaded = (app_dir, asyncio.run(_index(app_dir)))
        if _loaded[0] != app_dir:
            raise IndexingError(f"this process runs {_loaded[0]} already: the runtime serves one app per process")
        return list(_loaded[1])


async def invoke(request: Any) -> Any:
    """One ``InvocationRequest`` through the runtime, on the running event loop; its ``InvocationResponse``."""
    return await runtime.invocation_request(_message(invocation_request=request))


def invocation_id_of_thread() -> str | None:
    """The invocation a sync function runs for on this thread, as the runtime records it (``invocation_id_cv``)."""
    value = runtime.invocation_id_cv.get()
    return str(value) if value else None


async def _index(app_dir: Path) -> list[FunctionSpec]:
    rpc = messages()
    if str(app_dir) not in sys.path:
        sys.path.insert(0, str(app_dir))
    init = rpc.WorkerInitRequest(host_version=HOST_VERSION, function_app_directory=str(app_dir))
    _check(
        "the runtime refused the app", (await runtime.worker_init_request(_message(worker_init_request=init))).result
    )
    found = await runtime.functions_metadata_request(
        _message(functions_metadata_request=rpc.FunctionsMetadataRequest(function_app_directory=str(app_dir)))
    )
    _check("the runtime could not list the app's functions", found.result)
    specs = []
    for metadata in found.function_metadata_results:
        load_request = rpc.FunctionLoadRequest(function_id=metadata.function_id, metadata=metadata)
        loaded = await runtime.function_load_request(_message(function_load_request=load_request))
        _check(f"the runtime could not load {metadata.name}", loaded.result)
        spec = spec_of(metadata)
        if spec is not None:
            specs.append(spec)
    if not specs:
        raise IndexingError(f"{app_dir} declares no function the local host can serve")
    runtime.start_threadpool_executor()
    return specs


def _message(**content: Any) -> SimpleNamespace:
    """What the runtime's coroutines take: ``.request`` a StreamingMessage, ``.properties`` the protos and host."""
    return SimpleNamespace(
        request=messages().StreamingMessage(**content), properties={"protos": messages(), "host": "127.0.0.1"}
    )


def _check(what: str, result: Any) -> None:
    if result.status != messages().StatusResult.Success:
        raise IndexingError(f"{what}: {result.exception.message}")
