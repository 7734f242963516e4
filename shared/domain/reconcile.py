"""Which calls and recordings the sweeper reconciles with ACS: the states a lost callback would leave for good.

ACS retries a callback only briefly, so a callback the app could not take (storage down, app restarting) is lost:
a call stays ``answered`` and is never recorded, or stays ``connected`` after it ended, or a recording stays
``starting``/``active``/``paused``. The sweeper asks ACS about such a call or recording once nothing has been heard
of it for a while, and applies the answer as ``CallReconciled`` / ``RecordingReconciled``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.domain.lifecycle import archive_done, is_live, waiting_for_archive
from shared.domain.model import Call, CallState, Recording
from shared.domain.verdict import announced_whole

_UP = (CallState.ANSWERED, CallState.CONNECTED)


def call_up(call: Call) -> bool:
    """Answered or connected, with a connection ACS can be asked about."""
    return call.state in _UP and bool(call.call_connection_id)


def unsettled(call: Call) -> bool:
    """The call is up (``call_up``), or a recording is still live."""
    return call_up(call) or any(is_live(r) for r in call.recordings)


def needs_sweeper(call: Call) -> bool:
    """The call has work for the sweeper: it is unsettled, a recording waits for the archive, or one is archived
    with chunks missing that the sweeper has not reported yet."""
    waiting = any(waiting_for_archive(r) or unreported_gap(r) for r in call.recordings)
    return unsettled(call) or waiting


def unreported_gap(recording: Recording) -> bool:
    """Every announced chunk is archived, but ACS has not announced them all (a gap, or a last chunk that says
    more follow), and the sweeper has not reported it yet."""
    return (
        archive_done(recording)
        and recording.files is not None
        and not recording.retention_warned
        and not announced_whole(recording)
    )


def call_due(call: Call, now: datetime, after: timedelta) -> bool:
    """Ask ACS about the call itself: it is answered or connected and nothing changed it for ``after``."""
    return call_up(call) and now - call.updated_at >= after


def connect_missed(call: Call) -> bool:
    """What a CallConnected would still change: the call is answered, or connected but never got a recording."""
    return call.state is CallState.ANSWERED or (call.state is CallState.CONNECTED and not call.recordings)


def recordings_due(call: Call, now: datetime, after: timedelta) -> tuple[Recording, ...]:
    """Live recordings ACS has named whose state the app has not heard about for ``after``."""
    return tuple(
        r for r in call.recordings if r.recording_id and is_live(r) and now - (r.state_at or call.updated_at) >= after
    )


def start_due(call: Call, now: datetime, after: timedelta) -> Recording | None:
    """A start the app asked for whose outcome it never recorded (ACS failed or the app stopped mid-way)."""
    pending = call.pending_start
    return pending if pending is not None and now - call.updated_at >= after else None
