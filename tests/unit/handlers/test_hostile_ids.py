"""Ids holding a control character, a trailing newline or a lone surrogate: refused with a 4xx or quarantined."""

from __future__ import annotations

import json

import pytest

from shared.handlers import api
from shared.handlers.callbacks import handle_callbacks
from shared.handlers.eventgrid import handle_grid_event
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import world

HOSTILE = ["abc\n", "QUJD\n", "QU\x00JD", "QUJD\r\n", "QUJD\x85", "QUJD\u2028\n"]


@pytest.mark.parametrize("sid", HOSTILE)
def test_an_incoming_call_whose_server_call_id_holds_a_control_character_is_quarantined_unanswered(sid: str) -> None:
    w = world()
    assert handle_grid_event(p.incoming_call(sid), w.deps) == []
    ((kind, reason, _),) = w.quarantine.kept
    assert (kind, "control character" in reason) == ("eventgrid", True), reason
    assert (w.store.calls, w.acs.requests) == ({}, [])


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "evt\n"), ("data.correlationId", "corr\n"), ("data.to.rawId", "4:+18005550100\n")],
)
def test_an_incoming_call_with_a_control_character_in_another_id_is_quarantined(field: str, value: str) -> None:
    w = world()
    event = p.incoming_call(p.server_call_id())
    *path, key = field.split(".")
    target = event
    for part in path:
        target = target[part]
    target[key] = value
    assert handle_grid_event(event, w.deps) == []
    ((_, reason, _),) = w.quarantine.kept
    assert (key in reason, "control character" in reason) == (True, True), reason
    assert w.acs.requests == []


@pytest.mark.parametrize("where", ["subject", "data", "documentId"])
def test_a_files_ready_event_with_a_newline_in_an_id_is_quarantined(where: str) -> None:
    w = world()
    event = p.files_ready(p.server_call_id(), "rec-1", chunks=1)
    if where == "subject":
        event["subject"] = event["subject"].replace("rec-1", "rec-1\n")
    elif where == "data":
        event["subject"] = "/recording/call/c1"
        event["data"]["serverCallId"] = "QUJD\n"
    else:
        event["data"]["recordingStorageInfo"]["recordingChunks"][0]["documentId"] += "\n"
    assert handle_grid_event(event, w.deps) == []
    ((_, reason, _),) = w.quarantine.kept
    assert "control character" in reason, reason
    assert w.store.calls == {}


@pytest.mark.parametrize("value", ["\ud800", "rec\udfff"])
def test_a_lone_surrogate_in_a_callback_id_is_quarantined_not_an_error(value: str) -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    event = p.state_changed(sid, value, "active", "2026-11-23T19:00:02+00:00")
    body = json.dumps([event]).encode()  # ensure_ascii: "\ud800" travels as JSON's escape
    reply = handle_callbacks(body, "Bearer good", w.guard.call_mac(sid), w.deps)
    assert reply.body == {"accepted": 0, "quarantined": True}
    assert "surrogate" in w.quarantine.kept[-1][1]


@pytest.mark.parametrize("sid", HOSTILE)
def test_a_callback_whose_server_call_id_holds_a_control_character_is_quarantined(sid: str) -> None:
    w = world()
    event = p.callback("CallConnected", sid)
    reply = handle_callbacks(p.body(event), "Bearer good", w.guard.call_mac(sid), w.deps)
    assert (reply.status, reply.body["quarantined"]) == (200, True)
    assert "control character" in w.quarantine.kept[-1][1]


@pytest.mark.parametrize("sid", HOSTILE)
def test_the_control_api_answers_400_for_a_server_call_id_with_a_control_character(sid: str) -> None:
    w = world()
    for reply in (
        api.start(api.BY_SERVER_CALL_ID, b"", w.deps, sid),
        api.command(api.BY_SERVER_CALL_ID, "stop", w.deps, sid),
        api.get_call(api.BY_SERVER_CALL_ID, w.deps, sid),
    ):
        assert reply.status == 400, reply
        assert "control character" in reply.body["error"]
    assert (w.store.calls, w.acs.requests) == ({}, [])


@pytest.mark.parametrize("query", [{"limit": "5\n"}, {"limit": "\u0661"}])
def test_a_day_listing_limit_with_a_trailing_newline_or_a_non_ascii_digit_is_a_400(query: dict[str, str]) -> None:
    reply = api.list_calls({"date": "2026-11-23", **query}, world().deps)
    assert reply.status == 400
    assert "limit" in reply.body["error"]


@pytest.mark.parametrize("call_mac", ["é" * 64, "\ud800", "0" * 63 + "\n"])
def test_a_callback_whose_call_mac_is_not_ascii_is_quarantined_not_an_error(call_mac: str) -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    reply = handle_callbacks(p.body(p.callback("CallDisconnected", sid)), "Bearer good", call_mac, w.deps)
    assert reply.body == {"accepted": 0, "quarantined": 1}
    assert "not posted to the callback URL" in w.quarantine.kept[-1][1]


@pytest.mark.timeout(20)
def test_a_files_ready_event_claiming_an_enormous_chunk_index_is_taken_in_bounded_time() -> None:
    w = world()
    sid = p.server_call_id()
    event = p.files_ready(sid, "rec-1", chunks=2)
    event["data"]["recordingStorageInfo"]["recordingChunks"][1]["index"] = 10**12
    jobs = handle_grid_event(event, w.deps)
    assert sorted(j.chunk.index for j in jobs) == [0, 10**12]


def test_an_id_longer_than_any_acs_issues_is_quarantined_naming_its_length() -> None:
    w = world()
    assert handle_grid_event(p.incoming_call(p.server_call_id(), caller="8:acs:" + "a" * 5000), w.deps) == []
    ((_, reason, _),) = w.quarantine.kept
    assert "data.from.rawId has 5006 characters, more than the 4096 of any id" in reason


def test_free_text_longer_than_any_acs_sends_is_cut_saying_how_much() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    ended = p.callback("CallDisconnected", sid, resultInformation={"code": 200, "subCode": 0, "message": "m" * 5000})
    assert handle_callbacks(p.body(ended), "Bearer good", w.guard.call_mac(sid), w.deps).body["accepted"] == 1
    call = w.store.get(sid)
    assert call is not None
    assert call.reason.endswith("… [3976 more characters]")
    assert len(call.reason) < 1100
