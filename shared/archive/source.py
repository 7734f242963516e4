"""The ACS side of the archive: a port (``RecordingSource``) and its real adapter over the Call Automation SDK."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from shared.archive.errors import ArchivePermanentError
from shared.archive.translate import from_source, status_of

if TYPE_CHECKING:
    from azure.communication.callautomation import CallAutomationClient

log = logging.getLogger(__name__)
_CONTENT_RANGE = re.compile(r"[ \t]*bytes[ \t]+([0-9]+)-([0-9]+)/([0-9]+|\*)[ \t]*", re.IGNORECASE)
# Pieces read from a download response. The SDK's own iterator reads 4 KiB at a time (``connection_data_block_size``),
# which costs a Python round trip per 4 KiB. 1 MiB pieces cost one per MiB, and are small enough for the allocator to
# reuse the memory of freed ones (a block-sized buffer per read leaves freed blocks scattered over its arenas).
READ_PIECE_BYTES = 1024 * 1024


class RecordingSource(Protocol):
    """Where recordings are read from (ACS storage).

    ``download`` streams ``length`` bytes from ``offset`` (the rest of the object when ``length`` is None). An
    implementation should return a ``SourceStream`` so the engine learns the object's size from the server; a plain
    iterator is taken to hold exactly the requested bytes.
    """

    def download(self, url: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]: ...

    def delete(self, url: str) -> None: ...


class SourceStream(Iterator[bytes]):
    """The bytes of one download plus what the server declared about them.

    ``start``: offset of the first byte served; ``length``: bytes this response declares (Content-Length);
    ``total``: size of the whole object (Content-Range total, or Content-Length of a whole-object answer);
    ``partial``: the server answered with the requested range (206) rather than the whole object (200).
    """

    def __init__(
        self,
        pieces: Iterable[bytes],
        *,
        start: int = 0,
        length: int | None = None,
        total: int | None = None,
        partial: bool = False,
        close: Callable[[], None] | None = None,
    ) -> None:
        self._pieces = iter(pieces)
        self._close = close
        self.start, self.length, self.total, self.partial = start, length, total, partial

    def __next__(self) -> bytes:
        return next(self._pieces)

    def close(self) -> None:
        if self._close is not None:
            self._close()


def range_header(offset: int, length: int | None) -> str | None:
    """The ``Range`` value for a request (None: the whole object)."""
    if length is not None:
        return f"bytes={offset}-{offset + length - 1}"
    return f"bytes={offset}-" if offset else None


def describe(status: int, headers: Any, pieces: Iterable[bytes], close: Callable[[], None]) -> SourceStream:
    """A ``SourceStream`` from a response's status and headers (Content-Range, Content-Length)."""
    length_text = headers.get("Content-Length")
    length = int(length_text) if length_text and length_text.isascii() and length_text.isdigit() else None
    match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range") or "")
    if status == 206 and match:
        total = None if match[3] == "*" else int(match[3])
        return SourceStream(pieces, start=int(match[1]), length=length, total=total, partial=True, close=close)
    if match and int(match[1]) == 0 and match[3] != "*":
        # ACS storage sends Content-Range even on a whole-object 200.
        return SourceStream(pieces, length=length, total=int(match[3]), close=close)
    return SourceStream(pieces, length=length, total=length, close=close)


class AcsRecordingSource:
    """``RecordingSource`` over ``CallAutomationClient.download_recording`` / ``delete_recording``.

    Ranges are sent as an explicit ``Range`` header: the SDK drops its own when ``offset`` is 0. Redirects are
    refused. URLs must already have passed ``shared.urlcheck.check_recording_url``.
    """

    def __init__(self, client: CallAutomationClient) -> None:
        self._client = client

    def download(self, url: str, offset: int = 0, length: int | None = None) -> SourceStream:
        from azure.core.exceptions import AzureError

        header = range_header(offset, length)
        headers = {"Range": header} if header else {}
        try:
            response = self._client.download_recording(url, headers=headers, permit_redirects=False)
        except (AzureError, OSError) as exc:
            raise from_source(exc, url) from exc
        except ValueError as exc:  # the SDK's own URL check
            raise ArchivePermanentError(f"ACS SDK refused the recording URL: {exc}") from exc
        http: Any = response
        return describe(http.status_code, http.headers, _translated(_body(http, length), url), http.close)

    def delete(self, url: str) -> None:
        """Delete the recording at ACS; one that is already gone counts as deleted."""
        from azure.core.exceptions import AzureError

        try:
            self._client.delete_recording(url, permit_redirects=False)
        except (AzureError, OSError) as exc:
            if status_of(exc) in (404, 410):
                log.info("recording already deleted at ACS: %s", url)
                return
            raise from_source(exc, url) from exc


def _body(http: Any, length: int | None) -> Iterator[bytes]:
    """The response body in large pieces (through requests when the SDK's transport is requests)."""
    iter_content = getattr(getattr(http, "internal_response", None), "iter_content", None)
    if callable(iter_content):
        piece = min(length, READ_PIECE_BYTES) if length else READ_PIECE_BYTES
        return iter(iter_content(piece))
    pieces: Iterator[bytes] = http.iter_bytes()
    return pieces


def _translated(pieces: Iterator[bytes], url: str) -> Iterator[bytes]:
    from azure.core.exceptions import AzureError

    try:
        yield from pieces
    except (AzureError, OSError) as exc:
        raise from_source(exc, url) from exc
