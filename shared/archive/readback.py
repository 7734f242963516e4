"""Read a chunk's blobs back from the archive and match them with what came from ACS (size and SHA-256).

This is what makes a chunk archived. It runs in its own invocation (``verify_chunk``), after the one that copied
the chunk: the blob output binding writes the media of a small chunk only after ``archive_chunk`` returns, so that
write can only be confirmed later. A blob that is absent or different raises ``NotVerified`` (transient: the queue
delivers the verification again, and the binding's write may land meanwhile).

Blobs are read as ranges of at most ``RANGE_BYTES``, up to ``concurrency`` ahead, and hashed in order as the pieces
the SDK hands over: memory stays near ``concurrency x 2 x RANGE_BYTES`` whatever the chunk's or the block's size.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from shared import layout
from shared.archive.copy_options import ArchiveOptions
from shared.archive.engine import METADATA_LIMIT_BYTES
from shared.archive.errors import ArchivePermanentError, ArchiveTransientError
from shared.archive.writer import storage_call
from shared.messages import VerifyJob

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, ContainerClient


ABSENT_WAITS = (0.1, 0.2, 0.4, 0.8)
"""Seconds to wait before looking again for a blob that is not there yet. A host may write the verification's queue
message a moment before the media blob of the same invocation; these few short looks save a redelivery, which
comes only after the queue's visibility timeout."""


RANGE_BYTES = 4 * 1024 * 1024
"""The most one read-back request asks for (as ``participant_block`` stages). The SDK reads a response with
``b"".join(list(stream))``, and ``list`` presizes from the stream's length in bytes: 8 bytes of pointers per byte
read, beside the response itself; ``readall`` then copies it twice more. A range per 32 MiB copy block made the
read-back the host's peak. The price: 7 more requests per 32 MiB read back."""


class NotVerified(ArchiveTransientError):
    """A blob is not in the archive (yet), or holds other bytes than the ones copied from ACS."""


class Absent(NotVerified):
    """A blob is not in the archive (yet)."""


def read_back(
    job: VerifyJob, container: ContainerClient, options: ArchiveOptions, *, waits: tuple[float, ...] = ABSENT_WAITS
) -> None:
    """Return when both blobs of ``job``'s chunk are stored and match; raise ``NotVerified`` otherwise."""
    paths = job.chunk.paths
    for pause in (*waits, None):
        try:
            _match(container.get_blob_client(paths.metadata), None, job.copy.metadata_sha256, options)
            _match(container.get_blob_client(paths.media), job.copy.size, job.copy.sha256, options)
            for part in job.copy.participant_files:
                _match(container.get_blob_client(_participant_path(job, part)), part["size"], part["sha256"], options)
            return
        except Absent:
            if pause is None:
                raise
            time.sleep(pause)


def _participant_path(job: VerifyJob, part: dict[str, Any]) -> str:
    """Where the layout puts this participant's file (a job naming any other blob is refused)."""
    prefix = job.chunk.paths.media.rsplit("/", 1)[0]
    expected = layout.participant_path(prefix, job.chunk.index, str(part.get("participantId", "")))
    if part.get("blobPath") != expected or not isinstance(part.get("size"), int):
        raise ArchivePermanentError(f"chunk {job.chunk.index}: a participant file off the layout or without size")
    return expected


def _match(blob: BlobClient, size: int | None, sha256: str, options: ArchiveOptions) -> None:
    """``size`` None: a metadata document (at most ``METADATA_LIMIT_BYTES``), matched by its SHA-256 alone."""
    expected = size if size is not None else METADATA_LIMIT_BYTES
    if size is None or expected < min(options.block_size_bytes, RANGE_BYTES):  # one request, and a byte more
        pieces = _head(blob, expected + 1)
        stored = sum(len(piece) for piece in pieces)
        digest = _sha256(pieces)
    else:
        stored = _size(blob)
        digest = stored_sha256(blob, stored, options) if size in (None, stored) else ""
    if size is not None and stored != size:
        raise NotVerified(f"{blob.blob_name} holds {stored} bytes, {size} were copied from ACS")
    if digest != sha256:
        raise NotVerified(f"{blob.blob_name} has SHA-256 {digest}, the bytes copied from ACS have {sha256}")


def _size(blob: BlobClient) -> int:
    from azure.core.exceptions import ResourceNotFoundError

    def get() -> int:
        try:
            return int(blob.get_blob_properties().size)
        except ResourceNotFoundError:
            raise Absent(f"{blob.blob_name} is not in the archive") from None

    return storage_call(f"read the properties of {blob.blob_name}", get)


def _head(blob: BlobClient, length: int) -> list[bytes]:
    """Up to ``length`` bytes from the blob's start, as the SDK's pieces."""
    from azure.core.exceptions import ResourceNotFoundError

    def get() -> list[bytes]:
        try:
            return list(blob.download_blob(offset=0, length=length).chunks())
        except ResourceNotFoundError:
            raise Absent(f"{blob.blob_name} is not in the archive") from None

    return storage_call(f"read {blob.blob_name} back", get)


def _sha256(pieces: list[bytes]) -> str:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    return digest.hexdigest()


def stored_sha256(blob: BlobClient, size: int, options: ArchiveOptions) -> str:
    """SHA-256 of the blob's first ``size`` bytes, read in ranges (a few ahead) and hashed in order."""
    block, ahead = min(options.block_size_bytes, RANGE_BYTES), options.concurrency
    digest = hashlib.sha256()
    offsets = deque(range(0, size, block))
    pending: deque[Future[list[bytes]]] = deque()
    with ThreadPoolExecutor(ahead, thread_name_prefix="archive-readback") as pool:
        try:
            while offsets or pending:
                while offsets and len(pending) < ahead:
                    offset = offsets.popleft()
                    pending.append(pool.submit(_range, blob, offset, min(block, size - offset)))
                for piece in pending.popleft().result():
                    digest.update(piece)
        finally:
            for future in pending:
                future.cancel()
    return digest.hexdigest()


def _range(blob: BlobClient, offset: int, length: int) -> list[bytes]:
    from azure.core.exceptions import ResourceNotFoundError

    def get() -> list[bytes]:
        try:
            return list(blob.download_blob(offset=offset, length=length).chunks())
        except ResourceNotFoundError:
            raise NotVerified(f"{blob.blob_name} disappeared while it was read back") from None

    pieces = storage_call(f"read {blob.blob_name} back", get)
    read = sum(len(piece) for piece in pieces)
    if read != length:
        raise NotVerified(f"{blob.blob_name} changed while it was read back ({read} of {length} bytes)")
    return pieces
