"""The event ids the app makes: one per fact, the same for every run that observes it, distinct across facts."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain import eventids

T = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def test_a_chunk_verified_twice_has_one_id_and_other_chunks_and_recordings_have_others() -> None:
    assert eventids.archived("rec-1", 3) == eventids.archived("rec-1", 3) == "archived:rec-1:3"
    others = {eventids.archived("rec-1", 4), eventids.archived("rec-2", 3), eventids.archive_failed("rec-1", 3)}
    assert eventids.archived("rec-1", 3) not in others
    assert len(others) == 3


def test_a_recording_is_deleted_at_acs_under_one_id() -> None:
    assert eventids.deleted("rec-1") == "deleted:rec-1"
    assert eventids.deleted("rec-1") != eventids.deleted("rec-2")


def test_repeatable_facts_carry_what_tells_their_occurrences_apart() -> None:
    assert eventids.requeued("rec-1", 0, 1) != eventids.requeued("rec-1", 0, 2)
    assert eventids.reconciled("rec-1", "gone", T) != eventids.reconciled("rec-1", "gone", T.replace(minute=5))


def test_the_ids_of_an_answer_and_a_start_follow_the_input_that_caused_them() -> None:
    assert eventids.answer("ev-1") == "answer:ev-1"
    assert len({eventids.answer("ev-1"), eventids.answered("ev-1"), eventids.answer_failed("ev-1")}) == 3
    assert eventids.connect("ev-1") == "connect:ev-1"
    assert {eventids.started("connect:ev-1"), eventids.start_failed("connect:ev-1")} == {
        "started:connect:ev-1",
        "start-failed:connect:ev-1",
    }
