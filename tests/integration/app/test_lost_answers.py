"""Writes whose answer is lost on the way back (a connection reset after the request was sent), on a real Azurite.

azure-core does not retry a POST after ``ServiceResponseError`` (the write may have landed), and Table inserts and
entity-group transactions are POSTs. The store and the callback token ledger read again and must tell their own
landed write from someone else's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core.exceptions import ServiceResponseError
from azure.data.tables import TableClient

from shared.domain import inputs as ev
from shared.store.callback_guard_table import TableCallbackGuard
from shared.store.table import TableCallStore

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


class LosingAnswers:
    """A ``TableClient`` whose next ``losses`` calls of ``method`` lose their answer; ``landed``: the write happened."""

    def __init__(self, table: TableClient, method: str, losses: int, *, landed: bool) -> None:
        self._table, self._method, self._losses, self._landed = table, method, losses, landed
        self.lost = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._table, name)
        if name != self._method:
            return real

        def losing(*args: Any, **kwargs: Any) -> Any:
            if self.lost >= self._losses:
                return real(*args, **kwargs)
            self.lost += 1
            if self._landed:
                real(*args, **kwargs)
            raise ServiceResponseError("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))")

        return losing


def store_losing(calls_table: TableClient, *, losses: int, landed: bool) -> tuple[TableCallStore, LosingAnswers]:
    table = LosingAnswers(calls_table, "submit_transaction", losses, landed=landed)
    return TableCallStore(table, backoff_seconds=0.0), table  # type: ignore[arg-type]


def server_call_id() -> str:
    return f"aHR0cHM6Ly9hcGk/{uuid.uuid4()}=="


def test_a_state_write_that_landed_unacknowledged_is_this_applys_own_not_a_duplicate(calls_table: TableClient) -> None:
    sid = server_call_id()
    TableCallStore(calls_table).apply(sid, ev.CallRinging("e1", T0, "eventgrid", caller="4:+1", callee="4:+2"))
    store, table = store_losing(calls_table, losses=1, landed=True)
    applied = store.apply(sid, ev.CallAnswered("e2", T0, "eventgrid", call_connection_id="conn"))
    assert table.lost == 1
    assert not applied.duplicate, "the caller must still do what follows the write (enqueue, start, manifest)"
    assert applied.version == 2
    assert applied.previous is not None
    assert applied.previous.state.value == "ringing"
    assert applied.call is not None
    assert applied.call.call_connection_id == "conn"
    assert [line["event"] for line in store.timeline(sid)] == ["CallRinging", "CallAnswered"]
    again = store.apply(sid, ev.CallAnswered("e2", T0, "eventgrid", call_connection_id="conn"))
    assert again.duplicate, "a redelivery of the same event is still a duplicate"


def test_a_state_write_lost_before_it_landed_is_written_once_on_the_next_attempt(calls_table: TableClient) -> None:
    sid = server_call_id()
    store, table = store_losing(calls_table, losses=2, landed=False)
    applied = store.apply(sid, ev.CallRinging("e1", T0, "eventgrid", caller="4:+1", callee="4:+2"))
    assert table.lost == 2
    assert (applied.duplicate, applied.version, applied.previous) == (False, 1, None)
    assert len(store.timeline(sid)) == 1


def test_a_token_insert_that_landed_unacknowledged_is_this_requests_first_use(calls_table: TableClient) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    landed = LosingAnswers(calls_table, "create_entity", 1, landed=True)
    guard = TableCallbackGuard(landed)  # type: ignore[arg-type]
    assert guard.first_use("token:a", expires)
    assert landed.lost == 1
    assert not TableCallbackGuard(calls_table).first_use("token:a", expires), "a replay is still refused"


def test_a_token_insert_lost_every_time_fails_the_request_so_acs_retries(calls_table: TableClient) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    guard = TableCallbackGuard(LosingAnswers(calls_table, "create_entity", 3, landed=False))  # type: ignore[arg-type]
    try:
        guard.first_use("token:b", expires)
    except ServiceResponseError:
        pass
    else:
        raise AssertionError("three lost answers in a row must fail the request, not accept or refuse it")
    assert TableCallbackGuard(calls_table).first_use("token:b", expires), "nothing was written"
