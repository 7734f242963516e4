"""An in-memory ``RecordingSource``: serves bytes with ranges, declares sizes like ACS, and injects faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from shared.archive.errors import ArchiveTransientError, SourceGoneError
from shared.archive.source import RecordingSource, SourceStream

PIECE = 64 * 1024


@dataclass
class FakeSource(RecordingSource):
    objects: dict[str, bytes] = field(default_factory=dict)
    honour_ranges: bool = True
    declare_sizes: bool = True  # False: plain iterators, nothing declared
    cut_at: int | None = None  # every response ends at this absolute offset (a connection that always drops)
    cut_once_at: int | None = None  # only the first response reaching it ends there
    failures: int = 0  # the next N downloads raise a transient error (ACS 503)
    calls: list[tuple[str, int, int | None]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def download(self, url: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        with self._lock:
            self.calls.append((url, offset, length))
            if self.failures:
                self.failures -= 1
                raise ArchiveTransientError("ACS download failed (503)")
        if url not in self.objects:
            raise SourceGoneError(f"recording gone at ACS (404): {url}")
        data = self.objects[url]
        ranged = self.honour_ranges and (offset > 0 or length is not None)
        start = offset if ranged else 0
        end = min(len(data), offset + length) if ranged and length is not None else len(data)
        body = self._cut(start, end)
        if not self.declare_sizes:
            return iter(self._pieces(data, start, body))
        return SourceStream(
            self._pieces(data, start, body), start=start, length=end - start, total=len(data), partial=ranged
        )

    def _cut(self, start: int, end: int) -> int:
        with self._lock:
            if self.cut_once_at is not None and start <= self.cut_once_at < end:
                cut, self.cut_once_at = self.cut_once_at, None
                return cut
        return min(end, self.cut_at) if self.cut_at is not None and start <= self.cut_at else end

    @staticmethod
    def _pieces(data: bytes, start: int, end: int) -> Iterator[bytes]:
        for position in range(start, end, PIECE):
            yield data[position : min(end, position + PIECE)]

    def delete(self, url: str) -> None:
        self.deleted.append(url)
