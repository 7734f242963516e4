"""The app's functions as the runtime indexed them: name, function id and the binding JSON (``raw_bindings``)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SUPPORTED_TRIGGERS = ("httpTrigger", "eventGridTrigger", "queueTrigger", "timerTrigger")
SUPPORTED_OUTPUTS = ("http", "blob", "queue")


class IndexingError(RuntimeError):
    """The runtime refused the app (its message says why), or the app declares no function the host can run."""


@dataclass(frozen=True)
class FunctionSpec:
    """One function: its id in the runtime, its trigger and its output bindings (``$return`` included)."""

    name: str
    function_id: str
    trigger: dict[str, Any]
    outputs: tuple[dict[str, Any], ...]

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    def output(self, name: str) -> dict[str, Any] | None:
        return next((binding for binding in self.outputs if binding["name"] == name), None)


def spec_of(metadata: Any) -> FunctionSpec | None:
    """A ``FunctionSpec`` from the runtime's ``RpcFunctionMetadata``; None (logged) for what this host cannot serve."""
    bindings: list[dict[str, Any]] = [json.loads(raw) for raw in metadata.raw_bindings]
    triggers = [binding for binding in bindings if binding["type"].endswith("Trigger")]
    outputs = tuple(binding for binding in bindings if binding["direction"] == "OUT")
    inputs = [binding for binding in bindings if binding["direction"] == "IN" and binding not in triggers]
    problems = _problems(triggers, outputs, inputs) or _retry_problem(metadata)
    if problems:
        log.error("function %s is not served by the local host: %s", metadata.name, problems)
        return None
    return FunctionSpec(metadata.name, metadata.function_id, triggers[0], outputs)


def _problems(triggers: list[dict[str, Any]], outputs: tuple[dict[str, Any], ...], inputs: list[dict[str, Any]]) -> str:
    if len(triggers) != 1 or triggers[0]["type"] not in SUPPORTED_TRIGGERS:
        return f"trigger {[binding['type'] for binding in triggers]} (supported: {', '.join(SUPPORTED_TRIGGERS)})"
    unsupported = [binding["type"] for binding in (*outputs, *inputs) if binding["type"] not in SUPPORTED_OUTPUTS]
    if unsupported or inputs:
        return (
            f"bindings {unsupported or [binding['type'] for binding in inputs]} (outputs supported: blob, queue, http)"
        )
    return ""


def _retry_problem(metadata: Any) -> str:
    if metadata.HasField("retry_options"):
        return "a retry policy (the local host runs no retries; the queue's own redelivery still applies)"
    return ""
