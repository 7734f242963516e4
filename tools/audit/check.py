"""Check one archived recording against its manifest: the seal and its signature, every listed blob's size and
SHA-256, the chunk indexes the verdict claims, and that no blob of the recording is left unlisted. A recording
erased on request is checked against its tombstone instead: sealed, signed, and nothing else left in its folder,
so "erased on request" is told from "lost" (a blob missing with no tombstone). One blob the manifest lists and that
was erased on request alone (a participant's own file) is checked against its own tombstone beside where it was:
sealed, signed, naming that blob with the manifest's size and SHA-256, and the blob gone; the manifest's other
entries are checked as ever."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared import boundedjson, layout
from shared.archive.seal import SEAL, TIMELINE, seal_problem, stored_bytes
from shared.domain.verdict import CONTINUED_END_REASONS, absent_runs
from tools.audit.signature import Trust, Verified, signer

MANIFEST_LIMIT_BYTES = 16 * 1024 * 1024
RECORDING_DEPTH = 5  # yyyy / MM / dd / callFolder / recordingId
Document = dict[str, Any]


class Reader(Protocol):
    def head(self, name: str, limit: int) -> bytes: ...

    def sha256(self, name: str) -> tuple[int, str]: ...


@dataclass
class RecordingAudit:
    """What the audit found for one recording folder (``{yyyy}/{MM}/{dd}/{callFolder}/{recordingId}``)."""

    prefix: str
    verdict: str = ""
    chunks: int = 0
    blobs: int = 0
    bytes: int = 0
    timeline_sha256: str = ""
    signed: Verified | None = None
    erased: dict[str, str] | None = None  # erasedAt, requestedBy, reason: the recording was erased on request
    erased_blobs: list[dict[str, str]] = field(default_factory=list)  # blobPath, erasedAt, requestedBy, reason
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        parts = [*self.prefix.split("/"), "", ""]  # a stray blob too shallow for a recording folder is its own
        date, folder, recording_id = "-".join(self.prefix.split("/")[:3]), parts[3], parts[4]
        return {
            "ok": self.ok, "prefix": self.prefix, "date": date, "callFolder": folder, "recordingId": recording_id,
            "verdict": self.verdict, "chunks": self.chunks, "blobsChecked": self.blobs, "bytesChecked": self.bytes,
            "timelineSha256": self.timeline_sha256, "signature": self._signature(), "erased": self.erased, "erasedBlobs": list(self.erased_blobs),
            "problems": list(self.problems),
        }  # fmt: skip

    def _signature(self) -> dict[str, str] | None:
        if self.signed is None:
            return None
        key = self.signed.key
        return {"kid": self.signed.kid, "publicKeySha256": key.fingerprint, "publicKeyFile": key.source}


def audit_recording(
    reader: Reader, prefix: str, sizes: Mapping[str, int], accept_incomplete: bool, trust: Trust | None = None
) -> RecordingAudit:
    """Audit the recording under ``prefix``; ``sizes``: every blob under it, as listed, with its size; ``trust``:
    the public keys a signature must verify with (none: every signed manifest fails, as its signature is unchecked)."""
    found = RecordingAudit(prefix)
    if len(prefix.split("/")) < RECORDING_DEPTH:
        found.problems.extend(f"{blob}: in the archive outside any recording folder" for blob in sorted(sizes))
        return found
    if layout.tombstone_path(prefix) in sizes:
        return _erased(reader, prefix, sizes, found, trust or Trust())
    name = layout.manifest_path(prefix)
    document = _manifest(reader, name, sizes, found, trust or Trust())
    if document is None:
        found.problems.extend(f"{blob}: in the archive but not listed in any manifest" for blob in sorted(sizes))
        return found
    found.timeline_sha256 = str(document.get(TIMELINE, ""))
    listed = _check_entries(reader, prefix, document, sizes, found, trust or Trust())
    _check_verdict(document, found, accept_incomplete)
    unlisted = sorted(set(sizes) - listed - {name})
    found.problems.extend(f"{blob}: in the archive but not listed in the manifest" for blob in unlisted)
    return found


def _erased(
    reader: Reader, prefix: str, sizes: Mapping[str, int], found: RecordingAudit, trust: Trust
) -> RecordingAudit:
    """A recording erased on request: its sealed, signed tombstone, and nothing else left in its folder."""
    name = layout.tombstone_path(prefix)
    document = _sealed_document(reader, name, found, trust) or {}
    found.verdict = "erased"
    found.erased = {key: str(document.get(key, "")) for key in ("erasedAt", "requestedBy", "reason")}
    found.chunks = len({str(e.get("blobPath")) for e in _list(document.get("erased")) if isinstance(e, dict)})
    left = sorted(set(sizes) - {name})
    found.problems.extend(
        f"{blob}: erased on request at {found.erased['erasedAt']} but still in the archive" for blob in left
    )
    return found


def _manifest(
    reader: Reader, name: str, sizes: Mapping[str, int], found: RecordingAudit, trust: Trust
) -> Document | None:
    if name not in sizes:
        found.problems.append(f"{name}: missing (the recording has no manifest)")
        return None
    return _sealed_document(reader, name, found, trust)


def _sealed_document(reader: Reader, name: str, found: RecordingAudit, trust: Trust) -> Document | None:
    """A manifest or tombstone: JSON, its seal, its stored form, its signature and its folder."""
    raw = reader.head(name, MANIFEST_LIMIT_BYTES)
    try:
        document = boundedjson.loads(raw, max_bytes=MANIFEST_LIMIT_BYTES)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        found.problems.append(f"{name}: not a JSON object")
        return None
    problem = seal_problem(document)
    if problem:
        found.problems.append(f"{name}: {problem}")
    elif stored_bytes(document) != raw:
        found.problems.append(f"{name}: its bytes differ from the sealed document's stored form (edited)")
    if signed := signer(name, document, trust, found.problems):
        found.signed = signed
    for key, expected in (("callFolder", name.split("/")[3]), ("recordingId", name.split("/")[4])):
        if document.get(key) != expected:
            found.problems.append(f"{name}: {key} {document.get(key)!r} is not its folder's {expected!r}")
    return document


def _check_entries(
    reader: Reader, prefix: str, document: Document, sizes: Mapping[str, int], found: RecordingAudit, trust: Trust
) -> set[str]:
    """Check every blob the manifest lists; the names it lists."""
    listed: set[str] = set()
    fmt = str(document.get("format", ""))
    entries = _list(document.get("chunks"))
    for entry in entries:
        index = _index(entry)
        if index is None:
            claimed = entry.get("index") if isinstance(entry, dict) else entry
            found.problems.append(f"{layout.manifest_path(prefix)}: a chunk entry without a valid index ({claimed!r})")
            continue
        try:
            expected = (layout.chunk_path(prefix, index, fmt), layout.metadata_path(prefix, index))
        except layout.LayoutError as exc:
            found.problems.append(f"{layout.manifest_path(prefix)}: chunk {index} has no place in the layout: {exc}")
            continue
        if (entry.get("blobPath"), entry.get("metadataPath")) != expected:
            found.problems.append(f"chunk {index}: the manifest places it off the layout ({entry.get('blobPath')})")
        files = [
            (expected[0], entry.get("size"), entry.get("sha256")),
            (expected[1], None, entry.get("metadataSha256")),
        ]
        for part in (p for p in _list(entry.get("participantFiles")) if isinstance(p, dict)):
            path = str(part.get("blobPath", ""))
            if path != _participant_path(prefix, index, part.get("participantId")):
                found.problems.append(f"chunk {index}: participant file {path} is off the layout")
            files.append((path, part.get("size"), part.get("sha256")))
        for name, size, sha256 in files:
            listed.add(name)
            if layout.blob_tombstone_path(name) in sizes:
                listed.add(layout.blob_tombstone_path(name))
                _check_erased_blob(reader, (name, size, sha256), sizes, found, trust)
            else:
                _check_blob(reader, name, size, sha256, sizes, found)
    found.chunks = len(entries)
    return listed


def _check_blob(
    reader: Reader, name: str, size: object, sha256: object, sizes: Mapping[str, int], found: RecordingAudit
) -> None:
    """``size`` None: not in the manifest (a metadata document), matched by SHA-256 alone."""
    if name not in sizes:
        found.problems.append(f"{name}: listed in the manifest, missing from the archive")
        return
    if size is not None and sizes[name] != size:
        found.problems.append(f"{name}: holds {sizes[name]} bytes, the manifest says {size}")
        return
    count, digest = reader.sha256(name)
    found.blobs += 1
    found.bytes += count
    if count != sizes[name]:
        found.problems.append(f"{name}: {count} bytes read, {sizes[name]} listed")
    elif digest != sha256:
        found.problems.append(f"{name}: SHA-256 {digest}, the manifest says {sha256}")


def _check_erased_blob(
    reader: Reader, listed: tuple[str, object, object], sizes: Mapping[str, int], found: RecordingAudit, trust: Trust
) -> None:
    """A blob the manifest lists (name, size, SHA-256), erased on request: its tombstone, and the blob gone."""
    name = listed[0]
    tombstone = layout.blob_tombstone_path(name)
    document = _sealed_document(reader, tombstone, found, trust) or {}
    named = [(e.get("blobPath"), e.get("size"), e.get("sha256")) for e in _list(document.get("erased"))]
    if named != [listed]:
        found.problems.append(f"{tombstone}: does not name {name} with the manifest's size and SHA-256")
    erased = {key: str(document.get(key, "")) for key in ("erasedAt", "requestedBy", "reason")}
    found.erased_blobs.append({"blobPath": name, **erased})
    if name in sizes:
        found.problems.append(f"{name}: erased on request at {erased['erasedAt']} but still in the archive")


def _check_verdict(document: Document, found: RecordingAudit, accept_incomplete: bool) -> None:
    """The chunk indexes and the last chunk's endReason must bear out the manifest's verdict."""
    stated = document["verdict"] if isinstance(document.get("verdict"), dict) else {}
    found.verdict = str(stated.get("verdict", ""))
    entries = [e for e in _list(document.get("chunks")) if _index(e) is not None]
    indexes = sorted(e["index"] for e in entries)
    if len(set(indexes)) != len(indexes):
        found.problems.append("the manifest lists a chunk index twice")
    last: Document = max(entries, key=lambda e: int(e["index"]), default={})
    continued = str(last.get("endReason", "")).lower() in CONTINUED_END_REASONS
    if found.verdict == "complete":
        if not indexes:
            found.problems.append("verdict complete, but the manifest lists no chunk")
        for run in absent_runs(indexes):
            found.problems.append(
                f"verdict complete, but {run} {'are' if run.startswith('chunks') else 'is'} not in the manifest"
            )
        if continued:
            found.problems.append(f"verdict complete, but chunk {last['index']} ended with {last['endReason']}")
    elif not accept_incomplete:
        missing = "; ".join(str(m) for m in _list(stated.get("missing"))) or "no reason given"
        found.problems.append(f"verdict {found.verdict or 'absent'}: {missing}")


def _index(entry: object) -> int | None:
    """A chunk entry's index: a whole number, not negative (``None`` for anything else)."""
    index = entry.get("index") if isinstance(entry, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else None


def _participant_path(prefix: str, index: int, participant: object) -> str:
    try:
        return layout.participant_path(prefix, index, participant if isinstance(participant, str) else "")
    except layout.LayoutError:
        return ""


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


__all__ = ["SEAL", "RecordingAudit", "audit_recording"]
