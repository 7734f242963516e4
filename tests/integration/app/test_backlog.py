"""The sweeper's view of the queues on the session Azurite: a job waiting or being run is counted, so a chunk
whose job may still run is never taken for stuck."""

from __future__ import annotations

from dataclasses import replace

from azure.storage.queue import QueueServiceClient

from shared import bootstrap
from tests.unit.handlers.fakes import settings


def test_waiting_and_running_jobs_of_both_queues_are_counted_until_deleted(
    storage_connection_string: str, unique_name: str
) -> None:
    chosen = replace(
        settings(storage_connection=storage_connection_string),
        chunk_queue=unique_name + "c",
        verify_queue=unique_name + "v",
    )
    backlog = bootstrap._backlog(chosen, {})
    assert backlog() == 0, "queues that do not exist yet hold nothing"
    service = QueueServiceClient.from_connection_string(storage_connection_string)
    chunks = service.create_queue(chosen.chunk_queue)
    verifications = service.create_queue(chosen.verify_queue)
    try:
        chunks.send_message("job")
        verifications.send_message("verify")
        assert backlog() == 2
        (running,) = chunks.receive_messages(visibility_timeout=60)  # a function holds it: invisible
        assert backlog() == 2, "a job being run still counts"
        chunks.delete_message(running)
        assert backlog() == 1
    finally:
        service.delete_queue(chosen.chunk_queue)
        service.delete_queue(chosen.verify_queue)
