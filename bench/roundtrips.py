"""Storage round trips per chunk on the whole archive path, as Azurite sees them.

``python -m bench.roundtrips [--calls 5] [--chunks 3] [--chunk 1M]`` starts the local stack with Azurite's access log
on, lets it idle, then delivers ``--calls`` synthetic recordings (files-ready -> ``acs_events`` -> chunk queue ->
``archive_chunk`` -> verify queue -> ``verify_chunk``) and counts every request Azurite answered until the last
manifest lists every chunk: the app's and the host's (triggers, output bindings), by kind. Then ``bench.designloop``
copies the same recordings and its requests are counted the same way (``designLoopPerChunk``): the design loop is
meant to make the requests the stack makes, and this shows whether it does. The bench's own requests
(it watches the manifests) are left out, and so is the idle rate measured before (empty polls, timers). Queue
receives are listed apart: while messages flow one receive takes up to ``batchSize`` messages, and while a queue is
empty the host keeps polling, so their count follows timing rather than the path. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.pipeline import CONTAINER, archived_at, design_loop, publish, recordings_of
from local.client import LocalClient
from local.stack import Stack, StackOptions

LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[\d.]+" (?P<status>\d{3})')
RECEIVE = "queue receive"
IDLE_SECONDS = 6.0
SETTLE_SECONDS = 2.0


def kind(method: str, target: str) -> str:
    """What one request did: ``table transaction``, ``blob PUT media``, ``queue send recording-chunks``..."""
    parts = urlsplit(target)
    path = parts.path.split("/", 2)[-1] if parts.path.count("/") >= 2 else ""
    query = parse_qs(parts.query)
    name = path.split("/", 1)[0].split("(", 1)[0]
    if path == "$batch":
        return "table transaction"
    if "(" in path.split("/", 1)[0] or name == "Tables":
        verb = {"GET": "query/get", "DELETE": "delete", "POST": "insert"}.get(method, "upsert")
        return f"table {verb} {name}"
    if path.endswith("/messages") or "/messages/" in path:
        if method == "GET":
            return RECEIVE
        verb = {"POST": "send", "DELETE": "delete", "PUT": "update"}.get(method, method)
        return f"queue {verb} {name}"
    if "restype" in query or "/" not in path:
        return f"container/queue {method} {query.get('comp', query.get('restype', ['']))[0]} {name}".strip()
    return f"blob {method}{' ' + query['comp'][0] if 'comp' in query else ''} {_blob_kind(path)}"


def _blob_kind(path: str) -> str:
    if path.endswith("manifest.json"):
        return "manifest"
    if path.endswith(".metadata.json"):
        return "metadata"
    return "participant" if "participant" in path.rsplit("/", 1)[-1] else "media"


def requests_in(log: Path, offset: int) -> tuple[Counter[str], int]:
    """Requests in Azurite's access log after byte ``offset``, by kind; and the log's end."""
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read()
    found: Counter[str] = Counter()
    for match in LINE.finditer(text.decode("utf-8", "replace")):
        found[kind(match["method"], match["target"])] += 1
    return found, offset + len(text)


def measure(args: argparse.Namespace, state: Path) -> dict[str, Any]:
    settings = {"DELETE_SOURCE_AFTER_ARCHIVE": "false", "ARCHIVE_CONTAINER": CONTAINER}
    options = StackOptions(state_dir=state / "stack", settings=settings, files_ready_delay=0.0, azurite_access_log=True)
    stack = Stack(options).start()
    try:
        return _count(args, stack.info, state)
    finally:
        stack.stop()


def _count(args: argparse.Namespace, info: dict[str, Any], state: Path) -> dict[str, Any]:
    from azure.storage.blob import BlobServiceClient

    log = Path(info["azuriteLog"])
    own: Counter[str] = Counter()

    def mine(request: Any) -> None:
        url = urlsplit(request.http_request.url)
        own[kind(request.http_request.method, url.path + (f"?{url.query}" if url.query else ""))] += 1

    service = BlobServiceClient.from_connection_string(info["storageConnectionString"], raw_request_hook=mine)
    container = service.get_container_client(CONTAINER)
    time.sleep(IDLE_SECONDS)  # the host has started its listeners and backed off to its idle polling
    _, offset = requests_in(log, 0)
    time.sleep(IDLE_SECONDS)
    idle, offset = requests_in(log, offset)
    published = publish(LocalClient(info), args)
    started, done = time.monotonic(), dict[str, list[float]]()
    while sum(len(done.get(r, ())) for r in published) < len(published) * args.pipeline_chunks:
        if time.monotonic() - started > args.pipeline_timeout:
            raise TimeoutError("the recordings were not archived in time")
        archived_at(container, done, args.pipeline_chunks)
        time.sleep(0.2)
    time.sleep(SETTLE_SECONDS)  # the host deletes the last messages after their invocations return
    window = time.monotonic() - started
    seen, offset = requests_in(log, offset)
    chunks = len(published) * args.pipeline_chunks
    path = Counter({k: n - own[k] - round(idle[k] * window / IDLE_SECONDS) for k, n in seen.items()})
    per_chunk = _per_chunk(path, chunks)
    started = time.monotonic()
    design_loop(recordings_of(published), info, state, workers=1)
    window = time.monotonic() - started
    design, _ = requests_in(log, offset)
    design_path = Counter({k: n - round(idle[k] * window / IDLE_SECONDS) for k, n in design.items()})
    design_per_chunk = _per_chunk(design_path, chunks)
    return {
        "calls": len(published),
        "chunks": chunks,
        "perChunk": per_chunk,
        "perChunkTotal": round(sum(per_chunk.values()), 2),
        "receivesPerChunk": round(max(path[RECEIVE], 0) / chunks, 2),
        "designLoopPerChunk": design_per_chunk,
        "designLoopPerChunkTotal": round(sum(design_per_chunk.values()), 2),
        "idlePerSecond": {k: round(n / IDLE_SECONDS, 2) for k, n in sorted(idle.items())},
    }


def _per_chunk(requests: Counter[str], chunks: int) -> dict[str, float]:
    """Requests of each kind per chunk, queue receives left out (their count follows timing)."""
    return {k: round(n / chunks, 2) for k, n in sorted(requests.items()) if k != RECEIVE and n > 0}


def main() -> None:
    from bench.__main__ import size_of

    parser = argparse.ArgumentParser(prog="python -m bench.roundtrips", description=__doc__)
    parser.add_argument("--calls", dest="pipeline_calls", type=int, default=5)
    parser.add_argument("--chunks", dest="pipeline_chunks", type=int, default=3)
    parser.add_argument("--chunk", dest="pipeline_chunk", type=size_of, default=1024**2)
    parser.add_argument("--timeout", dest="pipeline_timeout", type=float, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roundtrips-") as state:
        print(json.dumps(measure(args, Path(state)), indent=1))


if __name__ == "__main__":
    main()
