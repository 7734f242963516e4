"""Export a case: chosen calls as a self-contained directory that ``python -m tools.audit --case`` verifies offline.

```
{out}/archive/{yyyy}/{MM}/{dd}/{callFolder}/{recordingId}/...   every blob of each recording folder, as stored
{out}/archive/access-log/{callFolder}/{yyyy-MM-dd}.jsonl      the call's access log (who read what, when)
{out}/timelines/{callFolder}.json                             the call's timeline, oldest first, as the app keeps it
{out}/custody.json                                            who exported what, when and why; every file's size,
                                                              SHA-256 and blob type; sealed and signed
```
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared import layout
from shared.archive.seal import signed, stored_bytes
from shared.domain import Call
from shared.store.table import TableCallStore

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

    from shared.signing import Signer

CUSTODY = "custody.json"
ARCHIVE = "archive"
TIMELINES = "timelines"
KIND = "case"


class ExportError(ValueError):
    """A case that cannot be exported as asked (the message says which call and why)."""


@dataclass(frozen=True, kw_only=True)
class Request:
    calls: Sequence[str]  # callFolders
    exported_by: str
    reason: str


def export(
    request: Request, container: ContainerClient, store: TableCallStore, signer: Signer, out: Path
) -> dict[str, Any]:
    """Write the case to ``out`` (which must not exist yet); the custody record it wrote."""
    if out.exists():
        raise ExportError(f"{out} exists already: a case is written to a new directory")
    chosen = [(folder, _call(store, folder)) for folder in request.calls]
    out.mkdir(parents=True)
    files: list[dict[str, Any]] = []
    calls = []
    for folder, call in chosen:
        sid = call.server_call_id
        calls.append({"callFolder": folder, "serverCallId": sid})
        for recording in call.recordings:
            if recording.files is not None:
                prefix = layout.recording_prefix(recording.files.recording_start, sid, recording.recording_id)
                files += _blobs(container, prefix + "/", out)
        files += _blobs(container, f"{layout.ACCESS_LOG_PREFIX}{folder}/", out)
        files.append(_write(out, f"{TIMELINES}/{folder}.json", json.dumps(store.timeline(sid), indent=2).encode()))
    custody = {
        "kind": KIND, "caseId": str(uuid.uuid4()), "exportedBy": request.exported_by, "reason": request.reason,
        "exportedAt": datetime.now(UTC).isoformat(), "calls": calls, "files": files,
    }  # fmt: skip
    document = signed(custody, signer)
    (out / CUSTODY).write_bytes(stored_bytes(document))
    return document


def _call(store: TableCallStore, folder: str) -> Call:
    try:
        call = store.get(layout.server_call_id(folder))
    except layout.LayoutError as exc:
        raise ExportError(f"call {folder!r}: {exc}") from None
    if call is None:
        raise ExportError(f"unknown call {folder}")
    return call


def _blobs(container: ContainerClient, prefix: str, out: Path) -> list[dict[str, Any]]:
    found = []
    for blob in container.list_blobs(name_starts_with=prefix):
        path = out / ARCHIVE / blob.name
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with path.open("wb") as file:
            for piece in container.download_blob(blob.name, max_concurrency=1).chunks():
                file.write(piece)
                digest.update(piece)
                size += len(piece)
        kind = str(getattr(blob.blob_type, "value", blob.blob_type))
        found.append({"path": f"{ARCHIVE}/{blob.name}", "size": size, "sha256": digest.hexdigest(), "blobType": kind})
    return found


def _write(out: Path, name: str, data: bytes) -> dict[str, Any]:
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "blobType": ""}
