"""`python -m local`: a detached stack other processes can use, then stopped by its recorded pids."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.azurite import AzuriteMissing, executable
from shared.signing import fingerprint, load_public_key
from tests.fixtures.needs import missing

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


def needs_azurite() -> None:
    try:
        executable()
    except AzuriteMissing as exc:
        missing(f"the local stack needs Azurite: {exc}")


def test_a_detached_stack_serves_clients_and_stops_by_its_recorded_pids(tmp_path: Path) -> None:
    needs_azurite()
    up = run(tmp_path, "up", "--detach", "--json")
    assert up.returncode == 0, up.stderr
    info = json.loads(up.stdout)
    try:
        for key in ("functionsUrl", "functionKey", "emulatorUrl", "acsConnectionString", "storageConnectionString"):
            assert info[key]
        assert info["archiveContainer"] == "recordings"
        assert set(info["clientEnv"]) >= {"HTTPS_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"}

        assert run(tmp_path, "status").returncode == 0
        placed = run(tmp_path, "call", "--json")
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
    again = run(tmp_path, "down")
    assert (again.returncode, again.stdout.strip()) == (0, f"no local stack runs on {tmp_path}: nothing to stop")


def test_a_second_up_refuses_naming_the_running_stack_or_joins_it(tmp_path: Path) -> None:
    needs_azurite()
    up = run(tmp_path, "up", "--detach", "--json")
    assert up.returncode == 0, up.stderr
    info = json.loads(up.stdout)
    try:
        again = run(tmp_path, "up", "--detach")
        assert again.returncode == 1
        assert len(again.stderr.strip().splitlines()) == 1, again.stderr
        assert str(info["pids"]["host"]) in again.stderr
        assert "down" in again.stderr
        assert "--join" in again.stderr
        joined = run(tmp_path, "up", "--detach", "--join", "--json")
        assert joined.returncode == 0, joined.stderr
        assert json.loads(joined.stdout)["functionsUrl"] == info["functionsUrl"]
    finally:
        down = run(tmp_path, "down")
    assert [line.split()[1] for line in down.stdout.splitlines()] == ["host", "emulator", "azurite"]
    assert not any(alive(pid) for pid in info["pids"].values())


def test_status_names_every_part_and_says_plainly_which_is_down(tmp_path: Path) -> None:
    needs_azurite()
    up = run(tmp_path, "up", "--detach", "--json")
    assert up.returncode == 0, up.stderr
    info = json.loads(up.stdout)
    try:
        healthy = run(tmp_path, "status")
        assert healthy.returncode == 0, healthy.stdout
        rows = {line.split()[0]: line for line in healthy.stdout.splitlines()[1:]}
        assert set(rows) == {"azurite", "emulator", "host"}
        assert all(row.endswith(" up") for row in rows.values()), healthy.stdout
        os.killpg(info["pids"]["host"], signal.SIGTERM)
        while alive(info["pids"]["host"]):
            time.sleep(0.1)
        degraded = run(tmp_path, "status")
        assert degraded.returncode == 1
        host = next(line for line in degraded.stdout.splitlines() if line.split()[0] == "host")
        assert f"process {info['pids']['host']} has ended" in host
        assert "not answering" in host
        assert "Traceback" not in degraded.stderr
        assert degraded.stderr == ""
    finally:
        down = run(tmp_path, "down")
    assert down.returncode == 0, down.stderr
    assert "host" not in down.stdout, "an ended process is not signalled again"
    assert not any(alive(pid) for pid in info["pids"].values())


def test_the_demo_says_where_its_state_and_logs_are(tmp_path: Path) -> None:
    needs_azurite()
    demo = run(tmp_path, "demo")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    state = tmp_path / "demo"
    assert f"state {state}" in demo.stdout
    assert f"logs  {state / 'logs'}" in demo.stdout
    assert (state / "logs" / "host.log").stat().st_size > 0
    assert (state / "azurite" / "azurite.log").exists()
    assert f"its state and logs stay in {state}" in demo.stdout
    public = state / "signing" / "manifest-signing.pub.pem"
    assert f"signed by spki-sha256:{fingerprint(load_public_key(public))} (public key {public}" in demo.stdout
