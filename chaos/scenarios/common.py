"""Steps the pipeline scenarios share: stack options, settling, auditing, delivery and queue health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient

from chaos.audit import audit, source_chunks
from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.source import SourceReader
from chaos.workload import archived, poll, recordings, wait_settled
from local.stack import StackOptions
from shared.handlers.poison import POISON_KIND as CHUNK_POISON
from shared.handlers.verify import POISON_KIND as VERIFY_POISON


@dataclass(frozen=True)
class Size:
    """How big a run is: ``small`` for ``make test``, full for ``make chaos``; ``loads`` overrides a scenario's main
    load (``python -m chaos --load duplicates=1000``)."""

    small: bool
    loads: Mapping[str, int] = field(default_factory=dict)

    def pick(self, small: int, full: int) -> int:
        return small if self.small else full

    def load(self, scenario: str, small: int, full: int) -> int:
        """The scenario's main load: the ``--load`` value given for it, else ``small`` or ``full``."""
        return self.loads.get(scenario, self.pick(small, full))

    def seconds(self, small: float, full: float) -> float:
        return small if self.small else full


def options(settings: dict[str, str] | None = None, **kwargs: Any) -> StackOptions:
    """Stack options for a scenario: fast files-ready, real-time media, the given app settings."""
    values: dict[str, Any] = {"files_ready_delay": 0.5, "time_scale": 1.0, **kwargs}
    return StackOptions(settings=dict(settings or {}), **values)


def finish(
    cs: ChaosStack,
    result: Result,
    server_call_ids: list[str],
    timeout: float,
    *,
    strict: bool = True,
    calls_end: bool = True,
    callbacks_may_fail: bool = False,
) -> dict[str, Any]:
    """Wait until the calls settle, then audit the archive and the final states into ``result``."""
    cs.emulator("DELETE", "faults")
    client = cs.client()
    views = wait_settled(client, server_call_ids, timeout)
    emulated = cs.emulator("GET", "recordings")
    chunks = source_chunks(emulated, set(server_call_ids))
    source = SourceReader(cs.info, control=lambda path: cs.emulator("GET", path))
    audit(cs.archive(), chunks, source.sha256, views).into(result)
    final_states(result, views, emulated, calls_end=calls_end)
    delivery_health(cs, result, strict=strict, callbacks_may_fail=callbacks_may_fail)
    poisoned = poison_count(cs)
    result.check("no poison messages", poisoned == 0, f"{poisoned} chunk job(s) in the poison queue")
    return views


def final_states(result: Result, views: dict[str, Any], emulated: list[dict[str, Any]], *, calls_end: bool) -> None:
    """Recordings archived, one per call (at ACS and in the app); calls disconnected when ``calls_end``."""
    not_archived = {sid[-16:]: [r.get("state") for r in recordings(v)] for sid, v in views.items()
                    if not recordings(v) or not all(archived(r) for r in recordings(v))}  # fmt: skip
    result.check(
        "every recording archived", not not_archived, f"{len(not_archived)} call(s) not archived: {not_archived}"
    )
    if calls_end:
        open_calls = {
            sid[-16:]: (v or {}).get("state") for sid, v in views.items() if (v or {}).get("state") != "disconnected"
        }
        result.check(
            "every call disconnected", not open_calls, f"{len(open_calls)} call(s) not disconnected: {open_calls}"
        )
    per_call = {sid: sum(1 for r in emulated if r.get("serverCallId") == sid) for sid in views}
    extra = [sid for sid, n in per_call.items() if n != 1]
    app_extra = [sid for sid, v in views.items() if len(recordings(v)) > 1]
    result.check("one recording per call", not extra and not app_extra,
                 f"{len(extra)} call(s) with != 1 recording at ACS, {len(app_extra)} with > 1 in the app")  # fmt: skip


def delivery_health(cs: ChaosStack, result: Result, *, strict: bool = True, callbacks_may_fail: bool = False) -> None:
    """Every Event Grid delivery and callback ended delivered; ``strict``: none needed a retry (no 5xx, no timeout).

    ``callbacks_may_fail``: callbacks ACS gave up on (the app could not store them) are counted in the notes, not
    failed: the sweeper's reconciliation with ACS must make up for them, which the audit checks.
    """
    deliveries: list[dict[str, Any]] = cs.emulator("GET", "deliveries")
    failed = [d for d in deliveries if d.get("outcome") not in ("delivered", "pending")]
    if callbacks_may_fail:
        given_up = [d for d in failed if d.get("kind") == "callback"]
        failed = [d for d in failed if d.get("kind") != "callback"]
        if given_up:
            result.notes.append(f"{len(given_up)} callback(s) given up by ACS, made up for by reconciliation")
    outcomes = sorted({str(d.get("outcome")) for d in failed})
    result.check("every delivery accepted", not failed, f"{len(failed)} of {len(deliveries)} deliveries: {outcomes}")
    retried = [d for d in deliveries if (d.get("attempts") or 0) > 1 or (d.get("status") or 0) >= 500]
    if strict:
        result.check("no 5xx", not retried, f"{len(retried)} delivery(ies) answered 5xx or failed once")
    elif retried:
        result.notes.append(f"{len(retried)} delivery(ies) needed a retry")


def wait_drained(cs: ChaosStack, timeout: float) -> bool:
    """Wait until no queue but the poison queues holds a message, visible or not (nothing left in flight)."""
    service = QueueServiceClient.from_connection_string(cs.info["storageConnectionString"])

    def drained() -> bool:
        names = [q.name for q in service.list_queues() if not str(q.name).endswith("-poison")]
        counts = [service.get_queue_client(n).get_queue_properties().approximate_message_count for n in names]
        return not any(counts)

    return bool(poll(drained, timeout, interval=1.0))


def poison_count(cs: ChaosStack) -> int:
    """Given-up jobs: still on a poison queue, or moved by ``chunk_poison`` / ``verify_poison`` into the quarantine."""
    found = 0
    for queue in ("recording-chunks-poison", "chunk-verifications-poison"):
        client = QueueClient.from_connection_string(cs.info["storageConnectionString"], queue)
        try:
            found += int(client.get_queue_properties().approximate_message_count or 0)
        except ResourceNotFoundError:
            continue
    service = BlobServiceClient.from_connection_string(cs.info["storageConnectionString"])
    try:
        names = [b.name for b in service.get_container_client("quarantine").list_blobs()]
    except ResourceNotFoundError:
        return found
    return found + sum(1 for name in names if f"/{CHUNK_POISON}/" in name or f"/{VERIFY_POISON}/" in name)
