"""The app's functions invoked through Microsoft's runtime, in this process, as the local host invokes them.

Each call is an ``InvocationRequest`` to azure-functions-runtime (``local.host.worker``) with the trigger the
Functions host would send (``local.host.triggers``), so the runtime binds it, converts the outputs and calls the
function; what the function set on its output bindings comes back as ``TypedData``. Nothing is written for an
output here: the tests choose what lands (``run_chunk(land=False)``: the binding's write never happens).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from azure.storage.blob import ContainerClient

from local.host import triggers, worker
from local.host.invoker import invocation_request
from local.host.rpc import messages
from local.host.typeddata import from_typed_data
from shared.handlers.deps import Deps
from tests.emulator.receiver import Received

ROOT = Path(__file__).resolve().parents[3]


class FunctionFailed(Exception):
    """The function raised (or the runtime refused a value); the message is the runtime's: ``Type: text``."""


@dataclass(frozen=True)
class Reply:
    """An HTTP function's answer as the runtime returned it."""

    status_code: int
    headers: dict[str, str]
    body: bytes

    def get_body(self) -> bytes:
        return self.body


@dataclass(frozen=True)
class Invoked:
    outputs: dict[str, Any]
    returned: Any


def invoke(name: str, trigger: triggers.Trigger) -> Invoked:
    """One invocation of the product's function ``name`` through the runtime."""
    spec = next(spec for spec in worker.load(ROOT) if spec.name == name)
    response = asyncio.run(worker.invoke(invocation_request(spec, trigger, str(uuid.uuid4()))))
    if response.result.status != messages().StatusResult.Success:
        raise FunctionFailed(response.result.exception.message)
    outputs = {binding.name: from_typed_data(binding.data) for binding in response.output_data}
    return Invoked(outputs, response.return_value if response.HasField("return_value") else None)


def reply(invoked: Invoked) -> Reply:
    http = invoked.returned.http
    body = from_typed_data(http.body) if http.HasField("body") else b""
    return Reply(int(http.status_code), dict(http.headers), body.encode() if isinstance(body, str) else body)


def queue_trigger(body: str) -> triggers.Trigger:
    return triggers.queue_message(body, message_id=str(uuid.uuid4()), dequeue_count=1)


@dataclass
class App:
    """``function_app`` over the built dependencies; ``archive`` and ``quarantine`` are its blob containers;
    ``public_key``: the public key of the key file its manifests are signed with."""

    deps: Deps
    archive: ContainerClient
    quarantine: ContainerClient
    public_key: Path | None = None
    verifications: list[str] = field(default_factory=list)  # every verification job archive_chunk queued

    def grid(self, raw: dict[str, Any]) -> list[str]:
        """One Event Grid delivery to ``acs_events``; the queue messages it set."""
        jobs: list[str] = invoke("acs_events", triggers.grid_event(raw)).outputs.get("jobs") or []
        return jobs

    def callback(self, received: Received, *, authorization: str | None = None) -> Reply:
        """A captured callback request posted to ``callbacks`` at the URL ACS used, query string included
        (optionally with another Authorization header)."""
        headers = {"Authorization": authorization or received.headers.get("Authorization", "")}
        query = dict(parse_qsl(urlsplit(received.path_qs).query))
        url = f"http://localhost{received.path_qs}"
        request = triggers.http_request(
            method="POST", url=url, headers=headers, query=query, route_values={}, body=received.body
        )
        return reply(invoke("callbacks", request))

    def api(self, name: str, method: str, route: dict[str, str], body: bytes = b"", **params: str) -> Any:
        """A control API request to the function ``name``; (status, JSON body)."""
        request = triggers.http_request(
            method=method, url="http://localhost/api/calls", headers={}, query=params, route_values=route, body=body
        )
        answer = reply(invoke(name, request))
        return answer.status_code, json.loads(answer.get_body())

    def run_chunk(self, job_json: str, *, land: bool = True, verify: bool = True) -> bytes | None:
        """One queue delivery to ``archive_chunk``; what the blob output binding received is written as the host
        would (unless ``land`` is False: the write never happens), then the verification it queued is delivered
        once to ``verify_chunk`` (unless ``verify`` is False). The media the binding received."""
        outputs = invoke("archive_chunk", queue_trigger(job_json)).outputs
        payload: bytes | None = outputs.get("media")
        if payload is not None and land:
            self.archive.upload_blob(json.loads(job_json)["blobPath"], payload, overwrite=True)
        verification: str | None = outputs.get("verify")
        if verification:
            self.verifications.append(verification)
            if verify:
                self.run_verify(verification)
        return payload

    def run_verify(self, job_json: str) -> None:
        """One queue delivery to ``verify_chunk`` (raises ``FunctionFailed`` when it fails: the host would retry)."""
        invoke("verify_chunk", queue_trigger(job_json))

    def run_poison(self, name: str, job_json: str) -> None:
        """One delivery of a poison queue message to ``chunk_poison`` or ``verify_poison``."""
        invoke(name, queue_trigger(job_json))

    def sweep(self) -> list[str]:
        """One timer run of ``sweeper``; the queue messages it set."""
        timer = triggers.timer_request(past_due=False, last=None, next_run=None)
        jobs: list[str] = invoke("sweeper", timer).outputs.get("jobs") or []
        return jobs
