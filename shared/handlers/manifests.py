"""When a recording's manifest is written: once no announced chunk waits for its copy any more."""

from __future__ import annotations

from shared.domain import Call, Recording, lifecycle
from shared.handlers.deps import Deps


def publish_when_settled(call: Call, recording: Recording, version: int, deps: Deps) -> None:
    """Write the manifest once the recording is settled: archived (every chunk verified) or failed (what was
    verified is listed). One write per recording rather than per chunk; a redelivered verification writes it again
    if it was lost. It never lists a chunk that was not read back."""
    if lifecycle.settled_for_manifest(recording):
        deps.publish_manifest(call, recording, version)
