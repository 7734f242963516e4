"""The participant split of a chunk fed from its copy, so a streamed chunk is not read back from storage to split.

The copy hands ``feed`` every piece of the chunk in order (``shared.archive.lanes`` does so as it hashes); the
first piece starts ``split_participants`` on a thread of its own, which takes the pieces from a short queue. The
queue is bounded, so the copy waits for the split rather than the pieces piling up; a split that fails lets the copy
go on (its error is raised by ``finish``), and so does a split that needs no more of it. Nothing fed, nothing split: ``finish`` returns None and the caller splits
the way it would have.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

Split = Callable[[Iterator[bytes], int], tuple[dict[str, Any], ...]]
"""The split of a chunk of the given size, from its pieces in order."""
QUEUE_PIECES = 4  # pieces waiting for the split at most (each one is a piece the copy holds anyway)
HEAD_BYTES = 64 * 1024  # the split's first block: the WAV header and the start of its data
_END = b""  # what ``feed`` never passes on: the end of the chunk
_PUT_WAIT_SECONDS = 0.1


class SplitAlong:
    """Feeds a chunk's pieces, as they are copied, to ``split`` (the per-participant files) on its own thread."""

    def __init__(self, split: Split) -> None:
        self._split = split
        self._queue: queue.Queue[bytes] = queue.Queue(QUEUE_PIECES)
        self._stopped = threading.Event()  # the split returned or failed: later pieces are not wanted
        self._pool: ThreadPoolExecutor | None = None
        self._result: Future[tuple[dict[str, Any], ...]] | None = None
        self._total = 0

    def along(self, total: int) -> Callable[[bytes], None]:
        """``feed``, for a chunk of ``total`` bytes (``shared.archive.media.Follow``)."""
        self._total = total
        return self.feed

    def feed(self, piece: bytes) -> None:
        """The next piece of the chunk (in order); the split starts with the first."""
        if not piece:
            return
        if self._result is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="archive-split-along")
            self._result = self._pool.submit(contextvars.copy_context().run, self._run)
        self._put(piece)

    def finish(self) -> tuple[dict[str, Any], ...] | None:
        """Every piece was fed: the split's participant files (its error, if it failed); None if nothing was fed."""
        if self._result is None:
            return None
        self._put(_END)
        try:
            return self._result.result()
        finally:
            self._close()

    def abandon(self) -> None:
        """The copy failed: the split ends short of its data and abandons its blobs."""
        if self._result is None:
            return
        self._put(_END)
        try:
            self._result.exception()
        finally:
            self._close()

    def _put(self, piece: bytes) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(piece, timeout=_PUT_WAIT_SECONDS)
                return
            except queue.Full:
                continue

    def _run(self) -> tuple[dict[str, Any], ...]:
        try:
            return self._split(self._pieces(), self._total)
        finally:
            self._stopped.set()

    def _pieces(self) -> Iterator[bytes]:
        """The fed pieces, the first grown to ``HEAD_BYTES`` (or the whole chunk, if shorter)."""
        head = b""
        while len(head) < HEAD_BYTES:
            piece = self._queue.get()
            if not piece:
                break
            head += piece
        if head:
            yield head
        if len(head) < HEAD_BYTES:
            return
        while piece := self._queue.get():
            yield piece

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
