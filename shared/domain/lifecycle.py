"""The questions the app asks about where a call or a recording stands in its lifecycle.

Handlers, the sweeper, reconciliation, legal hold and the review API ask these by name; nothing outside the domain
compares state names, so a new state changes the model, the transition table, these checks, erasure's ``SETTLED``
and the page's labels (docs/architecture.md, "Where a change goes").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shared.domain.model import LIVE, Call, CallState, Recording, RecordingState
from shared.domain.verdict import announced_whole

STATE_NAMES = tuple(s.value for s in CallState) + tuple(s.value for s in RecordingState)
"""Every call and recording state, in lifecycle order (the review page's state filter offers these)."""

_WAITING_FOR_FILES = frozenset({RecordingState.STOPPED, RecordingState.NO_MEDIA})
_ANNOUNCED = frozenset({RecordingState.FILES_READY, RecordingState.ARCHIVED})
_RECORDING_MEDIA = frozenset({RecordingState.ACTIVE, RecordingState.PAUSED})
_KEPT = frozenset({RecordingState.ARCHIVED, RecordingState.SOURCE_DELETED})


def is_live(recording: Recording) -> bool:
    """Still being recorded, or about to be (starting, active, paused)."""
    return recording.state in LIVE


def has_failed(recording: Recording) -> bool:
    return recording.state is RecordingState.FAILED


def is_starting(recording: Recording) -> bool:
    """Asked for, with no answer from ACS yet (neither a recording id nor a failure)."""
    return recording.state is RecordingState.STARTING


def waiting_for_archive(recording: Recording) -> bool:
    """Files announced, and at least one announced chunk not verified in the archive yet."""
    return recording.state is RecordingState.FILES_READY


def settled_for_manifest(recording: Recording) -> bool:
    """No announced chunk waits for its copy any more: archived (every chunk verified) or failed."""
    return not waiting_for_archive(recording)


def fully_archived(recording: Recording) -> bool:
    """Every announced chunk is verified in the archive, and the recording is still held at ACS."""
    return recording.state is RecordingState.ARCHIVED


def archive_done(recording: Recording) -> bool:
    """Every announced chunk is verified in the archive (the source may since have been deleted)."""
    return recording.state in _KEPT


def awaiting_answer(call: Call) -> bool:
    """The call rings and the app has not answered it yet."""
    return call.state is CallState.RINGING


def unanswered_start(call: Call, request_id: str) -> Recording | None:
    """The start ``request_id`` if ACS has not named its recording yet and nothing ended it."""
    pending = call.by_request(request_id)
    if pending is None or pending.recording_id or not is_starting(pending):
        return None
    return pending


def in_state(call: Call, name: str) -> bool:
    """The call, or one of its recordings, is in the state named ``name`` (one of ``STATE_NAMES``)."""
    return call.state.value == name or any(r.state.value == name for r in call.recordings)


def recording_for_files(call: Call, document_ids: Iterable[str]) -> Recording | None:
    """The call's recording a files-ready event without a recording id belongs to: one that already lists one of
    its documents (a redelivery), else the newest one stopped without files, else one with some chunks still to
    come, else one ACS still reports live (files-ready may come before the stopped callback)."""
    named = [r for r in reversed(call.recordings) if r.recording_id and not has_failed(r)]
    documents = set(document_ids)
    tests: tuple[Callable[[Recording], bool], ...] = (
        lambda r: any(c.file.document_id in documents for c in r.chunks),
        lambda r: r.state in _WAITING_FOR_FILES and r.files is None,
        lambda r: r.state in _ANNOUNCED and not announced_whole(r),
        lambda r: r.state in _RECORDING_MEDIA and r.files is None,
    )
    return next((r for test in tests for r in named if test(r)), None)
