"""The cost of a recorded hour: one long recording through the whole local stack, against its floors.

For each kind of recording a contact centre keeps (``KINDS``: a two-party unmixed WAV and a mixed MP3), the emulator
makes one recording of ``--hour-seconds`` of media (default 3600) in one chunk, as ACS stores up to four hours in a
chunk. Its media is rendered (and hashed) before the clock starts, then its files-ready event is POSTed to the app's
Event Grid webhook as Event Grid does, and the run waits until the manifest lists every chunk read back and matched
(copy, participant files, verification, manifest). Before the first of them, one short recording of each kind
(``WARM_UP_SECONDS`` of media) goes through the same stack unmeasured: the host has then imported the app's modules
and built its clients once, as a serving instance has, so the hour is not charged with the process's first
invocation (``bench.coldstart`` and the answer's fresh hosts measure that). Measured in that window:

- CPU seconds of each process (host, emulator, Azurite), scaled to one recorded hour;
- the host's peak RSS (its high-water mark is reset before each recording) and its RSS just before, idle with the
  runtime, the SDKs and the app loaded: what the recording adds is the difference;
- the floor for the bytes the verified path requires (``required_bytes``), priced per byte by ``bench.floor`` in a
  fresh process in the same run: SHA-256 of every byte hashed, TLS receive from ACS, and storage transfers as they
  are here (plain HTTP to Azurite: ``floorCpuSeconds``, against which the target is checked) and as they are in
  Azure (TLS: ``floorAzureCpuSeconds``);
- the time from files-ready to verified against the transfer time of the same bytes at the slower side's rate,
  measured on the WAV chunk by ``bench.variant source`` (ranged downloads from the emulator) and ``sink`` (an upload
  into Azurite), each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bench import floor
from bench.pipeline import CONTAINER, process_cpu
from local.azurite import environ_without_proxy
from local.client import LocalClient
from local.stack import Stack, StackOptions, webhook_url

ROOT = Path(__file__).resolve().parent.parent
HOUR = 3600.0
KINDS = (("wav", "unmixed"), ("mp3", "mixed"))
PROCESSES = ("host", "emulator", "azurite")
FLOOR_SAMPLE_BYTES = 64 * 1024 * 1024  # bytes the floor is measured on (it is linear in the bytes)
RATES_CONTAINER = "hour-rates"
TARGETS = {"cpuRatio": 1.5, "timeRatio": 1.3, "peakRssMiB": 100.0}
WARM_UP_SECONDS = 10.0  # media of each kind's unmeasured recording before the measured ones
POLL_SECONDS = 0.5  # each look lists the container (Azurite's CPU); the time comes from the manifest, not the look


def required_bytes(blobs: dict[str, int]) -> dict[str, int]:
    """The bytes the verified path cannot avoid, by transfer, from what it archived (bytes by blob kind).

    Media and metadata come from ACS over TLS; every archived blob is written once and (but the manifest, which
    is written last and names what was read back) read back once; the copy hashes what it downloads and what it
    writes for each participant, and the read-back hashes everything again. ``split``: the WAV bytes split into
    per-speaker files (as many as those files hold), priced beside the floor, not in it.
    """
    copied = blobs.get("media", 0) + blobs.get("metadata", 0)
    stored = copied + blobs.get("participant", 0)
    return {
        "acsDownload": copied,
        "storageUpload": stored + blobs.get("manifest", 0),
        "storageDownload": stored,
        "sha256": 2 * stored,
        "split": blobs.get("participant", 0),
    }


def floor_cpu(required: dict[str, int], price: dict[str, float], storage_tls: bool) -> float:
    """CPU seconds the ``required`` bytes cost at ``price`` (CPU seconds per byte of each ``bench.floor`` part)."""
    suffix = "Tls" if storage_tls else "Plain"
    return (
        required["sha256"] * price["sha256"]
        + required["acsDownload"] * price["downloadTls"]
        + required["storageUpload"] * price[f"upload{suffix}"]
        + required["storageDownload"] * price[f"download{suffix}"]
    )


def blob_kind(name: str) -> str:
    """``manifest``, ``metadata``, ``participant`` (a further dot in a media name) or ``media``."""
    leaf = name.rsplit("/", 1)[-1]
    if leaf == "manifest.json":
        return "manifest"
    if leaf.endswith(".metadata.json"):
        return "metadata"
    return "participant" if leaf.count(".") > 1 else "media"


def archived_blobs(container: Any, recording_id: str) -> dict[str, int]:
    """Bytes by blob kind under the recording's folder of the archive."""
    sizes: dict[str, int] = {}
    for blob in container.list_blobs():
        if f"/{recording_id}/" in blob.name:
            kind = blob_kind(blob.name)
            sizes[kind] = sizes.get(kind, 0) + int(blob.size)
    return sizes


def verified_at(container: Any, recording_id: str, chunks: int) -> float | None:
    """The latest ``archivedAt`` (epoch seconds) once the recording's manifest lists every chunk; else None."""
    from azure.core.exceptions import ResourceNotFoundError

    for blob in container.list_blobs():
        if blob.name.endswith(f"/{recording_id}/manifest.json"):
            with suppress(ResourceNotFoundError):
                entries = json.loads(container.download_blob(blob.name).readall()).get("chunks", [])
                if len(entries) >= chunks:
                    return max(_epoch(str(entry["archivedAt"])) for entry in entries)
    return None


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def rss(pid: int, field: str = "VmHWM") -> int:
    """A process's resident high-water mark (``VmHWM``) or resident set now (``VmRSS``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss(pid: int) -> bool:
    """Start a new high-water mark for ``pid`` (Linux ``clear_refs`` 5); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def deliver(info: dict[str, Any], event: dict[str, Any]) -> None:
    """POST one event to the app's Event Grid webhook, as Event Grid delivers it."""
    url = webhook_url(info["functionsUrl"], info.get("eventGridKey", ""))
    headers = {"aeg-event-type": "Notification", "Content-Type": "application/json"}
    session = requests.Session()
    session.trust_env = False
    response = session.post(url, json=[event], headers=headers, timeout=60)
    response.raise_for_status()


def make_recording(client: LocalClient, fmt: str, channel: str, seconds: float) -> tuple[dict[str, Any], list[Any]]:
    """A finished recording (not delivered) and its chunks, their media rendered and hashed by the emulator."""
    event = client.emulator(
        "POST", "recordings/synthetic", {"format": fmt, "channel": channel, "durationSeconds": seconds, "chunks": 1}
    )
    chunks = event["data"]["recordingStorageInfo"]["recordingChunks"]
    objects = [client.emulator("GET", f"objects/{chunk['documentId']}") for chunk in chunks]
    return event, list(zip(chunks, objects, strict=True))


def one_recording(
    fmt: str, channel: str, args: argparse.Namespace, info: dict[str, Any], container: Any
) -> dict[str, Any]:
    """One recording through the stack, files-ready to verified: its time, bytes, CPU and the host's peak RSS."""
    client = LocalClient(info, timeout=600)
    event, chunks = make_recording(client, fmt, channel, args.hour_seconds)
    recording_id = str(event["subject"]).rsplit("/recordingId/", 1)[1]
    pids = {name: int(info["pids"][name]) for name in PROCESSES}
    idle_rss, rss_reset = rss(pids["host"], "VmRSS"), reset_peak_rss(pids["host"])
    before = {name: process_cpu(pid) for name, pid in pids.items()}
    started = time.time()
    deliver(info, event)
    done = None
    deadline = time.monotonic() + args.hour_timeout
    while done is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        done = verified_at(container, recording_id, len(chunks))
    cpu = {name: process_cpu(pid) - before[name] for name, pid in pids.items()}
    if done is None:
        raise RuntimeError(f"the {fmt} recording was not verified within {args.hour_timeout:.0f} s")
    return {
        "format": fmt, "channel": channel, "mediaSeconds": args.hour_seconds,
        "mediaBytes": sum(int(found["size"]) for _, found in chunks), "chunks": len(chunks),
        "seconds": round(done - started, 3), "cpuSeconds": {name: round(value, 3) for name, value in cpu.items()},
        "hostPeakRssBytes": rss(pids["host"]), "hostIdleRssBytes": idle_rss, "peakRssSinceRecording": rss_reset,
        "blobs": archived_blobs(container, recording_id), "source": chunks[0][0],
    }  # fmt: skip


def transfer_rates(info: dict[str, Any], chunk: dict[str, Any], size: int) -> dict[str, float]:
    """Bytes per second of the ACS side (ranged downloads, ``bench.variant source``) and of the storage side (an
    upload of as many bytes, ``sink``), each in a fresh process at the app's block size and concurrency."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(info["storageConnectionString"])
    with suppress(Exception):  # it exists from an earlier recording of this run
        service.create_container(RATES_CONTAINER)
    rates = {}
    for variant in ("source", "sink"):
        command = [
            sys.executable, "-m", "bench.variant", variant, str(size), "--acs", info["acsConnectionString"],
            "--url", chunk["contentLocation"], "--metadata-url", chunk["metadataLocation"],
            "--storage", info["storageConnectionString"], "--container", RATES_CONTAINER,
        ]  # fmt: skip
        env = {**environ_without_proxy(), **info["clientEnv"]}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rates[variant] = size / max(float(row["seconds"]), 1e-9)
    return rates


def judged(row: dict[str, Any], price: dict[str, float], rates: dict[str, float]) -> dict[str, Any]:
    """The row with its required bytes, floors, ratios and per-hour figures."""
    required = required_bytes(row["blobs"])
    per_hour = HOUR / float(row["mediaSeconds"])
    host = float(row["cpuSeconds"]["host"])
    local, azure = floor_cpu(required, price, storage_tls=False), floor_cpu(required, price, storage_tls=True)
    split = required["split"] * price["split"]
    moved = required["acsDownload"] + required["storageUpload"] + required["storageDownload"]
    transfer = moved / min(rates.values())
    return {
        **row,
        "requiredBytes": required,
        "cpuSecondsPerHour": {name: round(float(v) * per_hour, 2) for name, v in row["cpuSeconds"].items()},
        "floorCpuSecondsPerHour": round(local * per_hour, 2),
        "floorAzureCpuSecondsPerHour": round(azure * per_hour, 2),
        "cpuRatio": round(host / max(local, 1e-9), 3),
        "splitCpuSecondsPerHour": round(split * per_hour, 2),
        "cpuRatioBesideSplit": round(host / max(local + split, 1e-9), 3),
        "transferSeconds": round(transfer, 3),
        "timeRatio": round(float(row["seconds"]) / max(transfer, 1e-9), 3),
    }


def recorded_hour(args: argparse.Namespace, state: Path) -> dict[str, Any]:
    """Every kind of ``KINDS`` through one stack, with the floor and the transfer rates measured in the same run."""
    from azure.storage.blob import BlobServiceClient

    settings = {"DELETE_SOURCE_AFTER_ARCHIVE": "false", "ARCHIVE_CONTAINER": CONTAINER}
    stack = Stack(StackOptions(state_dir=state / "hour", settings=settings, files_ready_delay=0.0)).start()
    try:
        info = dict(stack.info)
        container = BlobServiceClient.from_connection_string(info["storageConnectionString"]).get_container_client(
            CONTAINER
        )
        warm_up = argparse.Namespace(**{**vars(args), "hour_seconds": WARM_UP_SECONDS})
        for fmt, channel in KINDS:
            one_recording(fmt, channel, warm_up, info, container)
        rows = [one_recording(fmt, channel, args, info, container) for fmt, channel in KINDS]
        wav = rows[0]
        rates = transfer_rates(info, wav["source"], int(wav["mediaBytes"]))
    finally:
        stack.stop()
    largest = max(max(required_bytes(row["blobs"]).values()) for row in rows)
    measured = floor.run_floor(min(largest, FLOOR_SAMPLE_BYTES), args.block)
    price = floor.per_byte(measured)
    return {
        "hourSeconds": args.hour_seconds,
        "warmUpSeconds": WARM_UP_SECONDS,
        "recordings": [judged({k: v for k, v in row.items() if k != "source"}, price, rates) for row in rows],
        "ratesBytesPerSecond": {name: round(rate) for name, rate in rates.items()},
        "floor": measured,
        "targets": TARGETS,
    }
