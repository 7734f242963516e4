"""A small client of a running stack: the app's control API and the emulator's control plane."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from shared.layout import call_folder


class ClientError(RuntimeError):
    """A request to the stack failed."""


def recordings(call: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The recordings of a call as ``GET /api/calls/{callId}`` shows them (none for an unknown call)."""
    return list(call.get("recordings", [])) if call else []


class LocalClient:
    """Talks to the Functions host (function key) and the ACS emulator control plane (local CA)."""

    def __init__(self, info: Mapping[str, Any], timeout: float = 30) -> None:
        self.functions_url = str(info["functionsUrl"]).rstrip("/")
        self.function_key = str(info.get("functionKey", ""))
        self.emulator_url = str(info["emulatorUrl"]).rstrip("/")
        self.ca_bundle = str(info["caBundle"])
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # the stack is on loopback; never through a proxy

    # -- ACS emulator control plane -------------------------------------------------------------------------------
    def emulator(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = self.http.request(
            method, f"{self.emulator_url}/_emulator/{path}", json=body, verify=self.ca_bundle, timeout=self.timeout
        )
        if response.status_code >= 300:
            raise ClientError(f"ACS emulator {method} {path}: {response.status_code} {_acs_message(response)}")
        return response.json() if response.content else None

    def place_call(self, caller: str, callee: str, participants: tuple[str, ...] = ()) -> dict[str, Any]:
        body = {"from": caller, "to": callee, "participants": list(participants)}
        result: dict[str, Any] = self.emulator("POST", "calls/incoming", body)
        return result

    def hang_up(self, server_call_id: str) -> None:
        self.emulator("POST", "calls/hangup", {"serverCallId": server_call_id})

    # -- the app's control API ------------------------------------------------------------------------------------
    def api(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> requests.Response:
        return self.http.request(
            method,
            f"{self.functions_url}/api/{path}",
            json=body,
            headers={"x-functions-key": self.function_key},
            timeout=self.timeout,
        )

    def call(self, server_call_id: str) -> dict[str, Any] | None:
        """The call as ``GET /api/calls/{callId}`` shows it, or None when the app does not know it."""
        response = self.api("GET", f"calls/{call_folder(server_call_id)}")
        if response.status_code == 404:
            return None
        found: dict[str, Any] = _answer(response, "GET call")
        return found

    def call_by_id(self, call_id: str) -> dict[str, Any]:
        """The call named by its callId; ClientError when the app does not know it."""
        found: dict[str, Any] = _answer(self.api("GET", f"calls/{call_id}"), f"call {call_id}")
        return found

    def recording_state(self, server_call_id: str) -> str:
        """State of the call's latest recording, or "" when it has none."""
        found = recordings(self.call(server_call_id))
        return str(found[-1].get("state", "")) if found else ""

    def recording(self, server_call_id: str, action: str = "", body: Mapping[str, Any] | None = None) -> Any:
        return self.recording_by_id(call_folder(server_call_id), action, body)

    def recording_by_id(self, call_id: str, action: str = "", body: Mapping[str, Any] | None = None) -> Any:
        """Start (``action`` ""), pause, resume or stop the call's recording through the control API."""
        suffix = f"/{action}" if action else ""
        response = self.api("POST", f"calls/{call_id}/recording{suffix}", body or {})
        return _answer(response, f"recording {action or 'start'}")


def _answer(response: requests.Response, what: str) -> Any:
    """The JSON of a 2xx answer of the control API; otherwise ClientError with its ``error`` message."""
    if response.status_code < 300:
        return response.json() if response.content else None
    if response.status_code == 401:
        raise ClientError(f"{what}: 401, the function key is missing or wrong (the host answers 401 with no body)")
    try:
        message = str(response.json()["error"])
    except (ValueError, KeyError, TypeError):
        message = response.text[:300]
    raise ClientError(f"{what}: {response.status_code} {message}")


def wait_for(
    probe: Callable[[], Any],
    what: str,
    timeout: float = 60,
    interval: float = 0.25,
    on_wait: Callable[[], None] = lambda: None,
) -> Any:
    """Poll ``probe`` until it returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        on_wait()
        time.sleep(interval)


def _acs_message(response: requests.Response) -> str:
    """The message of an ACS error body ``{"error": {"code", "message"}}``, else the start of the text."""
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return response.text[:300]
