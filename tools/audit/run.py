"""Walk the archive container day by day and audit every recording folder found."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Protocol

from tools.audit.check import RECORDING_DEPTH, Reader, RecordingAudit, audit_recording
from tools.audit.signature import Trust


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
            found.append(_audited(reader, folder, sizes, accept_incomplete, trust))
    return found


def _audited(
    reader: Lister, folder: str, sizes: dict[str, int], accept_incomplete: bool, trust: Trust | None
) -> RecordingAudit:
    """The audit of one folder; a storage error ends the run (the archive cannot be read), and anything else a
    crafted archive makes the checks trip on is reported as that folder's failure, not a traceback."""
    from azure.core.exceptions import AzureError

    try:
        return audit_recording(reader, folder, sizes, accept_incomplete, trust)
    except (AzureError, OSError):
        raise
    except Exception as exc:  # the audit reports every folder it cannot vouch for as FAIL, whatever the cause
        return RecordingAudit(folder, problems=[f"cannot be audited: {type(exc).__name__}: {exc}"])


def _recordings(listing: Iterable[tuple[str, int]]) -> dict[str, dict[str, int]]:
    """Blobs grouped by their recording folder (a blob too shallow to be in one is its own folder, and is
    reported as unlisted)."""
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for name, size in listing:
        parts = name.split("/")
        folder = "/".join(parts[:RECORDING_DEPTH]) if len(parts) > RECORDING_DEPTH else name
        grouped[folder][name] = size
    return grouped
