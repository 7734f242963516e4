"""Errors of the state machine.

DomainError
 +-- InvalidTransition   the input is not allowed in the current state (API: 409, message names the state)
 +-- UnknownRecording    the input names a recording the call does not have (API: 404)
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
