"""3. Crash: SIGKILL the Functions host while large chunks are being streamed into the archive, start it again.

Everything archived, nothing corrupt, no call stuck. The killed copy's message comes back after its lease or is
re-driven by the sweeper; staged but uncommitted blocks never show under a final name.
"""

from __future__ import annotations

import time
from typing import Any

from chaos.audit import source_chunks
from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.source import SourceReader
from chaos.watcher import ArchiveWatcher, check_manifests, incomplete_versions
from chaos.workload import poll

NAME = "crash"
MIB = 1024 * 1024


def settings() -> dict[str, str]:
    return {
        "STREAMING_THRESHOLD_BYTES": str(MIB),
        "ARCHIVE_BLOCK_SIZE_BYTES": str(MIB),
        "ARCHIVE_CONCURRENCY": "2",
        "SWEEPER_SCHEDULE": "*/2 * * * * *",
        "STUCK_CHUNK_AFTER_SECONDS": "20",
    }


def synthetic(cs: ChaosStack, seconds: float, chunks: int) -> str:
    """A finished mixed WAV recording (16 kHz, 16-bit: 32 KB per second), announced through Event Grid."""
    body = {"format": "wav", "channel": "mixed", "durationSeconds": seconds, "chunks": chunks, "deliver": True}
    event: dict[str, Any] = cs.emulator("POST", "recordings/synthetic", body)
    subject = str(event["subject"])
    return subject.split("/serverCallId/")[1].split("/recordingId/")[0]


def copying(cs: ChaosStack, baseline: int) -> bool:
    """Downloads have started through the emulator's proxy."""
    return int(cs.emulator("GET", "proxy")["tunnels"]) > baseline


def run(size: Size, keep: bool = False) -> Result:
    recordings, chunks = size.pick(2, 4), size.pick(1, 2)
    chunk_mib = size.pick(12, 48)
    seconds = chunk_mib * MIB * chunks / 32000
    result = Result(NAME, load=f"{recordings} recordings x {chunks} chunk(s) of ~{chunk_mib} MiB, host SIGKILLed")
    with ChaosStack(NAME, options(settings(), host_processes=1), keep=keep) as cs:
        watcher = ArchiveWatcher(cs.archive(), interval=0.5).start()
        try:
            baseline = int(cs.emulator("GET", "proxy")["tunnels"])
            sids = [synthetic(cs, seconds, chunks) for _ in range(recordings)]
            started = poll(lambda: copying(cs, baseline), timeout=60, interval=0.05)
            result.check("copy under way at the kill", bool(started), "no download started within 60 s")
            time.sleep(0.5)
            args, env = cs.kill_host("host")
            result.faults = 1
            killed_at = time.monotonic()
            cs.restart_host("host", args, env)
            result.notes.append(f"host back in {time.monotonic() - killed_at:.1f} s")
            finish(cs, result, sids, timeout=size.seconds(150, 400), strict=False, calls_end=False)
        finally:
            seen = watcher.stop()
        wrong = incomplete_versions(seen, source_chunks(cs.emulator("GET", "recordings"), set(sids)),
                                    SourceReader(cs.info).sha256)  # fmt: skip
        result.check("no incomplete blob visible", not wrong, f"{len(wrong)} partial media version(s) seen")
        check_manifests(result, seen)
    return result
