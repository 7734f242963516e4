"""Peak RSS of the Functions host while a 1 GiB chunk is played and sought through the review page's range endpoint.

``python -m bench.review_seek [--size 1G] [--seeks 200]``: starts the local stack, archives one unmixed WAV chunk of
``--size`` bytes (written straight to the archive container in blocks and recorded in the call store as verified,
so no 1 GiB copy through ACS is needed), then, against ``GET /api/calls/{callId}/recordings/{id}/chunks/0``:

1. ``--seeks`` open-ended ranges (``bytes=N-``, what a media element asks after a seek) at random offsets;
2. the same with ``?channel=1`` (one channel extracted from the interleaved frames);
3. 64 MiB played in order, piece after piece;
4. with Chromium present: the call's review page, its player sought to ``--browser-seeks`` random positions.

The host's peak RSS (``VmHWM``) is read before and after; the result is printed and written to
``bench/results/review-seek-<stamp>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import struct
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobBlock, BlobServiceClient

from bench.__main__ import size_of
from local.review import CHROMIUM, CHROMIUM_ARGS, page_url
from local.stack import Stack, StackOptions
from shared.domain import ChunkFile, FilesInfo
from shared.domain import inputs as ev
from shared.domain.model import ChunkCopy
from shared.layout import call_folder, chunk_path, metadata_path, recording_prefix
from shared.store.table import TableCallStore

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHANNELS, RATE, WIDTH = 3, 16000, 2
BLOCK = 8 * 1024 * 1024
MIB = 1024 * 1024


def kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def wav_header(data_size: int) -> bytes:
    block = CHANNELS * WIDTH
    fmt = struct.pack("<IHHIIHH", 16, 1, CHANNELS, RATE, RATE * block, block, 8 * WIDTH)
    return (
        b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", data_size)
    )


def upload_chunk(container: Any, path: str, size: int) -> str:
    """A WAV of ``size`` bytes in 8 MiB blocks (one block in memory at a time); its SHA-256."""
    blob, digest = container.get_blob_client(path), hashlib.sha256()
    blocks: list[BlobBlock] = []
    pattern = random.Random(7).randbytes(BLOCK)
    written = 0
    while written < size:
        piece = pattern[: min(BLOCK, size - written)]
        if written == 0:
            piece = wav_header(size - 44) + piece[44:]
        block_id = f"{len(blocks):08d}"
        blob.stage_block(block_id, piece)
        blocks.append(BlobBlock(block_id=block_id))
        digest.update(piece)
        written += len(piece)
    blob.commit_block_list(blocks)
    return digest.hexdigest()


def archive_call(info: dict[str, Any], size: int) -> tuple[str, str]:
    """A call with one verified chunk of ``size`` bytes: (callId, recordingId)."""
    connection = info["storageConnectionString"]
    sid, recording_id, start = f"bench-{uuid.uuid4()}", f"rec-{uuid.uuid4().hex}", datetime.now(UTC)
    prefix = recording_prefix(start, sid, recording_id)
    container = BlobServiceClient.from_connection_string(connection).get_container_client(info["archiveContainer"])
    if not container.exists():
        container.create_container()
    blob_path = chunk_path(prefix, 0, "wav")
    sha = upload_chunk(container, blob_path, size)
    duration_ms = (size - 44) * 1000 // (RATE * CHANNELS * WIDTH)
    metadata = json.dumps({"chunkDuration": duration_ms}).encode()
    container.upload_blob(metadata_path(prefix, 0), metadata)
    table = TableServiceClient.from_connection_string(connection).create_table_if_not_exists("calls")
    store = TableCallStore(table)
    info_ = FilesInfo(
        recording_start=start, duration_ms=duration_ms, content_type="audio", channel_type="unmixed", format="wav",
        session_end_reason="CallEnded", storage_type="acs", ready_at=start,
    )  # fmt: skip
    file = ChunkFile(
        index=0, document_id="doc", end_reason="SessionEnded", content_location="", metadata_location="",
        delete_location="",
    )  # fmt: skip
    copy = ChunkCopy(size=size, sha256=sha, metadata_sha256=hashlib.sha256(metadata).hexdigest(), streamed=True)
    for event in (
        ev.CallRinging("b1", start, "bench", caller="4:+14255550100", callee="4:+18005550199"),
        ev.RecordingStateReported("b2", start, "bench", recording_id=recording_id, active=True),
        ev.FilesReady("b3", start, "bench", recording_id=recording_id, info=info_, chunks=(file,)),
        ev.ChunkArchived(
            "b4",
            start,
            "bench",
            recording_id=recording_id,
            index=0,
            document_id="doc",
            recording_start=start,
            format="wav",
            copy=copy,
        ),
    ):
        store.apply(sid, event)
    return call_folder(sid), recording_id


def seek(session: requests.Session, url: str, key: str, starts: list[int], params: dict[str, str]) -> list[float]:
    """One open-ended range request per start, each read to its end; the seconds each took."""
    took = []
    for start in starts:
        began = time.perf_counter()
        answer = session.get(url, params=params, headers={"x-functions-key": key, "Range": f"bytes={start}-"})
        if answer.status_code != 206 or not answer.content:
            raise RuntimeError(f"range {start}-: {answer.status_code} {answer.text[:200]}")
        took.append(time.perf_counter() - began)
    return took


def browser_seeks(info: dict[str, Any], call_id: str, count: int) -> int:
    """Seek the call page's player ``count`` times in Chromium; the number of 206 answers it got (0: no Chromium)."""
    if not CHROMIUM.exists():
        return 0
    from playwright.sync_api import sync_playwright

    partial = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()

        def counted(response: Any) -> None:
            nonlocal partial
            partial += response.status == 206

        page.on("response", counted)
        page.goto(page_url(info, call_id))
        media = page.locator("[data-player='0'] audio")
        media.evaluate("m => new Promise(d => m.readyState >= 1 ? d() : m.addEventListener('loadedmetadata', d))")
        for _ in range(count):
            media.evaluate(
                "(m, f) => new Promise(d => { m.addEventListener('seeked', d, {once: true}); m.currentTime = m.duration * f; })",
                random.random(),
            )
        browser.close()
    return partial


def measure(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="review-seek-") as state:
        stack = Stack(StackOptions(state_dir=Path(state))).start()
        try:
            info = stack.info
            host = stack.processes["host"].pid
            call_id, recording_id = archive_call(info, args.size)
            url = f"{info['functionsUrl']}/api/calls/{call_id}/recordings/{recording_id}/chunks/0"
            session = requests.Session()
            session.trust_env = False
            seek(session, url, info["functionKey"], [0], {})
            before = kib(host, "VmHWM")
            rng = random.Random(1)
            starts = [rng.randrange(0, args.size) for _ in range(args.seeks)]
            mono_size = 44 + (args.size - 44) // CHANNELS
            mono = [rng.randrange(0, mono_size) for _ in range(args.seeks)]
            took = seek(session, url, info["functionKey"], starts, {})
            took_mono = seek(session, url, info["functionKey"], mono, {"channel": "1"})
            played = seek(session, url, info["functionKey"], list(range(0, 64 * MIB, MIB)), {})
            in_browser = browser_seeks(info, call_id, args.browser_seeks)
            return {
                "chunkBytes": args.size,
                "seeks": args.seeks,
                "hostPeakRssKiB": {"beforeSeeking": before, "afterSeeking": kib(host, "VmHWM")},
                "hostRssKiBAtEnd": kib(host, "VmRSS"),
                "medianSecondsPerPiece": {
                    "seek": round(statistics.median(took), 4),
                    "seekChannel": round(statistics.median(took_mono), 4),
                    "play": round(statistics.median(played), 4),
                },
                "browserSeeks": args.browser_seeks,
                "browser206Answers": in_browser,
            }
        finally:
            stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.review_seek", description=__doc__)
    parser.add_argument("--size", type=size_of, default=size_of("1G"))
    parser.add_argument("--seeks", type=int, default=200)
    parser.add_argument("--browser-seeks", type=int, default=30)
    args = parser.parse_args(argv)
    result = measure(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"review-seek-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
