"""Forged ids, containers, documents and messages that once got through, kept as cases of the hostile and auth
scenarios (counted with ``redteam.Cases``: each must be refused with a 4xx, quarantined, or read as broken).

- hostile, before its judgement: ids with a control character (trailing newline, NUL, NEL) on every control route
  and in Event Grid events, ``byosContainerUrl`` naming the app's own containers, JSON nested 200,000 deep in the
  legal-hold and start bodies, a start for a call ACS does not know.
- hostile, after it (they archive or quarantine on purpose): ``?channel=0%0A`` on an archived chunk, a metadata
  document overwritten with ``1e999``, ``NaN`` or deep nesting, poison messages of any shape, and the audit of a
  crafted archive.
- auth: a callback posted with one call's URL and serverCallId naming another call's recording, and a ``callMac``
  that is not ASCII.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from azure.storage.queue import QueueClient

from chaos import payloads
from chaos.harness import ChaosStack
from chaos.scenarios.redteam import Cases, callback_event, callback_path, control_api, post_callbacks
from chaos.workload import wait_settled
from local.stack import ROOT
from shared import layout
from shared.archive.seal import sealed, stored_bytes
from shared.domain.model import ChunkCopy
from shared.messages import ChunkRef, VerifyJob

CONTROL = {"trailing newline": "%0A", "NUL": "%00", "NEL": "%C2%85", "CR LF": "%0D%0A"}
DEEP = 200_000
ARCHIVE_HOST = "https://devstoreaccount1.blob.core.windows.net"


# -- hostile: before the judgement ----------------------------------------------------------------------------------
def control_characters(cs: ChaosStack, cases: Cases, grid: Callable[[dict[str, Any]], int]) -> None:
    """A serverCallId, limit or id with a control character: a 400 from every route, quarantined from Event Grid."""
    for name, code in CONTROL.items():
        query = f"?serverCallId=QUJD{code}"
        for method, path in (
            ("POST", f"/api/calls/-/recording{query}"),
            ("POST", f"/api/calls/-/recording/stop{query}"),
            ("GET", f"/api/calls/-{query}"),
            ("POST", f"/api/calls/-/legal-hold{query}"),
        ):
            status, text = control_api(cs, method, path)
            what = f"{method} {path.split('?')[0]} with a {name} in serverCallId"
            cases.case(what, status != 400 or "control character" not in text, f"{status} {text[:80]}")
        status, text = control_api(cs, "GET", f"/api/calls?date={datetime.now(UTC).date()}&limit=5{code}")
        cases.case(f"day list with a {name} in limit", status != 400, f"{status} {text[:80]}")
    for where in ("serverCallId", "correlationId", "rawId"):
        incoming = payloads.incoming_call()
        target = incoming["data"]["from"] if where == "rawId" else incoming["data"]
        target[where] = f"{target[where]}\n"
        status = grid(incoming)
        cases.case(f"IncomingCall with a newline in {where}", status >= 300, f"{status}")
    ready = payloads.files_ready()
    ready["subject"] = f"{ready['subject']}\n"
    cases.case("files-ready whose recordingId ends in a newline", grid(ready) >= 300, "")


def own_containers(cs: ChaosStack, cases: Cases) -> None:
    """``byosContainerUrl`` naming one of the app's own containers, or another container of its account: 400."""
    path = f"/api/calls/{layout.call_folder(f'chaos-{uuid.uuid4()}')}/recording"
    names = ("azure-webjobs-secrets", "azure-webjobs-hosts", "quarantine", cs.info["archiveContainer"],
             "app-package-chaos", "some-other-container")  # fmt: skip
    for name in names:
        status, text = control_api(
            cs, "POST", path, json.dumps({"byosContainerUrl": f"{ARCHIVE_HOST}/{name}"}).encode()
        )
        cases.case(f"byosContainerUrl naming {name}", status != 400 or "byosContainerUrl" not in text, f"{status}")


def deep_bodies(cs: ChaosStack, cases: Cases) -> None:
    """JSON nested 200,000 deep (larger than any body the routes take) and 5,000 deep (small, but nested past
    any options or hold request) in the legal-hold and start bodies: 400 saying which."""
    folder = layout.call_folder(f"chaos-{uuid.uuid4()}")
    for depth, said in ((DEEP, "bytes"), (5_000, "nested")):
        for path in (f"/api/calls/{folder}/legal-hold", f"/api/calls/{folder}/recording"):
            status, text = control_api(cs, "POST", path, b"[" * depth + b"]" * depth)
            what = f"{depth:,}-deep body to {path.rsplit('/', 1)[1]}"
            cases.case(what, status != 400 or said not in text, f"{status} {text[:80]}")


def unknown_call_start(cs: ChaosStack, cases: Cases) -> None:
    """A start for a serverCallId ACS does not know: 404, and no call left behind."""
    sid = base64.b64encode(uuid.uuid4().bytes).decode()
    status, text = control_api(cs, "POST", f"/api/calls/-/recording?serverCallId={quote(sid, safe='')}")
    left = cs.client().call(sid) is not None
    cases.case("start for a call ACS does not know", status != 404 or left, f"{status} {text[:80]}, left: {left}")


# -- hostile: after the judgement -----------------------------------------------------------------------------------
def archived_reads(cs: ChaosStack, cases: Cases) -> int:
    """On a recording archived for the purpose: ``?channel=0%0A`` is a 400; a metadata document overwritten with a
    non-finite number or deep nesting is shown as differing from the manifest. The number of requests sent."""
    body = {"format": "wav", "channel": "mixed", "durationSeconds": 1, "chunks": 1, "deliver": True}
    event = cs.emulator("POST", "recordings/synthetic", body)
    sid = str(event["subject"]).split("/serverCallId/")[1].split("/recordingId/")[0]
    view = wait_settled(cs.client(), [sid], timeout=90)[sid] or {}
    recording = (view.get("recordings") or [{}])[-1]
    rid, chunks = str(recording.get("recordingId", "")), recording.get("chunks") or [{}]
    base = f"/api/calls/{layout.call_folder(sid)}/recordings/{rid}"
    status, text = control_api(cs, "GET", f"{base}/chunks/0?channel=0%0A")
    cases.case("chunk media with ?channel=0%0A", status != 400, f"{status} {text[:80]}")
    metadata = str(chunks[0].get("blobPath", "")).rsplit(".", 1)[0] + ".metadata.json"
    for overwritten in (b'{"chunkDuration": 1e999}', b'{"chunkDuration": NaN}', b'{"a":' * DEEP + b"1" + b"}" * DEEP):
        cs.archive().upload_blob(metadata, overwritten, overwrite=True)
        status, text = control_api(cs, "GET", f"{base}/archive")
        cases.case(
            f"archive view of metadata {overwritten[:20]!r}", status != 200 or "differs" not in text, f"{status}"
        )
    return 4


def poison_shapes(cs: ChaosStack, cases: Cases) -> int:
    """Poison messages of any shape are each kept in the quarantine with a reason. The number sent."""
    marks = {f"chaos-{uuid.uuid4()}": queue for queue in ("recording-chunks-poison", "chunk-verifications-poison")}
    shapes: list[tuple[str, str]] = []
    for mark, queue in marks.items():  # an array: the host reads a JSON object's properties as binding data itself
        shapes.append((queue, f'["{mark}", ' + "[" * 25_000 + "]" * 25_000 + "]"))
    verify_mark = f"chaos-{uuid.uuid4()}"
    shapes.append(("chunk-verifications-poison", _verify_job_without_sha256(verify_mark)))
    for queue, message in shapes:
        QueueClient.from_connection_string(cs.info["storageConnectionString"], queue).send_message(message)
    wanted = [*marks, verify_mark]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _all_quarantined(cs, wanted):
        time.sleep(1)
    found = _all_quarantined(cs, wanted)
    cases.case("poison messages nested 25,000 deep or lacking a participant sha256", not found, f"{wanted}")
    return len(shapes)


def _verify_job_without_sha256(mark: str) -> str:
    """A verification job whose participant file names no SHA-256 (``mark`` as its correlationId)."""
    ref = ChunkRef(server_call_id="QUJD", recording_id="rec-chaos", index=0, format="wav",
                   recording_start=datetime(2026, 1, 2, tzinfo=UTC))  # fmt: skip
    prefix = ref.paths.media.rsplit("/", 1)[0]
    part = {"participantId": "4:+1", "blobPath": layout.participant_path(prefix, 0, "4:+1"), "size": 4}
    copy = ChunkCopy(size=4, sha256="a" * 64, metadata_sha256="b" * 64, streamed=False, participant_files=(part,))
    return VerifyJob(chunk=ref, document_id="doc", copy=copy, correlation_id=mark).to_json()


def _all_quarantined(cs: ChaosStack, marks: list[str]) -> bool:
    container = cs.blobs().get_container_client("quarantine")
    texts = [container.download_blob(b.name).readall().decode("utf-8", "replace") for b in container.list_blobs()]
    return all(any(mark in text and '"reason": ""' not in text for text in texts) for mark in marks)


def crafted_audit(cs: ChaosStack, cases: Cases) -> int:
    """``python -m tools.audit`` on an archive of crafted manifests and a stray blob: FAIL lines and exit 1 in
    both output forms, within a minute, never a traceback. The number of crafted blobs."""
    container = cs.blobs().get_container_client(f"crafted{uuid.uuid4().hex[:12]}")
    container.create_container()
    start = datetime(2026, 1, 2, tzinfo=UTC)
    try:
        crafted = {
            "index 10^9": {"chunks": [{"index": 0}, {"index": 10**9}], "verdict": {"verdict": "complete"}},
            "index -1": {"chunks": [{"index": -1}], "verdict": {"verdict": "complete"}},
            "format ogg": {"format": "ogg", "chunks": [{"index": 0}], "verdict": {"verdict": "complete"}},
        }
        for n, document in enumerate(crafted.values()):
            prefix = layout.recording_prefix(start, "QUJD", f"rec-{n}")
            body = stored_bytes(sealed({"callFolder": "QUJD", "recordingId": f"rec-{n}", **document}))
            container.upload_blob(layout.manifest_path(prefix), body)
        deep = layout.manifest_path(layout.recording_prefix(start, "QUJD", "rec-deep"))
        container.upload_blob(deep, b"[" * 100_000 + b"]" * 100_000)
        container.upload_blob(start.strftime("%Y/%m/%d/") + "stray.bin", b"x")
        for form in ([], ["--json"]):
            code, out, err = _audit(cs, container.container_name, start, form)
            broken = code != 1 or "Traceback" in err or (not form and out.count("FAIL ") < 5)
            cases.case(f"audit{' --json' if form else ''} of a crafted archive", broken, f"exit {code}: {err[-200:]}")
        return len(crafted) + 2
    finally:
        container.delete_container()


def _audit(cs: ChaosStack, container: str, day: datetime, form: list[str]) -> tuple[int | None, str, str]:
    args = [sys.executable, "-m", "tools.audit", "--date", day.date().isoformat(), "--container", container,
            "--connection-string", cs.info["storageConnectionString"], *form]  # fmt: skip
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return None, "", "did not finish within 60 s"
    return done.returncode, done.stdout, done.stderr


AFTER_JUDGEMENT = (archived_reads, poison_shapes, crafted_audit)


# -- auth -----------------------------------------------------------------------------------------------------------
def foreign_recording(cs: ChaosStack, cases: Cases, victim: dict[str, Any], other: dict[str, Any]) -> None:
    """A callback at the victim's URL naming the victim's serverCallId but the other call's recording: quarantined;
    the recording stays the other call's, and the victim gains nothing."""
    client = cs.client()
    other_recording = ((client.call(other["serverCallId"]) or {}).get("recordings") or [{}])[-1].get("recordingId")
    path = callback_path(cs, victim["serverCallId"])
    moved = callback_event("RecordingStateChanged", victim, recordingId=other_recording, state="inactive")
    status = post_callbacks(cs, path, cs.tokens().valid(), moved)
    victim_ids = [r.get("recordingId") for r in (client.call(victim["serverCallId"]) or {}).get("recordings") or []]
    other_ids = [r.get("recordingId") for r in (client.call(other["serverCallId"]) or {}).get("recordings") or []]
    got_through = other_recording in victim_ids or other_recording not in other_ids
    cases.case("callback naming another call's recording", got_through, f"{status}: {victim_ids} / {other_ids}")


def non_ascii_call_mac(cs: ChaosStack, cases: Cases, victim: dict[str, Any]) -> None:
    """A ``callMac`` that is not ASCII is a callback for no call's URL: acknowledged and quarantined, not a 5xx."""
    hang_up = callback_event("CallDisconnected", victim)
    status = post_callbacks(cs, "/api/callbacks?callMac=%C3%A9%C3%A9", cs.tokens().valid(), hang_up)
    state = (cs.client().call(victim["serverCallId"]) or {}).get("state")
    cases.case("callMac that is not ASCII", status >= 500 or state == "disconnected", f"{status} {state}")
