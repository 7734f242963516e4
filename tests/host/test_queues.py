"""Queue triggers on Azurite: blob output paths from the message JSON, unset outputs, poison, queue outputs."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient

from .conftest import HostProcess, Spawn, start_host, wait_until

SETTINGS = ("JOBS_QUEUE", "FAIL_QUEUE", "FANOUT_QUEUE", "RETURN_QUEUE", "SLOW_QUEUE", "ARCHIVE")


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    suffix = uuid.uuid4().hex[:10]
    return {setting: f"{setting.split('_')[0].lower()}{suffix}" for setting in SETTINGS}


@pytest.fixture(scope="module")
def queue_host(
    storage_connection_string: str, names: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostProcess]:
    folder = tmp_path_factory.mktemp("queue-host")
    args = ("--keys-file", str(folder / "keys.json"), "--storage-connection-string", storage_connection_string)
    with start_host("queueapp", folder, *args, env=names) as host:
        yield host


@pytest.fixture(scope="module")
def queues(storage_connection_string: str) -> QueueServiceClient:
    return QueueServiceClient.from_connection_string(storage_connection_string)


@pytest.fixture(scope="module")
def blobs(storage_connection_string: str) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(storage_connection_string)


def messages(client: QueueClient) -> list[str]:
    """The visible messages' texts (none while the queue does not exist yet)."""
    try:
        return [str(message.content) for message in client.peek_messages(max_messages=32)]
    except ResourceNotFoundError:
        return []


def test_the_host_creates_its_trigger_queues(
    queue_host: HostProcess, queues: QueueServiceClient, names: dict[str, str]
) -> None:
    existing = {queue.name for queue in queues.list_queues()}

    assert {names["JOBS_QUEUE"], names["FAIL_QUEUE"], names["FANOUT_QUEUE"], names["RETURN_QUEUE"]} <= existing


def test_blob_output_path_comes_from_the_message_json_and_settings(
    queue_host: HostProcess, queues: QueueServiceClient, blobs: BlobServiceClient, names: dict[str, str]
) -> None:
    job = {"date": "2024/05/01", "serverCallId": "call-a", "chunk": {"index": 7}}
    jobs = queues.get_queue_client(names["JOBS_QUEUE"])

    jobs.send_message(json.dumps(job))

    blob = blobs.get_blob_client(names["ARCHIVE"], "2024/05/01/call-a/chunk-7.json")
    wait_until(blob.exists)
    written = json.loads(blob.download_blob().readall())
    assert written["serverCallId"] == "call-a"
    assert written["dequeueCount"] == 1
    assert abs(datetime.fromisoformat(written["insertedAt"]) - datetime.now(UTC)) < timedelta(minutes=5)
    wait_until(lambda: not messages(jobs))


def test_an_unset_output_writes_nothing_and_the_message_is_still_done(
    queue_host: HostProcess, queues: QueueServiceClient, blobs: BlobServiceClient, names: dict[str, str]
) -> None:
    jobs = queues.get_queue_client(names["JOBS_QUEUE"])

    jobs.send_message(
        json.dumps({"date": "2024/05/02", "serverCallId": "call-skip", "chunk": {"index": 1}, "skip": True})
    )

    wait_until(lambda: not messages(jobs) and jobs.get_queue_properties().approximate_message_count == 0)
    assert not blobs.get_blob_client(names["ARCHIVE"], "2024/05/02/call-skip/chunk-1.json").exists()


def test_failing_message_moves_to_poison_after_max_dequeue_count(
    queue_host: HostProcess, queues: QueueServiceClient, names: dict[str, str]
) -> None:
    poison = queues.get_queue_client(f"{names['FAIL_QUEUE']}-poison")
    queues.get_queue_client(names["FAIL_QUEUE"]).send_message("broken job")

    wait_until(lambda: "broken job" in messages(poison))

    assert messages(queues.get_queue_client(names["FAIL_QUEUE"])) == []
    logs = queue_host.logs()
    failures = re.findall(r"Executed 'Functions\.always_fails' \(Failed, [^\n]*\n([^\n]*)", logs)
    assert failures == [f"RuntimeError: cannot handle broken job (attempt {n})" for n in (1, 2, 3)]
    moved = [line for line in logs.splitlines() if "moving it to" in line and names["FAIL_QUEUE"] in line]
    assert len(moved) == 1
    assert "failed 3 time(s)" in moved[0], "moved right after the last allowed attempt, not on a later delivery"


def test_unresolvable_binding_expression_fails_the_invocation(
    queue_host: HostProcess, queues: QueueServiceClient, names: dict[str, str]
) -> None:
    poison = queues.get_queue_client(f"{names['JOBS_QUEUE']}-poison")
    body = json.dumps({"date": "2024/05/03", "chunk": {"index": 2}})

    queues.get_queue_client(names["JOBS_QUEUE"]).send_message(body)

    wait_until(lambda: body in messages(poison))


def test_a_list_on_a_queue_output_sends_one_plain_text_message_each(
    queue_host: HostProcess, queues: QueueServiceClient, names: dict[str, str]
) -> None:
    out = queues.get_queue_client(f"{names['FANOUT_QUEUE']}-out")

    queues.get_queue_client(names["FANOUT_QUEUE"]).send_message("3")

    received = wait_until(lambda: len(messages(out)) == 3 and messages(out))
    assert sorted(json.loads(text)["part"] for text in received) == [0, 1, 2]


def test_async_function_return_value_goes_to_the_return_queue_binding(
    queue_host: HostProcess, queues: QueueServiceClient, names: dict[str, str]
) -> None:
    out = queues.get_queue_client(f"{names['RETURN_QUEUE']}-out")

    queues.get_queue_client(names["RETURN_QUEUE"]).send_message("shout")

    assert wait_until(lambda: messages(out)) == ["SHOUT"]


def test_default_development_storage_maps_to_the_well_known_ports(tmp_path: Path) -> None:
    from local.host import storage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
        text = storage.connection_string(None)

    assert "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1" in text
    assert "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1" in text


def test_stopping_gives_an_unfinished_message_back_to_the_queue(
    spawn_host: Spawn, storage_connection_string: str, queues: QueueServiceClient, tmp_path: Path
) -> None:
    slow_queue = f"slow{uuid.uuid4().hex[:10]}"
    args = ("--keys-file", str(tmp_path / "keys.json"), "--storage-connection-string", storage_connection_string)
    host = spawn_host("queueapp", *args, "--shutdown-grace", "0.2", env={"SLOW_QUEUE": slow_queue})
    client = queues.get_queue_client(slow_queue)
    try:
        client.send_message("3")
        wait_until(lambda: "working for 3.0s" in host.logs())
    finally:
        host.stop()

    assert wait_until(lambda: messages(client)) == ["3"]
