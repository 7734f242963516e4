"""``SplitAlong``: a chunk's pieces reach the participant split in order, on its own thread, and neither side can
hold the other up: a split that stops early or fails lets the copy go on, and a failed copy ends the split."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from shared.archive.splitalong import HEAD_BYTES, QUEUE_PIECES, SplitAlong

Files = tuple[dict[str, Any], ...]


def recorder(seen: list[bytes], totals: list[int]) -> Any:
    def split(pieces: Iterator[bytes], total: int) -> Files:
        totals.append(total)
        seen.extend(pieces)
        return ({"participantId": "8:acs:agent", "size": sum(len(p) for p in seen)},)

    return split


def test_pieces_reach_the_split_in_order_the_first_grown_to_hold_the_header() -> None:
    seen: list[bytes] = []
    totals: list[int] = []
    along = SplitAlong(recorder(seen, totals))
    feed = along.along(3 * HEAD_BYTES)
    pieces = [bytes([n]) * (HEAD_BYTES // 2) for n in range(6)]
    for piece in pieces:
        feed(piece)
    assert along.finish() == ({"participantId": "8:acs:agent", "size": 3 * HEAD_BYTES},)
    assert b"".join(seen) == b"".join(pieces)
    assert len(seen[0]) >= HEAD_BYTES, "the first block the split sees holds the WAV header"
    assert totals == [3 * HEAD_BYTES]


def test_nothing_fed_means_nothing_split() -> None:
    along = SplitAlong(recorder([], []))
    assert along.finish() is None


def test_a_split_that_needs_no_more_does_not_hold_up_the_copy() -> None:
    def head_only(pieces: Iterator[bytes], total: int) -> Files:
        next(pieces)
        return ()

    along = SplitAlong(head_only)
    feed = along.along(HEAD_BYTES * 100)
    for _ in range(10 * QUEUE_PIECES):
        feed(b"x" * HEAD_BYTES)
    assert along.finish() == ()


def test_a_failed_split_lets_the_copy_finish_and_raises_its_error_at_the_end() -> None:
    def failing(pieces: Iterator[bytes], total: int) -> Files:
        next(pieces)
        raise OSError("storage refused a participant block")

    along = SplitAlong(failing)
    feed = along.along(HEAD_BYTES * 100)
    for _ in range(10 * QUEUE_PIECES):
        feed(b"x" * HEAD_BYTES)
    with pytest.raises(OSError, match="participant block"):
        along.finish()


def test_an_abandoned_copy_ends_the_split_short() -> None:
    ended = threading.Event()

    def split(pieces: Iterator[bytes], total: int) -> Files:
        got = sum(len(piece) for piece in pieces)
        if got < total:
            ended.set()
            raise OSError(f"media ended after {got} of {total} bytes")
        return ()

    along = SplitAlong(split)
    along.along(HEAD_BYTES * 4)(b"x" * HEAD_BYTES)
    along.abandon()
    assert ended.is_set()
