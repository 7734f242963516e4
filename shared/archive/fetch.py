"""Read byte ranges from a ``RecordingSource``, checking every byte count the server declared."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from shared.archive.errors import ArchivePermanentError, ArchiveTransientError
from shared.archive.source import RecordingSource, SourceStream

log = logging.getLogger(__name__)
RANGE_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2


class SizeMismatch(ArchiveTransientError):
    """The server's declarations disagree with each other (permanent once retries are used up)."""


class Reader:
    """Pull exact-size reads out of an iterator of arbitrarily sized pieces."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._left = b""

    def close(self) -> None:
        _close(self._pieces)

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream (no copy when one piece holds them)."""
        return b"".join(self.read_pieces(size))

    def read_pieces(self, size: int) -> list[bytes]:
        """Up to ``size`` bytes as the pieces served (the last one cut to fit); fewer only at the end."""
        parts, have = ([self._left], len(self._left)) if self._left else ([], 0)
        self._left = b""
        while have < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            parts.append(piece)
            have += len(piece)
        if have > size:
            last = parts[-1]
            keep = len(last) - (have - size)
            parts[-1], self._left = last[:keep], last[keep:]
        return parts


@dataclass
class FirstBlock:
    """The first block of a chunk, as the pieces served, and what it told us about the rest."""

    pieces: list[bytes]  # emptied by whoever stores them, so the block is let go once stored
    total: int | None  # size of the chunk, when the server declared it
    rest: Reader | None  # the same response continues past the block (the server ignored the range)

    @property
    def data(self) -> bytes:
        return b"".join(self.pieces)


def _facts(stream: object) -> SourceStream:
    return stream if isinstance(stream, SourceStream) else SourceStream(iter(()), partial=True)


def _close(stream: object) -> None:
    if isinstance(stream, SourceStream):
        stream.close()


def read_first(source: RecordingSource, url: str, size: int) -> FirstBlock:
    """Read bytes ``[0, size)``; learn the chunk's size; keep a whole-object answer open to read on from."""
    stream = source.download(url, 0, size)
    facts = _facts(stream)
    reader = Reader(stream)
    pieces = reader.read_pieces(size)
    served = sum(len(piece) for piece in pieces)
    whole_object = not facts.partial
    if whole_object and served == size and (facts.total is None or facts.total > size):
        return FirstBlock(pieces, facts.total, reader)
    _close(stream)
    expected = min(size, facts.total) if facts.total is not None else facts.length
    if expected is not None and served < expected:
        raise ArchiveTransientError(f"ACS body cut short: {served} of {expected} bytes")
    total = facts.total
    if total is None and served < size:
        total = served
    return FirstBlock(pieces, total, None)


def read_next(source: RecordingSource, url: str, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes from ``offset`` of an object of unknown size (empty past its end)."""
    stream = source.download(url, offset, size)
    try:
        return Reader(stream).read(size)
    finally:
        _close(stream)


def read_range(source: RecordingSource, url: str, offset: int, length: int, total: int) -> bytes:
    """Bytes ``[offset, offset+length)`` of an object of ``total`` bytes, retried when cut short or inconsistent."""
    return b"".join(read_range_pieces(source, url, offset, length, total))


def read_range_pieces(source: RecordingSource, url: str, offset: int, length: int, total: int) -> list[bytes]:
    """``read_range`` as the pieces served, not joined into one buffer."""
    for attempt in range(1, RANGE_ATTEMPTS + 1):
        try:
            return _read_range_once(source, url, offset, length, total)
        except SizeMismatch as exc:
            if attempt == RANGE_ATTEMPTS:
                raise ArchivePermanentError(exc.reason) from exc
            failure: ArchiveTransientError = exc
        except ArchiveTransientError as exc:
            if attempt == RANGE_ATTEMPTS:
                raise
            failure = exc
        log.warning("range %s+%s of %s failed (attempt %s): %s", offset, length, url, attempt, failure.reason)
        time.sleep(RETRY_DELAY_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _read_range_once(source: RecordingSource, url: str, offset: int, length: int, total: int) -> list[bytes]:
    stream = source.download(url, offset, length)
    try:
        facts = _facts(stream)
        if facts.total is not None and facts.total != total:
            raise SizeMismatch(f"ACS declared {facts.total} bytes, earlier {total}")
        if not facts.partial or facts.start != offset:
            raise SizeMismatch(f"ACS did not serve the range at {offset} (served from {facts.start})")
        reader = Reader(stream)
        pieces = reader.read_pieces(length)
        served = sum(len(piece) for piece in pieces)
        if served < length:
            raise ArchiveTransientError(f"ACS body cut short: {served} of {length} bytes at {offset}")
        if reader.read(1):
            raise SizeMismatch(f"ACS sent more than the {length} bytes asked for at {offset}")
        return pieces
    finally:
        _close(stream)
