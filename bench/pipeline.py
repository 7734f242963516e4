"""Pipeline benchmark: recordings through the whole local stack against a bare copy loop of the same chunks.

The stack (Azurite, the ACS emulator, the local Functions host) is started here. Every call is a synthetic recording
whose files-ready event the emulator delivers through Event Grid to the app (``acs_events`` -> chunk queue ->
``archive_chunk`` -> verify queue -> ``verify_chunk``). A chunk counts as archived at its manifest entry's
``archivedAt`` (when it was read back and matched); latency runs from the moment the recording's files-ready event
was published. First single calls one at a time on the idle stack (files-ready -> verified without a queue ahead),
then the burst, then ``bench.bare`` copies the burst's chunks in one plain loop (download, upload) as the reference,
then ``bench.designloop`` makes the requests the design asks of those chunks, with no app or host code around them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.acs import duration_ms_for
from local.azurite import environ_without_proxy
from local.client import LocalClient
from local.stack import Stack, StackOptions

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = "recordings"
T = TypeVar("T")
BURST_POLL_SECONDS = 3.0
Recordings = list[list[dict[str, str]]]
"""Each recording's chunks, each with its ``contentLocation`` and ``metadataLocation``."""


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 (nearest rank) of ``values`` in seconds."""
    ordered = sorted(values)
    if not ordered:
        return {}

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))], 4)

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "mean": round(statistics.fmean(ordered), 4)}


def publish(client: LocalClient, args: argparse.Namespace) -> dict[str, tuple[float, list[dict[str, Any]]]]:
    """One synthetic recording per call, delivered; recordingId -> (publish time, its chunks)."""
    seconds = duration_ms_for(args.pipeline_chunk) * args.pipeline_chunks / 1000
    body = {"format": "wav", "durationSeconds": seconds, "chunks": args.pipeline_chunks, "deliver": True}
    published = {}
    for _ in range(args.pipeline_calls):
        event = client.emulator("POST", "recordings/synthetic", body)
        recording_id = str(event["subject"]).rsplit("/recordingId/", 1)[1]
        published[recording_id] = (time.time(), event["data"]["recordingStorageInfo"]["recordingChunks"])
    return published


def archived_at(container: Any, done: dict[str, list[float]], chunks: int) -> None:
    """Read the manifests not complete yet; ``done``: recordingId -> archivedAt of each chunk (epoch seconds)."""
    for blob in _blobs(container):
        if not blob.name.endswith("manifest.json"):
            continue
        recording_id = blob.name.rsplit("/", 2)[-2]
        if len(done.get(recording_id, ())) >= chunks:
            continue
        document = json.loads(container.download_blob(blob.name).readall())
        done[recording_id] = [
            datetime.fromisoformat(str(entry["archivedAt"]).replace("Z", "+00:00")).timestamp()
            for entry in document.get("chunks", [])
        ]


def wait_archived(
    container: Any, published: dict[str, Any], chunks: int, timeout: float, poll: float = 0.5
) -> dict[str, list[float]]:
    done: dict[str, list[float]] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        archived_at(container, done, chunks)
        if sum(min(len(done.get(r, ())), chunks) for r in published) >= len(published) * chunks:
            break
        time.sleep(poll)
    return done


def media_blobs(container: Any, recording_ids: set[str]) -> int:
    """The chunks' media blobs of these recordings (participant files have a further dot in their names)."""
    return sum(
        1
        for blob in _blobs(container)
        if blob.name.endswith(".wav")
        and blob.name.rsplit("/", 2)[-2] in recording_ids
        and blob.name.rsplit("/", 1)[-1].count(".") == 1
    )


def _blobs(container: Any) -> list[Any]:
    """The container's blobs; none while the app has not created it yet."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return list(container.list_blobs())
    except ResourceNotFoundError:
        return []


def through_stack(args: argparse.Namespace, info: dict[str, Any]) -> tuple[dict[str, Any], Recordings]:
    """Run the recordings through the app: the figures and each recording's chunks (content and metadata URLs)."""
    from azure.storage.blob import BlobServiceClient

    client = LocalClient(info)
    service = BlobServiceClient.from_connection_string(info["storageConnectionString"])
    container = service.get_container_client(CONTAINER)
    started = time.time()
    published = publish(client, args)
    # Every look lists the whole container (Azurite's CPU, shared with the stack); the figures come from the
    # manifests' archivedAt, so looking less often changes them not at all.
    done = wait_archived(container, published, args.pipeline_chunks, args.pipeline_timeout, poll=BURST_POLL_SECONDS)
    latencies = [at - published[r][0] for r in published for at in done.get(r, [])]
    expected = len(published) * args.pipeline_chunks
    finished = max((at for r in published for at in done.get(r, [])), default=time.time())
    figures = {
        "chunks": expected,
        "archived": len(latencies),
        "mediaBlobs": media_blobs(container, set(published)),
        "lost": expected - len(latencies),
        "seconds": round(finished - started, 3),
        "chunksPerSecond": round(len(latencies) / max(finished - started, 1e-9), 2),
        "latencySeconds": percentiles(latencies),
    }
    return figures, recordings_of(published)


def recordings_of(published: dict[str, tuple[float, list[dict[str, Any]]]]) -> Recordings:
    """The published recordings' chunks, as the reference loops take them."""
    locations = ("contentLocation", "metadataLocation")
    return [[{key: chunk[key] for key in locations} for chunk in chunks] for _, chunks in published.values()]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children so far."""
    import psutil

    process = psutil.Process(pid)
    total = float(sum(process.cpu_times()[:2]))
    for child in process.children(recursive=True):
        try:
            total += float(sum(child.cpu_times()[:2]))
        except psutil.Error:
            continue
    return total


def cpu_ms_per_chunk(
    pids: dict[str, int], run: Callable[[], T], chunks: Callable[[T], int]
) -> tuple[T, dict[str, float]]:
    """``run()``, and the CPU milliseconds per chunk each process of ``pids`` spent meanwhile (``own``: this
    process's children that ended meanwhile, such as the bare loop)."""
    before = {name: process_cpu(pid) for name, pid in pids.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = {name: process_cpu(pid) - before[name] for name, pid in pids.items()}
    spent["own"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    count = max(chunks(result), 1)
    return result, {name: round(seconds * 1000 / count, 1) for name, seconds in spent.items()}


def bare_loop(recordings: Recordings, info: dict[str, Any], state: Path) -> dict[str, Any]:
    """``bench.bare`` over the same chunks' media, from the same emulator into the same Azurite."""
    urls = [chunk["contentLocation"] for chunks in recordings for chunk in chunks]
    return _reference("bench.bare", "--urls", urls, info, state)


def design_loop(recordings: Recordings, info: dict[str, Any], state: Path, workers: int) -> dict[str, Any]:
    """``bench.designloop`` over the same recordings, from the same emulator into the same Azurite."""
    return _reference("bench.designloop", "--chunks", recordings, info, state, "--workers", str(workers))


def _reference(module: str, flag: str, listing: Any, info: dict[str, Any], state: Path, *more: str) -> dict[str, Any]:
    """Run a reference loop in its own process (``listing`` handed over in a file); its one JSON line."""
    path = state / f"{module}.json"
    path.write_text(json.dumps(listing))
    command = [
        sys.executable, "-m", module, "--acs", info["acsConnectionString"],
        "--storage", info["storageConnectionString"], flag, str(path), *more,
    ]  # fmt: skip
    env = {**environ_without_proxy(), **info["clientEnv"]}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{done.stderr[-3000:]}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def single_calls(args: argparse.Namespace, info: dict[str, Any]) -> dict[str, Any]:
    """``--pipeline-single`` calls, each published once the one before is verified: files-ready -> verified of
    every chunk on an idle stack."""
    from azure.storage.blob import BlobServiceClient

    client = LocalClient(info)
    container = BlobServiceClient.from_connection_string(info["storageConnectionString"]).get_container_client(
        CONTAINER
    )
    one = argparse.Namespace(**{**vars(args), "pipeline_calls": 1})
    latencies: list[float] = []
    for _ in range(args.pipeline_single):
        published = publish(client, one)
        done = wait_archived(container, published, args.pipeline_chunks, args.pipeline_timeout, poll=0.1)
        latencies += [at - published[r][0] for r in published for at in done.get(r, [])]
    return {"calls": args.pipeline_single, "chunks": len(latencies), "latencySeconds": percentiles(latencies)}


def pipeline(args: argparse.Namespace, state: Path, host_settings: dict[str, str] | None = None) -> dict[str, Any]:
    """Single calls, the burst, the bare loop and the design loop against one stack; ``ratio`` is the burst's chunks
    per second over the bare loop's, ``designRatio`` the design loop's over the bare loop's (the most the design's
    requests leave here) and ``ofDesign`` the burst's over the design loop's (what the app and the host cost on top).
    ``host_settings``: more app settings for the host (e.g. host.json overrides)."""
    settings = {"DELETE_SOURCE_AFTER_ARCHIVE": "false", "ARCHIVE_CONTAINER": CONTAINER, **(host_settings or {})}
    stack = Stack(StackOptions(state_dir=state / "stack", settings=settings, files_ready_delay=0.0)).start()
    try:
        info = dict(stack.info)
        single = single_calls(args, info) if args.pipeline_single else {"skipped": "--pipeline-single 0"}
        pids = {name: int(info["pids"][name]) for name in ("host", "azurite", "emulator")}
        (figures, recordings), figures_cpu = cpu_ms_per_chunk(
            pids, lambda: through_stack(args, info), lambda r: r[0]["archived"]
        )
        bare, bare_cpu = cpu_ms_per_chunk(pids, lambda: bare_loop(recordings, info, state), lambda r: int(r["chunks"]))
        design, design_cpu = cpu_ms_per_chunk(
            pids, lambda: design_loop(recordings, info, state, args.design_workers), lambda r: int(r["chunks"])
        )
    finally:
        stack.stop()
    expected = sum(len(chunks) for chunks in recordings)
    bare["lost"], design["lost"] = expected - int(bare["chunks"]), expected - int(design["chunks"])
    figures["cpuMsPerChunk"] = {name: ms for name, ms in figures_cpu.items() if name != "own"}
    bare["cpuMsPerChunk"] = {"bare": bare_cpu["own"], "azurite": bare_cpu["azurite"], "emulator": bare_cpu["emulator"]}
    design["cpuMsPerChunk"] = {
        "loop": design_cpu["own"], "azurite": design_cpu["azurite"], "emulator": design_cpu["emulator"]
    }  # fmt: skip
    ratio = figures["chunksPerSecond"] / max(float(bare["chunksPerSecond"]), 1e-9)
    design_ratio = float(design["chunksPerSecond"]) / max(float(bare["chunksPerSecond"]), 1e-9)
    return {
        "calls": args.pipeline_calls,
        "chunksPerCall": args.pipeline_chunks,
        "chunkBytes": args.pipeline_chunk,
        "singleCall": single,
        "stack": figures,
        "bareLoop": bare,
        "designLoop": design,
        "ratio": round(ratio, 3),
        "designRatio": round(design_ratio, 3),
        "ofDesign": round(figures["chunksPerSecond"] / max(float(design["chunksPerSecond"]), 1e-9), 3),
        "cpuRatio": round(sum(bare["cpuMsPerChunk"].values()) / max(sum(figures["cpuMsPerChunk"].values()), 1e-9), 3),
        "target": 0.8,
    }
