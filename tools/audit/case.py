"""Verify an exported case offline (``python -m tools.audit --case DIR``): its chain-of-custody record is sealed and
signed and lists every file of the case with its size and SHA-256, nothing more and nothing less; every recording
passes the archive's checks (``check.audit_recording``) read from the case; its access log passes
``access.audit_access``; and each manifest's ``timelineSha256`` is the SHA-256 of the exported timeline's first
``stateVersion`` lines."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from shared import boundedjson, layout
from shared.archive.seal import TIMELINE, seal_problem, timeline_sha256
from tools.audit.access import AccessAudit, audit_access
from tools.audit.check import RECORDING_DEPTH, RecordingAudit, audit_recording
from tools.audit.signature import Trust, Verified, signer
from tools.case.bundle import ARCHIVE, CUSTODY, KIND, TIMELINES

CUSTODY_LIMIT_BYTES = 64 * 1024 * 1024
PIECE_BYTES = 4 * 1024 * 1024


@dataclass
class CaseAudit:
    recordings: list[RecordingAudit] = field(default_factory=list)
    reads: AccessAudit = field(default_factory=AccessAudit)
    custody: dict[str, Any] = field(default_factory=dict)
    signed: Verified | None = None
    problems: list[str] = field(default_factory=list)


class CaseReader:
    """The case's ``archive/`` directory read as the audit reads the archive container."""

    def __init__(self, root: Path, blob_types: dict[str, str]) -> None:
        self._root = root
        self._types = blob_types

    def sizes(self, prefix: str) -> Iterator[tuple[str, int]]:
        for path in sorted(self._root.rglob("*")):
            name = path.relative_to(self._root).as_posix()
            if path.is_file() and name.startswith(prefix):
                yield name, path.stat().st_size

    def logs(self, prefix: str) -> Iterator[tuple[str, str, int]]:
        for name, size in self.sizes(prefix):
            yield name, self._types.get(name, ""), size

    def head(self, name: str, limit: int) -> bytes:
        with (self._root / name).open("rb") as file:
            return file.read(limit)

    def sha256(self, name: str) -> tuple[int, str]:
        return _hashed(self._root / name)


def audit_case(root: Path, trust: Trust, accept_incomplete: bool = False) -> CaseAudit:
    found = CaseAudit()
    custody = _custody(root, trust, found)
    if custody is None:
        return found
    listed = {str(f.get("path")): f for f in custody.get("files", []) if isinstance(f, dict)}
    _check_files(root, listed, found)
    types = {p.removeprefix(f"{ARCHIVE}/"): str(f.get("blobType", "")) for p, f in listed.items()}
    reader = CaseReader(root / ARCHIVE, types)
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for name, size in reader.sizes(""):
        if not name.startswith(layout.ACCESS_LOG_PREFIX):
            grouped["/".join(name.split("/")[:RECORDING_DEPTH])][name] = size
    for folder, sizes in sorted(grouped.items()):
        found.recordings.append(audit_recording(reader, folder, sizes, accept_incomplete, trust))
        found.problems += _timeline_problems(root, reader, folder)
    found.reads = audit_access(reader, date.min, date.max)
    return found


def _custody(root: Path, trust: Trust, found: CaseAudit) -> dict[str, Any] | None:
    try:
        value = boundedjson.loads((root / CUSTODY).read_bytes(), max_bytes=CUSTODY_LIMIT_BYTES)
    except (OSError, ValueError) as exc:
        found.problems.append(f"{CUSTODY}: cannot be read: {exc}")
        return None
    if not isinstance(value, dict) or value.get("kind") != KIND:
        found.problems.append(f"{CUSTODY}: not a case's chain-of-custody record")
        return None
    found.custody = value
    if problem := seal_problem(value):
        found.problems.append(f"{CUSTODY}: {problem}")
    found.signed = signer(CUSTODY, value, trust, found.problems)
    return value


def _check_files(root: Path, listed: dict[str, dict[str, Any]], found: CaseAudit) -> None:
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {CUSTODY}
    found.problems += [f"{name}: in the case but not in {CUSTODY}" for name in sorted(present - set(listed))]
    found.problems += [f"{name}: listed in {CUSTODY} but not in the case" for name in sorted(set(listed) - present)]
    for name in sorted(present & set(listed)):
        size, sha = _hashed(root / name)
        entry = listed[name]
        if (size, sha) != (entry.get("size"), entry.get("sha256")):
            found.problems.append(
                f"{name}: {size} bytes, SHA-256 {sha}; {CUSTODY} says {entry.get('size')}, {entry.get('sha256')}"
            )


def _timeline_problems(root: Path, reader: CaseReader, folder: str) -> list[str]:
    parts = folder.split("/")
    manifest_name = layout.manifest_path(folder)
    if len(parts) < RECORDING_DEPTH or not (root / ARCHIVE / manifest_name).is_file():
        return []
    manifest = json.loads(reader.head(manifest_name, CUSTODY_LIMIT_BYTES))
    timeline_file = root / TIMELINES / f"{parts[3]}.json"
    if not timeline_file.is_file():
        return [f"{folder}: the case holds no timeline of call {parts[3]}"]
    lines = json.loads(timeline_file.read_bytes())
    version = manifest.get("stateVersion")
    if not isinstance(lines, list) or not isinstance(version, int) or version > len(lines):
        return [f"{TIMELINES}/{parts[3]}.json: shorter than the {version} line(s) the manifest was sealed with"]
    if timeline_sha256(lines[:version]) != manifest.get(TIMELINE):
        return [
            f"{TIMELINES}/{parts[3]}.json: its first {version} line(s) are not the timeline {manifest_name} was sealed with"
        ]
    return []


def _hashed(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while piece := file.read(PIECE_BYTES):
            digest.update(piece)
            size += len(piece)
    return size, digest.hexdigest()
