"""Read the archive on the local stack: the tree of a day or a call, and a check against each manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.storage.blob import ContainerClient

from local.callids import short


@dataclass(frozen=True)
class ArchivedBlob:
    name: str
    size: int
    sha256: str


def _sha256(container: ContainerClient, name: str) -> str:
    digest = hashlib.sha256()
    for piece in container.download_blob(name).chunks():
        digest.update(piece)
    return digest.hexdigest()


def list_archive(container: ContainerClient, prefix: str) -> list[ArchivedBlob]:
    """Every blob under ``prefix`` with its size and the SHA-256 of its stored bytes."""
    return [
        ArchivedBlob(blob.name, int(blob.size), _sha256(container, blob.name))
        for blob in container.list_blobs(name_starts_with=prefix)
    ]


def render_tree(blobs: list[ArchivedBlob]) -> str:
    """An indented tree: one line per folder (a call's or recording's id shortened to its ending), one per blob with
    size and SHA-256 in aligned columns."""
    rows: list[tuple[str, ArchivedBlob | None]] = []
    shown: set[str] = set()
    for blob in sorted(blobs, key=lambda b: b.name):
        parts = blob.name.split("/")
        for depth in range(len(parts) - 1):
            folder = "/".join(parts[: depth + 1])
            if folder not in shown:
                shown.add(folder)
                rows.append((f"{'  ' * depth}{short(parts[depth])}/", None))
        rows.append((f"{'  ' * (len(parts) - 1)}{parts[-1]}", blob))
    width = max((len(label) for label, blob in rows if blob), default=0)
    return "\n".join(
        f"{label:<{width}}  {blob.size:>13,} B  sha256 {blob.sha256[:16]}…" if blob else label for label, blob in rows
    )


@dataclass(frozen=True)
class ManifestCheck:
    manifest: str
    chunks: int
    verified: int
    problems: tuple[str, ...]


def archive_container(info: Mapping[str, Any]) -> ContainerClient:
    """The archive container of a running stack (its ``storageConnectionString`` and ``archiveContainer``)."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(info["storageConnectionString"])
    return service.get_container_client(info["archiveContainer"])


def manifest_written(container: ContainerClient, recording: Mapping[str, Any]) -> bool:
    """The recording's manifest (``files.manifestPath`` of the control API's recording) is in the archive. The app
    writes it just after it records the last chunk as verified, so the API's ``archived`` can come a moment first."""
    path = (recording.get("files") or {}).get("manifestPath")
    return bool(path) and bool(container.get_blob_client(str(path)).exists())


def verify_manifests(container: ContainerClient, blobs: list[ArchivedBlob]) -> list[ManifestCheck]:
    """Compare every chunk listed in each manifest with the stored blob's size and SHA-256."""
    by_name = {blob.name: blob for blob in blobs}
    checks: list[ManifestCheck] = []
    for name in sorted(n for n in by_name if n.endswith("/manifest.json")):
        manifest: dict[str, Any] = json.loads(container.download_blob(name).readall())
        problems: list[str] = []
        entries = manifest.get("chunks", [])
        verified = 0
        for entry in entries:
            path = entry.get("blobPath", "")
            blob = by_name.get(path)
            if blob is None:
                problems.append(f"{path}: listed in the manifest but missing")
            elif blob.size != entry.get("size") or blob.sha256 != entry.get("sha256"):
                problems.append(f"{path}: size/SHA-256 differ from the manifest")
            else:
                verified += 1
        checks.append(ManifestCheck(name, len(entries), verified, tuple(problems)))
    return checks
