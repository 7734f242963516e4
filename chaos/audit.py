"""Count and verify what reached the archive: every chunk the emulator made, once, byte-identical to its source.

A chunk is *archived* when exactly one media blob holds it, *verified* when that blob's SHA-256 equals the source's
bytes at the emulator, its manifest entry and the app's recorded hash; *lost* when no blob holds it; *duplicated*
when several blobs (or manifest entries) hold it; *corrupted* only when the blob's bytes differ from what ACS served.
A manifest is read once it settled (``chaos.manifests``): a chunk it still does not list is *unlisted*, and an entry
whose hash is not its blob's is a manifest mismatch; neither is corruption.

Two irreversible steps are audited on their own: a recording deleted at ACS must have every chunk verified in the
archive (``deleted_unverified`` counts the recordings that do not), and every manifest entry must name media (and
metadata) blobs that exist and hold the bytes it vouches for (``manifest_mismatches``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from chaos.manifests import SETTLE_SECONDS, Key, Manifest, app_sha256, promised, settle
from chaos.result import Result
from shared.layout import call_folder

log = logging.getLogger(__name__)
_MEDIA = re.compile(r"^chunk-(\d{4})\.(wav|mp3|mp4)$")


@dataclass(frozen=True)
class SourceChunk:
    """One chunk as the emulator stored it."""

    server_call_id: str
    recording_id: str
    index: int
    content_location: str
    deleted: bool = False  # deleted at ACS (the app asked, or retention ran out)


@dataclass
class Audit:
    expected: int = 0
    archived: int = 0
    verified: int = 0
    lost: int = 0
    duplicated: int = 0
    corrupted: int = 0
    unlisted: int = 0  # bytes as ACS served them, but the settled manifest does not list the chunk
    unreadable_source: int = 0  # the source no longer serves the chunk, so its bytes cannot be compared
    stale_state: int = 0  # bytes verified, but the app's state does not record this chunk's hash
    deleted_unverified: int = 0  # recordings deleted at ACS while a chunk of theirs is not verified in the archive
    manifest_mismatches: int = 0  # manifest entries naming a blob that is missing or holds other bytes
    problems: list[str] = field(default_factory=list)

    def into(self, result: Result) -> None:
        result.expected += self.expected
        result.archived += self.archived
        result.verified += self.verified
        result.lost += self.lost
        result.duplicated += self.duplicated
        result.corrupted += self.corrupted
        result.check(
            "no lost state update", self.stale_state == 0, f"{self.stale_state} chunk(s) not in the app's state"
        )
        result.check(
            "manifests list every archived chunk",
            self.unlisted == 0,
            f"{self.unlisted} chunk(s) archived with the source's bytes but not listed in the settled manifest",
        )
        result.check(
            "every source's bytes readable",
            self.unreadable_source == 0,
            f"{self.unreadable_source} chunk(s) whose bytes the source no longer serves",
        )
        result.check(
            "nothing deleted at ACS before it was verified",
            self.deleted_unverified == 0,
            f"{self.deleted_unverified} recording(s) deleted at ACS with a chunk not verified in the archive",
        )
        result.check(
            "manifests name only blobs that hold those bytes",
            self.manifest_mismatches == 0,
            f"{self.manifest_mismatches} manifest entr(y/ies) naming a missing or different blob",
        )
        result.notes.extend(self.problems[:20])


def source_chunks(emulator_recordings: Iterable[dict[str, Any]], server_call_ids: set[str]) -> list[SourceChunk]:
    """The chunks the emulator announced for these calls (recordings whose files are ready)."""
    return [
        SourceChunk(r["serverCallId"], r["recordingId"], int(c["index"]), c["contentLocation"], bool(c.get("deleted")))
        for r in emulator_recordings
        if r.get("serverCallId") in server_call_ids and r.get("filesReady")
        for c in r.get("chunks", [])
    ]


class ArchiveIndex:
    """The archive container's blob names grouped by (callFolder, recordingId)."""

    def __init__(self, container: ContainerClient) -> None:
        self.container = container
        self.folders: dict[tuple[str, str], list[str]] = defaultdict(list)
        for blob in container.list_blobs():
            parts = str(blob.name).split("/")
            if len(parts) == 6:
                self.folders[(parts[3], parts[4])].append(str(blob.name))

    def media(self, folder: str, recording_id: str, index: int) -> list[str]:
        names = self.folders.get((folder, recording_id), [])
        return [n for n in names if (m := _MEDIA.match(n.rsplit("/", 1)[1])) and int(m[1]) == index]

    def manifest(self, key: Key) -> Manifest | None:
        """The recording's manifest as stored now (it may be written after the index listed the folder)."""
        names = {n.rsplit("/", 1)[0] + "/manifest.json" for n in self.folders.get(key, [])}
        if len(names) != 1:
            return None
        try:
            found: Manifest = json.loads(self.container.download_blob(names.pop()).readall())
        except (ResourceNotFoundError, ValueError):
            return None
        return found

    def manifests(self) -> list[tuple[str, str]]:
        return [key for key, names in self.folders.items() if any(n.endswith("/manifest.json") for n in names)]

    def sha256(self, name: str) -> str:
        return self.digest(name)[0]

    def digest(self, name: str) -> tuple[str, int]:
        """SHA-256 and size of a blob."""
        digest, size = hashlib.sha256(), 0
        for piece in self.container.download_blob(name).chunks():
            digest.update(piece)
            size += len(piece)
        return digest.hexdigest(), size


def audit(
    container: ContainerClient,
    chunks: list[SourceChunk],
    source_sha256: Any,
    app_views: dict[str, dict[str, Any] | None],
    manifest_timeout: float = SETTLE_SECONDS,
) -> Audit:
    """Check each source chunk against the archive; ``source_sha256(url)`` hashes the bytes at the emulator.
    Manifests are read once they list what the app's state holds as archived, or after ``manifest_timeout``."""
    index = ArchiveIndex(container)
    found = Audit(expected=len(chunks))
    settled = settle(index.manifest, index.manifests(), promised(chunks, app_views), manifest_timeout)
    manifests = settled.manifests
    found.problems.extend(settled.notes())
    unverified: dict[str, bool] = {}  # by recording: deleted at ACS, and a chunk not verified
    deleted: set[str] = set()
    for chunk in chunks:
        key = (call_folder(chunk.server_call_id), chunk.recording_id)
        view = app_views.get(chunk.server_call_id)
        verified = _check_chunk(
            chunk, index, manifests.get(key), source_sha256, view, found, waited_in_vain=key in settled.unsettled
        )
        unverified[chunk.recording_id] = unverified.get(chunk.recording_id, False) or not verified
        if chunk.deleted:
            deleted.add(chunk.recording_id)
    for recording_id in sorted(deleted):
        if unverified[recording_id]:
            found.deleted_unverified += 1
            found.problems.append(f"deleted unverified: {recording_id[:12]}.. deleted at ACS, not all verified")
    for key, manifest in manifests.items():
        for entry in (manifest or {}).get("chunks", []):
            _check_entry(key, entry, index, found)
    return found


def _check_entry(key: tuple[str, str], entry: dict[str, Any], index: ArchiveIndex, found: Audit) -> None:
    wrong = _entry_problem(key, entry, index)
    if wrong:
        found.manifest_mismatches += 1
        found.problems.append(f"manifest: {key[1][:12]}.. entry {entry.get('index')}: {wrong}")


def _entry_problem(key: tuple[str, str], entry: dict[str, Any], index: ArchiveIndex) -> str:
    """What is wrong with the blobs one manifest entry names: the chunk's media, and its metadata when hashed."""
    media = index.media(*key, int(entry.get("index", -1)))
    if len(media) != 1 or entry.get("blobPath", media[0]) != media[0]:
        return f"names media {entry.get('blobPath') or 'by index'}, the archive holds {media}"
    sha256, size = index.digest(media[0])
    if sha256 != entry.get("sha256") or size != entry.get("size", size):
        return "the media blob's bytes differ from the entry's SHA-256/size"
    if not entry.get("metadataSha256"):
        return ""
    metadata = str(entry.get("metadataPath") or media[0].rsplit(".", 1)[0] + ".metadata.json")
    if metadata not in index.folders.get(key, []) or index.sha256(metadata) != entry["metadataSha256"]:
        return f"metadata {metadata.rsplit('/', 1)[-1]} missing or different"
    return ""


def _check_chunk(
    chunk: SourceChunk,
    index: ArchiveIndex,
    manifest: Manifest | None,
    source_sha256: Any,
    app_view: dict[str, Any] | None,
    found: Audit,
    *,
    waited_in_vain: bool = False,
) -> bool:
    """Count one source chunk; True when it is verified. ``waited_in_vain``: its manifest never settled."""
    where = f"{chunk.recording_id[:12]}.. chunk {chunk.index}"
    blobs = index.media(call_folder(chunk.server_call_id), chunk.recording_id, chunk.index)
    entries = [e for e in (manifest or {}).get("chunks", []) if e.get("index") == chunk.index]
    if not blobs:
        found.lost += 1
        found.problems.append(f"lost: {where} has no archived blob")
        return False
    found.archived += 1
    if len(blobs) > 1 or len(entries) > 1:
        found.duplicated += 1
        found.problems.append(f"duplicated: {where}: {len(blobs)} blobs, {len(entries)} manifest entries")
        return False
    actual = index.sha256(blobs[0])
    if not _as_served(where, actual, source_sha256(chunk.content_location), found):
        return False
    if not _listed(where, entries, actual, found, waited_in_vain):
        return False
    found.verified += 1
    if app_sha256(app_view, chunk.recording_id, chunk.index) != actual:
        found.stale_state += 1
        found.problems.append(f"stale state: {where}: the app's state lacks the archived chunk's SHA-256")
    return True


def _as_served(where: str, actual: str, source: str | None, found: Audit) -> bool:
    """The blob holds the bytes ACS served; otherwise it is corrupted (or the source cannot say)."""
    if source is None:
        found.unreadable_source += 1
        found.problems.append(f"unreadable source: {where}: ACS no longer serves it, its bytes cannot be compared")
        return False
    if source != actual:
        found.corrupted += 1
        found.problems.append(f"corrupted: {where}: the blob's bytes differ from what ACS served")
        return False
    return True


def _listed(where: str, entries: list[dict[str, Any]], actual: str, found: Audit, waited_in_vain: bool) -> bool:
    """The settled manifest lists the chunk with its blob's hash (another hash is counted as a manifest mismatch)."""
    if not entries:
        why = "still after the wait" if waited_in_vain else "and the app's state does not hold it archived"
        found.unlisted += 1
        found.problems.append(f"unlisted: {where}: the manifest does not list it ({why})")
        return False
    return entries[0].get("sha256") == actual
