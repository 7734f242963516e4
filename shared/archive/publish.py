"""Publishing a recording's manifest: write it at a state version and, when that write published it, tag the
recording's blobs (``tags``). A write that found a manifest as new or newer already stored tags nothing: the
verification that wrote that one tagged them from its own, newer state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.archive import manifest, tags
from shared.domain.model import Call, Recording

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

    from shared.signing import Signer

Timeline = Callable[[str], Sequence[Mapping[str, Any]]]
"""The applied inputs of a call by serverCallId, oldest first (line n made state version n)."""


def publish_and_tag(
    container: ContainerClient,
    call: Call,
    recording: Recording,
    version: int,
    *,
    timeline: Sequence[Mapping[str, Any]],
    signer: Signer | None,
    rules: tags.RetentionRules,
    now: datetime,
) -> bool:
    """Write the manifest of ``recording`` at state ``version``; tag its blobs if it was published (True)."""
    published = manifest.publish(container, call, recording, version, now, timeline=timeline, signer=signer)
    if published:
        tags.tag_recording(container, call, recording, rules)
    return published


def manifest_publisher(
    container: ContainerClient, timeline_of: Timeline, signer: Signer | None, rules: tags.RetentionRules
) -> Callable[[Call, Recording, int], None]:
    """``publish_and_tag`` with what it needs bound, in the shape the handlers' ``publish_manifest`` takes."""

    def publish_manifest(call: Call, recording: Recording, version: int) -> None:
        timeline = timeline_of(call.server_call_id)[:version]
        now = datetime.now(UTC)
        publish_and_tag(container, call, recording, version, timeline=timeline, signer=signer, rules=rules, now=now)

    return publish_manifest
