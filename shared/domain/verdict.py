"""Whether a recording is whole: ``complete``, ``incomplete``, ``failed`` or ``no_media``, and what is missing; a
recording still being recorded (starting, active or paused) is ``recording``, not yet judged.

ACS may split a recording's chunks over several files-ready events, in any order. A recording is ``complete``
only when its chunk indexes run 0..N without a gap, the last chunk's ``endReason`` does not say that more follow
(``ChunkMaximumSizeExceeded`` and its kin), and every chunk is archived (read back from storage and matched).
Microsoft marks ``endReason`` optional: a last chunk without one is taken as the end of the session.
A recording started with ``pauseOnStart`` that stopped without ever being active has no media:
ACS makes no file and sends no files-ready event for it, so it is ``no_media`` rather than waiting for files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from shared.domain.model import LIVE, ChunkState, Recording, RecordingState

CONTINUED_END_REASONS = frozenset({"chunkmaximumsizeexceeded", "chunkmaximumtimeexceeded"})
"""Chunk end reasons (compared case-insensitively) that say the recording goes on in a further chunk."""


class Verdict(StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    NO_MEDIA = "no_media"
    RECORDING = "recording"  # still being recorded: nothing to judge yet


@dataclass(frozen=True, kw_only=True)
class RecordingVerdict:
    verdict: Verdict
    missing: tuple[str, ...] = ()  # what keeps an incomplete recording from being complete, in words

    def as_json(self) -> dict[str, object]:
        return {"verdict": self.verdict.value, "missing": list(self.missing)}


def judge(recording: Recording) -> RecordingVerdict:
    """The verdict on one recording, from its state and its chunks."""
    if recording.state is RecordingState.FAILED:
        return RecordingVerdict(verdict=Verdict.FAILED, missing=(recording.reason or "the recording failed",))
    if recording.state is RecordingState.NO_MEDIA:
        return RecordingVerdict(verdict=Verdict.NO_MEDIA)
    if recording.state in LIVE:
        return RecordingVerdict(verdict=Verdict.RECORDING)
    if not recording.chunks:
        return RecordingVerdict(verdict=Verdict.INCOMPLETE, missing=("no files announced by ACS yet",))
    missing = (*_gaps(recording), *_unfinished(recording), *_unverified(recording))
    return RecordingVerdict(verdict=Verdict.INCOMPLETE if missing else Verdict.COMPLETE, missing=missing)


def announced_whole(recording: Recording) -> bool:
    """Every chunk of the recording has been announced (indexes 0..N, the last one ends the session)."""
    return bool(recording.chunks) and not _gaps(recording) and not _unfinished(recording)


def _gaps(recording: Recording) -> tuple[str, ...]:
    return tuple(f"{run} not announced" for run in absent_runs(chunk.index for chunk in recording.chunks))


def absent_runs(indexes: Iterable[int]) -> list[str]:
    """The runs of chunk indexes absent from 0 up to the highest of ``indexes``, in words (``chunk 3``,
    ``chunks 5 to 9``): one per run, so the work grows with the indexes given, not with the highest one claimed."""
    runs: list[str] = []
    expected = 0
    for index in sorted(set(indexes)):
        if index > expected:
            runs.append(f"chunk {expected}" if index == expected + 1 else f"chunks {expected} to {index - 1}")
        expected = index + 1
    return runs


def _unfinished(recording: Recording) -> tuple[str, ...]:
    last = max(recording.chunks, key=lambda chunk: chunk.index)
    reason = last.file.end_reason
    if reason.lower() in CONTINUED_END_REASONS:
        return (f"chunk {last.index} ended with {reason}: chunk {last.index + 1} not announced",)
    return ()


def _unverified(recording: Recording) -> tuple[str, ...]:
    pending = [chunk.index for chunk in recording.chunks if chunk.state is not ChunkState.ARCHIVED]
    return tuple(f"chunk {i} not verified in the archive" for i in pending)
