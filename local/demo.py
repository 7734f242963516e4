"""``python -m local demo``: one scripted call through the whole local stack, from ringing to a verified archive."""

from __future__ import annotations

import re
import shutil
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from azure.storage.blob import ContainerClient

from local.client import LocalClient, recordings, wait_for
from local.inspect_archive import archive_container, list_archive, manifest_written, render_tree, verify_manifests
from local.review import page_url
from local.stack import STATE, Stack, StackOptions
from shared.layout import call_folder
from tools.audit.__main__ import main as audit_main

CALLER = "4:+14255550100"  # a PSTN caller
CALLEE = "4:+18005550199"  # the ACS number the answer policy accepts
AGENT = "8:acs:contoso-agent-7"
CHUNK_MEDIA = re.compile(r"/chunk-\d{4}\.(wav|mp3|mp4)$")
DEMO_SETTINGS = {
    "ANSWER_POLICY": "+18005550199",
    "RECORDING_CONTENT": "audio",
    "RECORDING_CHANNEL": "unmixed",
    "RECORDING_FORMAT": "wav",
    "RECORDING_CHANNEL_AFFINITY": f"0={CALLER}",
    "STREAMING_THRESHOLD_BYTES": str(2 * 1024 * 1024),
}


def _chunks(call: dict[str, Any] | None) -> tuple[int, int]:
    chunks = [chunk for rec in recordings(call) for chunk in rec.get("chunks", [])]
    return sum(1 for c in chunks if c.get("verified")), len(chunks)


class Progress:
    """One status line, rewritten in place on a terminal."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.tty = sys.stdout.isatty()
        self.last = ""

    def show(self, text: str) -> None:
        if text == self.last:
            return
        self.last = text
        self.write(("\r" + text.ljust(70)) if self.tty else text + "\n")


def _step(say: Callable[[str], object], text: str) -> None:
    say(f"\n==> {text}\n")


def _record_the_call(client: LocalClient, server_call_id: str, say: Callable[[str], object]) -> None:
    def state_is(expected: str) -> Callable[[], bool]:
        return lambda: client.recording_state(server_call_id) == expected

    wait_for(state_is("active"), "the recording to become active", timeout=60)
    say("    answered by policy, recording active (unmixed WAV, channel 0 = the caller)\n")
    time.sleep(2)
    client.recording(server_call_id, "pause")
    wait_for(state_is("paused"), "the recording to pause")
    say("    paused through the control API (e.g. while a card number is read out)\n")
    time.sleep(1)
    client.recording(server_call_id, "resume")
    wait_for(state_is("active"), "the recording to resume")
    say("    resumed\n")
    time.sleep(2)
    client.recording(server_call_id, "stop")
    say("    stopped\n")
    client.hang_up(server_call_id)
    say("    caller hung up\n")


def _wait_for_archive(
    client: LocalClient, container: ContainerClient, server_call_id: str, say: Callable[[str], object]
) -> dict[str, Any]:
    """The call once every recording is archived and its manifest is written (``manifest_written``)."""
    progress = Progress(say)

    def archived() -> dict[str, Any] | None:
        call = client.call(server_call_id)
        done, total = _chunks(call)
        states = ",".join(str(r.get("state")) for r in recordings(call))
        progress.show(f"    archive: {done}/{total} chunks, recording {states}")
        found = recordings(call)
        finished = found and all(r.get("archived") and manifest_written(container, r) for r in found)
        return call if finished else None

    call: dict[str, Any] = wait_for(
        archived, "every chunk to be archived and its manifest written", timeout=180, interval=0.5
    )
    say("\n")
    return call


def _print_timeline(call: dict[str, Any], say: Callable[[str], object]) -> None:
    for entry in call.get("timeline", []):
        say(f"    {entry.get('at', '')}  {entry.get('source', ''):<10} {entry.get('event', '')}\n")


def run(say: Callable[[str], object] = sys.stdout.write, state: Path = STATE / "demo", keep: bool = False) -> int:
    """Run the demo in its own state folder (emptied first); 0 when every chunk is archived and matches its manifest.
    ``keep``: serve the review page until Ctrl-C before stopping the stack."""
    shutil.rmtree(state, ignore_errors=True)
    options = StackOptions(
        state_dir=state, settings=DEMO_SETTINGS, time_scale=15.0, files_ready_delay=1.0, max_chunk_seconds=40
    )
    _step(say, "starting Azurite, the ACS emulator and the local Functions host")
    stack = Stack(options).start()
    try:
        say(f"    functions {stack.info['functionsUrl']}   ACS emulator {stack.info['emulatorUrl']}\n")
        say(
            f"    state {state}\n    logs  {state / 'logs'} (host.log, emulator.log), {state / 'azurite' / 'azurite.log'}\n"
        )
        client = LocalClient(stack.info)
        _step(say, f"incoming PSTN call {CALLER} -> {CALLEE}")
        server_call_id = str(client.place_call(CALLER, CALLEE, (AGENT,))["serverCallId"])
        say(f"    serverCallId {server_call_id}\n    callId (callFolder) {call_folder(server_call_id)}\n")
        _record_the_call(client, server_call_id, say)
        _step(say, "waiting for RecordingFileStatusUpdated and the archive")
        call = _wait_for_archive(client, archive_container(stack.info), server_call_id, say)
        _step(say, "timeline")
        _print_timeline(call, say)
        verdict = _show_archive(stack, server_call_id, say) or _find_and_read(client, call, say)
        verdict = verdict or _audit(stack, server_call_id, say)
        _review(stack, server_call_id, keep, say)
        return verdict
    finally:
        _step(say, "stopping the stack")
        stack.stop()
        say(f"    its state and logs stay in {state} until the next demo\n")


def _find_and_read(client: LocalClient, call: dict[str, Any], say: Callable[[str], object]) -> int:
    """Find the call by its caller's number as a person types it, read its manifest through the app, and show the
    read in the call's access log; 1 when any of it does not hold."""
    typed = "+1 425 555 0100"  # CALLER, as a person types it
    _step(say, f"search: GET /api/search?participant={typed}")
    found = client.api("GET", f"search?participant={quote(typed)}").json()
    ids = [c.get("callId") for c in found.get("calls", [])]
    say(f"    {len(ids)} call(s) with {found.get('participant')}, this one among them: {call['callId'] in ids}\n")
    recording_id = recordings(call)[0]["recordingId"]
    _step(say, "who read it: GET .../files/manifest.json, then GET /api/calls/{callId}/access-log")
    path = f"calls/{call['callId']}/recordings/{quote(recording_id, safe='')}/files/manifest.json"
    status = client.api("GET", path).status_code
    reads = client.api("GET", f"calls/{call['callId']}/access-log").json().get("reads", [])
    for read in reads:
        say(f"    {read['at']}  key {read['caller']['key']}  {read['route']}  {read['blob'].rsplit('/', 1)[-1]}\n")
    if call["callId"] not in ids or status != 200 or not reads:
        say("    FAIL the call was not found by its caller, or its read was not logged\n")
        return 1
    return 0


def _review(stack: Stack, server_call_id: str, keep: bool, say: Callable[[str], object]) -> None:
    _step(say, "review page")
    say(f"    {page_url(stack.info, call_folder(server_call_id))}\n")
    if not keep:
        say("    (make demo KEEP=1 keeps the stack up to open it)\n")
        return
    say("    the stack stays up; Ctrl-C stops it\n")
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    signal.sigwait(stop_signals)


def _show_archive(stack: Stack, server_call_id: str, say: Callable[[str], object]) -> int:
    container = archive_container(stack.info)
    folder = call_folder(server_call_id)
    blobs = [b for b in list_archive(container, "") if f"/{folder}/" in b.name]
    _step(say, "archive")
    say(render_tree(blobs) + "\n")
    checks = verify_manifests(container, blobs)
    failures = [p for check in checks for p in check.problems]
    verified = sum(check.verified for check in checks)
    media = [b for b in blobs if CHUNK_MEDIA.search(b.name)]  # not the metadata nor the per-participant files
    if not checks or not media:
        failures.append("no manifest or no media was archived")
    if verified != len(media):
        failures.append(f"{len(media)} media blobs but {verified} verified against a manifest")
    _step(say, "verification")
    for problem in failures:
        say(f"    FAIL {problem}\n")
    if failures:
        return 1
    say(f"    OK: {verified} chunk(s) archived, size and SHA-256 match the manifest\n")
    return 0


def _audit(stack: Stack, server_call_id: str, say: Callable[[str], object]) -> int:
    """``python -m tools.audit`` on the call: the archive alone, sealed and signed manifests (checked with the stack's
    public key) and every blob read back."""
    today = datetime.now(UTC).date()
    span = ["--from", (today - timedelta(days=1)).isoformat(), "--to", today.isoformat()]
    where = ["--container", stack.info["archiveContainer"], "--call", call_folder(server_call_id)]
    where += ["--public-key", stack.info["manifestPublicKey"]]
    _step(say, f"audit: python -m tools.audit {' '.join(span + where)} (storage only, not the app's table)")
    sys.stdout.flush()
    code = audit_main([*span, *where, "--connection-string", stack.info["storageConnectionString"]])
    sys.stdout.flush()
    return code
