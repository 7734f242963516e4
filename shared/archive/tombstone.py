"""``tombstone.json``: what is left of a recording erased on request, so the audit tells "erased on request" from
"lost"; ``{blob}.tombstone.json``: what is left of one blob erased on request (a participant's own file), beside
where it was, while the rest of its recording stays.

It names who asked (``requestedBy``), why (``reason``), when (``erasedAt``) and every blob erased with the size and
SHA-256 the manifest held for it (the manifest with the SHA-256 of its stored bytes, its ``manifestSha256`` and the
key that signed it; for one blob, the manifest stays and still lists it). A blob's tombstone also names the
participant whose request it was (``participant``). It is sealed and signed as a manifest is
(``shared.archive.seal``), with the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.archive.manifest import timestamp
from shared.archive.seal import SEAL, SIGNATURE, sealed, signed
from shared.signing import Signer

SCHEMA_VERSION = 1
Document = dict[str, Any]


def render(
    prefix: str,
    manifest: Mapping[str, Any],
    manifest_bytes: bytes,
    request: Mapping[str, str],
    at: datetime,
    *,
    blob: str = "",
) -> Document:
    """The tombstone of the recording under ``prefix`` whose stored manifest is ``manifest_bytes`` (parsed:
    ``manifest``), or of its one ``blob``; ``request``: ``requestedBy``, ``reason`` and, for a blob, ``participant``.
    ValueError when the manifest does not list ``blob``."""
    erased = erased_blobs(manifest)
    if blob:
        erased = [entry for entry in erased if entry["blobPath"] == blob]
        if not erased:
            raise ValueError(f"the manifest does not list {blob}")
    document: Document = {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "tombstone",
        "serverCallId": manifest.get("serverCallId", ""),
        "callFolder": prefix.split("/")[3],
        "recordingId": prefix.split("/")[4],
        "erasedAt": timestamp(at),
        "requestedBy": request["requestedBy"],
        "reason": request["reason"],
        "manifest": {
            "blobPath": f"{prefix}/manifest.json",
            "size": len(manifest_bytes),
            "sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            SEAL: manifest.get(SEAL, ""),
            "signedBy": (manifest.get(SIGNATURE) or {}).get("kid", ""),
        },
        "erased": erased,
    }
    if blob:
        document["participant"] = request["participant"]
    return document


def erased_blobs(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every blob the manifest lists, with its size (None for a metadata document) and SHA-256."""
    found: list[dict[str, Any]] = []
    for entry in manifest.get("chunks") or []:
        found.append({"blobPath": entry["blobPath"], "size": entry["size"], "sha256": entry["sha256"]})
        found.append({"blobPath": entry["metadataPath"], "size": None, "sha256": entry["metadataSha256"]})
        found.extend(
            {"blobPath": part["blobPath"], "size": part["size"], "sha256": part["sha256"]}
            for part in entry.get("participantFiles") or []
        )
    return found


def finished(document: Document, signer: Signer | None) -> Document:
    """Sealed, and signed when there is a signer."""
    return signed(document, signer) if signer is not None else sealed(document)
