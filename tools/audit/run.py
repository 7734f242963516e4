"""Walk the archive container day by day and audit every recording folder found."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Protocol

from tools.audit.check import Reader, RecordingAudit, audit_recording
from tools.audit.signature import Trust

RECORDING_DEPTH = 5  # yyyy / MM / dd / callFolder / recordingId


class Lister(Reader, Protocol):
    def sizes(self, prefix: str) -> Iterable[tuple[str, int]]: ...


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def audit_days(
    reader: Lister,
    first: date,
    last: date,
    *,
    call_folder: str = "",
    accept_incomplete: bool = False,
    trust: Trust | None = None,
) -> list[RecordingAudit]:
    """One audit per recording folder whose recording started between ``first`` and ``last`` (UTC, inclusive);
    ``call_folder``: only that call's recordings; ``trust``: the public keys manifest signatures must verify with."""
    found: list[RecordingAudit] = []
    for day in days(first, last):
        prefix = day.strftime("%Y/%m/%d/") + (f"{call_folder}/" if call_folder else "")
        for folder, sizes in sorted(_recordings(reader.sizes(prefix)).items()):
            found.append(audit_recording(reader, folder, sizes, accept_incomplete, trust))
    return found


def _recordings(listing: Iterable[tuple[str, int]]) -> dict[str, dict[str, int]]:
    """Blobs grouped by their recording folder (a blob too shallow to be in one is its own folder, and is
    reported as unlisted)."""
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for name, size in listing:
        parts = name.split("/")
        folder = "/".join(parts[:RECORDING_DEPTH]) if len(parts) > RECORDING_DEPTH else name
        grouped[folder][name] = size
    return grouped
