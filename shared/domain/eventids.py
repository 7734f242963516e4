"""Every event id the app makes itself: the idempotency keys of the store's ledger, in one place.

An input applied twice under one id is applied once. So an id names *what* happened, never *when* it was noticed:
``archived:{recordingId}:{index}`` is the same key whichever verification run reads the chunk back first, and a
second delete run finds ``deleted:{recordingId}`` in the ledger. Ids of inputs that may legitimately happen again
carry what makes each occurrence distinct (the attempt, the answer's time).
"""

from __future__ import annotations

from datetime import datetime


def archived(recording_id: str, index: int) -> str:
    """Chunk ``index`` was read back from the archive and matched (once per chunk)."""
    return f"archived:{recording_id}:{index}"


def archive_failed(recording_id: str, index: int) -> str:
    return f"archive-failed:{recording_id}:{index}"


def requeued(recording_id: str, index: int, attempt: int) -> str:
    return f"requeued:{recording_id}:{index}:{attempt}"


def deleted(recording_id: str) -> str:
    """The recording was deleted at ACS after every chunk was verified."""
    return f"deleted:{recording_id}"


def expired(recording_id: str) -> str:
    return f"expired:{recording_id}"


def warned(recording_id: str) -> str:
    return f"warned:{recording_id}"


def reconciled(recording_id: str, status: str, asked_at: datetime) -> str:
    return f"reconciled:{recording_id}:{status}:{asked_at.isoformat()}"


def answer(grid_event_id: str) -> str:
    """The answer request an IncomingCall makes (its Repeatability id is derived from it)."""
    return f"answer:{grid_event_id}"


def answered(grid_event_id: str) -> str:
    return f"answered:{grid_event_id}"


def answer_failed(grid_event_id: str) -> str:
    return f"answer-failed:{grid_event_id}"


def connect(event_id: str) -> str:
    """The start request a CallConnected makes (stable, so a redelivery finds it)."""
    return f"connect:{event_id}"


def started(request_id: str) -> str:
    return f"started:{request_id}"


def start_failed(request_id: str) -> str:
    return f"start-failed:{request_id}"
