"""Erasing a recording's blobs on request, or one blob of it (a participant's own file), leaving the signed
tombstone (``shared.archive.tombstone``) first.

Verified before irreversible: the tombstone is written, read back and matched before any blob is deleted, so a
recording is never gone without the record of why. Repeating an erasure is safe: an existing tombstone is kept and
what is left under the recording's folder is deleted. Deleting a blob removes its current version; where the
account keeps blob versions (Azure), earlier versions stay until their retention ends and someone allowed to delete
versions removes them (the app's identity is not), and ``previous_versions`` says how many.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shared import layout
from shared.archive import tombstone
from shared.archive.errors import ArchiveTransientError
from shared.archive.seal import stored_bytes
from shared.archive.translate import from_storage
from shared.domain.erasure import Protection

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

    from shared.signing import Signer


@dataclass(frozen=True)
class Erased:
    tombstone: str
    blobs: int  # blobs deleted now
    previous_versions: int  # earlier versions storage still keeps under the folder


class ArchiveEraser:
    """Erasure over the archive container; ``signer`` signs tombstones as it signs manifests."""

    def __init__(self, container: ContainerClient, signer: Signer | None) -> None:
        self._container = container
        self._signer = signer

    def protections(self, prefix: str) -> list[Protection]:
        """Every blob version under ``prefix`` with its legal hold and retention policy, as storage lists them."""
        from azure.core.exceptions import AzureError

        try:
            listed = self._container.list_blobs(
                name_starts_with=prefix, include=["versions", "immutabilitypolicy", "legalhold"]
            )
            return [protection_of(blob) for blob in listed]
        except AzureError as exc:
            raise from_storage(exc, f"list the blobs under {prefix}") from exc

    def erase(self, prefix: str, request: Mapping[str, str], at: datetime) -> Erased:
        """Leave the tombstone of the recording under ``prefix`` (``.../{recordingId}``), then delete its blobs."""
        from azure.core.exceptions import AzureError

        name = layout.tombstone_path(prefix)
        try:
            if not self._exists(name):
                self._leave_tombstone(name, self._recording_tombstone(prefix, request, at))
            deleted = sum(self._delete(blob) for blob in self._names(prefix) if blob != name)
            kept = sum(1 for p in self.protections(prefix + "/") if p.blob.split("?")[0] != name)
        except AzureError as exc:
            raise from_storage(exc, f"erase {prefix}") from exc
        return Erased(name, deleted, kept)

    def erase_blob(self, blob: str, request: Mapping[str, str], at: datetime) -> Erased:
        """Leave the tombstone of one blob its recording's manifest lists (``request`` names the ``participant``),
        then delete that blob; the manifest and the rest of the recording stay."""
        from azure.core.exceptions import AzureError

        name = layout.blob_tombstone_path(blob)
        try:
            if not self._exists(name):
                self._leave_tombstone(name, self._blob_tombstone(blob, request, at))
            deleted = self._delete(blob)
            kept = sum(1 for p in self.protections(blob) if p.blob.split("?")[0] == blob)
        except AzureError as exc:
            raise from_storage(exc, f"erase {blob}") from exc
        return Erased(name, deleted, kept)

    def _blob_tombstone(self, blob: str, request: Mapping[str, str], at: datetime) -> tombstone.Document:
        prefix = blob.rsplit("/", 1)[0]
        manifest_bytes, manifest = self._manifest(prefix)
        try:
            return tombstone.render(prefix, manifest, manifest_bytes, request, at, blob=blob)
        except ValueError as exc:
            raise ArchiveTransientError(f"{exc}: it was not erased") from exc

    def _recording_tombstone(self, prefix: str, request: Mapping[str, str], at: datetime) -> tombstone.Document:
        manifest_bytes, manifest = self._manifest(prefix)
        document = tombstone.render(prefix, manifest, manifest_bytes, request, at)
        listed = {str(entry["blobPath"]) for entry in tombstone.erased_blobs(manifest)}
        document["alsoErased"] = self._unlisted(prefix, listed | {layout.manifest_path(prefix)})
        return document

    def _manifest(self, prefix: str) -> tuple[bytes, dict[str, object]]:
        """The recording's manifest as stored, and parsed (empty when there is none)."""
        data = self._read(layout.manifest_path(prefix))
        return data, (json.loads(data) if data else {})

    def _exists(self, name: str) -> bool:
        """A repeated erasure finds the first tombstone, which stands."""
        return bool(self._container.get_blob_client(name).exists())

    def _leave_tombstone(self, name: str, document: tombstone.Document) -> None:
        from azure.core.exceptions import ResourceExistsError

        blob = self._container.get_blob_client(name)
        data = stored_bytes(tombstone.finished(document, self._signer))
        try:
            blob.upload_blob(data, overwrite=False)
        except ResourceExistsError:
            return
        if blob.download_blob().readall() != data:
            raise ArchiveTransientError(f"the tombstone {name} did not read back as written: nothing was erased")

    def _unlisted(self, prefix: str, listed: set[str]) -> list[dict[str, object]]:
        """Blobs under the folder the manifest does not list (never verified), with their sizes."""
        return [
            {"blobPath": b.name, "size": int(b.size)}
            for b in self._container.list_blobs(name_starts_with=prefix + "/")
            if b.name not in listed
        ]

    def _names(self, prefix: str) -> list[str]:
        return [b.name for b in self._container.list_blobs(name_starts_with=prefix + "/")]

    def _read(self, name: str) -> bytes:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            data: bytes = self._container.download_blob(name).readall()
        except ResourceNotFoundError:
            return b""
        return data

    def _delete(self, name: str) -> int:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            self._container.delete_blob(name, delete_snapshots="include")
        except ResourceNotFoundError:
            return 0
        return 1


def protection_of(blob: object) -> Protection:
    """A listed blob version's legal hold and retention policy (``BlobProperties`` with ``include`` of both)."""
    policy = getattr(blob, "immutability_policy", None)
    version = getattr(blob, "version_id", None)
    name = str(getattr(blob, "name", ""))
    return Protection(
        blob=f"{name}?versionid={version}" if version else name,
        legal_hold=bool(getattr(blob, "has_legal_hold", False)),
        retention_until=getattr(policy, "expiry_time", None),
        retention_locked=str(getattr(policy, "policy_mode", "") or "").lower() == "locked",
    )
