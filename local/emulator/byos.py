"""Bring-your-own-storage: a finished recording's files written into the customer's container (on Azurite).

Layout (ACS documentation): ``YYYYMMDD/{callId}/{first 8 chars of recordingId}-{guid}/`` holding
``{chunk}-acsmetadata.{documentId}.json`` and ``{chunk}-{kind}.{documentId}.{ext}`` for every chunk.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient

from . import media
from .files import RecordingFacts, StoredChunk

log = logging.getLogger(__name__)
PIECE = 4 * 1024 * 1024


def container_name(container_url: str) -> str:
    path = urlparse(container_url).path.strip("/")
    return path.split("/")[-1] if path else "recordings"


def _pieces(rendered: media.MediaObject) -> Iterator[bytes]:
    for offset in range(0, rendered.size, PIECE):
        yield rendered.read(offset, min(PIECE, rendered.size - offset))


def export(
    connection_string: str, container_url: str, facts: RecordingFacts, chunks: list[StoredChunk], cache_dir: Path
) -> list[str]:
    """Upload every chunk's media and metadata; returns the blob names."""
    container = BlobServiceClient.from_connection_string(connection_string).get_container_client(
        container_name(container_url)
    )
    with contextlib.suppress(ResourceExistsError):
        container.create_container()
    day = datetime.fromtimestamp(facts.started_at, UTC).strftime("%Y%m%d")
    folder = f"{day}/{facts.correlation_id}/{facts.recording_id[:8]}-{uuid.uuid4()}"
    names = []
    for chunk in chunks:
        meta = f"{folder}/{chunk.index}-acsmetadata.{chunk.document_id}.json"
        container.upload_blob(meta, chunk.metadata, overwrite=True)
        rendered = media.render(chunk.spec, cache_dir)
        content = f"{folder}/{chunk.index}-{chunk.content_kind}.{chunk.document_id}.{chunk.spec.format}"
        container.upload_blob(content, _pieces(rendered), length=rendered.size, overwrite=True)
        names += [meta, content]
    log.info("exported %d blobs of recording %s to %s", len(names), facts.recording_id, container.container_name)
    return names
