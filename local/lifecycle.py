"""``up``, ``down`` and ``status``: one stack per state folder, seen the same way by all three."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from local import stackfile
from local.review import page_url
from local.stack import Stack, StackError, StackOptions

_HTTP = requests.Session()
_HTTP.trust_env = False  # the stack is on loopback: never through a proxy from the caller's environment
SHOWN = ("functionsUrl", "functionKey", "emulatorUrl", "storageConnectionString", "archiveContainer", "logs")


def up(options: StackOptions, *, detach: bool, join: bool, as_json: bool) -> int:
    """Start a stack on ``options.state_dir``, or (``join``) use the one already there; refuse a second one."""
    state = options.state_dir
    with stackfile.starting(state):
        existing = stackfile.running(state)
        if existing is not None and not join:
            raise StackError(
                f"a stack already runs on {state} ({stackfile.describe(existing)}); stop it with "
                f"`{stackfile.PROG} down`, or use it with `{stackfile.PROG} up --join`"
            )
        if existing is not None:
            _show(existing, as_json, "joined the stack already running")
            return 0
        running = Stack(options).start()
        pids = dict(running.info["pids"])
        if not detach:
            pids[stackfile.SUPERVISOR] = os.getpid()
        info = {**running.info, "startedAt": datetime.now(UTC).isoformat(), "processes": stackfile.identify(pids)}
        stackfile.save(info, state)
    _show(info, as_json, "started")
    if detach:
        return 0
    print(f"serving; Ctrl-C (or `{stackfile.PROG} down`) stops everything", file=sys.stderr)
    _serve_until_signalled(running, state)
    return 0


def _show(info: Mapping[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        print(json.dumps(info))
        return
    for key in SHOWN:
        print(f"{key:>24}: {info.get(key, '')}")
    print(f"{'reviewPage':>24}: {page_url(info)}")
    prog = stackfile.PROG
    print(f'{what}; `eval "$({prog} env)"` loads its addresses and keys, `{prog} down` stops it', file=sys.stderr)


def _serve_until_signalled(running: Stack, state: Path) -> None:
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        signal.sigwait(stop_signals)
    finally:
        running.stop()
        stackfile.record_path(state).unlink(missing_ok=True)


def down(state: Path) -> int:
    if stackfile.load(state) is None:
        print(f"no local stack runs on {state}: nothing to stop")
        return 0
    stopped = stackfile.stop(state)
    for part in stopped:
        print(f"stopped {part.name} (pid {part.pid})")
    if not stopped:
        print(f"no process of the stack on {state} was still running; its record is removed")
    return 0


def status(state: Path) -> int:
    """One line per recorded part; 0 only when every part runs and answers."""
    info = stackfile.require(state)
    print(f"stack on {state}, started {info.get('startedAt', '?')} ({stackfile.describe(info)})")
    healthy = True
    for part in stackfile.parts(info):
        if part.name == stackfile.SUPERVISOR:
            continue
        address, problem = _probe(part.name, info)
        if not part.alive:
            problem = f"process {part.pid} has ended" + (f"; {problem}" if problem else "")
        healthy = healthy and not problem
        state_text = f"down  ({problem})" if problem else "up"
        print(f"{part.name:>10}  pid {part.pid:<8} {address:<34} {state_text}")
    return 0 if healthy else 1


def _probe(name: str, info: Mapping[str, Any]) -> tuple[str, str]:
    """(address, "" when it answers, else why not in a few words)."""
    if name == "azurite":
        ports = _azurite_ports(str(info.get("storageConnectionString", "")))
        closed = [str(port) for port in ports if not _port_open(port)]
        address = "127.0.0.1:" + ",".join(str(p) for p in ports)
        return address, (f"port {', '.join(closed)} not answering" if closed else "")
    if name == "emulator":
        url = str(info.get("emulatorUrl", ""))
        return url, _http_problem(lambda: _HTTP.get(f"{url}/_emulator/health", verify=info["caBundle"], timeout=5))
    urls: list[str] = list(info.get("functionsUrls") or [info.get("functionsUrl", "")])
    number = 0 if name == "host" else int(name.removeprefix("host") or 0)
    url = urls[number] if number < len(urls) else ""
    headers = {"x-functions-key": str(info.get("masterKey", ""))}
    return url, _http_problem(lambda: _HTTP.get(f"{url}/admin/host/status", headers=headers, timeout=5))


def _http_problem(request: Callable[[], requests.Response]) -> str:
    try:
        response = request()
    except requests.Timeout:
        return "no answer within 5 s"
    except requests.ConnectionError:
        return "not answering (connection refused)"
    except requests.RequestException as exc:
        return type(exc).__name__
    return "" if response.status_code < 300 else f"answered HTTP {response.status_code}"


def _azurite_ports(connection_string: str) -> list[int]:
    fields = dict(part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    endpoints = (fields.get(name, "") for name in ("BlobEndpoint", "QueueEndpoint", "TableEndpoint"))
    return [port for port in (urlsplit(e).port for e in endpoints) if port]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
