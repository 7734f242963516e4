"""The settled manifests: read each one once it lists every chunk the app's state holds as archived.

The call's state in the table is the truth and ``manifest.json`` its projection: ``verify_chunk`` commits a chunk's
verified state first and renders the manifest from that state afterwards (``shared.archive.manifest``). So a call
can read "archived" a moment before its manifest lists the chunk, and longer when the manifest write fails (storage
down): the verification job then runs again after the chunk queue's visibility timeout (30 s in ``host.json``).
The audit waits for that rendering, up to ``timeout``; a chunk still not listed then is reported as not listed,
never as corrupted (corrupted means bytes that differ from what ACS served).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.layout import call_folder

Key = tuple[str, str]  # (callFolder, recordingId): one recording's folder in the archive
Manifest = dict[str, Any]
SETTLE_SECONDS = 45.0  # the visibility timeout of a failed verification (30 s), its queue poll (2 s), and margin


@dataclass
class Settled:
    """The manifests as last read, and how long the audit waited for those that lagged behind the state."""

    manifests: dict[Key, Manifest | None]
    waited: dict[Key, float] = field(default_factory=dict)
    unsettled: set[Key] = field(default_factory=set)

    def notes(self) -> list[str]:
        lagged = [f"{key[1][:12]}.. {seconds:.1f} s" for key, seconds in sorted(self.waited.items())]
        return [f"manifests rendered after the state said archived: {', '.join(lagged)}"] if lagged else []


def app_sha256(view: dict[str, Any] | None, recording_id: str, index: int) -> str | None:
    """The SHA-256 the app's state records for one chunk (set once the chunk was read back and matched)."""
    for recording in (view or {}).get("recordings", []):
        if recording.get("recordingId") == recording_id:
            for entry in recording.get("chunks", []):
                if entry.get("index") == index:
                    return str(entry.get("sha256") or "") or None
    return None


def promised(chunks: Iterable[Any], views: dict[str, dict[str, Any] | None]) -> dict[Key, set[int]]:
    """The chunk indexes each recording's manifest must list: those the app's state holds as archived."""
    found: dict[Key, set[int]] = {}
    for chunk in chunks:
        if app_sha256(views.get(chunk.server_call_id), chunk.recording_id, chunk.index):
            found.setdefault((call_folder(chunk.server_call_id), chunk.recording_id), set()).add(chunk.index)
    return found


def listed(manifest: Manifest | None) -> set[int]:
    entries = (manifest or {}).get("chunks", [])
    return {e["index"] for e in entries if isinstance(e, dict) and isinstance(e.get("index"), int)}


def settle(
    read: Callable[[Key], Manifest | None],
    keys: Iterable[Key],
    wanted: dict[Key, set[int]],
    timeout: float = SETTLE_SECONDS,
    interval: float = 0.5,
) -> Settled:
    """Read the manifests of ``keys``; re-read those not yet listing ``wanted`` until they do or time runs out."""
    started = time.monotonic()
    settled = Settled({key: read(key) for key in {*keys, *wanted}})
    behind = {key for key, indexes in wanted.items() if not indexes <= listed(settled.manifests[key])}
    while behind and time.monotonic() - started < timeout:
        time.sleep(interval)
        for key in sorted(behind):
            settled.manifests[key] = read(key)
            if wanted[key] <= listed(settled.manifests[key]):
                settled.waited[key] = time.monotonic() - started
                behind.discard(key)
    settled.unsettled = behind
    return settled
