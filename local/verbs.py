"""What a person does by hand on a running stack: place and hang up calls, drive and inspect their recordings,
download a chunk, and see what the app refused (the quarantine container) or gave up on (the poison queue)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.queue import QueueClient

from local.callids import SHORT, resolve, short
from local.callview import party, render
from local.client import ClientError, LocalClient, recordings, wait_for
from local.inspect_archive import list_archive, render_tree
from local.stack import ROOT
from local.stackfile import PROG
from shared.layout import call_folder

PEEK_LIMIT = 32  # the most messages one Queue storage peek returns


def place(client: LocalClient, caller: str, callee: str, participants: list[str], output: str) -> int:
    """Place a call; print its callId (``output`` "id"), the placed call as JSON ("json"), or a line ("text")."""
    placed = client.place_call(caller, callee, tuple(participants))
    call_id = call_folder(placed["serverCallId"])
    if output == "id":
        print(call_id)
    elif output == "json":
        print(json.dumps({**placed, "callId": call_id}))
    else:
        print(f"placed call {short(call_id)} from {party(caller)} to {party(callee)} (last: {PROG} show last)")
    return 0


def hang_up(client: LocalClient, call: str) -> int:
    known = resolve(client, call)
    client.hang_up(known.server_call_id)
    print(f"hung up {known.short}")
    return 0


def calls(client: LocalClient) -> int:
    """The calls the emulator knows, newest last: callId (shortened), state, from, to."""
    found = client.emulator("GET", "calls")
    for known in found:
        call_id = short(call_folder(known["serverCallId"]))
        print(f"{call_id}  {known['state']:<12} {party(known['from'])} -> {party(known['to'])}")
    print(f"({len(found)} call(s); name one by the ending shown, a unique prefix, or last)" if found else "(no calls)")
    return 0


def record(client: LocalClient, call: str, action: str) -> int:
    """start, pause, resume or stop the call's recording through the app's control API."""
    known = resolve(client, call)
    result = client.recording_by_id(known.call_id, "" if action == "start" else action)
    state = (result or {}).get("state", "") if isinstance(result, dict) else ""
    print(f"{action}: {known.short}" + (f" (recording {state})" if state else ""))
    return 0


WAITABLE = ("active", "paused", "stopped", "archived")


class Progress:
    """Prints each state a call's recordings pass through, once, with the seconds waited so far."""

    def __init__(self, call: str) -> None:
        self.call, self.started, self.last = call, time.monotonic(), ""

    def saw(self, found: list[dict[str, Any]]) -> None:
        states = ", ".join(str(r.get("state")) for r in found) or "not heard of by the app yet"
        if states != self.last:
            self.last = states
            print(f"{time.monotonic() - self.started:5.1f} s  {self.call}: recording {states}", flush=True)


def wait(client: LocalClient, call: str, until: str, timeout: float) -> int:
    """Block until the call's latest recording reaches ``until`` ("archived": every recording archived), printing
    each state the recording passes through on the way."""
    known = resolve(client, call)
    progress = Progress(known.short)

    def reached() -> bool:
        found = recordings(client.call(known.server_call_id))
        progress.saw(found)
        if until == "archived":
            return bool(found) and all(r.get("archived") for r in found)
        return bool(found) and found[-1].get("state") == until

    try:
        wait_for(reached, f"the recording of {known.short} to be {until}", timeout, interval=0.5)
    except TimeoutError as exc:
        raise TimeoutError(f"{exc} (last seen: recording {progress.last})") from None
    print(f"recording {until}: {known.short}")
    return 0


def show(client: LocalClient, call: str, as_json: bool) -> int:
    view = client.call_by_id(resolve(client, call).call_id)
    print(json.dumps(view, indent=2) if as_json else render(view))
    return 0


def ls(client: LocalClient, container: ContainerClient, day: str | None, call: str | None) -> int:
    prefix = day.replace("-", "/") + "/" if day else ""
    known = resolve(client, call) if call else None
    blobs = list_archive(container, prefix)
    if known:
        blobs = [b for b in blobs if f"/{known.call_id}/" in b.name]
    if blobs:
        print(render_tree(blobs))
    else:
        print(f"(nothing archived{f' for call {known.short} yet' if known else ''}{f' on {day}' if day else ''})")
    return 0


def get(
    client: LocalClient, container: ContainerClient, call: str, *, index: int, recording: str | None,
    out: Path | None, downloads: Path, force: bool,
) -> int:  # fmt: skip
    """Download one archived chunk to a file (default: under ``downloads``) and check it against the SHA-256 the
    app recorded."""
    known = resolve(client, call)
    chunk = _archived_chunk(client.call_by_id(known.call_id), index, recording)
    target = out or download_path(downloads, known.call_id, str(chunk["blobPath"]))
    if target.exists() and not force:
        raise ClientError(f"{target} exists; pass --force to replace it, or --output another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as file:
        for piece in container.download_blob(chunk["blobPath"]).chunks():
            digest.update(piece)
            size += file.write(piece)
    if digest.hexdigest() != chunk.get("sha256"):
        raise ClientError(f"{target}: SHA-256 {digest.hexdigest()} differs from the app's record {chunk.get('sha256')}")
    print(f"wrote {target} ({size:,} bytes, SHA-256 {digest.hexdigest()[:16]}... as recorded)")
    return 0


def download_path(downloads: Path, call_id: str, blob_path: str) -> Path:
    """``downloads/{call's ending}/{recording's ending}/chunk-NNNN.ext``: short names, one folder per recording."""
    recording_id, name = blob_path.rsplit("/", 2)[-2:]
    return downloads / call_id[-SHORT:] / recording_id[-SHORT:] / name


def _archived_chunk(call: Mapping[str, Any], index: int, recording_id: str | None) -> dict[str, Any]:
    found = [r for r in recordings(call) if r.get("chunks") and recording_id in (None, r.get("recordingId"))]
    if not found:
        raise ClientError(f"call {short(str(call.get('callId')))} has no recording with chunks" + _named(recording_id))
    chunks = {int(c["index"]): c for c in found[-1]["chunks"]}
    chunk = chunks.get(index)
    if chunk is None:
        raise ClientError(f"the recording has chunks {sorted(chunks)}, not {index}")
    if not chunk.get("verified"):
        raise ClientError(f"chunk {index} is {chunk.get('state')}, not archived (verified) yet")
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
        ids = (short(str(job.get("callFolder", "?"))), short(str(job.get("recordingId", "?"))))
        where = f"call {ids[0]} recording {ids[1]} chunk {job.get('index', '?')}"
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
    return f"{failed}; the call has no recording {short(str(job.get('recordingId')))}"


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
