"""The Table-storage call store on a real Azurite: atomic transitions, ledger, concurrency, indexes."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.data.tables import TableClient

from shared.domain import CallState, ChunkFile, ChunkState, FilesInfo, InvalidTransition, RecordingState
from shared.domain import inputs as ev
from shared.domain.errors import MAX_CHUNKS_PER_EVENT, TooManyChunks
from shared.domain.model import ChunkCopy
from shared.domain.participants import participant_key
from shared.layout import call_folder
from shared.store.port import NEW_CALL
from shared.store.rows import chunk_key
from shared.store.table import MAX_CHANGED_CHUNKS, TableCallStore

T0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def files_ready(recording_id: str, chunks: int, event_id: str = "files-1", first: int = 0) -> ev.FilesReady:
    info = FilesInfo(
        recording_start=T0,
        duration_ms=1000,
        content_type="audio",
        channel_type="unmixed",
        format="wav",
        session_end_reason="CallEnded",
        storage_type="acs",
        ready_at=at(60),
    )
    files = tuple(
        ChunkFile(
            index=i,
            document_id=f"doc{i}",
            end_reason="SessionEnded",
            content_location=f"https://x.asm.skype.com/c{i}",
            metadata_location=f"https://x.asm.skype.com/m{i}",
            delete_location=f"https://x.asm.skype.com/d{i}",
        )
        for i in range(first, first + chunks)
    )
    return ev.FilesReady(event_id, at(60), "eventgrid", recording_id=recording_id, info=info, chunks=files)


def verified(event_id: str, moment: datetime, source: str, *, index: int, size: int) -> ev.ChunkArchived:
    return ev.ChunkArchived(
        event_id,
        moment,
        source,
        recording_id="rec",
        index=index,
        document_id=f"doc{index}",
        recording_start=T0,
        format="wav",
        copy=copy(size),
    )


def copy(size: int) -> ChunkCopy:
    return ChunkCopy(size=size, sha256="a" * 64, metadata_sha256="b" * 64, streamed=False, participants=({"x": 1},))


def server_call_id() -> str:
    return f"aHR0cHM6Ly9hcGk/{uuid.uuid4()}=="


def test_a_redelivered_event_is_a_no_op(store: TableCallStore) -> None:
    sid = server_call_id()
    first = store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid", caller="4:+1", callee="4:+2"))
    again = store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid", caller="4:+1", callee="4:+2"))
    assert not first.duplicate
    assert again.duplicate
    assert (first.version, again.version) == (1, 1), "a redelivery reports the version it found"
    assert store.apply(sid, ev.CallAnswered("e2", at(1), "eventgrid", call_connection_id="c")).version == 2
    assert len(store.timeline(sid)) == 2


def test_a_redelivered_event_that_would_now_be_illegal_is_still_a_no_op(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, ev.PauseRecording("p1", at(1), "api"))
    assert store.apply(sid, ev.PauseRecording("p1", at(1), "api")).duplicate
    with pytest.raises(InvalidTransition, match="recording is paused"):
        store.apply(sid, ev.PauseRecording("p2", at(2), "api"))


def test_an_input_written_on_a_state_loaded_just_before_needs_no_second_read(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    loaded = store.load(sid)

    applied = store.apply(sid, files_ready("rec", 2), based_on=loaded)

    assert not applied.duplicate
    assert applied.version == loaded.version + 1
    assert store.get(sid) == applied.call
    assert [line["eventId"] for line in store.timeline(sid)] == ["r1", "files-1"]


def test_an_input_written_on_a_stale_load_is_applied_to_the_newer_state(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    stale = store.load(sid)
    store.apply(sid, files_ready("rec", 2))

    applied = store.apply(sid, verified("a0", at(70), "verify", index=0, size=5), based_on=stale)

    assert not applied.duplicate
    recording = applied.call.recording("rec") if applied.call is not None else None
    assert recording is not None
    assert recording.chunks[0].state is ChunkState.ARCHIVED, "applied on the state files-ready left, not the stale one"
    assert [line["eventId"] for line in store.timeline(sid)] == ["r1", "files-1", "a0"]


def test_a_redelivered_input_written_on_a_fresh_load_is_still_a_no_op(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, files_ready("rec", 2))

    again = store.apply(sid, files_ready("rec", 2), based_on=store.load(sid))

    assert again.duplicate
    assert len(store.timeline(sid)) == 2


def test_a_call_created_on_a_load_that_found_none_is_created_once(store: TableCallStore) -> None:
    sid = server_call_id()
    nothing = store.load(sid)
    store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid", caller="4:+1", callee="4:+2"))

    reported = ev.RecordingStateReported("r1", at(1), "callback", recording_id="rec", active=True)
    applied = store.apply(sid, reported, based_on=nothing)

    assert applied.call is not None
    assert applied.call.caller == "4:+1", "the ringing call was kept, not overwritten"
    assert [line["eventId"] for line in store.timeline(sid)] == ["e1", "r1"]


def test_the_state_survives_a_round_trip_through_the_table(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, files_ready("rec", 2))
    call = store.get(sid)
    assert call is not None
    recording = call.recording("rec")
    assert recording is not None
    assert recording.state is RecordingState.FILES_READY
    assert recording.files is not None
    assert recording.files.recording_start == T0
    assert [c.file.content_location for c in recording.chunks] == [
        "https://x.asm.skype.com/c0",
        "https://x.asm.skype.com/c1",
    ]
    assert [c.announced_by for c in recording.chunks] == ["files-1", "files-1"]


def test_concurrent_writers_lose_no_update(store: TableCallStore) -> None:
    sid = server_call_id()
    chunks = 24
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, files_ready("rec", chunks))

    def archive(index: int) -> bool:
        event = verified(f"a{index}", at(70 + index), "verify", index=index, size=index)
        return store.apply(sid, event).duplicate

    with ThreadPoolExecutor(max_workers=8) as pool:
        duplicates = list(pool.map(archive, [i for i in range(chunks) for _ in range(2)]))

    assert duplicates.count(False) == chunks, "each chunk's event applied exactly once"
    call = store.get(sid)
    assert call is not None
    recording = call.recording("rec")
    assert recording is not None
    assert all(c.state is ChunkState.ARCHIVED for c in recording.chunks)
    assert sorted(c.size for c in recording.chunks) == list(range(chunks))  # type: ignore[type-var]
    assert sorted((c.copy for c in recording.chunks), key=lambda c: c.size) == [copy(i) for i in range(chunks)]  # type: ignore[union-attr]
    assert recording.state is RecordingState.ARCHIVED
    assert len(store.timeline(sid)) == 2 + chunks


def test_a_recording_id_leads_back_to_its_call(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec+/=", active=True))
    assert store.find_by_recording("rec+/=") == sid
    assert store.find_by_recording("unknown") is None


def test_calls_are_listed_by_the_day_they_started(store: TableCallStore) -> None:
    first, second = server_call_id(), server_call_id()
    store.apply(first, ev.CallRinging("e1", at(0), "eventgrid"))
    store.apply(second, ev.CallRinging("e2", at(-86400), "eventgrid"))
    store.apply(first, ev.CallConnected("e3", at(5), "callback", call_connection_id="c3"))
    listed = store.day_page(T0.date()).calls
    assert [c.server_call_id for c in listed] == [first]
    assert listed[0].state is CallState.CONNECTED


def test_a_day_is_listed_newest_first_in_pages_that_continue_where_the_last_one_ended(
    store: TableCallStore,
) -> None:
    day = T0 - timedelta(days=random.randint(2, 3000))
    made = [server_call_id() for _ in range(5)]
    for n, sid in enumerate(made):
        store.apply(sid, ev.CallRinging(f"r{n}", day + timedelta(seconds=n), "eventgrid"))
    first = store.day_page(day.date(), limit=2)
    second = store.day_page(day.date(), after=first.after, limit=2)
    last = store.day_page(day.date(), after=second.after, limit=2)
    pages = [[c.server_call_id for c in page.calls] for page in (first, second, last)]
    assert pages == [made[4:2:-1], made[2:0:-1], made[:1]]
    assert first.after
    assert second.after
    assert last.after == ""


def open_ids(store: TableCallStore) -> list[str]:
    return [c.server_call_id for c in store.open_calls()]


def test_an_answered_call_is_open_for_the_sweeper_until_it_ends(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid"))
    assert sid not in open_ids(store), "a call the app did not answer has nothing to reconcile"
    store.apply(sid, ev.CallAnswered("e2", at(1), "eventgrid", call_connection_id="conn"))
    assert sid in open_ids(store)
    store.apply(sid, ev.CallDisconnected("e3", at(2), "callback"))
    assert sid not in open_ids(store)


def test_calls_with_a_live_recording_or_one_waiting_for_the_archive_are_open(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    assert sid in open_ids(store), "a live recording is reconciled if its callbacks are lost"
    store.apply(sid, files_ready("rec", 1))
    assert sid in [c.server_call_id for c in store.open_calls()]
    store.apply(sid, verified("a0", at(70), "verify", index=0, size=1))
    assert sid not in [c.server_call_id for c in store.open_calls()]


def test_a_recording_of_many_chunks_over_several_events_is_stored_whole(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    for first in (0, 96, 192):
        store.apply(sid, files_ready("rec", 96, event_id=f"files-{first}", first=first))
    call = store.get(sid)
    assert call is not None
    recording = call.recording("rec")
    assert recording is not None
    assert [c.index for c in recording.chunks] == list(range(288))


def test_an_event_announcing_more_chunks_than_one_transaction_holds_is_refused(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    assert MAX_CHUNKS_PER_EVENT <= MAX_CHANGED_CHUNKS
    with pytest.raises(TooManyChunks):
        store.apply(sid, files_ready("rec", MAX_CHUNKS_PER_EVENT + 1))
    call = store.get(sid)
    assert call is not None
    assert call.recordings[0].chunks == ()


def test_recording_one_chunk_rewrites_that_chunks_row_and_no_other(store: TableCallStore, calls_table: Any) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, files_ready("rec", 50))

    def etags() -> dict[str, str]:
        query = "PartitionKey eq @pk and RowKey ge 'c-' and RowKey lt 'c.'"
        found = calls_table.query_entities(query, parameters={"pk": call_folder(sid)})
        return {str(e["RowKey"]): str(e.metadata["etag"]) for e in found}

    before = etags()
    assert len(before) == 50
    store.apply(sid, verified("a7", at(70), "verify", index=7, size=7))
    after = etags()
    assert [key for key in before if before[key] != after[key]] == [chunk_key("rec", 7)]
    state = calls_table.get_entity(call_folder(sid), "state")
    assert "doc7" not in "".join(str(state[f"Body{i}"]) for i in range(int(state["Parts"]))), "no chunk in the state"


def test_forget_removes_a_call_its_rows_and_its_index_rows_only_at_the_version_it_was_read(
    store: TableCallStore, calls_table: Any
) -> None:
    from shared.domain import RecordingOptions

    sid = f"QUJD{uuid.uuid4().hex}"
    start = ev.StartRecording("api:1", T0, "api", request_id="api:1", options=RecordingOptions())
    store.apply(sid, start)
    applied = store.apply(sid, ev.StartFailed("api:1:failed", T0, "api", request_id="api:1", reason="404"))
    call = applied.call
    assert call is not None
    assert call.only_a_refused_start
    assert store.forget(sid, applied.version - 1) is False
    assert store.get(sid) is not None
    assert store.forget(sid, applied.version) is True
    assert store.get(sid) is None
    assert store.timeline(sid) == []
    assert sid not in [c.server_call_id for c in store.day_page(T0.date()).calls]
    left = list(calls_table.query_entities("PartitionKey eq @pk", parameters={"pk": call_folder(sid)}))
    indexed = list(calls_table.query_entities("ServerCallId eq @sid", parameters={"sid": sid}))
    assert (left, indexed) == ([], [])


class RequestLog(SansIOHTTPPolicy[Any, Any]):
    """An azure-core policy that notes the method and path of every request a table client sends."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_request(self, request: PipelineRequest[Any]) -> None:
        self.seen.append(f"{request.http_request.method} {request.http_request.url.split('?', 1)[0]}")

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        return


def logged_store(calls_table: TableClient, storage_connection_string: str) -> tuple[TableCallStore, RequestLog]:
    """A store on ``calls_table`` whose client notes every request it sends."""
    requests = RequestLog()
    logged = TableClient.from_connection_string(
        storage_connection_string, calls_table.table_name, per_call_policies=[requests]
    )
    return TableCallStore(logged), requests


def test_a_write_to_a_call_that_was_not_open_deletes_no_sweeper_row(
    calls_table: TableClient, storage_connection_string: str
) -> None:
    store, requests = logged_store(calls_table, storage_connection_string)
    sid = server_call_id()
    store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid"))
    assert not [r for r in requests.seen if r.startswith("DELETE")], "a ringing call never had a sweeper row"
    store.apply(sid, ev.CallAnswered("e2", at(1), "eventgrid", call_connection_id="conn"))
    store.apply(sid, ev.CallDisconnected("e3", at(2), "callback"))
    assert len([r for r in requests.seen if r.startswith("DELETE")]) == 1, "the call left the sweeper's index once"
    assert sid not in open_ids(store)


def test_a_ring_based_on_a_new_call_reads_nothing_and_its_redelivery_is_still_a_duplicate(
    calls_table: TableClient, storage_connection_string: str
) -> None:
    store, requests = logged_store(calls_table, storage_connection_string)
    sid = server_call_id()
    ring = ev.CallRinging("ring-1", at(0), "eventgrid", caller="4:+1")
    first = store.apply(sid, ring, based_on=NEW_CALL)
    assert (first.duplicate, first.version) == (False, 1)
    assert not [r for r in requests.seen if r.startswith("GET")], "a new call is created without a read"
    again = store.apply(sid, ring, based_on=NEW_CALL)
    assert (again.duplicate, again.version) == (True, 1)
    assert [line["event"] for line in store.timeline(sid)].count("CallRinging") == 1


def test_a_write_based_on_the_one_before_it_reads_nothing_and_starts_from_what_a_read_would_find(
    calls_table: TableClient, storage_connection_string: str
) -> None:
    store, requests = logged_store(calls_table, storage_connection_string)
    sid = server_call_id()
    ring = store.apply(sid, ev.CallRinging("ring-1", at(0), "eventgrid", caller="4:+1"), based_on=NEW_CALL)
    assert ring.loaded == store.load(sid), "the call, its ETag and its version, as the table now holds them"
    requests.seen.clear()
    answered = store.apply(sid, ev.CallAnswered("answered-1", at(1), "eventgrid", call_connection_id="c1"),
                           based_on=ring.loaded)  # fmt: skip
    assert not [r for r in requests.seen if r.startswith("GET")], "written without a read"
    assert (answered.duplicate, answered.version) == (False, 2)
    assert answered.loaded == store.load(sid)


def test_a_write_based_on_a_write_that_was_superseded_lands_on_the_newer_state(store: TableCallStore) -> None:
    sid = server_call_id()
    ring = store.apply(sid, ev.CallRinging("ring-1", at(0), "eventgrid", caller="4:+1"), based_on=NEW_CALL)
    store.apply(sid, ev.CallAnswered("answered-1", at(1), "eventgrid", call_connection_id="c1"))
    connected = store.apply(sid, ev.CallConnected("connected-1", at(2), "callback", call_connection_id="c1"),
                            based_on=ring.loaded)  # fmt: skip
    assert (connected.duplicate, connected.version) == (False, 3)
    assert [line["eventId"] for line in store.timeline(sid)] == ["ring-1", "answered-1", "connected-1"]
    again = store.apply(sid, ev.CallAnswered("answered-1", at(1), "eventgrid", call_connection_id="c1"),
                        based_on=connected.loaded)  # fmt: skip
    assert (again.duplicate, again.version) == (True, 3), "a redelivery based on a fresh write is still a no-op"


def test_a_ring_based_on_a_new_call_is_applied_on_the_call_that_already_exists(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.CallConnected("cb-1", at(1), "callback", call_connection_id="conn"))
    applied = store.apply(sid, ev.CallRinging("ring-1", at(0), "eventgrid", caller="4:+1"), based_on=NEW_CALL)
    assert (applied.duplicate, applied.version) == (False, 2)
    call = store.get(sid)
    assert call is not None
    assert (call.state, call.caller, call.call_connection_id) == (CallState.CONNECTED, "4:+1", "conn")


class IndexOutage(SansIOHTTPPolicy[Any, Any]):
    """An azure-core policy that fails every write to an index partition (``~...``) before it is sent."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if request.http_request.method == "PUT" and "PartitionKey='~" in unquote(request.http_request.url):
            raise ServiceRequestError("the index partition did not answer")


def test_a_ring_whose_index_rows_cannot_be_written_commits_nothing_and_its_redelivery_is_listed(
    calls_table: TableClient, storage_connection_string: str
) -> None:
    outage = TableClient.from_connection_string(
        storage_connection_string, calls_table.table_name, per_call_policies=[IndexOutage()]
    )
    sid = server_call_id()
    ring = ev.CallRinging("ring-1", at(0), "eventgrid", caller="4:+14255550100", callee="8:acs:agent")
    with pytest.raises(ServiceRequestError):
        TableCallStore(outage).apply(sid, ring, based_on=NEW_CALL)
    store = TableCallStore(calls_table)
    assert store.get(sid) is None, "a call is committed only once every index row that lists it is written"
    assert store.apply(sid, ring, based_on=NEW_CALL).duplicate is False
    assert sid in [c.server_call_id for c in store.day_page(T0.date()).calls]
    for caller_or_callee in ("4:+14255550100", "8:acs:agent"):
        found = store.participant_page(participant_key(caller_or_callee)).calls
        assert sid in [c.server_call_id for c in found]
