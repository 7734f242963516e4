"""The call store on Azure Table storage: optimistic concurrency plus an event-id ledger.

Each input is one entity-group transaction in the call's partition: the state row (created, or replaced with
If-Match on its ETag), the rows of the chunks the input changed, a history row and a ledger row (insert-only). A
412 (someone else wrote first) or a 409 (the ledger row exists, or the call was created meanwhile) means: read
again; a ledger hit then makes the input a duplicate and a no-op. A connection lost before the answer
(``ServiceResponseError``: the transaction may or may not have landed) also means: read again. The ledger row names
the attempt that wrote it (``Writer``), so a commit that landed unacknowledged is recognised as this apply's own
write, not as a duplicate, and the caller still does what follows it. A transaction holds at most 100 operations, so
one input may change at most ``MAX_CHANGED_CHUNKS`` chunks (files-ready intake bounds the chunks of an event).
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError, ServiceResponseError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain import Call, DomainError, apply, new_call
from shared.domain import inputs as ev
from shared.domain.participants import call_participants
from shared.domain.reconcile import needs_sweeper
from shared.domain.timeline import entry
from shared.layout import call_folder
from shared.store import rows
from shared.store.port import Applied, DayPage, Loaded, StoreContention

log = logging.getLogger(__name__)

_RETRY_STATUSES = (409, 412)
MAX_CHANGED_CHUNKS = 97  # 100 operations per entity-group transaction, less the state, history and ledger rows
INDEX_WRITERS = 4  # index rows written at once (a new call with two participants writes three)


class TableCallStore:
    """``CallStore`` over one table (``CALLS_TABLE``)."""

    def __init__(self, table: TableClient, *, max_attempts: int = 60, backoff_seconds: float = 0.005) -> None:
        self._table = table
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- reads -------------------------------------------------------------------------------------------------
    def get(self, server_call_id: str) -> Call | None:
        return self.load(server_call_id).call

    def load(self, server_call_id: str) -> Loaded:
        call, etag, version, _ = self._load(call_folder(server_call_id), None)
        return Loaded(call, etag, version)

    def find_by_recording(self, recording_id: str) -> str | None:
        try:
            entity = self._table.get_entity(rows.RECORDING_INDEX, rows.recording_key(recording_id))
        except ResourceNotFoundError:
            return None
        return str(entity["ServerCallId"])

    def day_page(self, day: date, *, after: str = "", limit: int = 50) -> DayPage:
        return self._index_page(rows.day_partition(day), after, limit, "", "")

    def participant_page(
        self,
        key: str,
        *,
        after: str = "",
        limit: int = 50,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> DayPage:
        first = max(after, rows.created_bound(until) if until is not None else "")  # created before ``until``
        last = rows.created_bound(since) if since is not None else ""  # created at ``since`` or later
        return self._index_page(rows.participant_partition(key), first, limit, last, key)

    def _index_page(self, partition: str, after: str, limit: int, before: str, participant: str) -> DayPage:
        """Up to ``limit`` calls an index partition lists (keyed by ``day_key``) after ``after`` and before ``before``
        (""; no bound); a row whose call does not list ``participant`` (when given) is left out."""
        query = "PartitionKey eq @pk and RowKey gt @after" + (" and RowKey lt @before" if before else "")
        params = {"pk": partition, "after": after, "before": before}
        found = self._table.query_entities(query, parameters=params, results_per_page=limit + 1)
        keys = list(itertools.islice(found, limit + 1))
        listed = []
        for row in keys[:limit]:
            call = self.get(str(row["ServerCallId"]))
            # A row whose key is not the call's own was left by a creation that lost a race: skip it.
            if call is not None and rows.day_key(call) == row["RowKey"] and _names(call, participant):
                listed.append(call)
        return DayPage(listed, str(keys[limit - 1]["RowKey"]) if len(keys) > limit else "")

    def open_calls(self) -> list[Call]:
        return self._indexed(rows.OPEN_INDEX)

    def _indexed(self, index: str) -> list[Call]:
        """The calls an index partition names (one that vanished meanwhile is left out)."""
        found = self._query("PartitionKey eq @pk", {"pk": index})
        calls = (self.get(str(e["ServerCallId"])) for e in found)
        return [c for c in calls if c is not None]

    def timeline(self, server_call_id: str) -> list[dict[str, Any]]:
        query = "PartitionKey eq @pk and RowKey ge 'h-' and RowKey lt 'h.'"
        found = self._query(query, {"pk": call_folder(server_call_id)})
        return [json.loads(str(e["Line"])) for e in sorted(found, key=lambda e: str(e["RowKey"]))]

    # -- the one write ---------------------------------------------------------------------------------------
    # ``based_on``: the first attempt uses the caller's fresh load instead of reading again. Nothing is lost if that
    # copy is stale: the state row is replaced only If-Match its ETag (412 otherwise), the ledger row is inserted
    # (409 when the event was applied before), and a domain error judged on it is judged again on a fresh read.
    def apply(self, server_call_id: str, event: ev.Input, *, based_on: Loaded | None = None) -> Applied:
        folder = call_folder(server_call_id)
        writer = uuid.uuid4().hex
        unacknowledged: dict[int, Call | None] = {}  # version a lost commit would have written -> state before it
        for attempt in range(self._max_attempts):
            current, etag, version, ledger = self._state_for(folder, event.event_id, based_on if attempt == 0 else None)
            if ledger is not None and current is not None and ledger.writer == writer:
                self._settle_open_index(folder, current)
                previous = unacknowledged.get(ledger.version)
                return Applied(call=current, previous=previous, duplicate=False, version=ledger.version)
            if ledger is not None:
                return Applied(call=current, previous=current, duplicate=True, version=version)
            previous = current
            try:
                call = apply(previous or new_call(server_call_id, event), event)
            except DomainError:
                if attempt == 0 and based_on is not None:
                    continue  # judged on the caller's copy, which may be stale or miss the ledger: read, judge again
                raise
            self._write_indexes(folder, previous, call)
            try:
                token = self._commit(folder, (previous, etag, version), call, event, writer)
            except TableTransactionError as exc:
                if exc.status_code not in _RETRY_STATUSES:
                    raise
                self._pause(attempt)
                continue
            except ServiceResponseError as exc:
                log.warning("the answer to a state write was lost (%s); reading the state again", exc)
                unacknowledged[version + 1] = previous
                self._pause(attempt)
                continue
            if previous is not None and _is_open(previous):
                self._settle_open_index(folder, call)
            return Applied(call=call, previous=previous, duplicate=False, version=version + 1, token=token)
        raise StoreContention(f"gave up applying {type(event).__name__} after {self._max_attempts} attempts")

    def _state_for(
        self, folder: str, event_id: str, based_on: Loaded | None
    ) -> tuple[Call | None, str, int, rows.LedgerRow | None]:
        """``based_on`` as ``_load`` would give it (its ledger row unknown: the commit's insert finds it), else a read."""
        if based_on is not None:
            return based_on.call, based_on.token, based_on.version, None
        return self._load(folder, event_id)

    def _load(self, folder: str, event_id: str | None) -> tuple[Call | None, str, int, rows.LedgerRow | None]:
        """The call (with its ETag and version) and ``event_id``'s ledger row if it has one, in one query."""
        query = (
            "PartitionKey eq @pk and ( RowKey eq @state or RowKey eq @ledger or "
            "( RowKey ge @first and RowKey lt @after ) )"
        )
        params = {
            "pk": folder,
            "state": rows.STATE,
            "ledger": rows.ledger_key(event_id) if event_id is not None else rows.STATE,
            "first": rows.CHUNK_FIRST,
            "after": rows.CHUNK_AFTER,
        }
        state: Any = None
        chunks: list[dict[str, Any]] = []
        ledger = None
        for entity in self._query(query, params):
            key = str(entity["RowKey"])
            if key == rows.STATE:
                state = entity
            elif key.startswith(rows.CHUNK_FIRST):
                chunks.append(entity)
            else:
                ledger = rows.ledger_row(entity)
        if state is None:
            return None, "", 0, ledger
        return rows.call_of(state, chunks), str(state.metadata["etag"]), int(state["Version"]), ledger

    def _commit(
        self, folder: str, loaded: tuple[Call | None, str, int], call: Call, event: ev.Input, writer: str
    ) -> str:
        """Write the input's transaction; the state row's new ETag (the service answers each operation with its
        entity's ETag), or "" if the answer named none."""
        previous, etag, version = loaded
        version += 1
        state = rows.state_entity(folder, call, version)
        state_op: tuple[Any, ...]
        if previous is None:
            state_op = ("create", state)
        else:
            options = {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified}
            state_op = ("update", state, options)
        changed = rows.changed_chunks(previous, call)
        if len(changed) > MAX_CHANGED_CHUNKS:
            raise ValueError(f"{type(event).__name__} changes {len(changed)} chunks; one input may change at most "
                             f"{MAX_CHANGED_CHUNKS}")  # fmt: skip
        chunk_ops = [
            ("upsert", rows.chunk_entity(folder, rid, chunk), {"mode": UpdateMode.REPLACE}) for rid, chunk in changed
        ]
        answers = self._table.submit_transaction(
            [
                state_op,
                *chunk_ops,
                ("create", rows.history_entity(folder, version, entry(event, call))),
                ("create", rows.ledger_entity(folder, event.event_id, version, writer)),
            ]
        )
        return str(answers[0].get("etag") or "") if answers else ""

    # -- indexes (idempotent upserts in other partitions, written before the commit) ---------------------------
    def _write_indexes(self, folder: str, previous: Call | None, call: Call) -> None:
        """Every index row the write adds, sent at once: they are independent, and the commit waits for all of them
        (a new call's day and participant rows are what stand between a ringing call and its answer). Not beside the
        commit: a call committed first and then left without its rows by a crash would be missing from its day, its
        participants' search and erasure until its input came again, and an IncomingCall comes at most three times
        within a minute (``infra/app/event-subscription.bicep``). Day and participant rows written first and then left
        without their call are skipped by the readers (``_index_page``)."""
        entities = _index_rows(folder, previous, call)
        if len(entities) == 1:
            self._put_index(entities[0])
        elif entities:
            list(self._index_pool().map(self._put_index, entities))

    def _index_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(INDEX_WRITERS, thread_name_prefix="store-index")
            return self._pool

    def _put_index(self, entity: dict[str, str]) -> None:
        """Write a whole index row with PUT (replace), which azure-core retries after a lost answer; a merge is a
        PATCH, which it does not retry, and an index row has no fields to keep."""
        self._table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def _settle_open_index(self, folder: str, call: Call) -> None:
        """Drop the call's ``~open`` row when it has nothing left for the sweeper. A write runs this only when the
        call was open before it: a call that was not open has no row to drop (a row left by a write that failed
        after its index was written is dropped by the sweeper, which checks every row against its call)."""
        if not _is_open(call):
            self.close_open(folder)

    def forget(self, server_call_id: str, version: int) -> bool:
        folder = call_folder(server_call_id)
        call, etag, current, _ = self._load(folder, None)
        if call is None:
            return True
        if current != version:
            return False
        kept = self._query("PartitionKey eq @pk and RowKey ne @state", {"pk": folder, "state": rows.STATE})
        condition = {"etag": etag, "match_condition": MatchConditions.IfNotModified}
        removals: list[Any] = [("delete", {"PartitionKey": folder, "RowKey": rows.STATE}, condition)]
        removals += [("delete", {"PartitionKey": folder, "RowKey": str(e["RowKey"])}) for e in kept]
        try:
            self._table.submit_transaction(removals)
        except TableTransactionError as exc:
            if exc.status_code not in _RETRY_STATUSES:
                raise
            return False
        self._drop_index(rows.day_partition(call.created_at.astimezone(UTC).date()), rows.day_key(call))
        for key in call_participants(call):
            self._drop_index(rows.participant_partition(key), rows.day_key(call))
        self.close_open(folder)
        return True

    def close_open(self, folder: str) -> None:
        """Drop a call from the ``~open`` index (it has nothing left for the sweeper)."""
        self._drop_index(rows.OPEN_INDEX, folder)

    def _drop_index(self, partition: str, key: str) -> None:
        try:
            self._table.delete_entity(partition, key)
        except ResourceNotFoundError:
            return

    # -- helpers ---------------------------------------------------------------------------------------------
    def _query(self, query: str, parameters: dict[str, Any]) -> Iterator[Any]:
        return iter(self._table.query_entities(query, parameters=parameters))

    def _pause(self, attempt: int) -> None:
        time.sleep(random.uniform(0, self._backoff * min(attempt + 1, 20)))


def _names(call: Call, participant: str) -> bool:
    """The call's state still names ``participant`` ("": no participant asked for)."""
    return not participant or participant in call_participants(call)


def _is_open(call: Call) -> bool:
    return needs_sweeper(call)


def _index_rows(folder: str, previous: Call | None, call: Call) -> list[dict[str, str]]:
    """The index rows a write from ``previous`` to ``call`` adds: new recordings, new participants, the day of a new
    call, and the ``~open`` row of a call that opens."""
    entities = []
    known = {r.recording_id for r in previous.recordings} if previous is not None else set()
    for recording in call.recordings:
        if recording.recording_id and recording.recording_id not in known:
            entities.append(
                {
                    "PartitionKey": rows.RECORDING_INDEX,
                    "RowKey": rows.recording_key(recording.recording_id),
                    "RecordingId": recording.recording_id,
                    "ServerCallId": call.server_call_id,
                }
            )
    taken_part = call_participants(previous) if previous is not None else frozenset()
    for key in sorted(call_participants(call) - taken_part):
        entities.append(
            {
                "PartitionKey": rows.participant_partition(key),
                "RowKey": rows.day_key(call),
                "ServerCallId": call.server_call_id,
            }
        )
    if previous is None:
        day = call.created_at.astimezone(UTC).date()
        entities.append(
            {"PartitionKey": rows.day_partition(day), "RowKey": rows.day_key(call), "ServerCallId": call.server_call_id}
        )
    if _is_open(call) and (previous is None or not _is_open(previous)):
        entities.append({"PartitionKey": rows.OPEN_INDEX, "RowKey": folder, "ServerCallId": call.server_call_id})
    return entities
