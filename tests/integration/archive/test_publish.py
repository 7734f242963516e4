"""``publish_and_tag`` on the session Azurite: a manifest it publishes gets the recording's tags; one it does not
publish (a manifest as new or newer is stored) tags nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from azure.storage.blob import ContainerClient

from shared.archive import manifest
from shared.archive.publish import manifest_publisher, publish_and_tag
from shared.archive.seal import timeline_sha256
from shared.domain import Call, Recording, replay
from tests.unit.domain import builders as b

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
RULES = (("4:+", "short"),)


def call_with(*archived: int) -> tuple[Call, Recording]:
    call = replay(
        b.SID, [b.ringing(), b.connected(), b.started(), b.files_ready(3), *(b.archived(i) for i in archived)]
    )
    assert call is not None
    recording = call.recording(b.REC)
    assert recording is not None
    return call, recording


def manifest_tags(container: ContainerClient, call: Call, recording: Recording) -> dict[str, str]:
    tags: dict[str, str] = container.get_blob_client(manifest.manifest_path(call, recording)).get_blob_tags()
    return tags


def publish(container: ContainerClient, call: Call, recording: Recording, version: int) -> bool:
    return publish_and_tag(container, call, recording, version, timeline=(), signer=None, rules=RULES, now=NOW)


def test_a_published_manifest_tags_the_recording(container: ContainerClient) -> None:
    call, recording = call_with(0, 1, 2)
    assert publish(container, call, recording, 9)
    assert manifest_tags(container, call, recording)["verdict"] == "complete"


def test_a_manifest_not_published_over_a_newer_one_tags_nothing(container: ContainerClient) -> None:
    newer, older = call_with(0, 1, 2), call_with(0)
    assert publish(container, *newer, 9)
    container.get_blob_client(manifest.manifest_path(*newer)).set_blob_tags({})
    assert not publish(container, *older, 8)
    assert manifest_tags(container, *newer) == {}, "the older state's verdict is not written over the newer one"


def test_a_newer_manifest_retags_the_recording(container: ContainerClient) -> None:
    older, newer = call_with(0), call_with(0, 1, 2)
    assert publish(container, *older, 7)
    assert manifest_tags(container, *older)["verdict"] == "incomplete"
    assert publish(container, *newer, 9)
    assert manifest_tags(container, *newer)["verdict"] == "complete"


def test_the_publisher_takes_the_timeline_up_to_the_version_it_publishes(container: ContainerClient) -> None:
    call, recording = call_with(0, 1, 2)
    asked: list[str] = []
    lines = [{"event": f"line {n}"} for n in range(12)]

    def timeline_of(server_call_id: str) -> list[dict[str, str]]:
        asked.append(server_call_id)
        return lines

    manifest_publisher(container, timeline_of, None, RULES)(call, recording, 9)
    stored, _etag = manifest.read_manifest(container.get_blob_client(manifest.manifest_path(call, recording)))
    assert asked == [b.SID]
    assert stored is not None
    assert (stored["stateVersion"], stored["timelineSha256"]) == (9, timeline_sha256(lines[:9]))
    assert manifest_tags(container, call, recording)["verdict"] == "complete"
