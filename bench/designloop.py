"""The pipeline's second reference: the storage requests the design asks of each chunk, made by plain loops.

``python -m bench.designloop --acs ... --storage ... --chunks FILE [--workers 4]`` splits the recordings of FILE (a
JSON list of recordings, each a list of chunks with ``contentLocation`` and ``metadataLocation``) among
``--workers`` processes. Each process goes through its recordings one at a time, with the official SDKs and none of
the app's or the host's code, making the requests ``bench.roundtrips`` counts on the whole stack's archive path:

- per recording, as files-ready does: the recording index read, the call's state read, one entity-group transaction
  (state, history and ledger rows), three index rows, one queue message per chunk;
- per chunk: the chunk job received (one receive for the recording's jobs) and deleted, the call's state read, the
  ACS metadata and media downloaded and hashed, both stored (Put Blob), a verification message sent, received and
  deleted, both blobs read back and hashed, the state read and one transaction (history and ledger rows);
- per recording, once settled: the manifest written, the index tags set on it and on every blob it lists, and the
  open-call index row deleted.

It prints one JSON line: ``chunks``, ``seconds``, ``chunksPerSecond``, ``workers``. Its chunks per second over the
bare loop's is what the design's requests leave on this machine whatever the code around them costs; the stack's
over it is what the host and the app cost on top.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import time
import uuid
from pathlib import Path
from typing import Any

CONTAINER = "design-loop"
STATE_BYTES = 2048  # about the size of a recorded call's state row
TAGS = {"recordingDate": time.strftime("%Y-%m-%d", time.gmtime()), "verdict": "complete", "format": "wav"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.designloop")
    parser.add_argument("--acs", required=True, help="ACS connection string (the emulator)")
    parser.add_argument("--storage", required=True, help="storage connection string (Azurite)")
    parser.add_argument("--chunks", type=Path, required=True, help="JSON list of recordings, each a list of chunks")
    parser.add_argument("--workers", type=int, default=4, help="processes, each one recording at a time")
    args = parser.parse_args()
    recordings: list[list[dict[str, Any]]] = json.loads(args.chunks.read_text())
    run = uuid.uuid4().hex[:8]
    _prepare(args.storage, args.workers, run)
    shares = [
        (args.acs, args.storage, run, number, recordings[number :: args.workers]) for number in range(args.workers)
    ]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        done = sum(pool.map(_worker, shares))
    seconds = time.perf_counter() - started
    print(json.dumps({
        "chunks": done, "seconds": round(seconds, 3), "chunksPerSecond": round(done / max(seconds, 1e-9), 2),
        "workers": args.workers,
    }))  # fmt: skip


def _prepare(storage: str, workers: int, run: str) -> None:
    """This run's container, table and queues (one pair per worker)."""
    from azure.data.tables import TableServiceClient
    from azure.storage.blob import BlobServiceClient
    from azure.storage.queue import QueueServiceClient

    BlobServiceClient.from_connection_string(storage).create_container(f"{CONTAINER}-{run}")
    TableServiceClient.from_connection_string(storage).create_table(f"designloop{run}")
    queues = QueueServiceClient.from_connection_string(storage)
    for number in range(workers):
        for kind in ("chunks", "verify"):
            queues.create_queue(f"designloop-{run}-{kind}-{number}")


def _storage(kind: Any, connection: str, name: str) -> Any:
    """A storage client as the app builds one: the environment's HTTP settings read once (``shared.transport``)."""
    from shared.transport import environment_options

    url = kind.from_connection_string(connection, name).url
    return kind.from_connection_string(connection, name, **environment_options(url))


class Loop:
    """One worker's clients, and the requests of each step of the archive path."""

    def __init__(self, acs_connection: str, storage: str, run: str, number: int) -> None:
        from azure.communication.callautomation import CallAutomationClient
        from azure.data.tables import TableClient
        from azure.storage.blob import ContainerClient
        from azure.storage.queue import QueueClient

        self.acs = CallAutomationClient.from_connection_string(acs_connection)
        self.container = _storage(ContainerClient, storage, f"{CONTAINER}-{run}")
        self.table = _storage(TableClient, storage, f"designloop{run}")
        self.jobs = _storage(QueueClient, storage, f"designloop-{run}-chunks-{number}")
        self.checks = _storage(QueueClient, storage, f"designloop-{run}-verify-{number}")
        self.state_text = "s" * STATE_BYTES

    def recording(self, chunks: list[dict[str, Any]]) -> int:
        """files-ready, then each chunk's copy and verification, then the settled recording; the chunks verified."""
        from azure.core.exceptions import ResourceNotFoundError
        from azure.data.tables import UpdateMode

        folder, recording_id = uuid.uuid4().hex, uuid.uuid4().hex
        with contextlib.suppress(ResourceNotFoundError):  # a new recording: not indexed yet
            self.table.get_entity("recording-index", recording_id)
        list(self.table.query_entities("PartitionKey eq @pk", parameters={"pk": folder}))
        self.commit(folder, None, 0)
        for index_partition in ("recording-index", "day-index", "open-index"):
            row = {"PartitionKey": index_partition, "RowKey": folder, "RecordingId": recording_id}
            self.table.upsert_entity(row, mode=UpdateMode.REPLACE)
        for index, chunk in enumerate(chunks):
            self.jobs.send_message(json.dumps({"index": index, **chunk}))
        names = [f"{folder}/{recording_id}/manifest.json"]
        for message in _receive(self.jobs, len(chunks)):
            names += self.chunk(folder, recording_id, message)
        self.container.upload_blob(names[0], json.dumps({"blobs": names[1:]}).encode(), overwrite=True)
        for name in names:
            self.container.get_blob_client(name).set_blob_tags(TAGS)
        self.table.delete_entity("open-index", folder)
        return len(chunks)

    def chunk(self, folder: str, recording_id: str, message: Any) -> list[str]:
        """archive_chunk and verify_chunk of one chunk job; the blobs it stored."""
        job = json.loads(message.content)
        self.load(folder)
        blobs = {}
        for suffix, location in (("metadata.json", job["metadataLocation"]), ("wav", job["contentLocation"])):
            response: Any = self.acs.download_recording(location)
            data = response.read()
            name = f"{folder}/{recording_id}/{job['index']}.{suffix}"
            self.container.upload_blob(name, data, overwrite=True)
            blobs[name] = (len(data), hashlib.sha256(data).hexdigest())
        self.checks.send_message(json.dumps(blobs))
        self.jobs.delete_message(message)
        [check] = _receive(self.checks, 1)
        for name, (size, sha256) in json.loads(check.content).items():
            data = self.container.download_blob(name).readall()
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
                raise RuntimeError(f"{name} does not match what was copied")
        etag, version = self.load(folder)
        self.commit(folder, etag, version)
        self.checks.delete_message(check)
        return list(blobs)

    def load(self, folder: str) -> tuple[str, int]:
        query = "PartitionKey eq @pk and RowKey eq @state"
        state = next(iter(self.table.query_entities(query, parameters={"pk": folder, "state": "state"})))
        return str(state.metadata["etag"]), int(state["Version"])

    def commit(self, folder: str, etag: str | None, version: int) -> None:
        """The state row (created, or replaced If-Match), a history row and a ledger row, in one transaction."""
        from azure.core import MatchConditions
        from azure.data.tables import UpdateMode

        state = {"PartitionKey": folder, "RowKey": "state", "Version": version + 1, "State": self.state_text}
        options = {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified}
        operation = ("create", state) if etag is None else ("update", state, options)
        history = {"PartitionKey": folder, "RowKey": f"h-{version + 1:08}", "Line": self.state_text[:400]}
        ledger = {"PartitionKey": folder, "RowKey": f"l-{uuid.uuid4().hex}", "Writer": uuid.uuid4().hex}
        self.table.submit_transaction([operation, ("create", history), ("create", ledger)])


def _worker(share: tuple[str, str, str, int, list[list[dict[str, Any]]]]) -> int:
    acs_connection, storage, run, number, recordings = share
    loop = Loop(acs_connection, storage, run, number)
    return sum(loop.recording(chunks) for chunks in recordings)


def _receive(queue: Any, count: int) -> list[Any]:
    """``count`` messages of ``queue`` (one receive when they are all visible, as they are here)."""
    messages: list[Any] = []
    while len(messages) < count:
        messages += list(queue.receive_messages(max_messages=count - len(messages)))
    return messages


if __name__ == "__main__":
    main()
