"""Steps the end-to-end tests share: place a call, drive its recording, wait for and check the archive."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from azure.storage.blob import ContainerClient

from local.client import LocalClient, recordings, wait_for

ARCHIVED = ("archived", "source_deleted")


def wait_recording(client: LocalClient, server_call_id: str, state: str, timeout: float = 60) -> None:
    wait_for(lambda: client.recording_state(server_call_id) == state, f"recording {state}", timeout=timeout)


def answered_call(client: LocalClient, caller: str, callee: str, participants: tuple[str, ...] = ()) -> str:
    """Place a call the answer policy accepts and wait until its recording is active."""
    server_call_id = str(client.place_call(caller, callee, participants)["serverCallId"])
    wait_recording(client, server_call_id, "active")
    return server_call_id


def wait_archived(client: LocalClient, server_call_id: str, timeout: float = 120) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        call = client.call(server_call_id)
        found = recordings(call)
        return call if found and all(r.get("state") in ARCHIVED for r in found) else None

    result: dict[str, Any] = wait_for(done, "every recording of the call to be archived", timeout=timeout, interval=0.5)
    return result


def record_for(seconds: float) -> None:
    """Let the emulator's clock run while the recording is active (media length = active time x time scale)."""
    time.sleep(seconds)


def manifest_of(archive: ContainerClient, chunk_blob_path: str, timeout: float = 30) -> dict[str, Any]:
    """The recording's manifest. It is rendered from the verified state after the state was written, so the API may
    report the recording archived a moment before the manifest is there."""
    blob = archive.get_blob_client(f"{chunk_blob_path.rsplit('/', 1)[0]}/manifest.json")
    wait_for(blob.exists, f"{blob.blob_name} to be written", timeout=timeout, interval=0.2)
    manifest: dict[str, Any] = json.loads(blob.download_blob().readall())
    return manifest


def check_against_manifest(archive: ContainerClient, call: dict[str, Any]) -> list[dict[str, Any]]:
    """Every chunk of every recording is stored, listed once in its manifest, with matching size and SHA-256."""
    checked: list[dict[str, Any]] = []
    for recording in recordings(call):
        chunks = recording.get("chunks", [])
        assert chunks, f"recording {recording.get('recordingId')} has no chunks"
        manifest = manifest_of(archive, chunks[0]["blobPath"])
        entries = manifest["chunks"]
        assert len({e["index"] for e in entries}) == len(entries), "a chunk is listed twice in the manifest"
        assert sorted(e["index"] for e in entries) == sorted(c["index"] for c in chunks)
        for entry in entries:
            data = archive.download_blob(entry["blobPath"]).readall()
            assert len(data) == entry["size"]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            checked.append({**entry, "data": data})
    return checked
