"""Where a files-ready event's recording goes, as ``files_ready`` finds it and the jobs are made from it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain import FiledUnder
from shared.wire import RecordingKind


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where a files-ready event's recording goes: the call's state key and the recording, with its kind."""

    call_key: str  # the serverCallId, or the subject's callId when ``filed_under`` says so
    filed_under: FiledUnder
    recording_id: str
    recording_id_from: str  # "event" | "state" | "documentId"
    kind: RecordingKind
    kind_from: str  # the sources used, in order, joined by "+"

    @property
    def format(self) -> str:
        return self.kind.format or ""
