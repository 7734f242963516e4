"""The ACS emulator as the app's integration tests see it: what ACS sends the app is captured, what the app asks of
ACS is read back from the emulator's control plane.

Event Grid deliveries and callbacks go to a small webhook receiver (``tests.emulator.receiver``); the tests hand
them to the functions as the host would, so each test decides when (and how often) an event arrives.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from azure.communication.callautomation import CallAutomationClient

from local.client import wait_for
from local.emulator import Emulator
from local.emulator.callbacks import CallbackSigner
from tests.emulator.receiver import Received, Receiver

ANSWERED = "4:+18005550100"  # in the app's ANSWER_POLICY
DECLINED = "4:+18005550999"
CALLER = "4:+14255550123"
CALLBACKS = "/api/callbacks"
GRID = "/grid"
WAIT_SECONDS = 15


class Clock:
    """The emulator's clock: wall time plus what a test adds, so recordings get exact extra media."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def of_type(event: dict[str, Any], name: str) -> bool:
    return (event.get("type") or event.get("eventType")) == f"Microsoft.Communication.{name}"


@dataclass
class Acs:
    """The session emulator, a receiver subscribed to its Event Grid and taking its callbacks, and its clock."""

    emu: Emulator
    hooks: Receiver
    clock: Clock

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        with requests.Session() as session:
            session.trust_env = False
            response = session.request(
                method,
                f"{self.emu.info['emulatorUrl']}/_emulator/{path}",
                json=body,
                verify=self.emu.info["caBundle"],
                timeout=30,
            )
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def place_call(self, callee: str = ANSWERED, participants: tuple[str, ...] = ()) -> str:
        body = {"from": CALLER, "to": callee, "participants": list(participants)}
        return str(self.control("POST", "calls/incoming", body)["serverCallId"])

    def call(self, sid: str) -> dict[str, Any]:
        found: dict[str, Any] = next(c for c in self.control("GET", "calls") if c["serverCallId"] == sid)
        return found

    def recordings(self, sid: str) -> list[dict[str, Any]]:
        return [r for r in self.control("GET", "recordings") if r["serverCallId"] == sid]

    def recording(self, sid: str) -> dict[str, Any]:
        (found,) = self.recordings(sid)
        return found

    # -- what the emulator sent ----------------------------------------------------------------------------------
    def grid_events(self, sid: str, name: str, path: str = GRID) -> list[dict[str, Any]]:
        """Events of the call delivered to ``path`` (an array of one in the Event Grid schema, or a CloudEvent)."""
        found = []
        for request in self.hooks.notifications():
            if request.path_qs == path:
                document = request.json()
                found += document if isinstance(document, list) else [document]
        return [e for e in found if of_type(e, name) and sid in (e["data"].get("serverCallId"), _subject_sid(e))]

    def grid_event(self, sid: str, name: str, path: str = GRID) -> dict[str, Any]:
        """The first ``name`` event of the call delivered through Event Grid to ``path`` (waits for it)."""
        found: list[dict[str, Any]] = wait_for(lambda: self.grid_events(sid, name, path), name, WAIT_SECONDS, 0.05)
        return found[0]

    def callbacks(self, sid: str, name: str, **data: Any) -> list[Received]:
        """Callback requests (JSON array of one CloudEvent, signed) of the call, matching ``data``."""
        found = []
        for request in self.hooks.notifications():
            if not request.path_qs.startswith(CALLBACKS):
                continue
            (event,) = request.json()
            wanted = {"serverCallId": sid, **data}
            if of_type(event, name) and all(event["data"].get(key) == value for key, value in wanted.items()):
                found.append(request)
        return found

    def callback(self, sid: str, name: str, nth: int = 0, **data: Any) -> Received:
        """The ``nth`` (from 0) such callback (waits for it)."""
        found = wait_for(lambda: self.callbacks(sid, name, **data)[nth:], name, WAIT_SECONDS, 0.05)
        request: Received = found[0]
        return request

    def fresh_token(self) -> str:
        """A new callback token signed with the emulator's key, as ACS signs each delivery (also a redelivery)."""
        return CallbackSigner(self.emu.config.state_dir, self.emu.info["issuer"], self.emu.info["audience"]).token()

    # -- the recording files, read independently of the app ------------------------------------------------------
    def sdk(self) -> CallAutomationClient:
        """A Call Automation client of its own (storage hosts through the proxy when ``clientEnv`` is set)."""
        return CallAutomationClient.from_connection_string(self.emu.info["connectionString"], retry_total=0)

    def download(self, url: str) -> bytes:
        """The whole object as served (SDK 1.6 returns the HTTP response, not the iterator it declares)."""
        response: Any = self.sdk().download_recording(url)
        data: bytes = response.read()
        return data

    def sha256(self, url: str) -> tuple[int, str]:
        """Size and SHA-256 of the object as served."""
        data = self.download(url)
        return len(data), hashlib.sha256(data).hexdigest()


def _subject_sid(event: dict[str, Any]) -> str | None:
    subject = str(event.get("subject", ""))
    marker = "/serverCallId/"
    if marker not in subject:
        return None
    return subject.split(marker, 1)[1].rsplit("/recordingId/", 1)[0]


def body(request: Received) -> dict[str, Any]:
    """The one event of a captured callback request."""
    (event,) = json.loads(request.body)
    found: dict[str, Any] = event
    return found
