"""The record of the stack that runs on a state folder: ``stack.json`` (what runs, with pids) and ``stack.lock``.

``up`` holds the lock while it starts the parts, then writes the record; the record names every process of the
stack, so ``status`` and ``down`` see exactly the same parts. A pid counts as the recorded process only while its
start time (from ``/proc``, where there is one) is the recorded one, so a reused pid is never signalled.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.stack import StackError

RECORD = "stack.json"
LOCK = "stack.lock"
PROG = os.environ.get("LOCAL_CLI") or "python -m local"  # how the user runs the CLI (./local/cli sets it)
SUPERVISOR = "up"  # the attached ``up`` process, which stops the parts itself on SIGTERM


@dataclass(frozen=True)
class Part:
    """One recorded process of the stack."""

    name: str
    pid: int
    started: str  # /proc start time in clock ticks; "" where the platform has no /proc

    @property
    def alive(self) -> bool:
        return _alive(self.pid) and (not self.started or _start_time(self.pid) == self.started)


def record_path(state_dir: Path) -> Path:
    return state_dir / RECORD


def identify(pids: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """``{name: {"pid", "started"}}`` for the record."""
    return {name: {"pid": pid, "started": _start_time(pid)} for name, pid in pids.items()}


def parts(info: Mapping[str, Any]) -> list[Part]:
    recorded: Mapping[str, Any] = info.get("processes") or {}
    return [Part(name, int(p["pid"]), str(p.get("started", ""))) for name, p in recorded.items()]


def save(info: Mapping[str, Any], state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    temporary = record_path(state_dir).with_suffix(".tmp")
    temporary.write_text(json.dumps(info, indent=2))
    temporary.replace(record_path(state_dir))


def load(state_dir: Path) -> dict[str, Any] | None:
    """The record, or None when there is none."""
    try:
        data: dict[str, Any] = json.loads(record_path(state_dir).read_text())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise StackError(f"{record_path(state_dir)} is not readable JSON ({exc}); remove it") from None
    return data


def require(state_dir: Path) -> dict[str, Any]:
    """The record of a stack that runs here, or StackError saying how to start one."""
    info = load(state_dir)
    if info is None:
        raise StackError(f"no local stack runs on {state_dir} (start one with `{PROG} up --detach`)")
    return info


def running(state_dir: Path) -> dict[str, Any] | None:
    """The record when at least one of its processes still runs; a record of ended processes is removed."""
    info = load(state_dir)
    if info is None:
        return None
    if any(part.alive for part in parts(info)):
        return info
    record_path(state_dir).unlink(missing_ok=True)
    return None


def describe(info: Mapping[str, Any]) -> str:
    """``up pid 12 (azurite 13, emulator 14, host 15)`` for messages."""
    found = parts(info)
    supervisor = [p for p in found if p.name == SUPERVISOR]
    others = ", ".join(f"{p.name} {p.pid}" for p in found if p.name != SUPERVISOR)
    return f"`up` pid {supervisor[0].pid} ({others})" if supervisor else f"detached, pids: {others}"


@contextmanager
def starting(state_dir: Path) -> Iterator[None]:
    """Hold the state folder's lock while a stack starts; StackError when another ``up`` holds it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / LOCK, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            raise StackError(f"another `{PROG} up` (pid {holder}) is starting a stack on {state_dir}") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def stop(state_dir: Path, timeout: float = 20) -> list[Part]:
    """SIGTERM every recorded process still alive (SIGKILL after ``timeout``), then remove the record."""
    info = require(state_dir)
    ended = [part for part in reversed(parts(info)) if part.alive]  # the supervisor and hosts first
    for part in ended:
        _signal(part, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for part in ended:
        while time.monotonic() < deadline and part.alive:
            time.sleep(0.1)
        if part.alive:
            _signal(part, signal.SIGKILL)
    record_path(state_dir).unlink(missing_ok=True)
    return ended


def _signal(part: Part, number: signal.Signals) -> None:
    """The parts lead their own process group (children included); the supervisor is signalled alone."""
    try:
        if part.name == SUPERVISOR:
            os.kill(part.pid, number)
        else:
            os.killpg(part.pid, number)
    except (ProcessLookupError, PermissionError):
        return


def _start_time(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        waited = 0
    if waited:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
