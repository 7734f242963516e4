"""The app's functions invoked as the host invokes them: real ``func.*`` trigger objects, output bindings honoured."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from azure.functions import meta
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.timer import TimerRequestConverter
from azure.storage.blob import ContainerClient

import function_app
from shared.handlers.deps import Deps
from tests.emulator.receiver import Received

T = TypeVar("T")


@dataclass
class Out(Generic[T]):
    """What the host passes for an output binding."""

    value: T | None = None

    def set(self, val: T) -> None:
        self.value = val

    def get(self) -> T | None:
        return self.value


@dataclass
class App:
    """``function_app`` over the built dependencies; ``archive`` and ``quarantine`` are its blob containers."""

    deps: Deps
    archive: ContainerClient
    quarantine: ContainerClient
    verifications: list[str] = field(default_factory=list)  # every verification job archive_chunk queued

    def grid(self, raw: dict[str, Any]) -> list[str]:
        """One Event Grid delivery to ``acs_events``; the queue messages it set."""
        event = EventGridEventInConverter.decode(meta.Datum(type="json", value=json.dumps(raw)), trigger_metadata=None)
        jobs: Out[list[str]] = Out()
        function_app.acs_events.build().get_user_function()(event, jobs)
        return jobs.get() or []

    def callback(self, received: Received, *, authorization: str | None = None) -> func.HttpResponse:
        """A captured callback request posted to ``callbacks`` at the URL ACS used, query string included
        (optionally with another Authorization header)."""
        headers = {"Authorization": authorization or received.headers.get("Authorization", "")}
        params = dict(parse_qsl(urlsplit(received.path_qs).query))
        url = f"http://localhost{received.path_qs}"
        request = func.HttpRequest("POST", url, headers=headers, params=params, body=received.body)
        response: func.HttpResponse = function_app.callbacks.build().get_user_function()(request)
        return response

    def api(self, fn: Any, method: str, route: dict[str, str], body: bytes = b"", **params: str) -> Any:
        """A control API request; (status, JSON body)."""
        request = func.HttpRequest(method, "http://localhost/api/calls", route_params=route, params=params, body=body)
        response: func.HttpResponse = fn.build().get_user_function()(request)
        return response.status_code, json.loads(response.get_body())

    def run_chunk(self, job_json: str, *, land: bool = True, verify: bool = True) -> bytes | None:
        """One queue delivery to ``archive_chunk``; what the blob output binding received is written as the host
        would (unless ``land`` is False: the write never happens), then the verification it queued is delivered
        once to ``verify_chunk`` (unless ``verify`` is False). The media the binding received."""
        media: Out[bytes] = Out()
        verification: Out[str] = Out()
        message = func.QueueMessage(id=str(uuid.uuid4()), body=job_json.encode())
        function_app.archive_chunk.build().get_user_function()(message, media, verification)
        payload = media.get()
        if payload is not None and land:
            self.archive.upload_blob(json.loads(job_json)["blobPath"], payload, overwrite=True)
        self.verifications.extend([verification.get() or ""] if verification.get() else [])
        if verify and verification.get():
            self.run_verify(verification.get() or "")
        return payload

    def run_verify(self, job_json: str) -> None:
        """One queue delivery to ``verify_chunk`` (raises what the function raises: the host would retry)."""
        message = func.QueueMessage(id=str(uuid.uuid4()), body=job_json.encode())
        function_app.verify_chunk.build().get_user_function()(message)

    def run_poison(self, fn: Any, job_json: str) -> None:
        """One delivery of a poison queue message to ``chunk_poison`` or ``verify_poison``."""
        fn.build().get_user_function()(func.QueueMessage(id=str(uuid.uuid4()), body=job_json.encode()))

    def sweep(self) -> list[str]:
        """One timer run of ``sweeper``; the queue messages it set."""
        schedule = {"Schedule": {}, "ScheduleStatus": {}, "IsPastDue": False}
        timer = TimerRequestConverter.decode(meta.Datum(type="json", value=json.dumps(schedule)), trigger_metadata={})
        jobs: Out[list[str]] = Out()
        function_app.sweeper.build().get_user_function()(timer, jobs)
        return jobs.get() or []
