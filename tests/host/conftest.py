"""Fixtures for the local Functions host: toy apps under ``apps/``, each served by a ``python -m local.host``
subprocess (Microsoft's runtime keeps module-level registries: one app per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from local.azurite import environ_without_proxy

APPS = Path(__file__).parent / "apps"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def web_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    """The HTTP/Event Grid/timer toy app with keys on."""
    folder = tmp_path_factory.mktemp("web-host")
    host = start_host("webapp", folder, "--keys-file", str(folder / "host-keys.json"))
    try:
        yield host
    finally:
        host.stop()


def wait_until(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail with the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value:
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout:.0f}s (last value: {value!r})")
        time.sleep(interval)
        value = check()
    return value


def seen(host: HostProcess) -> list[dict[str, Any]]:
    """What the web toy app's Event Grid and timer functions recorded."""
    response = requests.get(f"{host.url}/api/seen", timeout=10)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()
    return events


@dataclass
class HostProcess:
    process: subprocess.Popen[bytes]
    info: dict[str, Any]
    log: Path

    @property
    def url(self) -> str:
        return str(self.info["functionsUrl"])

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(60)

    def __enter__(self) -> HostProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class HostDidNotStart(Exception):
    """The host process exited before it printed its ready line; ``log`` is what it wrote."""

    def __init__(self, returncode: int, log: str) -> None:
        super().__init__(f"the host exited with {returncode}: {log}")
        self.returncode, self.log = returncode, log


def start_host(app: str, folder: Path, *args: str, env: dict[str, str] | None = None) -> HostProcess:
    """``python -m local.host`` on ``apps/<app>`` (its stderr in ``folder``), once it printed its ready line."""
    log = folder / f"{app}-{uuid.uuid4().hex[:8]}.log"
    command = [sys.executable, "-m", "local.host", "--app-dir", str(APPS / app), *args]
    environment = {**environ_without_proxy(), "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(log, "wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT, env=environment)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise HostDidNotStart(process.wait(60), log.read_text(errors="replace"))
    return HostProcess(process, json.loads(line), log)


Spawn = Callable[..., HostProcess]


@pytest.fixture
def spawn_host(tmp_path: Path) -> Iterator[Spawn]:
    """Start hosts with ``start_host``; each is terminated (by its pid) after the test."""
    started: list[HostProcess] = []

    def spawn(app: str, *args: str, env: dict[str, str] | None = None) -> HostProcess:
        try:
            host = start_host(app, tmp_path, *args, env=env)
        except HostDidNotStart as exc:
            pytest.fail(str(exc))
        started.append(host)
        return host

    yield spawn
    for host in started:
        if host.process.poll() is None:
            os.kill(host.process.pid, 15)
            host.process.wait(60)
