"""The search query: a participant as typed, a range of days with its last day included, a verdict, pages."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from shared.domain import inputs as ev
from shared.handlers.search import search
from tests.unit.handlers.fakes import World, world

DAY = datetime(2026, 12, 7, tzinfo=UTC)


def called(w: World, at: datetime, caller: str = "4:+14255550100") -> str:
    sid = base64.b64encode(f"call-{at.isoformat()}-{caller}".encode()).decode()  # as ACS's: clean base64
    w.store.apply(sid, ev.CallRinging(f"r-{sid}", at, "eventgrid", caller=caller, callee="4:+18005550100"))
    return sid


def found(w: World, **params: str) -> list[str]:
    reply = search(params, w.deps)
    assert reply.status == 200, reply.body
    return [c["serverCallId"] for c in reply.body["calls"]]


def test_a_range_of_days_includes_its_last_day_and_not_the_next() -> None:
    w = world()
    before, first, last, after = (called(w, DAY + timedelta(days=n, hours=23)) for n in (-1, 0, 1, 2))
    assert found(w, participant="+1 425 555 0100", **{"from": "2026-12-07", "to": "2026-12-08"}) == [last, first]
    assert found(w, participant="14255550100", **{"from": "2026-12-08T23:00:00Z"}) == [after, last]
    assert set(found(w, participant="4:+14255550100")) == {before, first, last, after}


def test_another_participants_calls_are_not_found() -> None:
    w = world()
    called(w, DAY, caller="4:+14255550199")
    assert found(w, participant="+1 425 555 0100") == []


def test_a_verdict_keeps_calls_with_a_recording_of_that_verdict() -> None:
    w = world()
    called(w, DAY)
    assert found(w, participant="+1 425 555 0100", verdict="complete") == []


def test_pages_continue_where_the_last_one_ended() -> None:
    w = world()
    made = [called(w, DAY + timedelta(minutes=n)) for n in range(3)]
    first = search({"participant": "+14255550100", "limit": "2"}, w.deps).body
    rest = search({"participant": "+14255550100", "continuation": first["continuation"]}, w.deps).body
    assert [c["serverCallId"] for c in first["calls"] + rest["calls"]] == made[::-1]
    assert "continuation" not in rest


def test_pages_continue_past_a_call_whose_id_is_not_clean_base64() -> None:
    w = world()
    for n in range(2):
        w.store.apply(
            f"not base64 {n}", ev.CallRinging(f"r{n}", DAY + timedelta(minutes=n), "eventgrid", caller="4:+14255550100")
        )
    first = search({"participant": "+14255550100", "limit": "1"}, w.deps).body
    rest = search({"participant": "+14255550100", "continuation": first["continuation"]}, w.deps)
    assert rest.status == 200, rest.body
    assert [c["serverCallId"] for c in rest.body["calls"]] == ["not base64 0"]
