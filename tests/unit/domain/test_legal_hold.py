"""LegalHoldChanged in the state machine: held, cleared, kept across a redelivery and through the state row."""

from __future__ import annotations

from shared.domain import Call, LegalHold, replay
from shared.domain import inputs as ev
from shared.domain.codec import dump, load_call
from shared.domain.timeline import entry
from tests.unit.domain.builders import SID, at, connected, files_ready, ringing


def hold(held: bool, t: float, event_id: str, tag: str = "") -> ev.LegalHoldChanged:
    return ev.LegalHoldChanged(
        event_id=event_id, at=at(t), source="api", held=held, blob_versions=4, tag=tag, reason="dispute"
    )


def run(*inputs: ev.Input) -> Call:
    call = replay(SID, inputs)
    assert call is not None
    return call


def test_a_hold_names_its_first_time_and_its_newest_words() -> None:
    call = run(ringing(), connected(), files_ready(), hold(True, 100, "h1", "a"), hold(True, 200, "h2", "b"))
    assert call.legal_hold == LegalHold(since=at(100), tag="b", reason="dispute")


def test_clearing_forgets_the_hold_and_a_later_hold_starts_anew() -> None:
    cleared = run(ringing(), files_ready(), hold(True, 100, "h1"), hold(False, 150, "c1"))
    assert cleared.legal_hold is None
    again = run(ringing(), files_ready(), hold(True, 100, "h1"), hold(False, 150, "c1"), hold(True, 300, "h2"))
    assert again.legal_hold is not None
    assert again.legal_hold.since == at(300)


def test_a_redelivered_clear_does_not_undo_a_later_hold() -> None:
    call = run(ringing(), hold(True, 100, "h1"), hold(False, 150, "c1"), hold(True, 200, "h2"), hold(False, 150, "c1"))
    assert call.legal_hold == LegalHold(since=at(200), tag="", reason="dispute")


def test_the_hold_survives_the_state_row() -> None:
    call = run(ringing(), files_ready(), hold(True, 100, "h1", "matter-1"))
    assert load_call(dump(call)) == call


def test_the_timeline_line_says_held_tag_reason_and_how_many_versions() -> None:
    event = hold(True, 100, "h1", "matter-1")
    line = entry(event, run(ringing(), event))
    assert (line["event"], line["held"], line["tag"], line["reason"], line["blobVersions"]) == (
        "LegalHoldChanged",
        True,
        "matter-1",
        "dispute",
        4,
    )
    assert entry(hold(False, 150, "c1"), run(ringing()))["held"] is False
