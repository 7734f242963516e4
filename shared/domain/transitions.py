"""The one explicit transition table of the call and of each recording.

``TABLE[trigger][state]`` is the next state; ``IGNORE`` keeps the state (a late or repeated fact, or a second
stop); a state missing from a trigger's row is an illegal transition (``InvalidTransition``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, TypeVar

from shared.domain.errors import InvalidTransition
from shared.domain.model import LIVE, CallState, RecordingState

IGNORE: Final = "ignore"

_S = TypeVar("_S", CallState, RecordingState)
_C = CallState
_R = RecordingState
_ALL_CALL = tuple(CallState)
_ALL_REC = tuple(RecordingState)
_LIVE = LIVE
_WARNED = (_R.FILES_READY, _R.ARCHIVED, _R.SOURCE_DELETED)  # files whose archive may still be incomplete
_DONE = (_R.STOPPED, _R.FILES_READY, _R.ARCHIVED, _R.SOURCE_DELETED, _R.FAILED, _R.NO_MEDIA)


def _row(targets: Mapping[_S, _S], ignore: Iterable[_S] = ()) -> dict[str, str]:
    """One trigger's row: each listed state to its target, each ignored state to ``IGNORE``."""
    row: dict[str, str] = {state.value: target.value for state, target in targets.items()}
    row.update({state.value: IGNORE for state in ignore})
    return row


CALL_TABLE: Final[dict[str, dict[str, str]]] = {
    "ring": _row({_C.RINGING: _C.RINGING}, ignore=(_C.ANSWERED, _C.CONNECTED, _C.DISCONNECTED)),
    "answer": _row({_C.RINGING: _C.ANSWERED, _C.ANSWERED: _C.ANSWERED}, ignore=(_C.CONNECTED, _C.DISCONNECTED)),
    "answer_failed": _row(
        {_C.RINGING: _C.DISCONNECTED, _C.ANSWERED: _C.DISCONNECTED}, ignore=(_C.CONNECTED, _C.DISCONNECTED)
    ),
    "connect": _row(
        {_C.RINGING: _C.CONNECTED, _C.ANSWERED: _C.CONNECTED, _C.CONNECTED: _C.CONNECTED}, ignore=(_C.DISCONNECTED,)
    ),
    "disconnect": _row(dict.fromkeys(_ALL_CALL, _C.DISCONNECTED)),
    "start_recording": _row({_C.RINGING: _C.RINGING, _C.ANSWERED: _C.ANSWERED, _C.CONNECTED: _C.CONNECTED}),
}

RECORDING_TABLE: Final[dict[str, dict[str, str]]] = {
    "report_active": _row({_R.STARTING: _R.ACTIVE, _R.ACTIVE: _R.ACTIVE, _R.PAUSED: _R.ACTIVE}, ignore=_DONE),
    "report_paused": _row({_R.STARTING: _R.PAUSED, _R.ACTIVE: _R.PAUSED, _R.PAUSED: _R.PAUSED}, ignore=_DONE),
    "report_stopped": _row(dict.fromkeys((*_LIVE, _R.STOPPED), _R.STOPPED), ignore=_DONE[1:]),
    "pause": _row({_R.ACTIVE: _R.PAUSED}),
    "resume": _row({_R.PAUSED: _R.ACTIVE}),
    "stop": _row(dict.fromkeys(_LIVE, _R.STOPPED), ignore=_DONE),
    "call_ended": _row(dict.fromkeys(_LIVE, _R.STOPPED), ignore=_DONE),
    "start_failed": _row({_R.STARTING: _R.FAILED}, ignore=(_R.ACTIVE, _R.PAUSED, *_DONE)),
    "files_ready": _row(
        dict.fromkeys((*_LIVE, _R.STOPPED, _R.FILES_READY, _R.ARCHIVED, _R.NO_MEDIA), _R.FILES_READY),
        ignore=(_R.SOURCE_DELETED, _R.FAILED),
    ),
    "chunk_archived": _row({state: state for state in (_R.FILES_READY, _R.ARCHIVED, _R.SOURCE_DELETED, _R.FAILED)}),
    "chunk_requeued": _row({_R.FILES_READY: _R.FILES_READY}, ignore=(_R.ARCHIVED, _R.SOURCE_DELETED, _R.FAILED)),
    "archive_failed": _row({_R.FILES_READY: _R.FAILED, _R.FAILED: _R.FAILED}, ignore=(_R.ARCHIVED, _R.SOURCE_DELETED)),
    "source_deleted": _row({_R.ARCHIVED: _R.SOURCE_DELETED, _R.SOURCE_DELETED: _R.SOURCE_DELETED}),
    "retention_warned": _row(
        {state: state for state in _WARNED}, ignore=tuple(s for s in _ALL_REC if s not in _WARNED)
    ),
    "source_expired": _row({_R.FILES_READY: _R.FAILED}, ignore=tuple(s for s in _ALL_REC if s is not _R.FILES_READY)),
}

_ACTIONS: Final = {
    "pause": "pause",
    "resume": "resume",
    "chunk_archived": "mark a chunk archived",
    "archive_failed": "fail the archive",
    "source_deleted": "record the source deleted",
    "start_recording": "start recording",
}


def call_target(trigger: str, state: CallState) -> CallState | None:
    """The call's next state, None to keep it; InvalidTransition when illegal."""
    target = _lookup(CALL_TABLE, trigger, state.value, "call")
    return None if target == IGNORE else CallState(target)


def recording_target(trigger: str, state: RecordingState) -> RecordingState | None:
    """The recording's next state, None to keep it; InvalidTransition when illegal."""
    target = _lookup(RECORDING_TABLE, trigger, state.value, "recording")
    return None if target == IGNORE else RecordingState(target)


def _lookup(table: dict[str, dict[str, str]], trigger: str, state: str, subject: str) -> str:
    row = table[trigger]
    if state not in row:
        raise InvalidTransition(_ACTIONS.get(trigger, trigger.replace("_", " ")), subject, state)
    return row[state]
