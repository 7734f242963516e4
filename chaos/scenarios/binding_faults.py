"""9. Binding faults: the blob output binding's write is lost after ``archive_chunk`` returned; ACS deletion is on.

Chunks this small leave ``archive_chunk`` through the blob output binding, which the host writes after the function
returns. The local host's fault hook (``LOCAL_HOST_FAULT_BINDING``, ``local/host/faults.py``) fails some of those
writes (the invocation fails, the queue redelivers the message) and then kills the host just before one (the
message stays invisible until its lease runs out); the host is started again without faults. With
``DELETE_SOURCE_AFTER_ARCHIVE=true``: 0 lost, 0 recordings deleted at ACS with a chunk not verified in the archive,
0 manifests naming a missing or different blob, at the end and in every manifest version seen meanwhile.
"""

from __future__ import annotations

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options, wait_drained
from chaos.scenarios.crash import synthetic
from chaos.watcher import ArchiveWatcher, check_manifests
from chaos.workload import poll
from local.host.faults import SETTING

NAME = "binding_faults"
MIB = 1024 * 1024
# Writes 1 and 3 fail; the host dies just before write 5 (each number counts the host's blob output writes).
PLAN = "fail-write:1,fail-write:3,crash-before-write:5"
PLANNED = {"failing blob output write": 2, "killing the host before blob output write": 1}


def settings() -> dict[str, str]:
    return {
        "DELETE_SOURCE_AFTER_ARCHIVE": "true",
        "STREAMING_THRESHOLD_BYTES": str(8 * MIB),  # every chunk here is far smaller: the binding path
        "SWEEPER_SCHEDULE": "*/2 * * * * *",
        "STUCK_CHUNK_AFTER_SECONDS": "20",
        SETTING: PLAN,
    }


def restart_without_faults(cs: ChaosStack, result: Result, launch: tuple[list[str], dict[str, str]]) -> None:
    """Wait for the fault hook to kill the host, then start it again as it was, minus the faults."""
    died = bool(poll(cs.exited, timeout=90, interval=0.2))
    result.check("host killed before a binding write", died, "the host was still running after 90 s")
    if died:
        args, env = launch
        cs.restart_host("host", args, {k: v for k, v in env.items() if k != SETTING})


def faults_fired(cs: ChaosStack, result: Result) -> None:
    log = cs.host_log("host")
    fired = {what: log.count(f"{SETTING}: {what}") for what in PLANNED}
    result.faults = sum(fired.values())
    result.check("every planned binding fault fired", fired == PLANNED, f"fired {fired}, planned {PLANNED}")


def run(size: Size, keep: bool = False) -> Result:
    recordings, chunks = size.pick(3, 10), size.pick(2, 3)
    seconds = 2.0 * chunks  # mixed WAV, 32 KB per second: ~64 KB per chunk
    load = f"{recordings} recordings x {chunks} chunks of ~64 KB via the binding, delete at ACS on"
    result = Result(NAME, load=load)
    with ChaosStack(NAME, options(settings(), host_processes=1), keep=keep) as cs:
        launch = cs.launch("host")
        watcher = ArchiveWatcher(cs.archive(), interval=0.3).start()
        try:
            sids = [synthetic(cs, seconds, chunks) for _ in range(recordings)]
            restart_without_faults(cs, result, launch)
            drained = wait_drained(cs, timeout=size.seconds(180, 300))
            result.check("chunk queue drained", drained, "messages still queued (or invisible) at the end")
            finish(cs, result, sids, timeout=size.seconds(60, 120), strict=False, calls_end=False)
        finally:
            seen = watcher.stop()
        faults_fired(cs, result)
        check_manifests(result, seen)
    return result
