"""Search by participant on a real Azurite: the participant's index lists their calls newest first, in a time range,
by verdict, page by page, as typed by a person; only that participant's calls are read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableClient

from shared.domain import Call, RecordingOptions
from shared.domain import inputs as ev
from shared.store.rows import participant_partition
from shared.store.table import TableCallStore
from tests.integration.app.emulated import CALLER, Acs
from tests.integration.app.flow import stopped_recording
from tests.integration.app.functions import App

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PERSON = "4:+14255550100"


def server_call_id() -> str:
    return f"aHR0cHM6Ly9hcGk/{uuid.uuid4()}=="


def ringing(store: TableCallStore, at: datetime, caller: str = PERSON) -> str:
    sid = server_call_id()
    store.apply(sid, ev.CallRinging(f"r-{sid}", at, "eventgrid", caller=caller, callee="4:+18005550100"))
    return sid


def ids(calls: list) -> list[str]:  # type: ignore[type-arg]
    return [c.server_call_id for c in calls]


def test_a_participants_calls_are_listed_newest_first_page_by_page(store: TableCallStore) -> None:
    made = [ringing(store, T0 + timedelta(hours=n)) for n in range(5)]
    ringing(store, T0, caller="4:+14255550199")  # someone else
    first = store.participant_page(PERSON, limit=2)
    second = store.participant_page(PERSON, after=first.after, limit=2)
    last = store.participant_page(PERSON, after=second.after, limit=2)
    assert [ids(p.calls) for p in (first, second, last)] == [made[4:2:-1], made[2:0:-1], made[:1]]
    assert last.after == ""


class CountingStore(TableCallStore):
    """The store, counting the calls it reads."""

    def __init__(self, table: TableClient) -> None:
        super().__init__(table)
        self.read: list[str] = []

    def get(self, server_call_id: str) -> Call | None:
        self.read.append(server_call_id)
        return super().get(server_call_id)


def test_a_search_reads_the_participants_calls_only_not_the_days(calls_table: TableClient) -> None:
    store = CountingStore(calls_table)
    others = [ringing(store, T0, caller=f"4:+1425555{n:04d}") for n in range(1, 13)]
    mine = ringing(store, T0 + timedelta(minutes=1))
    store.read.clear()
    assert ids(store.participant_page(PERSON).calls) == [mine]
    assert store.read == [mine]
    assert len(store.day_page(T0.date()).calls) == len(others) + 1, "the day holds every call"


def test_a_time_range_keeps_the_calls_that_started_in_it(store: TableCallStore) -> None:
    made = [ringing(store, T0 + timedelta(days=n)) for n in range(4)]
    found = store.participant_page(PERSON, since=T0 + timedelta(days=1), until=T0 + timedelta(days=3))
    assert ids(found.calls) == [made[2], made[1]], "from inclusive, to exclusive"


def test_a_participant_a_recording_names_later_is_indexed_then(store: TableCallStore) -> None:
    sid = ringing(store, T0)
    options = RecordingOptions(content="audio", channel="unmixed", format="wav", channel_affinity=((1, "8:acs:agent"),))
    store.apply(sid, ev.StartRecording("s1", T0, "api", request_id="q1", options=options))
    assert ids(store.participant_page("8:acs:agent").calls) == [sid]


def test_a_forgotten_call_leaves_no_index_row(store: TableCallStore, calls_table: TableClient) -> None:
    sid = ringing(store, T0)
    assert store.forget(sid, store.load(sid).version)
    rows = list(calls_table.query_entities("PartitionKey eq @pk", parameters={"pk": participant_partition(PERSON)}))
    assert rows == []


def search(app: App, **params: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, body = app.api("search_calls", "GET", {}, **params)
    return status, body


@pytest.mark.parametrize("typed", ["+1 425 555 0123", "14255550123", "4:+14255550123"])
def test_the_api_finds_a_recorded_call_by_its_caller_as_typed(app: App, acs: Acs, typed: str) -> None:
    assert CALLER == "4:+14255550123"
    sid, _, event = stopped_recording(app, acs, media_seconds=1)
    for job in app.grid(event):
        app.run_chunk(job)
    status, body = search(app, participant=typed)
    assert status == 200, body
    assert body["participant"] == CALLER
    assert [c["serverCallId"] for c in body["calls"]] == [sid]
    assert search(app, participant=typed, verdict="complete")[1]["calls"] == body["calls"]
    assert search(app, participant=typed, verdict="failed")[1]["calls"] == []
    assert search(app, participant=typed, **{"from": "2000-01-01", "to": "2000-01-02"})[1]["calls"] == []


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({}, "participant: give a phone number"),
        ({"participant": "425 555"}, "country code"),
        ({"participant": PERSON, "from": "yesterday"}, "from: must be YYYY-MM-DD"),
        ({"participant": PERSON, "from": "2026-12-02", "to": "2026-12-01"}, "to: must be after from"),
        ({"participant": PERSON, "verdict": "good"}, "verdict: must be one of"),
        ({"participant": PERSON, "limit": "0"}, "limit:"),
        ({"participant": PERSON, "continuation": "!!"}, "continuation:"),
    ],
)
def test_a_bad_search_is_a_400_that_says_what_is_wrong(app: App, params: dict[str, str], says: str) -> None:
    status, body = search(app, **params)
    assert status == 400
    assert says in body["error"]
