"""Copy a chunk of known size in lanes: each block is downloaded, hashed in turn and staged by one thread.

A lane holds one block at a time, from its download until it is stored, so the bytes held at once are at most
``concurrency x block_size`` (plus the first block) whatever the chunk's size, and every block is freed by the thread
that allocated it, which keeps the allocator from spreading freed blocks over per-thread arenas. SHA-256 is taken
in block order: a lane hashes its block only after the lane of the block before it did.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextvars import copy_context

from shared.archive.errors import ArchivePermanentError
from shared.archive.fetch import FirstBlock, read_range_pieces
from shared.archive.source import RecordingSource
from shared.archive.writer import Stager


class Stopped(Exception):
    """Another lane failed: this one stops before hashing."""


class Turns:
    """Lets block ``k`` be hashed only after block ``k - 1``, whichever threads hold them."""

    def __init__(self) -> None:
        self._next, self._stopped = 0, False
        self._changed = threading.Condition()

    def take(self, index: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._next == index or self._stopped)
            if self._stopped:
                raise Stopped

    def give(self, index: int) -> None:
        with self._changed:
            self._next = index + 1
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()


def copy_in_lanes(
    first: FirstBlock,
    source: RecordingSource,
    url: str,
    block: int,
    pool: ThreadPoolExecutor,
    stager: Stager,
    follow: Callable[[bytes], None] | None = None,
) -> str:
    """Download, hash and stage every block of a chunk of ``first.total`` bytes; its SHA-256 (blocks not committed).
    ``follow`` is handed every piece in order as it is hashed.

    Takes ``first.pieces`` over (the first block is let go once staged). Tasks are queued in block order, so a lane
    waiting for its turn never waits on a block that no lane has started.
    """
    total = first.total or 0
    digest, turns = hashlib.sha256(), Turns()
    head = [first.pieces]
    first.pieces = []

    def lane(index: int, offset: int) -> int:
        try:
            pieces = (
                head.pop() if index == 0 else read_range_pieces(source, url, offset, min(block, total - offset), total)
            )
            turns.take(index)
            for piece in pieces:
                digest.update(piece)
                if follow is not None:
                    follow(piece)
            turns.give(index)
            stager.stage_at(index, pieces)
            return sum(len(piece) for piece in pieces)
        except BaseException:
            turns.stop()
            raise

    futures = [
        pool.submit(copy_context().run, lane, index, offset) for index, offset in enumerate(range(0, total, block))
    ]
    copied = _collect(futures, turns)
    if copied != total:
        raise ArchivePermanentError(f"copied {copied} bytes of a chunk declared as {total}")
    return digest.hexdigest()


def _collect(futures: list[Future[int]], turns: Turns) -> int:
    """The bytes every lane copied; on a failure, the first real error once every lane stopped."""
    try:
        return sum(future.result() for future in futures)
    except BaseException as failure:
        turns.stop()
        for future in futures:
            future.cancel()
        wait(futures)
        for future in futures:
            error = None if future.cancelled() else future.exception()
            if error is not None and not isinstance(error, Stopped):
                raise error from error.__cause__
        raise failure
