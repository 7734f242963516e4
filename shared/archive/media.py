"""Copy one chunk's media: ordered blocks in, SHA-256 in order, bytes out to memory or to staged blocks.

A chunk known from its first answer to pass the threshold, served in ranges, is copied in lanes
(``shared.archive.lanes``). Otherwise up to ``concurrency`` ranged downloads and ``concurrency`` block uploads run at once, so neither side waits for the
other's slowest request. Every block in memory (being downloaded, hashed or staged) holds one of
``2 x concurrency`` permits, so the bytes held at once stay near ``2 x concurrency x block_size`` whatever the
chunk's size.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass

from shared.archive.copy_options import ArchiveOptions
from shared.archive.errors import ArchivePermanentError, ArchiveTransientError
from shared.archive.fetch import FirstBlock, Reader, read_first, read_next, read_range
from shared.archive.lanes import copy_in_lanes
from shared.archive.source import RecordingSource
from shared.archive.writer import Stager

Follow = Callable[[int], Callable[[bytes], None]]
"""Given the chunk's size, what takes each of its pieces in order as it is copied."""


@dataclass(frozen=True)
class CopiedMedia:
    size: int
    sha256: str
    streamed: bool
    payload: bytes | None  # the media when not streamed


class Sink:
    """Hash blocks in order and keep them in memory, or stage them once the chunk is known to pass the threshold."""

    def __init__(
        self, threshold: int, total: int | None, permits: threading.Semaphore, make_stager: Callable[[], Stager]
    ) -> None:
        self._threshold, self._permits, self._make_stager = threshold, permits, make_stager
        self._hash = hashlib.sha256()
        self.size = 0
        in_memory = total is None or total <= threshold
        self._parts: list[bytes] | None = [] if in_memory else None
        self._stager: Stager | None = None if in_memory else make_stager()

    def write(self, data: bytes) -> None:
        """Take one block (holding a permit, given back once the block is stored)."""
        self._hash.update(data)
        self.size += len(data)
        if self._stager is not None:
            self._stager.stage(data)
            return
        assert self._parts is not None
        self._parts.append(data)
        self._permits.release()
        if self.size > self._threshold:
            self._spill()

    def _spill(self) -> None:
        """The chunk turned out larger than the threshold: move what is buffered into staged blocks."""
        self._stager = self._make_stager()
        for part in self._parts or ():
            self._stager.stage(part, holds_permit=False)
        self._parts = None

    def finish(self, total: int | None, metadata: Callable[[str], dict[str, str]], kind: str) -> CopiedMedia:
        if total is not None and self.size < total:
            raise ArchiveTransientError(f"ACS body cut short: {self.size} of {total} bytes")
        if total is not None and self.size > total:
            raise ArchivePermanentError(f"ACS sent {self.size} bytes for a chunk declared as {total}")
        digest = self._hash.hexdigest()
        if self._stager is None:
            return CopiedMedia(self.size, digest, streamed=False, payload=b"".join(self._parts or ()))
        self._stager.commit(metadata(digest), kind)
        return CopiedMedia(self.size, digest, streamed=True, payload=None)

    def abandon(self) -> None:
        if self._stager is not None:
            self._stager.abandon()


def ranged_blocks(
    first: FirstBlock,
    source: RecordingSource,
    url: str,
    block: int,
    permits: threading.Semaphore,
    pool: ThreadPoolExecutor,
) -> Generator[bytes]:
    """Blocks of a chunk of known size, downloaded in parallel as ranges, yielded in order."""
    yield first.data
    total = first.total or 0
    todo = deque(range(block, total, block))
    pending: deque[Future[bytes]] = deque()
    try:
        while todo or pending:
            while todo and permits.acquire(blocking=not pending):
                offset = todo.popleft()
                pending.append(
                    pool.submit(copy_context().run, read_range, source, url, offset, min(block, total - offset), total)
                )
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def streamed_blocks(first: bytes, rest: Reader, block: int, permits: threading.Semaphore) -> Generator[bytes]:
    """Blocks of one whole-object answer (the server ignored the range), read in order."""
    try:
        yield first
        while True:
            permits.acquire()
            data = rest.read(block)
            if not data:
                permits.release()
                return
            yield data
    finally:
        rest.close()


def probed_blocks(
    first: bytes, source: RecordingSource, url: str, block: int, permits: threading.Semaphore
) -> Generator[bytes]:
    """Blocks of a chunk whose size no answer declared: ranges one after another until a short one."""
    yield first
    offset, last = len(first), first
    while len(last) == block:
        permits.acquire()
        last = read_next(source, url, offset, block)
        if not last:
            permits.release()
            return
        yield last
        offset += len(last)


def _in_lanes(
    first: FirstBlock,
    source: RecordingSource,
    url: str,
    options: ArchiveOptions,
    stager: Stager,
    metadata: Callable[[str], dict[str, str]],
    kind: str,
    pool: ThreadPoolExecutor,
    follow: Follow | None,
) -> CopiedMedia:
    """A chunk known to pass the threshold, served in ranges: copied in lanes, committed once every block is stored."""
    total = first.total or 0
    try:
        feed = follow(total) if follow is not None else None
        digest = copy_in_lanes(first, source, url, options.block_size_bytes, pool, stager, feed)
    except BaseException:
        stager.abandon()
        raise
    stager.commit(metadata(digest), kind)
    return CopiedMedia(total, digest, streamed=True, payload=None)


def copy_media(
    source: RecordingSource,
    url: str,
    options: ArchiveOptions,
    make_stager: Callable[[ThreadPoolExecutor, threading.Semaphore], Stager],
    metadata: Callable[[str], dict[str, str]],
    kind: str,
    follow: Follow | None = None,
) -> CopiedMedia:
    """Download ``url`` and verify its size and SHA-256; small chunks come back as bytes, large ones are committed.
    A chunk copied in lanes hands every piece in order to ``follow(total)`` (the other ways of copying do not)."""
    block, workers = options.block_size_bytes, options.concurrency
    permits = threading.Semaphore(2 * workers)
    with (
        ThreadPoolExecutor(workers, thread_name_prefix="archive-get") as downloads,
        ThreadPoolExecutor(workers, thread_name_prefix="archive-put") as uploads,
    ):
        permits.acquire()
        first = read_first(source, url, block)
        if first.rest is None and first.total is not None and first.total > options.streaming_threshold_bytes:
            stager = make_stager(uploads, permits)
            return _in_lanes(first, source, url, options, stager, metadata, kind, downloads, follow)
        sink = Sink(options.streaming_threshold_bytes, first.total, permits, lambda: make_stager(uploads, permits))
        blocks: Generator[bytes]
        if first.rest is not None:
            blocks = streamed_blocks(first.data, first.rest, block, permits)
        elif first.total is not None:
            blocks = ranged_blocks(first, source, url, block, permits, downloads)
        else:
            blocks = probed_blocks(first.data, source, url, block, permits)
        try:
            for data in blocks:
                sink.write(data)
            return sink.finish(first.total, metadata, kind)
        except BaseException:
            sink.abandon()
            raise
        finally:
            blocks.close()
