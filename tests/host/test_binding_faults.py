"""``LOCAL_HOST_FAULT_BINDING``: the host dies after the function returned and before its blob output lands, or the
blob output write fails; the queue message then behaves as the queue trigger documents (retry, poison, lease)."""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient

from local.host.faults import FaultKind, InjectedWriteFailure, parse

from .conftest import HostDidNotStart, Spawn, start_host, wait_until


def job(index: int) -> str:
    return json.dumps({"date": "2024/07/01", "serverCallId": "faulty", "chunk": {"index": index}})


def host_args(folder: Path, storage_connection_string: str) -> tuple[str, ...]:
    return ("--keys-file", str(folder / "keys.json"), "--storage-connection-string", storage_connection_string)


def queue_settings() -> dict[str, str]:
    suffix = uuid.uuid4().hex[:10]
    return {
        "JOBS_QUEUE": f"jobs{suffix}",
        "ARCHIVE": f"archive{suffix}",
        "FAIL_QUEUE": f"fail{suffix}",
        "FANOUT_QUEUE": f"fan{suffix}",
        "RETURN_QUEUE": f"ret{suffix}",
        "SLOW_QUEUE": f"slow{suffix}",
    }


def visible(client: QueueClient) -> list[str]:
    try:
        return [str(message.content) for message in client.peek_messages(max_messages=32)]
    except ResourceNotFoundError:
        return []


def test_the_setting_lists_faults_by_write_number() -> None:
    faults = parse(" crash-before-write:2, fail-write:1,fail-write:4 ")

    assert faults.planned == {2: FaultKind.CRASH_BEFORE_WRITE, 1: FaultKind.FAIL_WRITE, 4: FaultKind.FAIL_WRITE}
    assert parse("").planned == {}


@pytest.mark.parametrize(
    "text", ["explode:1", "fail-write", "fail-write:x", "fail-write:0", "fail-write:1,fail-write:1"]
)
def test_a_malformed_setting_is_refused_with_its_name(text: str) -> None:
    with pytest.raises(ValueError, match="LOCAL_HOST_FAULT_BINDING"):
        parse(text)


def test_only_the_planned_write_fails() -> None:
    faults = parse("fail-write:2")

    faults.before_blob_write("c/one")
    with pytest.raises(InjectedWriteFailure, match="write 2 to c/two"):
        faults.before_blob_write("c/two")
    faults.before_blob_write("c/three")


def test_a_failed_blob_write_fails_the_invocation_and_the_message_is_retried(
    spawn_host: Spawn, storage_connection_string: str, tmp_path: Path
) -> None:
    settings = {**queue_settings(), "LOCAL_HOST_FAULT_BINDING": "fail-write:1"}
    blob = BlobServiceClient.from_connection_string(storage_connection_string).get_blob_client(
        settings["ARCHIVE"], "2024/07/01/faulty/chunk-1.json"
    )
    with spawn_host("queueapp", *host_args(tmp_path, storage_connection_string), env=settings) as host:
        QueueServiceClient.from_connection_string(storage_connection_string).get_queue_client(
            settings["JOBS_QUEUE"]
        ).send_message(job(1))
        wait_until(blob.exists)

    assert json.loads(blob.download_blob().readall())["dequeueCount"] == 2
    failed = [line for line in host.logs().splitlines() if "Functions.archive_chunk' (Failed" in line]
    assert len(failed) == 1
    assert "blob output write 1 to" in host.logs()
    assert "failed (injected)" in host.logs()


def test_a_blob_write_failing_every_attempt_sends_the_message_to_poison(
    spawn_host: Spawn, storage_connection_string: str, tmp_path: Path
) -> None:
    settings = {**queue_settings(), "LOCAL_HOST_FAULT_BINDING": "fail-write:1,fail-write:2,fail-write:3"}
    queues = QueueServiceClient.from_connection_string(storage_connection_string)
    poison = queues.get_queue_client(f"{settings['JOBS_QUEUE']}-poison")
    with spawn_host("queueapp", *host_args(tmp_path, storage_connection_string), env=settings):
        queues.get_queue_client(settings["JOBS_QUEUE"]).send_message(job(2))
        wait_until(lambda: visible(poison))

    assert visible(poison) == [job(2)]
    container = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(
        settings["ARCHIVE"]
    )
    assert not container.get_blob_client("2024/07/01/faulty/chunk-2.json").exists()


def test_a_host_killed_before_the_blob_write_leaves_no_blob_and_the_message_held(
    spawn_host: Spawn, storage_connection_string: str, tmp_path: Path
) -> None:
    settings = {**queue_settings(), "LOCAL_HOST_FAULT_BINDING": "crash-before-write:1"}
    host = spawn_host("queueapp", *host_args(tmp_path, storage_connection_string), env=settings)
    jobs = QueueServiceClient.from_connection_string(storage_connection_string).get_queue_client(settings["JOBS_QUEUE"])

    jobs.send_message(job(3))

    assert host.process.wait(60) == -signal.SIGKILL
    assert "archiving chunk 3 (dequeue 1)" in host.logs(), "the function ran and returned before the kill"
    container = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(
        settings["ARCHIVE"]
    )
    assert not container.get_blob_client("2024/07/01/faulty/chunk-3.json").exists()
    assert jobs.get_queue_properties().approximate_message_count == 1
    assert visible(jobs) == [], "invisible until the dead host's lease on it runs out"


def test_a_malformed_setting_stops_the_host_from_starting(tmp_path: Path) -> None:
    settings = {**queue_settings(), "LOCAL_HOST_FAULT_BINDING": "crash:1"}

    with pytest.raises(HostDidNotStart) as refused:
        start_host("queueapp", tmp_path, "--keys-file", str(tmp_path / "keys.json"), env=settings)

    assert refused.value.returncode == 1
    assert "LOCAL_HOST_FAULT_BINDING" in refused.value.log
