"""Callbacks bound to their call: a token works once, a URL works for its own call only, unknown calls are
quarantined, a body cannot date anything in the future, and a request cannot carry unbounded work."""

from __future__ import annotations

from shared.domain import RecordingState
from shared.handlers.callbacks import MAX_EVENTS_PER_REQUEST, handle_callbacks
from shared.handlers.eventgrid import handle_grid_event
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, world

GOOD = "Bearer good"


def recording(w: World) -> str:
    """An answered call whose recording (the one ACS started for it: rec-2 for a world's first call) ACS reported
    active."""
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    w.clock.advance(minutes=1)
    handle_callbacks(p.body(p.callback("CallConnected", sid)), GOOD, w.guard.call_mac(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.latest is not None
    active = p.state_changed(sid, call.latest.recording_id, "active", "2026-11-23T19:00:03+00:00")
    handle_callbacks(p.body(active), GOOD, w.guard.call_mac(sid), w.deps)
    return sid


def test_a_token_is_accepted_once_and_its_replay_with_a_forged_body_is_401() -> None:
    w = world()
    sid = recording(w)
    paused = p.state_changed(sid, "rec-2", "inactive", "2026-11-23T19:00:20+00:00")
    assert handle_callbacks(p.body(paused), "Bearer good:t1", w.guard.call_mac(sid), w.deps).status == 200
    before = w.store.get(sid)
    forged = p.callback("CallDisconnected", sid)
    reply = handle_callbacks(p.body(forged), "Bearer good:t1", w.guard.call_mac(sid), w.deps)
    assert (reply.status, reply.body) == (401, {"error": "callback token was already used"})
    assert w.store.get(sid) == before


def test_a_token_whose_request_failed_is_accepted_again_for_the_senders_retry() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)

    class Down(Exception):
        pass

    w.acs.fail_next["start"] = Down("storage or ACS down")
    connected = p.body(p.callback("CallConnected", sid))
    try:
        handle_callbacks(connected, "Bearer good:t2", w.guard.call_mac(sid), w.deps)
    except Down:
        pass
    else:
        raise AssertionError("the failure must reach the platform so the sender retries")
    assert handle_callbacks(connected, "Bearer good:t2", w.guard.call_mac(sid), w.deps).status == 200
    assert len(w.acs.sent("start")) == 1


def test_a_callback_posted_to_another_calls_url_is_quarantined_and_changes_nothing() -> None:
    w = world()
    victim, attacker = recording(w), recording(w)
    before = w.store.get(victim)
    forged = p.callback("CallDisconnected", victim)
    reply = handle_callbacks(p.body(forged), GOOD, w.guard.call_mac(attacker), w.deps)
    assert reply.status == 200
    assert reply.body == {"accepted": 0, "quarantined": 1}
    assert w.store.get(victim) == before
    ((kind, reason, payload),) = w.quarantine.kept
    assert (kind, "not posted to the callback URL" in reason, forged["id"] in payload.decode()) == (
        "callback",
        True,
        True,
    )


def test_a_callback_without_the_calls_value_is_quarantined() -> None:
    w = world()
    sid = recording(w)
    before = w.store.get(sid)
    for mac in (None, "", "0" * 64):
        handle_callbacks(p.body(p.callback("CallDisconnected", sid)), GOOD, mac, w.deps)
    assert w.store.get(sid) == before
    assert len(w.quarantine.kept) == 3


def test_a_callback_for_a_call_the_app_never_saw_is_quarantined_not_created() -> None:
    w = world()
    stranger = p.server_call_id()
    reply = handle_callbacks(p.body(p.callback("CallConnected", stranger)), GOOD, w.guard.call_mac(stranger), w.deps)
    assert reply.status == 200
    assert w.store.get(stranger) is None
    assert w.acs.sent("start") == [], "no recording of a connection the app never answered"
    assert ["does not know" in reason for _, reason, _ in w.quarantine.kept] == [True]


def test_a_state_change_dated_in_the_future_is_clamped_and_cannot_freeze_the_recording() -> None:
    w = world()
    sid = recording(w)
    far = p.state_changed(sid, "rec-2", "inactive", "9999-12-31T23:59:59+00:00")
    handle_callbacks(p.body(far), GOOD, w.guard.call_mac(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.PAUSED
    assert call.recordings[0].state_at == w.clock.now
    w.clock.advance(seconds=30)
    resumed = p.state_changed(sid, "rec-2", "active", w.clock.now.isoformat())
    handle_callbacks(p.body(resumed), GOOD, w.guard.call_mac(sid), w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.ACTIVE
    assert call.updated_at <= w.clock.now


def test_a_request_with_more_events_than_a_call_produces_is_400_and_applies_none() -> None:
    w = world()
    sid = recording(w)
    before = w.store.get(sid)
    events = [p.callback("CallDisconnected", sid) for _ in range(MAX_EVENTS_PER_REQUEST + 1)]
    reply = handle_callbacks(p.body(*events), GOOD, w.guard.call_mac(sid), w.deps)
    assert reply.status == 400
    assert str(MAX_EVENTS_PER_REQUEST) in reply.body["error"]
    assert w.store.get(sid) == before
    most = [p.callback("ParticipantsUpdated", sid) for _ in range(MAX_EVENTS_PER_REQUEST)]
    assert handle_callbacks(p.body(*most), GOOD, w.guard.call_mac(sid), w.deps).status == 200


def test_a_server_call_id_too_long_for_a_table_key_is_quarantined_not_an_error() -> None:
    w = world()
    long_sid = "aHR0cHM6" + "A" * 600
    reply = handle_callbacks(p.body(p.callback("CallDisconnected", long_sid)), GOOD, w.guard.call_mac(long_sid), w.deps)
    assert reply.status == 200
    assert ["too long" in reason for _, reason, _ in w.quarantine.kept] == [True]


def test_the_calls_value_differs_between_calls() -> None:
    w = world()
    first, second = p.server_call_id(), p.server_call_id()
    assert w.guard.call_mac(first) != w.guard.call_mac(second)
    assert w.guard.belongs(first, w.guard.call_mac(first))
    assert not w.guard.belongs(first, w.guard.call_mac(second))
