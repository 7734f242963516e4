"""The Table-storage call store on a real Azurite: atomic transitions, ledger, concurrency, indexes."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import CallState, ChunkFile, ChunkState, FilesInfo, InvalidTransition, RecordingState
from shared.domain import events as ev
from shared.store.table import TableCallStore

T0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def files_ready(recording_id: str, chunks: int, event_id: str = "files-1") -> ev.FilesReady:
    info = FilesInfo(T0, 1000, "audio", "unmixed", "wav", "CallEnded", "acs", "p/manifest.json", at(60))
    files = tuple(
        ChunkFile(
            i,
            f"doc{i}",
            "SessionEnded",
            f"https://x.asm.skype.com/c{i}",
            f"https://x.asm.skype.com/m{i}",
            f"https://x.asm.skype.com/d{i}",
            f"p/chunk-{i:04d}.wav",
            f"p/chunk-{i:04d}.metadata.json",
        )
        for i in range(chunks)
    )
    return ev.FilesReady(event_id, at(60), "eventgrid", recording_id=recording_id, info=info, chunks=files)


def server_call_id() -> str:
    return f"aHR0cHM6Ly9hcGk/{uuid.uuid4()}=="


def test_a_redelivered_event_is_a_no_op(store: TableCallStore) -> None:
    sid = server_call_id()
    first = store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid", caller="4:+1", callee="4:+2"))
    again = store.apply(sid, ev.CallRinging("e1", at(0), "eventgrid", caller="4:+1", callee="4:+2"))
    assert not first.duplicate
    assert again.duplicate
    assert len(store.timeline(sid)) == 1


def test_a_redelivered_event_that_would_now_be_illegal_is_still_a_no_op(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, ev.PauseRecording("p1", at(1), "api"))
    assert store.apply(sid, ev.PauseRecording("p1", at(1), "api")).duplicate
    with pytest.raises(InvalidTransition, match="recording is paused"):
        store.apply(sid, ev.PauseRecording("p2", at(2), "api"))


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
    assert [c.file.blob_path for c in recording.chunks] == ["p/chunk-0000.wav", "p/chunk-0001.wav"]


def test_concurrent_writers_lose_no_update(store: TableCallStore) -> None:
    sid = server_call_id()
    chunks = 24
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, files_ready("rec", chunks))

    def archive(index: int) -> bool:
        event = ev.ChunkArchived(f"a{index}", at(70 + index), "archive", recording_id="rec", index=index, size=index)
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
    store.apply(first, ev.CallConnected("e3", at(5), "callback"))
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
    store.apply(sid, ev.ChunkArchived("a0", at(70), "archive", recording_id="rec", index=0, size=1))
    assert sid not in [c.server_call_id for c in store.open_calls()]


def test_a_large_call_state_is_split_across_properties(store: TableCallStore) -> None:
    sid = server_call_id()
    store.apply(sid, ev.RecordingStateReported("r1", at(0), "callback", recording_id="rec", active=True))
    store.apply(sid, files_ready("rec", 300))
    call = store.get(sid)
    assert call is not None
    recording = call.recording("rec")
    assert recording is not None
    assert len(recording.chunks) == 300
