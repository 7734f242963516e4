"""``python -m local.emulator``: one JSON line once serving, subscriptions from a file, a clean exit on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.emulator.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_prints_where_it_serves_reuses_its_ca_and_stops_on_sigterm(
    tmp_path: Path, receiver: Receiver
) -> None:
    subscriptions = tmp_path / "subscriptions.json"
    subscriptions.write_text(json.dumps([{"name": "from-file", "endpoint": receiver.url("/grid")}]))
    args = [sys.executable, "-m", "local.emulator", "--state-dir", str(tmp_path / "state"),
            "--subscriptions", str(subscriptions), "--resource-id", "11111111-2222-3333-4444-555555555555"]  # fmt: skip
    infos = []
    for _ in range(2):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            infos.append(info)
            health = requests.get(f"{info['emulatorUrl']}/_emulator/health", verify=info["caBundle"], timeout=10)
            assert health.status_code == 200
            listed = requests.get(f"{info['emulatorUrl']}/_emulator/subscriptions", verify=info["caBundle"], timeout=10)
            assert [s["name"] for s in listed.json()] == ["from-file"]
            body = {"from": "4:+14255550100", "to": "8:acs:agent"}
            requests.post(
                f"{info['emulatorUrl']}/_emulator/calls/incoming", json=body, verify=info["caBundle"], timeout=10
            )
            receiver.wait(lambda events: len(events) == len(infos), what="IncomingCall from the file's subscription")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
    first, second = infos
    assert receiver.requests[0].headers["aeg-event-type"] == "SubscriptionValidation", "validated before delivery"
    assert first["audience"] == "11111111-2222-3333-4444-555555555555"
    assert first["issuer"] == "https://acscallautomation.communication.azure.com"
    assert first["connectionString"].startswith(first["emulatorUrl"].join(["endpoint=", "/;accesskey="]))
    assert first["clientEnv"] == {"HTTPS_PROXY": first["proxyUrl"], "NO_PROXY": "127.0.0.1,localhost",
                                  "REQUESTS_CA_BUNDLE": first["caBundle"]}  # fmt: skip
    assert first["caBundle"] == second["caBundle"] == str((tmp_path / "state" / "ca.pem").resolve())
    assert first["connectionString"].split("accesskey=")[1] == second["connectionString"].split("accesskey=")[1]
