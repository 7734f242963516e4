"""The archive container as the audit reads it: listings, small reads and streamed SHA-256 of every blob."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

RANGE_BYTES = 4 * 1024 * 1024
"""Bytes per ranged read: the audit holds about one range of a blob at a time, whatever the blob's size."""


def connect(container: str, *, connection_string: str = "", account_url: str = "") -> ContainerClient:
    """A client of the archive container, from a connection string or (else) an account URL and an Entra identity
    (``DefaultAzureCredential``: environment, workload or managed identity, Azure CLI login...)."""
    from azure.storage.blob import BlobServiceClient

    if connection_string:
        service = BlobServiceClient.from_connection_string(
            connection_string, max_single_get_size=RANGE_BYTES, max_chunk_get_size=RANGE_BYTES
        )
    else:
        from azure.identity import DefaultAzureCredential

        service = BlobServiceClient(
            account_url,
            credential=DefaultAzureCredential(),
            max_single_get_size=RANGE_BYTES,
            max_chunk_get_size=RANGE_BYTES,
        )
    return service.get_container_client(container)


class ArchiveReader:
    """Reads of one archive container (the audit's only source)."""

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    def sizes(self, prefix: str) -> Iterator[tuple[str, int]]:
        """Every blob under ``prefix`` and its size, as listed."""
        for blob in self._container.list_blobs(name_starts_with=prefix):
            yield blob.name, int(blob.size)

    def logs(self, prefix: str) -> Iterator[tuple[str, str, int]]:
        """Every blob under ``prefix``, its type (``BlockBlob``, ``AppendBlob``, ``PageBlob``) and its size."""
        for blob in self._container.list_blobs(name_starts_with=prefix):
            yield blob.name, str(getattr(blob.blob_type, "value", blob.blob_type)), int(blob.size)

    def head(self, name: str, limit: int) -> bytes:
        """Up to ``limit`` bytes from the blob's start."""
        data: bytes = self._container.download_blob(name, offset=0, length=limit).readall()
        return data

    def sha256(self, name: str) -> tuple[int, str]:
        """Bytes read and their SHA-256, streamed in ranges of ``RANGE_BYTES``."""
        digest, count = hashlib.sha256(), 0
        for piece in self._container.download_blob(name, max_concurrency=1).chunks():
            digest.update(piece)
            count += len(piece)
        return count, digest.hexdigest()
