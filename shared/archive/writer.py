"""The Blob storage side: blob metadata, whole-blob writes and staged blocks committed only when verified."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from shared.archive.errors import ArchiveError
from shared.archive.translate import from_storage
from shared.containers import ensure_container
from shared.messages import ChunkRef

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, ContainerClient

log = logging.getLogger(__name__)
T = TypeVar("T")


def blob_metadata(chunk: ChunkRef, sha256: str) -> dict[str, str]:
    """Metadata on every blob the engine writes; values must be ASCII (a serverCallId is base64)."""
    found = {"callFolder": chunk.call_folder, "recordingId": chunk.recording_id, "chunkIndex": str(chunk.index)}
    if chunk.server_call_id.isascii() and chunk.server_call_id.isprintable():
        found["serverCallId"] = chunk.server_call_id
    found["sha256"] = sha256
    return found


def storage_call(what: str, call: Callable[[], T]) -> T:
    """Run one Storage SDK call, mapping its errors onto the archive's tree."""
    from azure.core.exceptions import AzureError

    try:
        return call()
    except (AzureError, OSError) as exc:
        raise from_storage(exc, what) from exc


def put_blob(container: ContainerClient, name: str, data: bytes, metadata: dict[str, str], kind: str) -> None:
    """Write a small blob in one request (creating the container on first use)."""
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import ContentSettings

    def upload() -> Any:
        settings = ContentSettings(content_type=kind)
        return container.upload_blob(name, data, overwrite=True, metadata=metadata, content_settings=settings)

    try:
        storage_call(f"write {name}", upload)
    except ArchiveError as exc:
        if not isinstance(exc.__cause__, ResourceNotFoundError):
            raise
        storage_call("create the archive container", lambda: ensure_container(container))
        storage_call(f"write {name}", upload)


class Pieces:
    """A request body made of the pieces a block was read in, sent one after another and never joined.

    Sized (the SDK sends ``Content-Length``), iterable again on a retry, and not file-like, so urllib3 hands each
    piece to ``sendall`` whole instead of reading it in 16 KiB slices.
    """

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces
        self._size = sum(len(piece) for piece in pieces)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._pieces)


class Stager:
    """Stage blocks of one blob in parallel; ``commit`` makes the blob visible only after every block landed.

    Each ``stage`` takes a permit from ``permits``-holders' budget and gives it back once the block is stored, so the
    bytes held in flight stay within that budget.
    """

    def __init__(self, blob: BlobClient, pool: ThreadPoolExecutor, permits: threading.Semaphore) -> None:
        self._blob, self._pool, self._permits = blob, pool, permits
        self._ids: dict[int, str] = {}
        self._pending: list[Future[None]] = []

    def stage(self, data: bytes | Pieces, *, holds_permit: bool = True) -> None:
        """Stage the next block in order (its id encodes its position), on the pool."""
        self.raise_if_failed()
        block_id = self._claim(len(self._ids))
        self._pending.append(
            self._pool.submit(contextvars.copy_context().run, self._stage_one, block_id, data, holds_permit)
        )

    def stage_at(self, index: int, pieces: list[bytes]) -> None:
        """Stage block ``index``, made of ``pieces``, in the calling thread (the commit lists blocks by index)."""
        block_id = self._claim(index)
        body = pieces[0] if len(pieces) == 1 else Pieces(pieces)
        storage_call(f"stage block {block_id}", lambda: self._blob.stage_block(block_id, body, length=len(body)))

    def _claim(self, index: int) -> str:
        block_id = self._ids[index] = f"{index:08d}"
        return block_id

    def _stage_one(self, block_id: str, data: bytes | Pieces, holds_permit: bool) -> None:
        try:
            storage_call(f"stage block {block_id}", lambda: self._blob.stage_block(block_id, data, length=len(data)))
        finally:
            if holds_permit:
                self._permits.release()

    def raise_if_failed(self) -> None:
        done = [future for future in self._pending if future.done()]
        for future in done:
            future.result()
        self._pending = [future for future in self._pending if not future.done()]

    def wait(self) -> None:
        for future in self._pending:
            future.result()
        self._pending = []

    def abandon(self) -> None:
        """Stop staging; already staged blocks stay uncommitted (invisible) until the service drops them."""
        for future in self._pending:
            future.cancel()

    def commit(self, metadata: dict[str, str], kind: str) -> None:
        from azure.storage.blob import BlobBlock, ContentSettings

        self.wait()
        settings = ContentSettings(content_type=kind)
        blocks = [BlobBlock(self._ids[index]) for index in sorted(self._ids)]
        storage_call(
            f"commit {self._blob.blob_name}",
            lambda: self._blob.commit_block_list(blocks, metadata=metadata, content_settings=settings),
        )
