"""What storage lists for a blob version becomes the protection erasure is refused for."""

from __future__ import annotations

from datetime import UTC, datetime

from azure.storage.blob import BlobProperties, ImmutabilityPolicy

from shared.archive.erase import protection_of
from shared.domain.erasure import Protection

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def test_storage_listing_properties_become_protections() -> None:
    listed = BlobProperties(name="x/chunk-0000.wav")
    listed.version_id, listed.has_legal_hold = "v1", True  # as the SDK fills them from List Blobs' XML
    listed.immutability_policy = ImmutabilityPolicy(expiry_time=NOW, policy_mode="Locked")
    found = protection_of(listed)
    assert found == Protection(blob="x/chunk-0000.wav?versionid=v1", legal_hold=True, retention_until=NOW,
                               retention_locked=True)  # fmt: skip
