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
            raise ClientError(f"emulator {method} {path}: {response.status_code} {response.text}")
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
        response = self.api("GET", f"calls/{call_folder(server_call_id)}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ClientError(f"GET call: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result

    def recording_state(self, server_call_id: str) -> str:
        """State of the call's latest recording, or "" when it has none."""
        found = recordings(self.call(server_call_id))
        return str(found[-1].get("state", "")) if found else ""

    def recording(self, server_call_id: str, action: str = "", body: Mapping[str, Any] | None = None) -> Any:
        suffix = f"/{action}" if action else ""
        response = self.api("POST", f"calls/{call_folder(server_call_id)}/recording{suffix}", body or {})
        if response.status_code >= 300:
            raise ClientError(f"recording {action or 'start'}: {response.status_code} {response.text}")
        return response.json() if response.content else None


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
