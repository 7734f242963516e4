"""``manifest.publish`` on the session Azurite: a projection of the verified state, never replaced by an older one,
signed when a signer is given."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import ContainerClient

from shared import layout
from shared.archive import manifest
from shared.archive.errors import ArchiveTransientError
from shared.domain import Call, Recording, replay
from shared.signing import (
    KeyFileSigner,
    Signature,
    SigningError,
    from_b64url,
    load_public_key,
    new_key_file,
    public_path,
    verifies,
)
from tests.unit.domain import builders as b

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def call_with(*archived: int) -> tuple[Call, Recording]:
    call = replay(b.SID, [b.connected(), b.started(), b.files_ready(3), *(b.archived(i) for i in archived)])
    assert call is not None
    recording = call.recording(b.REC)
    assert recording is not None
    return call, recording


def stored(container: ContainerClient, call: Call, recording: Recording) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(container.download_blob(manifest.manifest_path(call, recording)).readall())
    return body


def test_the_manifest_names_only_verified_chunks_at_their_layout_paths(container: ContainerClient) -> None:
    call, recording = call_with(0, 2)
    assert manifest.publish(container, call, recording, 5, NOW, timeline=())
    body = stored(container, call, recording)
    assert [c["index"] for c in body["chunks"]] == [0, 2]
    prefix = layout.recording_prefix(b.T0, b.SID, b.REC)
    assert body["chunks"][1]["blobPath"] == layout.chunk_path(prefix, 2, "wav")
    assert body["chunks"][1]["metadataPath"] == layout.metadata_path(prefix, 2)
    assert (body["chunks"][1]["size"], body["chunks"][1]["eventIds"]) == (102, ["files"])
    assert (body["stateVersion"], body["verdict"]["verdict"]) == (5, "incomplete")


def test_an_older_projection_never_replaces_a_newer_one(container: ContainerClient) -> None:
    newer, older = call_with(0, 1, 2), call_with(0)
    assert manifest.publish(container, *newer, 7, NOW, timeline=())
    assert not manifest.publish(container, *older, 6, NOW, timeline=())
    assert not manifest.publish(container, *newer, 7, NOW, timeline=()), "the same projection again writes nothing"
    body = stored(container, *newer)
    assert ([c["index"] for c in body["chunks"]], body["verdict"]["verdict"]) == ([0, 1, 2], "complete")


def test_a_newer_projection_replaces_an_older_one(container: ContainerClient) -> None:
    older, newer = call_with(0), call_with(0, 1)
    assert manifest.publish(container, *older, 3, NOW, timeline=())
    assert manifest.publish(container, *newer, 4, NOW, timeline=())
    assert [c["index"] for c in stored(container, *newer)["chunks"]] == [0, 1]


def test_the_manifest_is_sealed_with_its_canonical_sha256_and_the_timeline_it_was_rendered_with(
    container: ContainerClient,
) -> None:
    from shared.archive.seal import canonical, seal_problem

    call, recording = call_with(0, 1, 2)
    timeline = [{"event": "CallConnected", "at": "2026-11-23T19:00:02+00:00", "caller": "4:+1425555ÿ"}]
    assert manifest.publish(container, call, recording, 5, NOW, timeline=timeline)
    body = stored(container, call, recording)
    unsealed = {key: value for key, value in body.items() if key != "manifestSha256"}
    rule = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert canonical(unsealed) == rule
    assert body["manifestSha256"] == hashlib.sha256(rule).hexdigest()
    assert body["timelineSha256"] == hashlib.sha256(canonical(timeline)).hexdigest()
    assert seal_problem(body) == ""
    assert "edited after it was written" in seal_problem({**body, "stateVersion": 6})


class Refusing:
    """A signer that does not sign (Key Vault unreachable, or the role missing)."""

    def sign(self, digest: bytes) -> Signature:
        raise SigningError("Key Vault did not sign: HTTP 403 Forbidden")


def test_a_signed_manifest_carries_the_signature_of_its_seal(container: ContainerClient, tmp_path: Path) -> None:
    new_key_file(tmp_path / "key.pem")
    signer = KeyFileSigner.from_file(tmp_path / "key.pem")
    call, recording = call_with(0, 1)
    assert manifest.publish(container, call, recording, 5, NOW, timeline=(), signer=signer)
    body = stored(container, call, recording)
    assert (body["signature"]["alg"], body["signature"]["kid"], body["schemaVersion"]) == ("ES256", signer.kid, 4)
    public = load_public_key(public_path(tmp_path / "key.pem"))
    assert verifies(public, bytes.fromhex(body["manifestSha256"]), from_b64url(body["signature"]["value"]))


def test_a_signer_that_does_not_sign_writes_no_manifest_and_is_retried(container: ContainerClient) -> None:
    call, recording = call_with(0, 1)
    with pytest.raises(ArchiveTransientError, match="the manifest was not signed: Key Vault did not sign"):
        manifest.publish(container, call, recording, 5, NOW, timeline=(), signer=Refusing())
    assert list(container.list_blobs()) == [], "an unsigned manifest is not written in place of a signed one"
