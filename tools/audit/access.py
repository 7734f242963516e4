"""Audit the access log (``access-log/{callFolder}/{yyyy-MM-dd}.jsonl``) for the days of a range: every log is an
append blob, every line one the app writes, dated that day, about that call, in time order, and naming a blob of
one of the call's recordings that exists, or that was erased on request (its recording's tombstone, or its own, is
there)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from shared import layout
from shared.domain.access import BadAccessLine, Read, from_line
from tools.audit.check import RECORDING_DEPTH

APPEND_BLOB = "AppendBlob"
LOG_LIMIT_BYTES = 64 * 1024 * 1024


class LogReader(Protocol):
    def logs(self, prefix: str) -> Iterable[tuple[str, str, int]]:
        """Every blob under ``prefix`` with its blob type and size."""
        ...

    def sizes(self, prefix: str) -> Iterable[tuple[str, int]]: ...

    def head(self, name: str, limit: int) -> bytes: ...


@dataclass
class AccessAudit:
    """What the audit found in the access log: how many reads in how many logs, and what is wrong."""

    reads: int = 0
    logs: int = 0
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"reads": self.reads, "logs": self.logs, "problems": list(self.problems)}


def audit_access(reader: LogReader, first: date, last: date, call_folder: str = "") -> AccessAudit:
    found = AccessAudit()
    exists = _Blobs(reader)
    prefix = layout.ACCESS_LOG_PREFIX + (f"{call_folder}/" if call_folder else "")
    for name, kind, size in sorted(reader.logs(prefix)):
        day = _day_of(name)
        if day is None:
            found.problems.append(
                f"{name}: in the access log but not named {layout.ACCESS_LOG_PREFIX}<call>/<day>.jsonl"
            )
            continue
        if not first <= day <= last:
            continue
        found.logs += 1
        if kind != APPEND_BLOB:
            found.problems.append(f"{name}: a {kind}, not an append blob: it could have been rewritten")
        if size:
            _check_log(reader, name, day, exists, found)
    return found


def _day_of(name: str) -> date | None:
    parts = name.removeprefix(layout.ACCESS_LOG_PREFIX).split("/")
    if len(parts) != 2 or not parts[1].endswith(".jsonl"):
        return None
    try:
        day = date.fromisoformat(parts[1].removesuffix(".jsonl"))
    except ValueError:
        return None
    return day if layout.access_log_path(parts[0], day) == name else None


def _check_log(reader: LogReader, name: str, day: date, exists: _Blobs, found: AccessAudit) -> None:
    folder = name.removeprefix(layout.ACCESS_LOG_PREFIX).split("/")[0]
    text = reader.head(name, LOG_LIMIT_BYTES).decode("utf-8", errors="replace")
    previous = None
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{name} line {number}"
        try:
            read = from_line(line)
        except BadAccessLine as exc:
            found.problems.append(f"{where}: {exc}")
            continue
        found.reads += 1
        found.problems.extend(f"{where}: {p}" for p in _read_problems(read, folder, day, previous, exists))
        previous = read


def _read_problems(read: Read, folder: str, day: date, previous: Read | None, exists: _Blobs) -> list[str]:
    problems = []
    if read.at.date() != day:
        problems.append(f"a read at {read.at.isoformat()} in the log of {day}")
    if previous is not None and read.at < previous.at:
        problems.append(f"a read at {read.at.isoformat()} after one at {previous.at.isoformat()}: out of order")
    if read.call_folder != folder:
        problems.append(f"a read of call {read.call_folder} in the log of call {folder}")
    problems += exists.problems(read.blob, folder)
    return problems


class _Blobs:
    """Which blobs a recording folder holds (listed once per folder)."""

    def __init__(self, reader: LogReader) -> None:
        self._reader = reader
        self._listed: dict[str, set[str]] = {}

    def problems(self, blob: str, folder: str) -> list[str]:
        parts = blob.split("/")
        if len(parts) <= RECORDING_DEPTH or parts[3] != folder:
            return [f"names {blob}, which is not in a recording folder of call {folder}"]
        recording = "/".join(parts[:RECORDING_DEPTH])
        if recording not in self._listed:
            self._listed[recording] = {name for name, _ in self._reader.sizes(recording + "/")}
        held = self._listed[recording]
        erased = (layout.tombstone_path(recording), layout.blob_tombstone_path(blob))
        if blob in held or any(name in held for name in erased):
            return []
        return [f"names {blob}, which is neither in the archive nor erased on request"]
