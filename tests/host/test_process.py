"""``python -m local.host`` as a process: the ready line, logs with invocation ids, SIGTERM, competing hosts."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.queue import QueueServiceClient

from .conftest import APPS, ROOT, HostProcess, Spawn, wait_until


def blob_names(container: ContainerClient) -> list[str]:
    try:
        return list(container.list_blob_names())
    except ResourceNotFoundError:
        return []


def executions(hosts: list[HostProcess]) -> int:
    return sum(host.logs().count("Executed 'Functions.archive_chunk' (Succeeded") for host in hosts)


def test_ready_line_has_the_url_keys_functions_and_pid(spawn_host: Spawn, tmp_path: Path) -> None:
    host = spawn_host("webapp", "--keys-file", str(tmp_path / "keys.json"))

    keys = json.loads((tmp_path / "keys.json").read_text())
    assert host.info["pid"] == host.process.pid
    assert host.info["masterKey"] == keys["masterKey"]
    assert host.info["functionKey"] == keys["functionKeys"]["default"]
    assert host.info["eventGridKey"] == keys["systemKeys"]["eventgrid_extension"]
    assert {"acs_events", "hello", "tick"} <= set(host.info["functions"])
    status = requests.get(
        f"{host.info['functionsUrl']}/admin/host/status", params={"code": keys["masterKey"]}, timeout=10
    )
    assert status.json()["state"] == "Running"


def test_logs_carry_the_function_name_and_a_fresh_invocation_id(spawn_host: Spawn, tmp_path: Path) -> None:
    host = spawn_host("webapp", "--keys-file", str(tmp_path / "keys.json"), "--no-auth")

    for _ in range(2):
        requests.get(f"{host.info['functionsUrl']}/api/slow", timeout=10).raise_for_status()

    lines = wait_until(lambda: re.findall(r"\[slow ([0-9a-f-]{36})\] \S+: async function ran", host.logs()))
    assert len(lines) == 2
    assert lines[0] != lines[1]


def test_a_sync_function_on_the_runtimes_thread_pool_logs_with_its_name_and_invocation_id(
    spawn_host: Spawn, storage_connection_string: str, tmp_path: Path
) -> None:
    slow_queue = f"slow{uuid.uuid4().hex[:10]}"
    args = ("--keys-file", str(tmp_path / "keys.json"), "--storage-connection-string", storage_connection_string)
    host = spawn_host("queueapp", *args, env={"SLOW_QUEUE": slow_queue})
    client = QueueServiceClient.from_connection_string(storage_connection_string).get_queue_client(slow_queue)

    client.send_message("0.1")
    client.send_message("0.2")

    executed = wait_until(lambda: ids_in(host, r"Executed 'Functions\.slow_job' \(Succeeded, Id=([0-9a-f-]{36})"))
    logged = ids_in(host, r"\[slow_job ([0-9a-f-]{36})\] toy\.queueapp: working for")
    assert sorted(logged) == sorted(executed)
    assert logged[0] != logged[1]


def ids_in(host: HostProcess, pattern: str) -> list[str]:
    """The two invocation ids ``pattern`` captures in the host's log, or nothing until both are there."""
    found: list[str] = re.findall(pattern, host.logs())
    return found if len(found) == 2 else []


def test_sigterm_stops_the_host_cleanly(spawn_host: Spawn, tmp_path: Path) -> None:
    host = spawn_host("webapp", "--keys-file", str(tmp_path / "keys.json"))

    host.process.send_signal(signal.SIGTERM)

    # A bound, not a speed target: the host may take its grace period (10 s) plus the HTTP runner's (10 s).
    assert host.process.wait(60) == 0


def test_two_hosts_compete_on_one_queue_and_each_message_is_processed_once(
    spawn_host: Spawn, storage_connection_string: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:10]
    settings = {
        "JOBS_QUEUE": f"shared{suffix}",
        "ARCHIVE": f"shared{suffix}",
        "FAIL_QUEUE": f"f{suffix}",
        "FANOUT_QUEUE": f"o{suffix}",
        "RETURN_QUEUE": f"r{suffix}",
    }
    args = ("--keys-file", str(tmp_path / "keys.json"), "--storage-connection-string", storage_connection_string)
    hosts = [spawn_host("queueapp", *args, env=settings) for _ in range(2)]
    jobs = QueueServiceClient.from_connection_string(storage_connection_string).get_queue_client(settings["JOBS_QUEUE"])
    count = 24

    for index in range(count):
        jobs.send_message(json.dumps({"date": "2024/06/01", "serverCallId": "c", "chunk": {"index": index}}))

    container = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(
        settings["ARCHIVE"]
    )
    wait_until(lambda: len(blob_names(container)) == count, timeout=60)
    wait_until(lambda: executions(hosts) >= count)
    assert executions(hosts) == count
    assert all(
        json.loads(container.download_blob(blob).readall())["dequeueCount"] == 1 for blob in container.list_blobs()
    )
    assert [host.stop() for host in hosts] == [0, 0]


def test_an_app_that_fails_to_import_exits_non_zero_with_the_error(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "local.host",
        "--app-dir",
        str(APPS / "broken"),
        "--keys-file",
        str(tmp_path / "k.json"),
    ]

    finished = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=60, check=False)

    assert finished.returncode == 1
    assert finished.stdout == b""
    assert b"this app cannot be imported" in finished.stderr


def test_sigterm_lets_a_running_queue_invocation_finish_and_complete_its_message(
    spawn_host: Spawn, storage_connection_string: str, tmp_path: Path
) -> None:
    slow_queue = f"slow{uuid.uuid4().hex[:10]}"
    args = ("--keys-file", str(tmp_path / "keys.json"), "--storage-connection-string", storage_connection_string)
    host = spawn_host("queueapp", *args, env={"SLOW_QUEUE": slow_queue})
    client = QueueServiceClient.from_connection_string(storage_connection_string).get_queue_client(slow_queue)
    client.send_message("1")
    wait_until(lambda: "working for 1.0s" in host.logs())

    assert host.stop() == 0

    assert "Executed 'Functions.slow_job' (Succeeded" in host.logs()
    assert client.get_queue_properties().approximate_message_count == 0
