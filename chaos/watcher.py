"""Watches the archive while faults run: every version of every final-named blob must be complete.

Each new (name, ETag) is downloaded once, as soon as it is seen; its SHA-256 is kept so the scenario can compare
it with the source afterwards. Manifests and metadata must parse as JSON, and every version of a manifest must
name only blobs that already exist with the bytes it lists (a manifest is a promise: never ahead of the archive).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError
from azure.storage.blob import ContainerClient

from chaos.audit import SourceChunk
from chaos.result import Result
from shared.layout import call_folder

log = logging.getLogger(__name__)
_MEDIA = re.compile(r"^chunk-(\d{4})\.(wav|mp3|mp4)$")


@dataclass
class Seen:
    versions: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, etag) -> sha256 of media
    bad_json: list[str] = field(default_factory=list)
    manifest_ahead: list[str] = field(default_factory=list)  # manifest versions naming a missing or other blob
    polls: int = 0


class ArchiveWatcher:
    def __init__(self, container: ContainerClient, interval: float = 0.2) -> None:
        self.container, self.interval = container, interval
        self.seen = Seen()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> ArchiveWatcher:
        self._thread.start()
        return self

    def stop(self) -> Seen:
        self._stop.set()
        self._thread.join(60)
        return self.seen

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll()
            except AzureError as exc:
                log.debug("archive not listable right now: %s", exc)
            self._stop.wait(self.interval)

    def _poll(self) -> None:
        self.seen.polls += 1
        for blob in self.container.list_blobs():
            key = (str(blob.name), str(blob.etag))
            if key in self.seen.versions:
                continue
            data = self.container.download_blob(blob.name).readall()
            if key[0].endswith(".json"):
                document = self._check_json(key[0], data)
                self.seen.versions[key] = hashlib.sha256(data).hexdigest() if key[0].endswith(".metadata.json") else ""
                if key[0].endswith("/manifest.json") and isinstance(document, dict):
                    self._check_manifest(key[0], document)
            else:
                self.seen.versions[key] = hashlib.sha256(data).hexdigest()

    def _check_json(self, name: str, data: bytes) -> Any:
        try:
            return json.loads(data)
        except ValueError:
            self.seen.bad_json.append(name)
            return None

    def _check_manifest(self, name: str, document: dict[str, Any]) -> None:
        """Read after the manifest: each entry's media (and hashed metadata) blob must exist with its bytes."""
        folder = name.rsplit("/", 1)[0]
        present = {str(b.name): str(b.etag) for b in self.container.list_blobs(name_starts_with=f"{folder}/")}
        for entry in document.get("chunks", []):
            index = entry.get("index") if isinstance(entry, dict) else None
            media = [n for n in present if (m := _MEDIA.match(n.rsplit("/", 1)[1])) and int(m[1]) == index]
            wanted = [(n, entry.get("sha256")) for n in media[:1]]
            if media and entry.get("metadataSha256"):
                wanted.append((media[0].rsplit(".", 1)[0] + ".metadata.json", entry["metadataSha256"]))
            wrong = not media or any(n not in present or self._sha256(n, present[n]) != sha for n, sha in wanted)
            if wrong:
                recording_id = name.rsplit("/", 2)[-2]
                self.seen.manifest_ahead.append(f"manifest of {recording_id[:12]}.. listed chunk {index} too early")

    def _sha256(self, name: str, etag: str) -> str:
        if (name, etag) not in self.seen.versions or not self.seen.versions[(name, etag)]:
            data = self.container.download_blob(name).readall()
            self.seen.versions[(name, etag)] = hashlib.sha256(data).hexdigest()
        return self.seen.versions[(name, etag)]


def incomplete_versions(seen: Seen, chunks: list[SourceChunk], source_sha256: Callable[[str], str | None]) -> list[str]:
    """Media versions seen under a final name whose bytes were not the source's (partial, cut, or wrong)."""
    by_path = {(call_folder(c.server_call_id), c.recording_id, f"chunk-{c.index:04d}"): c for c in chunks}
    wrong: list[str] = []
    for (name, _), digest in seen.versions.items():
        parts = name.split("/")
        if not digest or len(parts) != 6 or not _MEDIA.match(parts[5]):
            continue  # metadata, manifests and per-participant files are not the source's bytes
        chunk = by_path.get((parts[3], parts[4], parts[5].split(".")[0]))
        if chunk is None or source_sha256(chunk.content_location) != digest:
            wrong.append(name)
    return wrong


def check_manifests(result: Result, seen: Seen) -> None:
    """No manifest version seen named a blob that was missing or held other bytes at that moment."""
    ahead = seen.manifest_ahead
    result.check("no manifest ahead of its blobs", not ahead, f"{len(ahead)} manifest version(s): {ahead[:3]}")
