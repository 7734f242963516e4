"""Load ``function_app.py`` and index its functions the way the Python worker does (from the v2 decorators)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

log = logging.getLogger(__name__)

SUPPORTED_TRIGGERS = ("httpTrigger", "eventGridTrigger", "queueTrigger", "timerTrigger")
SUPPORTED_OUTPUTS = ("http", "blob", "queue")

_lock = threading.Lock()
_indexed: dict[Path, list[FunctionSpec]] = {}


class IndexingError(RuntimeError):
    """The app could not be loaded, or it declares no function the host can run."""


@dataclass(frozen=True)
class FunctionSpec:
    """One indexed function: its trigger, its output bindings (``$return`` included) and the Python callable."""

    name: str
    trigger: dict[str, Any]
    outputs: tuple[dict[str, Any], ...]
    user_function: Callable[..., Any]
    parameters: tuple[str, ...] = field(default=())

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.user_function)

    def output(self, name: str) -> dict[str, Any] | None:
        return next((binding for binding in self.outputs if binding["name"] == name), None)


def index_app(app_dir: Path) -> list[FunctionSpec]:
    """Import the app once per process and return its supported functions (unsupported ones are logged and skipped)."""
    script = (app_dir / os.environ.get("PYTHON_SCRIPT_FILE_NAME", "function_app.py")).resolve()
    with _lock:
        if script not in _indexed:
            app = _find_app(_import(script))
            _indexed[script] = [spec for spec in map(_spec, app.get_functions()) if spec is not None]
        return list(_indexed[script])


def _import(script: Path) -> ModuleType:
    if not script.is_file():
        raise IndexingError(f"{script} not found")
    directory = str(script.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = script.stem
    loaded = sys.modules.get(name)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() != script:
        name = f"{name}_{abs(hash(script)):x}"
    spec = importlib.util.spec_from_file_location(name, script)
    if spec is None or spec.loader is None:
        raise IndexingError(f"cannot import {script}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _find_app(module: ModuleType) -> func.FunctionRegister:
    """The module's ``FunctionApp`` (``app`` first, like the worker's single-app rule)."""
    candidate = getattr(module, "app", None)
    if isinstance(candidate, func.FunctionRegister):
        return candidate
    apps = [value for value in vars(module).values() if isinstance(value, func.FunctionRegister)]
    if len(apps) != 1:
        raise IndexingError(f"{module.__file__} must define exactly one FunctionApp, found {len(apps)}")
    return apps[0]


def _spec(function: Any) -> FunctionSpec | None:
    name = function.get_function_name()
    bindings: list[dict[str, Any]] = json.loads(function.get_function_json())["bindings"]
    triggers = [binding for binding in bindings if binding["type"].endswith("Trigger")]
    outputs = tuple(binding for binding in bindings if binding["direction"] == "OUT")
    inputs = [binding for binding in bindings if binding["direction"] == "IN" and binding not in triggers]
    problems = _problems(triggers, outputs, inputs)
    if problems:
        log.error("function %s is not loaded by the local host: %s", name, problems)
        return None
    user_function = function.get_user_function()
    parameters = tuple(inspect.signature(user_function).parameters)
    return FunctionSpec(name, triggers[0], outputs, user_function, parameters)


def _problems(triggers: list[dict[str, Any]], outputs: tuple[dict[str, Any], ...], inputs: list[dict[str, Any]]) -> str:
    if len(triggers) != 1 or triggers[0]["type"] not in SUPPORTED_TRIGGERS:
        return f"trigger {[binding['type'] for binding in triggers]} (supported: {', '.join(SUPPORTED_TRIGGERS)})"
    unsupported = [binding["type"] for binding in (*outputs, *inputs) if binding["type"] not in SUPPORTED_OUTPUTS]
    if unsupported or inputs:
        return (
            f"bindings {unsupported or [binding['type'] for binding in inputs]} (outputs supported: blob, queue, http)"
        )
    return ""
