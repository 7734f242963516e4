"""One measured copy in a fresh process: ``python -m bench.variant <ours|source|sink|naive> <size> ...``.

Prints one JSON line: ``variant``, ``size``, ``seconds``, ``copyCpuSeconds`` (this process's CPU during the timed copy),
``peakRssBytes`` (peak resident set of this process) and, where the copy computes it, ``sha256``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import resource
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.archive import AcsRecordingSource, ArchiveOptions, archive_chunk
from shared.config import Settings
from shared.domain import ChunkFile
from shared.messages import ChunkJob, ChunkRef

SERVER_CALL_ID = "YmVuY2htYXJrLWNhbGw="
PATTERN_BYTES = 1024 * 1024 + 7


def _clients(args: argparse.Namespace) -> tuple[Any, Any]:
    from azure.communication.callautomation import CallAutomationClient
    from azure.storage.blob import BlobServiceClient

    acs = CallAutomationClient.from_connection_string(args.acs, connection_data_block_size=args.read_size)
    service = BlobServiceClient.from_connection_string(
        args.storage, max_block_size=args.block, max_single_put_size=args.block
    )
    container = service.get_container_client(args.container)
    return acs, container


def _job(args: argparse.Namespace, name: str) -> ChunkJob:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ref = ChunkRef(server_call_id=SERVER_CALL_ID, recording_id=name, index=0, format="wav", recording_start=start)
    file = ChunkFile(
        index=0, document_id=name, end_reason="", content_location=args.url, metadata_location=args.metadata_url,
        delete_location=args.url,
    )  # fmt: skip
    return ChunkJob(chunk=ref, file=file)


def ours(args: argparse.Namespace) -> dict[str, Any]:
    acs, container = _clients(args)
    options = ArchiveOptions(args.threshold, args.block, args.concurrency)
    result = archive_chunk(_job(args, f"ours-{time.time_ns()}"), AcsRecordingSource(acs), container, options)
    return {"sha256": result.copy.sha256, "streamed": result.copy.streamed}


def source_only(args: argparse.Namespace) -> dict[str, Any]:
    """The same ranged downloads through the SDK, at the same concurrency, into nothing."""
    acs, _ = _clients(args)
    source = AcsRecordingSource(acs)

    def read(offset: int) -> int:
        return sum(len(piece) for piece in source.download(args.url, offset, args.block))

    with ThreadPoolExecutor(args.concurrency) as pool:
        received = sum(pool.map(read, range(0, args.size, args.block)))
    assert received == args.size, f"received {received} of {args.size}"
    return {}


def sink_only(args: argparse.Namespace) -> dict[str, Any]:
    """As many bytes, already in memory, uploaded with azure-storage-blob at the same concurrency."""
    _, container = _clients(args)
    data = (random.Random(7).randbytes(PATTERN_BYTES) * (args.size // PATTERN_BYTES + 1))[: args.size]
    started, cpu = time.perf_counter(), time.process_time()
    container.upload_blob(f"sink/{time.time_ns()}.wav", data, max_concurrency=args.concurrency)
    # the upload alone, not building the bytes
    return {"seconds": time.perf_counter() - started, "copyCpuSeconds": time.process_time() - cpu}


def naive(args: argparse.Namespace) -> dict[str, Any]:
    """The official sample: download the whole recording, ``.read()`` it, upload it."""
    acs, container = _clients(args)
    data = acs.download_recording(args.url).read()
    container.upload_blob(f"naive/{time.time_ns()}.wav", data, overwrite=True)
    return {}


VARIANTS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "ours": ours,
    "source": source_only,
    "sink": sink_only,
    "naive": naive,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.variant")
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("size", type=int)
    parser.add_argument("--acs", required=True, help="ACS connection string (the emulator)")
    parser.add_argument("--url", required=True, help="the chunk's contentLocation")
    parser.add_argument("--metadata-url", required=True, help="the chunk's metadataLocation")
    parser.add_argument("--storage", required=True, help="storage connection string (Azurite)")
    parser.add_argument("--container", required=True)
    defaults = {field.name: field.default for field in dataclasses.fields(Settings)}  # the app's own
    parser.add_argument("--block", type=int, default=defaults["block_size_bytes"])
    parser.add_argument("--concurrency", type=int, default=defaults["archive_concurrency"])
    parser.add_argument("--threshold", type=int, default=defaults["streaming_threshold_bytes"])
    parser.add_argument("--read-size", type=int, default=64 * 1024, help="SDK connection_data_block_size")
    args = parser.parse_args()
    _clients(args)  # the SDKs' import time is the cold start's business, not the copy's
    started, cpu = time.perf_counter(), time.process_time()
    extra = VARIANTS[args.variant](args)
    seconds = extra.pop("seconds", time.perf_counter() - started)
    extra.setdefault("copyCpuSeconds", time.process_time() - cpu)
    print(
        json.dumps(
            {"variant": args.variant, "size": args.size, "seconds": seconds, "peakRssBytes": peak_rss(), **extra}
        )
    )


def peak_rss() -> int:
    """This process's peak resident set since it started (``VmHWM``).

    ``ru_maxrss`` is not used: Linux carries it across ``exec`` from the forked parent, so it would count the
    benchmark's own memory.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    main()
