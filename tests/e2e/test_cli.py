"""`python -m local`: a detached stack other processes can use, then stopped by its recorded pids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.azurite import AzuriteMissing, executable

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

SDK_PROBE = """
import os, sys
from azure.communication.callautomation import CallAutomationClient
from azure.core.exceptions import ResourceNotFoundError
client = CallAutomationClient.from_connection_string(os.environ["ACS"], retry_total=0)
try:
    client.get_recording_properties("no-such-recording")
except ResourceNotFoundError:
    print("reached the emulator")
"""


def run(state: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "local", "--state-dir", str(state), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, env=env, check=False)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_a_detached_stack_serves_clients_and_stops_by_its_recorded_pids(tmp_path: Path) -> None:
    try:
        executable()
    except AzuriteMissing as exc:
        pytest.skip(f"the local stack needs Azurite: {exc}")
    up = run(tmp_path, "up", "--detach", "--json")
    assert up.returncode == 0, up.stderr
    info = json.loads(up.stdout)
    try:
        for key in ("functionsUrl", "functionKey", "emulatorUrl", "acsConnectionString", "storageConnectionString"):
            assert info[key]
        assert info["archiveContainer"] == "recordings"
        assert set(info["clientEnv"]) >= {"HTTPS_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"}

        assert run(tmp_path, "status").returncode == 0
        placed = run(tmp_path, "call")
        assert placed.returncode == 0, placed.stderr
        assert json.loads(placed.stdout)["serverCallId"]

        probe_env = {**os.environ, **info["clientEnv"], "ACS": info["acsConnectionString"]}
        probe = subprocess.run(
            [sys.executable, "-c", SDK_PROBE], env=probe_env, capture_output=True, text=True, timeout=60, check=False
        )
        assert probe.stdout.strip() == "reached the emulator", probe.stderr
        assert run(tmp_path, "ls").returncode == 0
    finally:
        down = run(tmp_path, "down")
    assert down.returncode == 0, down.stderr
    assert not any(alive(pid) for pid in info["pids"].values())
    assert run(tmp_path, "status").returncode != 0, "status reports a stopped stack"
