"""6. Hostile input: generated malformed Event Grid events, callbacks and API requests, and the SSRF corpus.

No crash, no 5xx; every bad event quarantined with its reason; nothing written outside the archive and
quarantine containers; no corpus URL ever requested (trap listener and proxy refusal log both at zero); none of
the red-team reproductions of ``redteam`` (option URLs, oversized inputs, the sender's clock) accepted.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient

from chaos import payloads
from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios import forgeries, redteam
from chaos.scenarios.common import Size, options, poison_count
from chaos.ssrf import Trap, corpus
from chaos.workload import archived, failed, recordings, wait_settled
from shared.domain import ChunkFile
from shared.messages import ChunkJob, ChunkRef

NAME = "hostile"
LOAD = "generated inputs"  # what ``--load hostile=N`` sets
POSITIONS = ("contentLocation", "metadataLocation", "deleteLocation")


class Tally:
    """What was sent and what came back."""

    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.must_quarantine: set[str] = set()
        self.server_errors: list[str] = []

    def record(self, what: str, status: int, sample: Any) -> None:
        self.statuses[f"{what} {status}"] += 1
        if status >= 500 and len(self.server_errors) < 5:
            self.server_errors.append(f"{what} -> {status}: {str(sample)[:160]}")
        elif status >= 500:
            self.server_errors.append("")

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())


def ssrf_events(trap_port: int) -> list[dict[str, Any]]:
    events = []
    for url in corpus(trap_port).values():
        for position in POSITIONS:
            event = payloads.files_ready()
            event["data"]["recordingStorageInfo"]["recordingChunks"][0][position] = url
            events.append(event)
    return events


def ssrf_jobs(trap_port: int) -> dict[str, str]:
    """documentId -> chunk job carrying a corpus URL straight onto the queue (the archive re-checks every URL)."""
    jobs = {}
    for url in corpus(trap_port).values():
        ok = "https://us-storage.asm.skype.com/v1/objects/x"
        ref = ChunkRef(
            server_call_id="chaos",
            recording_id=f"rec-{uuid.uuid4().hex}",
            index=0,
            format="wav",
            recording_start=datetime(2025, 1, 1, tzinfo=UTC),
        )
        file = ChunkFile(index=0, document_id=f"chaos-{uuid.uuid4()}", end_reason="", content_location=url,
                         metadata_location=ok + "/content/acsmetadata", delete_location=ok)  # fmt: skip
        jobs[file.document_id] = ChunkJob(chunk=ref, file=file).to_json()
    return jobs


def send_grid(cs: ChaosStack, tally: Tally, event: dict[str, Any], what: str, quarantine: bool) -> None:
    tally.record(what, cs.post_grid([event]), event)
    if quarantine:
        tally.must_quarantine.add(str(event["id"]))


def blob_names(service: BlobServiceClient) -> dict[str, set[str]]:
    return {str(c.name): {str(b.name) for b in service.get_container_client(c.name).list_blobs()}
            for c in service.list_containers()}  # fmt: skip


def quarantined(service: BlobServiceClient) -> tuple[dict[str, str], int]:
    """Every quarantine record's payload text -> reason, and how many records lack a reason."""
    container = service.get_container_client("quarantine")
    found: dict[str, str] = {}
    unexplained = 0
    for blob in container.list_blobs():
        record = json.loads(container.download_blob(blob.name).readall())
        found[str(record.get("payload"))] = str(record.get("reason") or "")
        unexplained += 0 if record.get("reason") else 1
    return found, unexplained


def run(size: Size, keep: bool = False) -> Result:
    result = Result(NAME)
    trap = Trap()
    tally = Tally()
    try:
        with ChaosStack(NAME, options(), keep=keep) as cs:
            service = cs.blobs()
            before = blob_names(service)
            tunnels = int(cs.emulator("GET", "proxy")["tunnels"])
            for event in ssrf_events(trap.port):
                send_grid(cs, tally, event, "ssrf event", quarantine=True)
            queue = QueueClient.from_connection_string(cs.info["storageConnectionString"], "recording-chunks")
            jobs = ssrf_jobs(trap.port)
            for job in jobs.values():
                queue.send_message(job)
            generate(cs, tally, size)
            cases = red_team(cs, tally, trap)
            time.sleep(3)  # the queue listener picks up the corpus jobs
            judge(cs, result, tally, before, service, tunnels, trap, set(jobs))
            redirects = redirected_download(cs, result, trap)
            redteam.sender_clock(cs, cases, result, lambda sid: wait_settled(cs.client(), [sid], timeout=90)[sid])
            sent_after = sum(run(cs, cases) for run in forgeries.AFTER_JUDGEMENT)
            cases.into(result)
            result.faults = tally.sent + len(jobs) + redirects + cases.sent + sent_after
            result.load = (
                f"{tally.sent} hostile requests, {len(jobs)} queue messages, {redirects} redirects, "
                f"{cases.sent} red-team cases"
            )
    finally:
        trap.close()
    return result


def generate(cs: ChaosStack, tally: Tally, size: Size) -> None:
    """``size.load`` generated inputs: 2/5 bad files-ready events, 1/10 bad IncomingCall, 1/10 other events, 1/5
    callback bodies and 1/5 API requests."""
    valid = cs.tokens().valid
    count = size.load(NAME, 100, 1125) * 2 // 5
    payloads.drive(payloads.bad_files_ready(), count, lambda e: send_grid(cs, tally, e, "bad files-ready", True))
    payloads.drive(payloads.bad_incoming_call(), count // 4, lambda e: send_grid(cs, tally, e, "bad incoming", True))
    payloads.drive(payloads.other_event(), count // 4, lambda e: send_grid(cs, tally, e, "other event", False))

    def callback(body: bytes) -> None:
        headers = {"Authorization": f"Bearer {valid()}", "Content-Type": "application/json"}
        tally.record("callback", cs.post("/api/callbacks", body, headers).status_code, body)

    def api(request: tuple[str, str, bytes]) -> None:
        method, path, body = request
        headers = {"x-functions-key": str(cs.info.get("functionKey", ""))}
        tally.record("api", cs.request(method, path, data=body, headers=headers).status_code, request)

    payloads.drive(payloads.callback_body(), count // 2, callback)
    payloads.drive(payloads.api_request(), count // 2, api)
    raw = [b"", b"not json", b"[]", b"[1,2]", b"{" * 5000, b'"text"', b"[null]", json.dumps([{}] * 50).encode()]
    for body in raw:
        status = cs.post_grid(body)
        tally.record("raw webhook body", status, body)


def red_team(cs: ChaosStack, tally: Tally, trap: Trap) -> redteam.Cases:
    """The red-team reproductions that need no download (option URLs, oversized inputs); each Event Grid event
    among them must be quarantined."""
    cases = redteam.Cases()

    def grid(event: dict[str, Any]) -> int:
        status = cs.post_grid([event])
        tally.record("red-team event", status, event)
        tally.must_quarantine.add(str(event["id"]))
        return status

    redteam.option_urls(cs, cases, trap.port)
    redteam.oversized_inputs(cs, cases, grid)
    forgeries.control_characters(cs, cases, grid)
    forgeries.own_containers(cs, cases)
    forgeries.deep_bodies(cs, cases)
    forgeries.unknown_call_start(cs, cases)
    return cases


def judge(cs: ChaosStack, result: Result, tally: Tally, before: dict[str, set[str]], service: BlobServiceClient,
          tunnels: int, trap: Trap, jobs: set[str]) -> None:  # fmt: skip
    errors = [e for e in tally.server_errors if e]
    result.errors += len(tally.server_errors)
    result.notes.extend(errors)
    result.check("no 5xx", not tally.server_errors, f"{len(tally.server_errors)} request(s) answered 5xx")
    alive = all(proc.poll() is None for proc in cs.stack.processes.values())
    result.check("no crash", alive, "a stack process exited")
    records, unexplained = quarantined(service)
    texts = "\n".join(records)
    missing = [event_id for event_id in tally.must_quarantine if event_id not in texts]
    result.check(
        "every bad event quarantined", not missing, f"{len(missing)} bad event(s) not quarantined, e.g. {missing[:2]}"
    )
    result.check("every quarantine record has a reason", unexplained == 0, f"{unexplained} record(s) without reason")
    lost_jobs = [document_id for document_id in jobs if document_id not in texts]
    result.check(
        "hostile queue messages quarantined", not lost_jobs, f"{len(lost_jobs)} of {len(jobs)} not quarantined"
    )
    after = blob_names(service)
    allowed = {cs.info["archiveContainer"], "quarantine"}
    stray = [f"{c}/{n}" for c, names in after.items() if c not in allowed for n in names - before.get(c, set())
             if not (c == "azure-webjobs-hosts" and n.startswith("timers/"))]  # the host's timer status  # fmt: skip
    result.check("nothing written outside archive and quarantine", not stray, f"new blobs: {stray[:3]}")
    archived = after.get(cs.info["archiveContainer"], set())
    result.check("nothing archived from hostile input", not archived, f"{len(archived)} archive blob(s)")
    proxy = cs.emulator("GET", "proxy")
    result.check("trap listener never hit", not trap.hits, f"{len(trap.hits)} connection(s): {trap.hits[:3]}")
    result.check(
        "proxy refused nothing", not proxy["refused"], f"{len(proxy['refused'])} refusal(s): {proxy['refused'][:3]}"
    )
    result.check(
        "no download attempted", int(proxy["tunnels"]) == tunnels, f"{int(proxy['tunnels']) - tunnels} tunnel(s)"
    )
    poisoned = poison_count(cs)
    result.check("no poison messages", poisoned == 0, f"{poisoned} poison message(s)")
    result.notes.append("answers: " + ", ".join(f"{k} x{v}" for k, v in sorted(tally.statuses.items())))


def redirected_download(cs: ChaosStack, result: Result, trap: Trap) -> int:
    """A real recording whose download answers 302 to the trap: never followed; archived or failed with a reason."""
    location = f"http://127.0.0.1:{trap.port}/latest/meta-data/"
    cs.emulator("POST", "faults/downloads", {"kind": "redirect", "count": 1, "location": location})
    body = {"format": "wav", "channel": "mixed", "durationSeconds": 1, "chunks": 1, "deliver": True}
    event = cs.emulator("POST", "recordings/synthetic", body)
    sid = str(event["subject"]).split("/serverCallId/")[1].split("/recordingId/")[0]
    view = wait_settled(cs.client(), [sid], timeout=90)[sid]
    cs.emulator("DELETE", "faults")
    fired = int(cs.emulator("GET", "faults").get("fired", {}).get("redirect", 0))
    result.check("redirect served", fired == 1, f"{fired} redirects served")
    result.check("redirect never followed", not trap.hits, f"{len(trap.hits)} connection(s) to the redirect target")
    found = recordings(view)
    last = found[-1] if found else {}
    state, reason = last.get("state"), last.get("reason")
    result.check("redirected recording archived or failed with a reason", archived(last) or bool(
        failed(last) and reason), f"state {state!r}, reason {reason!r}")  # fmt: skip
    result.notes.append(f"redirected download: recording {state}, {reason or 'no reason'}")
    return fired
