"""Every verb of ``./local/cli`` a person drives by hand, on the shared end-to-end stack, through the wrapper script.

The stack is the session's (``stack_info``); the CLI finds it through a record written the way ``up`` writes one,
in a state folder of this test's own (so ``down`` is not driven here: ``test_cli.py`` does that on its own stack).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient

from local import stackfile
from tests.e2e.conftest import ANSWERED_NUMBER

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "local" / "cli"


class Cli:
    """Runs ``./local/cli --state-dir STATE ...`` in ``cwd``; every run is checked for a traceback."""

    def __init__(self, state: Path, cwd: Path) -> None:
        self.state, self.cwd = state, cwd

    def __call__(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(CLI), "--state-dir", str(self.state), *args],
            cwd=self.cwd, capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == code, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture
def cli(stack_info: dict[str, Any], tmp_path: Path) -> Cli:
    if "pids" not in stack_info:
        pytest.skip("the CLI drives a stack it can find by its record; E2E_FUNCTIONS_URL points at another one")
    state = tmp_path / "state"
    record = {
        **stack_info,
        "chunkQueue": "q" + uuid.uuid4().hex[:12],
        "processes": stackfile.identify(stack_info["pids"]),
    }
    stackfile.save(record, state)
    return Cli(state, tmp_path)


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert all(word in lines[0] for word in words), done.stderr


def test_a_call_is_placed_driven_hung_up_inspected_and_downloaded_with_the_cli(cli: Cli, caller: str) -> None:
    call_id = cli("call", "--caller", caller, "--callee", f"4:{ANSWERED_NUMBER}", "--quiet").stdout.strip()
    ending = call_id[-12:]
    assert f"…{ending}" in cli("calls").stdout
    cli("wait", ending, "--until", "active", "--timeout", "60")
    assert "recording paused" in cli("pause", ending).stdout
    one_line_error(cli("pause", call_id, code=1), "409", "paused")
    assert "recording active" in cli("resume", "last").stdout
    cli("stop", call_id)
    cli("start", call_id)
    cli("wait", call_id, "--until", "active", "--timeout", "60")
    assert cli("hangup", call_id).stdout.strip() == f"hung up …{ending}"
    cli("wait", call_id, "--until", "archived", "--timeout", "120")

    shown = json.loads(cli("show", call_id, "--json").stdout)
    assert shown["state"] == "disconnected"
    assert len(shown["recordings"]) == 2
    first = shown["recordings"][0]["chunks"][0]
    summary = cli("show", "last").stdout
    assert summary.startswith(f"call …{ending}  disconnected  from "), summary
    assert summary.count("verdict: complete") == 2, summary
    assert f"{first['size']:,} B  {first['sha256'][:16]}…" in summary
    assert call_id not in summary, "ids are shortened"
    tree = cli("ls", "--call", ending).stdout
    assert f"…{ending}/" in [line.strip() for line in tree.splitlines()], "the call's folder, shortened"
    assert call_id not in tree
    assert first["blobPath"].rsplit("/", 1)[-1] in tree
    assert f"{first['size']:,} B" in tree

    audited = cli("audit", ending).stdout
    assert "FAIL" not in audited
    assert "signature verified: 2 manifest(s) signed by spki-sha256:" in audited, "with the stack's public key"
    assert all(r["recordingId"][:12] in audited for r in shown["recordings"]), audited

    got = cli("get", call_id, "--recording", shown["recordings"][0]["recordingId"], "--output", "first.wav")
    assert "as recorded" in got.stdout
    assert hashlib.sha256((cli.cwd / "first.wav").read_bytes()).hexdigest() == first["sha256"]
    latest = shown["recordings"][1]
    downloaded = cli.state / "downloads" / ending / latest["recordingId"][-12:] / "chunk-0000.wav"
    assert cli("get", ending).stdout.startswith(f"wrote {downloaded} ("), "under the state folder by default"
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == latest["chunks"][0]["sha256"]
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["first.wav", "state"], "nothing else written here"
    one_line_error(cli("get", call_id, code=1), "exists", "--force")
    one_line_error(cli("get", call_id, "--chunk", "99", code=1), "not 99")


def test_a_wait_that_times_out_says_what_it_saw_last(cli: Cli, caller: str) -> None:
    cli("call", "--caller", caller, "--callee", f"4:{ANSWERED_NUMBER}")
    cli("wait", "last", "--until", "active", "--timeout", "60")
    one_line_error(
        cli("wait", "last", "--until", "stopped", "--timeout", "1", code=1), "timed out", "last seen: recording active"
    )
    cli("hangup", "last")


def test_wait_prints_each_state_the_recording_passes_through(cli: Cli, caller: str) -> None:
    cli("call", "--caller", caller, "--callee", f"4:{ANSWERED_NUMBER}")
    cli("wait", "last", "--until", "active", "--timeout", "60")
    cli("hangup", "last")
    waited = cli("wait", "last", "--until", "archived", "--timeout", "120").stdout.splitlines()
    states = [line.split(": recording ", 1)[1] for line in waited[:-1]]
    assert states[-1] == "archived", waited
    assert len(states) == len(set(states)), "one line per change"
    assert waited[-1].startswith("recording archived: …"), waited


def test_ls_aligns_the_size_column_of_every_blob(cli: Cli, caller: str) -> None:
    call_id = cli("call", "--caller", caller, "--callee", f"4:{ANSWERED_NUMBER}", "--quiet").stdout.strip()
    cli("wait", call_id, "--until", "active", "--timeout", "60")
    cli("hangup", call_id)
    cli("wait", call_id, "--until", "archived", "--timeout", "120")
    blob_lines = [line for line in cli("ls", "--call", call_id).stdout.splitlines() if " B  sha256 " in line]
    assert len(blob_lines) >= 3
    assert len({line.index(" B  sha256 ") for line in blob_lines}) == 1, blob_lines


def test_quarantine_lists_a_refused_event_with_its_reason(cli: Cli, stack_info: dict[str, Any]) -> None:
    event_id = str(uuid.uuid4())
    event = {"id": event_id, "eventType": "Microsoft.Communication.IncomingCall", "subject": "x", "data": {},
             "eventTime": "2026-12-01T00:00:00Z", "dataVersion": "1.0"}  # fmt: skip
    url = f"{stack_info['functionsUrl']}/runtime/webhooks/EventGrid?functionName=acs_events"
    answer = requests.post(
        url, json=[event], params={"code": stack_info.get("eventGridKey", "")},
        headers={"aeg-event-type": "Notification"}, timeout=30,
    )  # fmt: skip
    assert answer.status_code < 300, answer.text
    lines = cli("quarantine", "--payload").stdout.splitlines()
    payload = next(number for number, line in enumerate(lines) if event_id in line)
    received, source, reason = lines[payload - 2].split(maxsplit=2)
    assert received.startswith("20"), lines[payload - 2]
    assert source == "acs_events", lines[payload - 2]
    assert reason.strip(), lines[payload - 2]
    assert lines[payload - 1].strip().endswith(".json")


def test_poison_lists_a_given_up_job_with_the_apps_record_of_its_chunk(cli: Cli, caller: str) -> None:
    call_id = cli("call", "--caller", caller, "--callee", f"4:{ANSWERED_NUMBER}", "--quiet").stdout.strip()
    cli("wait", call_id, "--until", "active", "--timeout", "60")
    cli("hangup", call_id)
    cli("wait", call_id, "--until", "archived", "--timeout", "120")
    recording = json.loads(cli("show", call_id, "--json").stdout)["recordings"][0]["recordingId"]
    assert "(no poison messages)" in cli("poison").stdout
    record = stackfile.require(cli.state)
    queue = QueueClient.from_connection_string(record["storageConnectionString"], f"{record['chunkQueue']}-poison")
    queue.create_queue()
    try:
        queue.send_message(json.dumps({"callFolder": call_id, "recordingId": recording, "index": 0}))
        queue.send_message("not a job")
        listed = cli("poison").stdout
    finally:
        queue.delete_queue()
    assert f"call …{call_id[-12:]} recording …{recording[-12:]} chunk 0" in listed
    attempts = json.loads((ROOT / "host.json").read_text())["extensions"]["queues"]["maxDequeueCount"]
    assert f"failed {attempts} times; the app's record: chunk archived" in listed
    assert "not a chunk job" in listed
    assert "(2 shown" in listed


def test_env_exports_what_the_readme_curls_use(cli: Cli, stack_info: dict[str, Any]) -> None:
    script = f'eval "$({CLI} --state-dir {cli.state} env)"; echo "$FUNCTIONS_URL|$FUNCTION_KEY|$EVENTGRID_KEY|$EMULATOR_URL|$EMULATOR_CA|$HTTPS_PROXY"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True)
    expected = [stack_info[key] for key in ("functionsUrl", "functionKey", "eventGridKey", "emulatorUrl", "caBundle")]
    assert done.stdout.strip().split("|") == [*expected, stack_info["clientEnv"]["HTTPS_PROXY"]]


def test_settings_are_written_for_a_second_host_and_never_over_an_existing_file(
    cli: Cli, stack_info: dict[str, Any]
) -> None:
    cli("settings", "--port", "7199", "--output", "local.settings.json")
    values = json.loads((cli.cwd / "local.settings.json").read_text())["Values"]
    assert values["CALLBACK_BASE_URL"] == "http://127.0.0.1:7199"
    assert values["CALLBACK_JWT_AUDIENCE"] == stack_info["audience"]
    assert values["ACS_RESOURCE_ID"] == stack_info["topic"]
    assert values["CALLBACK_JWKS_URL"] == stack_info["jwksUrl"]
    assert values["ACS_CONNECTION_STRING"] == stack_info["acsConnectionString"]
    assert values["AzureWebJobsStorage"] == stack_info["storageConnectionString"]
    assert values["REQUESTS_CA_BUNDLE"] == stack_info["caBundle"]
    assert not [name for name, value in values.items() if "CHANGE" in value]
    one_line_error(cli("settings", "--output", "local.settings.json", code=1), "exists", "--force")


def test_subscribe_points_event_grid_at_a_host_and_back(cli: Cli, stack_info: dict[str, Any]) -> None:
    endpoint = cli("subscribe", "--endpoint", stack_info["functionsUrl"], f"--key={stack_info['eventGridKey']}")
    assert "functionName=acs_events&code=" in endpoint.stdout
    assert stack_info["functionsUrl"] in cli("subscribe").stdout
    one_line_error(cli("subscribe", "--endpoint", "http://127.0.0.1:9", "--wait", "0", code=1), "could not subscribe")


@pytest.mark.parametrize(
    "verb",
    [("show",), ("hangup",), ("pause",), ("resume",), ("stop",), ("start",), ("get",), ("ls", "--call"),
     ("wait", "--timeout", "120")],
)  # fmt: skip
def test_an_unknown_call_answers_at_once_the_same_way_on_every_verb(cli: Cli, verb: tuple[str, ...]) -> None:
    name, *options = verb
    started = time.monotonic()
    done = (
        cli(name, *options, "bm8tc3VjaC1jYWxs", code=1)
        if options[:1] == ["--call"]
        else cli(name, "bm8tc3VjaC1jYWxs", *options, code=1)
    )
    assert time.monotonic() - started < 20, "answered at once, not after a timeout"
    one_line_error(done, "unknown call 'bm8tc3VjaC1jYWxs'", "calls")
    assert "==" not in done.stderr, "the id as given, not padded"


def test_a_bad_event_is_acknowledged_and_shown_in_the_quarantine_with_its_reason(cli: Cli) -> None:
    sent = cli("bad-event").stdout
    event_id = sent.split("IncomingCall event ", 1)[1].split()[0]
    assert "quarantine --payload" in sent
    lines = cli("quarantine", "--payload").stdout.splitlines()
    payload = next(number for number, line in enumerate(lines) if event_id in line)
    assert lines[payload - 2].split(maxsplit=2)[1] == "acs_events", lines[payload - 2]


def test_the_wrapper_runs_without_an_activated_venv(cli: Cli) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    environment["PATH"] = "/usr/bin:/bin"
    done = subprocess.run([str(CLI), "--help"], cwd="/", env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage: " in done.stdout
