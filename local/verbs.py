"""What a person does by hand on a running stack: place and hang up calls, drive and inspect their recordings,
download a chunk, and see what the app refused (the quarantine container) or gave up on (the poison queue)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.queue import QueueClient

from local.client import ClientError, LocalClient, recordings, wait_for
from local.inspect_archive import list_archive, render_tree
from local.stack import ROOT
from local.stackfile import PROG
from shared.layout import call_folder

PEEK_LIMIT = 32  # the most messages one Queue storage peek returns


def place(client: LocalClient, caller: str, callee: str, participants: list[str], quiet: bool) -> int:
    placed = client.place_call(caller, callee, tuple(participants))
    call_id = call_folder(placed["serverCallId"])
    print(call_id if quiet else json.dumps({**placed, "callId": call_id}))
    return 0


def hang_up(client: LocalClient, call: str) -> int:
    server_call_id = _emulator_call(client, call)
    client.hang_up(server_call_id)
    print(f"hung up {call_folder(server_call_id)}")
    return 0


def _emulator_call(client: LocalClient, call: str) -> str:
    """The serverCallId of a call the emulator knows, given its callId or its serverCallId."""
    for known in client.emulator("GET", "calls"):
        server_call_id = str(known["serverCallId"])
        if call in (server_call_id, call_folder(server_call_id)):
            return server_call_id
    raise ClientError(f"the ACS emulator knows no call {call!r} (list them: `{PROG} calls`)")


def calls(client: LocalClient) -> int:
    """The calls the emulator knows, newest last: callId, state, from, to."""
    found = client.emulator("GET", "calls")
    for known in found:
        print(f"{call_folder(known['serverCallId'])}  {known['state']:<12} {known['from']} -> {known['to']}")
    if not found:
        print("(no calls)")
    return 0


def record(client: LocalClient, call: str, action: str) -> int:
    """start, pause, resume or stop the call's recording through the app's control API."""
    result = client.recording_by_id(call, "" if action == "start" else action)
    state = (result or {}).get("state", "") if isinstance(result, dict) else ""
    print(f"{action}: {call}" + (f" (recording {state})" if state else ""))
    return 0


WAITABLE = ("active", "paused", "stopped", "archived")


def wait(client: LocalClient, call: str, until: str, timeout: float) -> int:
    """Block until the call's latest recording reaches ``until`` ("archived": every recording archived)."""

    def reached() -> bool:
        found = recordings(client.call_by_id(call)) if _known(client, call) else []
        if until == "archived":
            return bool(found) and all(r.get("state") in ("archived", "source_deleted") for r in found)
        return bool(found) and found[-1].get("state") == until

    wait_for(reached, f"the recording of {call} to be {until}", timeout=timeout, interval=0.5)
    print(f"recording {until}: {call}")
    return 0


def _known(client: LocalClient, call: str) -> bool:
    """Whether the app has a record of the call yet (it has none until it hears of the call)."""
    return client.api("GET", f"calls/{call}").status_code != 404


def show(client: LocalClient, call: str) -> int:
    print(json.dumps(client.call_by_id(call), indent=2))
    return 0


def ls(container: ContainerClient, day: str | None, call: str | None) -> int:
    prefix = day.replace("-", "/") + "/" if day else ""
    blobs = list_archive(container, prefix)
    if call:
        blobs = [b for b in blobs if f"/{call}/" in b.name]
    print(render_tree(blobs) if blobs else "(nothing archived)")
    return 0


def get(
    client: LocalClient, container: ContainerClient, call: str, *, index: int, recording: str | None,
    out: Path | None, force: bool,
) -> int:  # fmt: skip
    """Download one archived chunk to a file and check it against the SHA-256 the app recorded."""
    chunk = _archived_chunk(client.call_by_id(call), index, recording)
    target = out or Path(str(chunk["blobPath"]).rsplit("/", 1)[-1])
    if target.exists() and not force:
        raise ClientError(f"{target} exists; pass --force to replace it, or --output another file")
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as file:
        for piece in container.download_blob(chunk["blobPath"]).chunks():
            digest.update(piece)
            size += file.write(piece)
    if digest.hexdigest() != chunk.get("sha256"):
        raise ClientError(f"{target}: SHA-256 {digest.hexdigest()} differs from the app's record {chunk.get('sha256')}")
    print(f"wrote {target} ({size:,} bytes, SHA-256 {digest.hexdigest()[:16]}... as recorded)")
    return 0


def _archived_chunk(call: Mapping[str, Any], index: int, recording_id: str | None) -> dict[str, Any]:
    found = [r for r in recordings(call) if r.get("chunks") and recording_id in (None, r.get("recordingId"))]
    if not found:
        raise ClientError(f"call {call.get('callId')} has no recording with chunks" + _named(recording_id))
    chunks = {int(c["index"]): c for c in found[-1]["chunks"]}
    chunk = chunks.get(index)
    if chunk is None:
        raise ClientError(f"the recording has chunks {sorted(chunks)}, not {index}")
    if chunk.get("state") != "archived":
        raise ClientError(f"chunk {index} is {chunk.get('state')}, not archived yet")
    return dict(chunk)


def _named(recording_id: str | None) -> str:
    return f" named {recording_id!r}" if recording_id else ""


def quarantine(container: ContainerClient, day: str | None, payload: bool) -> int:
    """Every rejected input with when, from where and why (and its payload with ``payload``)."""
    prefix = day.replace("-", "/") + "/" if day else ""
    try:
        names = [blob.name for blob in container.list_blobs(name_starts_with=prefix)]
    except ResourceNotFoundError:
        names = []
    for name in names:
        kept = json.loads(container.download_blob(name).readall())
        print(f"{kept.get('receivedAt', '')}  {kept.get('source', ''):<12} {kept.get('reason', '')}\n    {name}")
        if payload:
            print("    " + str(kept.get("payload", "")))
    print(f"({len(names)} quarantined)" if names else "(nothing quarantined)")
    return 0


def poison(queue: QueueClient, client: LocalClient, host_log: str) -> int:
    """The chunk jobs the host gave up on, with the app's record of each chunk (the failures are in the host log)."""
    try:
        messages = list(queue.peek_messages(max_messages=PEEK_LIMIT))
    except ResourceNotFoundError:
        messages = []
    for message in messages:
        job = _job(str(message.content or ""))
        where = (
            f"call {job.get('callFolder', '?')} recording {job.get('recordingId', '?')} chunk {job.get('index', '?')}"
        )
        print(f"{message.inserted_on:%Y-%m-%dT%H:%M:%SZ}  {where}\n    reason: {_reason(client, job)}")
    if messages:
        print(f"({len(messages)} shown; every failed attempt is logged in {host_log})")
    else:
        print("(no poison messages)")
    return 0


def _job(content: str) -> dict[str, Any]:
    for text in (content, _unbase64(content)):
        try:
            job = json.loads(text)
        except ValueError:
            continue
        if isinstance(job, dict):
            return job
    return {}


def _unbase64(content: str) -> str:
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _reason(client: LocalClient, job: Mapping[str, Any]) -> str:
    """Why the job failed for good, as far as the call's state says."""
    if not job:
        return "not a chunk job (unreadable JSON)"
    failed = f"failed {_attempts()} times"
    try:
        call = client.call_by_id(str(job.get("callFolder", "")))
    except ClientError as exc:
        return f"{failed}; the app has no record of the call ({exc})"
    for found in recordings(call):
        if found.get("recordingId") == job.get("recordingId"):
            chunk: dict[str, Any] = next((c for c in found.get("chunks", []) if c.get("index") == job.get("index")), {})
            why = f", recording {found.get('state')}: {found['reason']}" if found.get("reason") else ""
            return f"{failed}; the app's record: chunk {chunk.get('state', 'unknown')}{why}"
    return f"{failed}; the call has no recording {job.get('recordingId')!r}"


def _attempts() -> int:
    """``maxDequeueCount`` of host.json (5 when not set, as in the Functions host)."""
    host = json.loads((ROOT / "host.json").read_text())
    return int(host.get("extensions", {}).get("queues", {}).get("maxDequeueCount", 5))


def archive_container(info: Mapping[str, Any], name_key: str, default: str) -> ContainerClient:
    service = BlobServiceClient.from_connection_string(info["storageConnectionString"])
    return service.get_container_client(str(info.get(name_key) or default))


def poison_queue(info: Mapping[str, Any]) -> QueueClient:
    name = f"{info.get('chunkQueue') or 'recording-chunks'}-poison"
    return QueueClient.from_connection_string(info["storageConnectionString"], name)
