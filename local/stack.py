"""The whole local stack: Azurite, the ACS emulator and the local Functions host, wired together.

Each part runs as its own process and announces itself with one JSON line on stdout; ``python -m local up``
records their pids and addresses in ``.local/stack.json`` (``local/stackfile.py``) so ``status`` and ``down`` work
from another shell.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from local.azurite import Azurite, environ_without_proxy, free_port

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".local"
EVENT_TYPES = ("Microsoft.Communication.IncomingCall", "Microsoft.Communication.RecordingFileStatusUpdated")
SUBSCRIPTION = "acs-events-to-functions"
log = logging.getLogger("local.stack")


class StackError(RuntimeError):
    """A part of the local stack did not start or is not healthy."""


@dataclass
class StackOptions:
    """What to run; ``settings`` become app settings of the Functions host (they override local.settings)."""

    state_dir: Path = STATE
    settings: dict[str, str] = field(default_factory=dict)
    time_scale: float = 1.0
    files_ready_delay: float = 1.0
    max_chunk_seconds: float = 4 * 3600
    files_ready_shape: str = "full"  # local.emulator.config.FILES_READY_SHAPES
    host_auth: bool = True
    event_schema: str = "EventGridSchema"
    host_processes: int = 1
    azurite_access_log: bool = False  # every storage request in azurite.log (``bench.roundtrips`` counts them)
    # Serve the app with another Core Tools-compatible host instead (e.g. ``["func", "start", "--port", "{port}"]``);
    # it is ready once ``/admin/host/status`` answers.
    host_command: list[str] | None = None


def _read_ready_line(proc: subprocess.Popen[bytes], out: Path, name: str, timeout: float) -> dict[str, Any]:
    """Wait for the one JSON line a part writes to its stdout file once it is serving."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = out.read_text() if out.exists() else ""
        if "\n" in text:
            ready: dict[str, Any] = json.loads(text.splitlines()[0])
            return ready
        if proc.poll() is not None:
            raise StackError(f"{name} exited with {proc.returncode}; see {out.with_suffix('.log')}")
        time.sleep(0.1)
    raise StackError(f"{name} did not report ready within {timeout:.0f}s; see {out.with_suffix('.log')}")


def _spawn(
    name: str, args: list[str], logs: Path, env: Mapping[str, str], timeout: float
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start one part with stdout and stderr in files (so it outlives a detached ``up``) and wait until ready."""
    logs.mkdir(parents=True, exist_ok=True)
    out, err = logs / f"{name}.out", logs / f"{name}.log"
    out.unlink(missing_ok=True)
    with open(out, "wb") as stdout, open(err, "ab") as stderr:
        proc = subprocess.Popen(
            args, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=dict(env), cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
    try:
        return proc, _read_ready_line(proc, out, name, timeout)
    except StackError:
        _terminate(proc)
        raise


def _spawn_external_host(
    name: str, args: list[str], logs: Path, env: Mapping[str, str], port: int
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start a host that prints no ready line (Core Tools) and wait until its admin endpoint answers."""
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as output:
        proc = subprocess.Popen(args, stdout=output, stderr=output, env=dict(env), cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{args[0]} exited with {proc.returncode}; see {logs / (name + '.log')}")
        try:
            requests.get(f"{url}/admin/host/status", timeout=2)
            return proc, {"functionsUrl": url}
        except requests.RequestException:
            time.sleep(0.5)
    _terminate(proc)
    raise StackError(f"{args[0]} did not serve {url} within 120s")


def _process_start() -> dict[str, str]:
    """The app settings a host reads only as its process starts (``local.host.settings.PROCESS_START_SETTINGS``),
    from the settings file the host reads: Azure's host starts its worker with them in the environment."""
    from local.host import settings

    return settings.process_start(settings.read_values(settings.settings_path(ROOT, None)))


def _base_env() -> dict[str, str]:
    """The environment every part starts from: no proxy or CA settings of the caller's (each part gets its own)."""
    env = {k: v for k, v in environ_without_proxy().items() if k.upper() not in ("NO_PROXY", "REQUESTS_CA_BUNDLE")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Stack:
    """A running stack; ``info`` is what ``up --json`` prints."""

    options: StackOptions
    azurite: Azurite | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    _emulator: dict[str, Any] = field(default_factory=dict)  # the emulator's ready line (hosts are wired from it)

    def start(self) -> Stack:
        state = self.options.state_dir
        state.mkdir(parents=True, exist_ok=True)
        self.info.update(
            stateDir=str(state), logs=str(state / "logs"), azuriteLog=str(state / "azurite" / "azurite.log")
        )
        try:
            self._start_azurite(state)
            self._signing_key(state)
            self._emulator = self._start_emulator(state)
            self._start_hosts(state, self._emulator)
            self._subscribe()
        except BaseException:
            self.stop()
            raise
        self._record_pids()
        return self

    def restart_hosts(self) -> None:
        """Replace every Functions host with a fresh process (a cold start) and point Event Grid at the new one."""
        for name in [name for name in self.processes if name.startswith("host")]:
            _terminate(self.processes.pop(name))
        self.info.pop("functionsUrls", None)
        self._start_hosts(self.options.state_dir, self._emulator)
        self._subscribe()
        self._record_pids()

    def _record_pids(self) -> None:
        self.info["pids"] = {"azurite": self.azurite.process.pid} if self.azurite and self.azurite.process else {}
        self.info["pids"].update({name: proc.pid for name, proc in self.processes.items()})

    def _start_azurite(self, state: Path) -> None:
        self.azurite = Azurite(location=state / "azurite", access_log=self.options.azurite_access_log).start()
        self.info["storageConnectionString"] = self.azurite.connection_string

    def _signing_key(self, state: Path) -> None:
        """The stack's manifest signing key (P-256, made once per state folder) and its public key for the audit."""
        from shared.signing import new_key_file, public_path

        private = state / "signing" / "manifest-signing.pem"
        if not private.exists():
            new_key_file(private)
        self.info.update(manifestSigningKey=str(private), manifestPublicKey=str(public_path(private)))

    def _start_emulator(self, state: Path) -> dict[str, Any]:
        opts = self.options
        args = [
            sys.executable, "-m", "local.emulator", "--state-dir", str(state / "emulator"),
            "--storage-connection-string", self.azurite.connection_string if self.azurite else "",
            "--time-scale", str(opts.time_scale), "--files-ready-delay", str(opts.files_ready_delay),
            "--max-chunk-seconds", str(opts.max_chunk_seconds), "--files-ready-shape", opts.files_ready_shape,
        ]  # fmt: skip
        proc, emulator = _spawn("emulator", args, state / "logs", _base_env(), 60)
        self.processes["emulator"] = proc
        self.info.update(
            emulatorUrl=emulator["emulatorUrl"],
            acsConnectionString=emulator["connectionString"],
            clientEnv=emulator["clientEnv"],
            caBundle=emulator["caBundle"],
            jwksUrl=emulator["jwksUrl"],
            issuer=emulator["issuer"],
            audience=emulator["audience"],
            topic=emulator["topic"],
        )
        return emulator

    def _host_settings(self, emulator: dict[str, Any], port: int) -> dict[str, str]:
        assert self.azurite is not None
        settings = {
            "AzureWebJobsStorage": self.azurite.connection_string,
            "ACS_CONNECTION_STRING": emulator["connectionString"],
            "CALLBACK_BASE_URL": f"http://127.0.0.1:{port}",
            "CALLBACK_JWKS_URL": emulator["jwksUrl"],
            "CALLBACK_JWT_ISSUER": emulator["issuer"],
            "CALLBACK_JWT_AUDIENCE": emulator["audience"],
            "ACS_RESOURCE_ID": emulator["topic"],
            "CALLBACK_AUTH_DISABLED": "false",
            "MANIFEST_SIGNING_KEY": self.info["manifestSigningKey"],
        }
        settings.update(self.options.settings)
        return settings

    def _start_hosts(self, state: Path, emulator: dict[str, Any]) -> None:
        keys = state / "host-keys.json"
        for number in range(self.options.host_processes):
            port = free_port()
            env = {**_process_start(), **_base_env(), **emulator["clientEnv"], **self._host_settings(emulator, port)}
            name = "host" if number == 0 else f"host{number}"
            if self.options.host_command:
                args = [part.replace("{port}", str(port)) for part in self.options.host_command]
                proc, host = _spawn_external_host(name, args, state / "logs", env, port)
            else:
                args = [sys.executable, "-m", "local.host", "--app-dir", str(ROOT), "--port", str(port)]
                args += ["--keys-file", str(keys)] if self.options.host_auth else ["--no-auth"]
                proc, host = _spawn(name, args, state / "logs", env, 90)
            self.processes[name] = proc
            if number == 0:
                self.info.update(
                    functionsUrl=host["functionsUrl"],
                    functionKey=host.get("functionKey", ""),
                    eventGridKey=host.get("eventGridKey", ""),
                    masterKey=host.get("masterKey", ""),
                )
            self.info.setdefault("functionsUrls", []).append(host["functionsUrl"])
        settings = self.options.settings
        self.info["archiveContainer"] = settings.get("ARCHIVE_CONTAINER", "recordings")
        self.info["quarantineContainer"] = settings.get("QUARANTINE_CONTAINER", "quarantine")
        self.info["chunkQueue"] = settings.get("CHUNK_QUEUE", "recording-chunks")

    def _subscribe(self) -> None:
        self.info["eventSchema"] = self.options.event_schema
        url = webhook_url(self.info["functionsUrl"], self.info.get("eventGridKey", ""))
        response = requests.post(
            f"{self.info['emulatorUrl']}/_emulator/subscriptions",
            json=event_grid_subscription(url, self.options.event_schema),
            verify=self.info["caBundle"],
            timeout=30,
        )
        if response.status_code >= 300:
            raise StackError(f"Event Grid subscription failed: {response.status_code} {response.text}")

    def stop(self) -> None:
        for proc in reversed(list(self.processes.values())):
            _terminate(proc)
        self.processes.clear()
        if self.azurite:
            self.azurite.stop()


def webhook_url(functions_url: str, event_grid_key: str = "") -> str:
    """The Event Grid webhook of ``acs_events`` on a Functions host (``code`` = the eventgrid_extension key)."""
    url = f"{functions_url.rstrip('/')}/runtime/webhooks/EventGrid?functionName=acs_events"
    return f"{url}&code={event_grid_key}" if event_grid_key else url


def event_grid_subscription(endpoint: str, schema: str = "EventGridSchema") -> dict[str, Any]:
    """The emulator's subscription body for the app's two event types (one name: a new one replaces it)."""
    return {"name": SUBSCRIPTION, "endpoint": endpoint, "schema": schema, "includedEventTypes": list(EVENT_TYPES)}


def _terminate(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
