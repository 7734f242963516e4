"""Fixtures for the local Functions host: toy apps under ``apps/``, served in-process or as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from local.azurite import environ_without_proxy
from local.host import FunctionsHost

APPS = Path(__file__).parent / "apps"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def web_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FunctionsHost]:
    """The HTTP/Event Grid/timer toy app with keys on."""
    keys = tmp_path_factory.mktemp("keys") / "host-keys.json"
    host = FunctionsHost(APPS / "webapp", keys_file=keys).start()
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


def seen(host: FunctionsHost) -> list[dict[str, Any]]:
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

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(30)


@pytest.fixture
def spawn_host(tmp_path: Path) -> Iterator[Callable[..., HostProcess]]:
    """Start ``python -m local.host`` subprocesses; each is terminated (by its pid) after the test."""
    started: list[HostProcess] = []

    def spawn(app: str, *args: str, env: dict[str, str] | None = None) -> HostProcess:
        log = tmp_path / f"{app}-{len(started)}.log"
        command = [sys.executable, "-m", "local.host", "--app-dir", str(APPS / app), *args]
        environment = {**environ_without_proxy(), "PYTHONUNBUFFERED": "1", **(env or {})}
        with open(log, "wb") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT, env=environment)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            process.wait(30)
            pytest.fail(f"the host exited with {process.returncode}: {log.read_text()}")
        host = HostProcess(process, json.loads(line), log)
        started.append(host)
        return host

    yield spawn
    for host in started:
        if host.process.poll() is None:
            os.kill(host.process.pid, 15)
            host.process.wait(30)
