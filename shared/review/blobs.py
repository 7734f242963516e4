"""Reading blobs for review: a byte range of a blob, never more (the Storage SDK's ranged download), and the
names under a prefix."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient


@dataclass(frozen=True)
class Piece:
    data: bytes
    size: int  # of the whole blob


@dataclass(frozen=True)
class Listed:
    name: str
    size: int


class ArchiveReader(Protocol):
    def read(self, path: str, offset: int, length: int) -> Piece | None:
        """Up to ``length`` bytes of blob ``path`` from ``offset``; None when there is no such blob."""
        ...

    def names(self, prefix: str, limit: int) -> list[Listed]:
        """Up to ``limit`` blobs whose name starts with ``prefix``, in name order."""
        ...


class BlobArchiveReader:
    """``ArchiveReader`` over one container (the archive, or the quarantine)."""

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    def read(self, path: str, offset: int, length: int) -> Piece | None:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        blob = self._container.get_blob_client(path)
        try:
            download = blob.download_blob(offset=offset, length=length, max_concurrency=1)
            return Piece(download.readall(), _whole_size(download.properties))
        except ResourceNotFoundError:
            return None
        except HttpResponseError as exc:
            if exc.status_code != 416:  # an empty blob has no byte to range over
                raise
            return Piece(b"", blob.get_blob_properties().size)

    def names(self, prefix: str, limit: int) -> list[Listed]:
        from azure.core.exceptions import ResourceNotFoundError

        found = self._container.list_blobs(name_starts_with=prefix, results_per_page=limit)
        try:
            return [Listed(str(b.name), int(b.size)) for b in itertools.islice(found, limit)]
        except ResourceNotFoundError:  # no container yet: nothing was ever put there
            return []


def _whole_size(properties: Any) -> int:
    """The blob's size: after a ranged download ``size`` is the range's, ``content_range`` ends with the whole."""
    content_range = properties.content_range or ""
    total = content_range.rpartition("/")[2]
    return int(total) if total.isascii() and total.isdigit() else int(properties.size)
