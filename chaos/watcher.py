"""Watches the archive while faults run: every version of every final-named blob must be complete.

Each new (name, ETag) is downloaded once, as soon as it is seen; its SHA-256 is kept so the scenario can compare
it with the source afterwards. Manifests and metadata must parse as JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from azure.core.exceptions import AzureError
from azure.storage.blob import ContainerClient

from chaos.audit import SourceChunk
from shared.layout import call_folder

log = logging.getLogger(__name__)


@dataclass
class Seen:
    versions: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, etag) -> sha256 of media
    bad_json: list[str] = field(default_factory=list)
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
                self._check_json(key[0], data)
                self.seen.versions[key] = ""
            else:
                self.seen.versions[key] = hashlib.sha256(data).hexdigest()

    def _check_json(self, name: str, data: bytes) -> None:
        try:
            json.loads(data)
        except ValueError:
            self.seen.bad_json.append(name)


def incomplete_versions(seen: Seen, chunks: list[SourceChunk], source_sha256: Callable[[str], str | None]) -> list[str]:
    """Media versions seen under a final name whose bytes were not the source's (partial, cut, or wrong)."""
    by_path = {(call_folder(c.server_call_id), c.recording_id, f"chunk-{c.index:04d}"): c for c in chunks}
    wrong: list[str] = []
    for (name, _), digest in seen.versions.items():
        parts = name.split("/")
        if not digest or len(parts) != 6:
            continue
        chunk = by_path.get((parts[3], parts[4], parts[5].split(".")[0]))
        if chunk is None or source_sha256(chunk.content_location) != digest:
            wrong.append(name)
    return wrong
