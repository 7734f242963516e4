"""The access log in the archive container: one append blob per call and UTC day (``layout.access_log_path``), one
line per read (``shared.domain.access``).

An append blob only grows: Append Block adds to its end and nothing rewrites a block in place. In Azure the
archive container's version-level WORM policy allows protected append writes, so a protected log can still be
appended to and cannot be changed or deleted until its retention ends.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Protocol

from shared.domain.access import BadAccessLine, Read, from_line, to_line
from shared.layout import ACCESS_LOG_PREFIX, access_log_path

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

MAX_DAYS_SHOWN = 366  # log blobs (days) a call's reads are read from, newest last
MAX_LOG_BYTES = 16 * 1024 * 1024  # read of one day's log of one call


class AccessLog(Protocol):
    def record(self, read: Read) -> None:
        """Append ``read`` to its call's log of the day; raise when it cannot be written (nothing is served then)."""
        ...

    def reads(self, folder: str) -> list[Read]:
        """The reads of the call's archive, oldest first (lines this app did not write are left out)."""
        ...


class BlobAccessLog:
    """``AccessLog`` over the archive container."""

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    def record(self, read: Read) -> None:
        from azure.core.exceptions import ResourceExistsError

        blob = self._container.get_blob_client(access_log_path(read.call_folder, read.at.date()))
        with contextlib.suppress(ResourceExistsError):
            blob.create_append_blob(if_none_match="*")
        blob.append_block(to_line(read).encode("utf-8"))

    def reads(self, folder: str) -> list[Read]:
        from azure.core.exceptions import ResourceNotFoundError

        prefix = f"{ACCESS_LOG_PREFIX}{folder}/"
        try:
            names = sorted(str(b.name) for b in self._container.list_blobs(name_starts_with=prefix))
        except ResourceNotFoundError:
            return []
        found: list[Read] = []
        for name in names[-MAX_DAYS_SHOWN:]:
            data = self._container.download_blob(name, offset=0, length=MAX_LOG_BYTES).readall()
            found += _parsed(data.decode("utf-8", errors="replace"))
        return found


def _parsed(text: str) -> list[Read]:
    found = []
    for line in text.splitlines():
        with contextlib.suppress(BadAccessLine):
            found.append(from_line(line))
    return found
