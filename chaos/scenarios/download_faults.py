"""2. Download faults: 20% of recording downloads fail (500, 503, 429 + Retry-After, reset mid-body, truncated).

Every chunk archived and verified; while the faults run, no blob under a final name is ever incomplete.
"""

from __future__ import annotations

from chaos.audit import source_chunks
from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.source import SourceReader
from chaos.watcher import ArchiveWatcher, check_manifests, incomplete_versions
from chaos.workload import run_calls, wait_settled

NAME = "download_faults"
KINDS = ("500", "503", "429", "reset", "truncate")
RATE = 0.2


def inject(cs: ChaosStack) -> None:
    """One of each kind for the next downloads, then each kind with an equal share of ``RATE``."""
    share = 1 - (1 - RATE) ** (1 / len(KINDS))
    for kind in KINDS:
        cs.emulator("POST", "faults/downloads", {"kind": kind, "count": 1, "retryAfter": 1})
    for kind in KINDS:
        cs.emulator("POST", "faults/downloads", {"kind": kind, "probability": round(share, 4), "retryAfter": 1})


def faults_fired(cs: ChaosStack) -> int:
    """Download faults the emulator has served so far."""
    fired: dict[str, int] = cs.emulator("GET", "faults").get("fired", {})
    return sum(fired.values())


def run(size: Size, keep: bool = False) -> Result:
    calls = size.pick(4, 50)
    result = Result(NAME, load=f"{calls} calls, {RATE:.0%} of downloads fail ({', '.join(KINDS)})")
    # Small blocks: every chunk is several ranged downloads, each one a chance for a fault.
    settings = {"ARCHIVE_BLOCK_SIZE_BYTES": str(16 * 1024), "STREAMING_THRESHOLD_BYTES": str(48 * 1024)}
    with ChaosStack(NAME, options(settings), keep=keep) as cs:
        inject(cs)
        watcher = ArchiveWatcher(cs.archive()).start()
        try:
            sids, never_active = run_calls(cs.client(), calls, record_seconds=2.0, parallel=size.pick(4, 10))
            result.check(
                "every call recorded", not never_active, f"{len(never_active)} call(s) never started recording"
            )
            wait_settled(cs.client(), sids, timeout=size.seconds(90, 400))  # with the faults still on
            result.faults = faults_fired(cs)
            finish(cs, result, sids, timeout=30)
        finally:
            seen = watcher.stop()
        chunks = source_chunks(cs.emulator("GET", "recordings"), set(sids))
        wrong = incomplete_versions(seen, chunks, SourceReader(cs.info).sha256)
        result.check("no incomplete blob visible", not wrong and not seen.bad_json,
                     f"{len(wrong)} partial media version(s), {len(seen.bad_json)} unparsable JSON blob(s)")  # fmt: skip
        check_manifests(result, seen)
        result.notes.append(f"archive polled {seen.polls} times, {len(seen.versions)} blob versions checked")
    return result
