"""Starting a recording the app asked for (after CallConnected or an API request), exactly once."""

from __future__ import annotations

from dataclasses import replace

from shared.acs import AcsError, AcsRejected
from shared.domain import Call, Recording, eventids
from shared.domain import inputs as ev
from shared.handlers.deps import Deps
from shared.logs import call_context, get_logger
from shared.store.port import Loaded

log = get_logger(__name__)


def start_pending(
    call: Call, pending: Recording, deps: Deps, source: str, *, based_on: Loaded | None = None
) -> Call | None:
    """Ask ACS to start ``pending`` and record the outcome; return the call after it. ``based_on``: ``call`` as the
    write that made the start pending left it (``Applied.loaded``), so recording the outcome reads nothing first.

    The request id is stable, so a retry after a crash (or a redelivered CallConnected) sends the same
    ``Repeatability-Request-ID``. The state callback URL ACS gets carries the call's value
    (``shared.callbackguard``). ``AcsRejected`` marks the start failed and is re-raised; ``AcsTransient`` is
    re-raised with the start still pending (the redelivery tries again).
    """
    if pending.options is None:
        raise ValueError(f"the pending start {pending.request_id} has no recording options")
    options = pending.options
    if options.state_callback_url:
        options = replace(
            options, state_callback_url=deps.guard.call_url(options.state_callback_url, call.server_call_id)
        )
    try:
        recording_id = deps.acs.start_recording(
            call.server_call_id,
            options,
            request_id=pending.request_id,
            call_connection_id=call.call_connection_id,
            first_sent=pending.requested_at,
        )
    except AcsRejected as exc:
        fail_start(call.server_call_id, pending, exc, deps, source, based_on=based_on)
        raise
    with call_context(recording_id=recording_id):
        log.info("recording started (%s %s %s)", options.content, options.channel, options.format)
        started = ev.RecordingStarted(
            eventids.started(pending.request_id),
            deps.now(),
            source,
            request_id=pending.request_id,
            recording_id=recording_id,
        )
        return deps.store.apply(call.server_call_id, started, based_on=based_on).call


def fail_start(
    server_call_id: str, pending: Recording, exc: AcsError, deps: Deps, source: str, *, based_on: Loaded | None = None
) -> None:
    log.warning("ACS did not start the recording: %s", exc)
    failed = ev.StartFailed(
        eventids.start_failed(pending.request_id), deps.now(), source, request_id=pending.request_id, reason=str(exc)
    )
    deps.store.apply(server_call_id, failed, based_on=based_on)
