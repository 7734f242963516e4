"""Errors of the state machine.

DomainError
 +-- InvalidTransition   the input is not allowed in the current state (API: 409, message names the state)
 +-- UnknownRecording    the input names a recording the call does not have (API: 404)
 +-- TooManyChunks       a files-ready event announces more chunks than any recording has (quarantined)
 +-- ChunkMismatch       a verified chunk is not one files-ready announced (quarantined)
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the state machine's errors."""


class InvalidTransition(DomainError):
    """``action`` is not allowed while the call or recording is in ``state``."""

    def __init__(self, action: str, subject: str, state: str) -> None:
        super().__init__(f"cannot {action}: {subject} is {state}")
        self.action = action
        self.subject = subject
        self.state = state


class UnknownRecording(DomainError):
    def __init__(self, recording_id: str) -> None:
        super().__init__(f"the call has no recording {recording_id or '(none)'}")
        self.recording_id = recording_id


MAX_CHUNKS_PER_EVENT = 96
"""At most this many chunks in one files-ready event. ACS cuts a recording into chunks of at most 4 hours of media
(sooner when a chunk reaches its maximum size),
so 96 chunks are 384 hours (16 days) of one continuous recording in a single event, while ACS keeps a recording's
files only 24 hours after it ends and a real event carries one chunk or a few. The figure also keeps every input
within one entity-group transaction (100 operations: a row per changed chunk plus the state, history and ledger
rows). A recording may still span more chunks over several events."""


class TooManyChunks(DomainError):
    def __init__(self, count: int) -> None:
        super().__init__(
            f"files-ready announces {count} chunks; no recording has more than {MAX_CHUNKS_PER_EVENT} in one event"
        )
        self.count = count


class ChunkMismatch(DomainError):
    def __init__(self, index: int, why: str) -> None:
        super().__init__(f"chunk {index} cannot be marked archived: {why}")
        self.index = index
