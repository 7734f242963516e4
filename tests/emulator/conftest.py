"""Fixtures for the emulator's tests: a clean emulator per test, the real SDK, a webhook receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from azure.communication.callautomation import CallAutomationClient

from local.emulator import Emulator
from tests.emulator.receiver import Receiver

Control = Callable[..., requests.Response]


def control_for(emulator: Emulator) -> Control:
    session = requests.Session()
    session.trust_env = False

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        url = f"{emulator.info['emulatorUrl']}/_emulator/{path}"
        return session.request(method, url, json=body, verify=emulator.info["caBundle"], timeout=30)

    return call


@pytest.fixture
def emu(acs_emulator: Emulator) -> Iterator[Emulator]:
    """The session emulator, reset (subscriptions, faults and settings too) after the test."""
    yield acs_emulator
    control_for(acs_emulator)("POST", "reset", {"subscriptions": True})


@pytest.fixture
def control(emu: Emulator) -> Control:
    return control_for(emu)


@pytest.fixture
def sdk(emu: Emulator) -> CallAutomationClient:
    return CallAutomationClient.from_connection_string(
        emu.info["connectionString"], retry_total=0, connection_verify=emu.info["caBundle"]
    )


@pytest.fixture
def proxied(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the app runs with: storage hosts through the emulator's proxy, the local CA trusted."""
    for name, value in emu.info["clientEnv"].items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def subscribed(control: Control, receiver: Receiver) -> Receiver:
    """``receiver`` subscribed to every event type in the Event Grid schema."""
    response = control("POST", "subscriptions", {"name": "tests", "endpoint": receiver.url("/grid")})
    assert response.status_code == 201, response.text
    return receiver
