"""Legal hold per call: every blob version of every archived recording, recorded once storage confirmed it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.handlers import api, legal_hold
from shared.handlers.eventgrid import handle_grid_event
from shared.layout import call_folder
from shared.legalhold import BlobVersion, HoldRefused, HoldUnavailable, LegalHoldError, LegalHolds
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import World, world


class FakeHolds(LegalHolds):
    """Blob storage's legal holds as "Set Blob Legal Hold" documents them: one flag per blob version.

    https://learn.microsoft.com/rest/api/storageservices/set-blob-legal-hold. ``refusal`` is raised once
    ``refuse_after`` versions were changed (storage refusing part-way); ``list_refusal`` refuses the listing.
    """

    def __init__(self, blobs: dict[str, list[str | None]]) -> None:
        self.blobs = blobs  # blob name -> its version ids (None: an account without versioning)
        self.held: dict[BlobVersion, bool] = {}
        self.requests: list[tuple[BlobVersion, bool]] = []
        self.listed: list[str] = []
        self.refusal: LegalHoldError | None = None
        self.refuse_after = 0
        self.list_refusal: LegalHoldError | None = None

    def versions(self, prefix: str) -> list[BlobVersion]:
        self.listed.append(prefix)
        if self.list_refusal is not None:
            raise self.list_refusal
        return [BlobVersion(n, v) for n, ids in sorted(self.blobs.items()) if n.startswith(prefix) for v in ids]

    def set_legal_hold(self, blob: BlobVersion, held: bool) -> None:
        if self.refusal is not None and len(self.requests) >= self.refuse_after:
            raise self.refusal
        self.requests.append((blob, held))
        self.held[blob] = held


def archived_call(w: World, *recording_ids: str) -> str:
    sid = p.server_call_id()
    for recording_id in recording_ids:
        handle_grid_event(p.files_ready(sid, recording_id, chunks=2), w.deps)
    return sid


def prefix(sid: str, recording_id: str) -> str:
    """The archive folder of a recording that started on 2026-11-23 (``payloads.files_ready``)."""
    return f"2026/11/23/{call_folder(sid)}/{recording_id}/"


def stored(sid: str, recording_id: str) -> dict[str, list[str | None]]:
    """A recording's blobs with versions: the manifest was rewritten once per chunk."""
    base = prefix(sid, recording_id)
    return {
        f"{base}chunk-0000.wav": ["v1"],
        f"{base}chunk-0000.metadata.json": ["v2"],
        f"{base}manifest.json": ["v3", "v4"],
    }


def with_holds(w: World, holds: FakeHolds) -> World:
    return replace(w, deps=replace(w.deps, holds=holds))


def test_a_hold_reaches_every_version_of_every_blob_of_every_archived_recording_and_is_recorded() -> None:
    w = world()
    sid = archived_call(w, "rec-1", "rec-2")
    other = p.server_call_id()
    holds = FakeHolds({**stored(sid, "rec-1"), **stored(sid, "rec-2"), **stored(other, "rec-1")})
    w = with_holds(w, holds)
    body = json.dumps({"tag": "matter-2026-114", "reason": "customer dispute"}).encode()
    reply = legal_hold.change(call_folder(sid), True, body, w.deps)
    assert reply.status == 200, reply.body
    assert holds.listed == [prefix(sid, "rec-1"), prefix(sid, "rec-2")]
    assert len(holds.requests) == 8
    assert all(held for _, held in holds.requests)
    assert {b.name for b, _ in holds.requests} == set(stored(sid, "rec-1")) | set(stored(sid, "rec-2"))
    assert reply.body["blobVersions"] == 8
    assert reply.body["legalHold"]["tag"] == "matter-2026-114"
    (line,) = [t for t in w.store.timeline(sid) if t["event"] == "LegalHoldChanged"]
    assert (line["held"], line["tag"], line["reason"], line["blobVersions"]) == (
        True,
        "matter-2026-114",
        "customer dispute",
        8,
    )


def test_clearing_the_hold_clears_every_version_and_the_calls_hold() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    holds = FakeHolds(stored(sid, "rec-1"))
    w = with_holds(w, holds)
    assert legal_hold.change(call_folder(sid), True, b"", w.deps).status == 200
    reply = legal_hold.change(call_folder(sid), False, b"", w.deps)
    assert reply.status == 200
    assert reply.body["legalHold"] is None
    assert set(holds.held.values()) == {False}
    assert len(holds.held) == 4
    view = api.get_call(call_folder(sid), w.deps).body
    assert view["legalHold"] is None
    assert [t["held"] for t in view["timeline"] if t["event"] == "LegalHoldChanged"] == [True, False]


def test_the_call_shows_its_hold_and_a_repeated_hold_keeps_its_first_time() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    w = with_holds(w, FakeHolds(stored(sid, "rec-1")))
    legal_hold.change(call_folder(sid), True, b'{"tag": "first"}', w.deps)
    first = api.get_call(call_folder(sid), w.deps).body["legalHold"]
    w.clock.advance(hours=1)
    legal_hold.change(call_folder(sid), True, b'{"tag": "second"}', w.deps)
    again = api.get_call(call_folder(sid), w.deps).body["legalHold"]
    assert again == {"since": first["since"], "tag": "second", "reason": ""}


def test_a_refusal_from_storage_is_a_502_naming_what_storage_said_and_records_nothing() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    holds = FakeHolds(stored(sid, "rec-1"))
    holds.refusal = HoldRefused("set the legal hold on x", 409, "SomeCode", "This operation is not permitted.")
    reply = legal_hold.change(call_folder(sid), True, b"", with_holds(w, holds).deps)
    assert reply.status == 502
    assert "SomeCode (HTTP 409): This operation is not permitted." in reply.body["error"]
    assert "repeat" not in reply.body["error"]
    assert not any(t["event"] == "LegalHoldChanged" for t in w.store.timeline(sid))
    call = w.store.get(sid)
    assert call is not None
    assert call.legal_hold is None


def test_a_refusal_part_way_says_how_many_versions_were_changed_before_it() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    holds = FakeHolds(stored(sid, "rec-1"))
    holds.refusal, holds.refuse_after = HoldRefused("set the legal hold on y", 403, "AuthorizationFailure", "no"), 3
    reply = legal_hold.change(call_folder(sid), True, b"", with_holds(w, holds).deps)
    assert reply.status == 502
    assert "3 of 4 blob versions were changed before it, repeat the request" in reply.body["error"]


def test_storage_that_does_not_answer_is_a_503() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    holds = FakeHolds(stored(sid, "rec-1"))
    holds.list_refusal = HoldUnavailable("list the blobs under z", None, "ServiceRequestError", "connection refused")
    reply = legal_hold.change(call_folder(sid), False, b"", with_holds(w, holds).deps)
    assert reply.status == 503
    assert "connection refused" in reply.body["error"]
    assert holds.requests == []


def test_a_call_without_an_archived_recording_is_a_409_and_storage_is_not_asked() -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.incoming_call(sid), w.deps)
    holds = FakeHolds({})
    reply = legal_hold.change(call_folder(sid), True, b"", with_holds(w, holds).deps)
    assert (reply.status, holds.listed) == (409, [])
    assert "no archived recording" in reply.body["error"]


def test_a_recording_whose_blobs_are_not_stored_yet_is_a_409() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    reply = legal_hold.change(call_folder(sid), True, b"", with_holds(w, FakeHolds({})).deps)
    assert reply.status == 409
    assert prefix(sid, "rec-1") in reply.body["error"]


def test_the_call_can_be_named_by_its_server_call_id() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    holds = FakeHolds(stored(sid, "rec-1"))
    reply = legal_hold.change("-", True, b"", with_holds(w, holds).deps, sid.replace("+", " "))
    assert reply.status == 200
    assert reply.body["serverCallId"] == sid


def test_bad_requests_are_400s_naming_what_is_wrong_and_an_unknown_call_is_a_404() -> None:
    w = with_holds(world(), FakeHolds({}))
    folder = call_folder(p.server_call_id())
    cases = {
        b"{": "body: is not JSON",
        b"[]": "body: must be a JSON object",
        b'{"colour": "red"}': "colour: unknown field",
        json.dumps({"tag": "x" * 129}).encode(): "tag: must be printable text of at most 128",
        b'{"reason": 5}': "reason: must be printable text",
    }
    for body, message in cases.items():
        reply = legal_hold.change(folder, True, body, w.deps)
        assert (reply.status, message in reply.body["error"]) == (400, True), (body, reply.body)
    assert legal_hold.change("-", True, b"", w.deps).status == 400
    unknown = legal_hold.change(folder, True, b"", w.deps)
    assert unknown.status == 404
    assert folder in unknown.body["error"]


def test_without_a_storage_client_the_answer_is_a_503() -> None:
    w = world()
    sid = archived_call(w, "rec-1")
    reply = legal_hold.change(call_folder(sid), True, b"", w.deps)
    assert reply.status == 503


@pytest.mark.parametrize("body", [b"[" * 200_000 + b"]" * 200_000, b'{"tag":' * 200_000 + b'"x"' + b"}" * 200_000])
def test_a_body_nested_deeper_than_any_hold_request_is_a_400_saying_so(body: bytes) -> None:
    w = with_holds(world(), FakeHolds({}))
    reply = legal_hold.change(call_folder(p.server_call_id()), True, body, w.deps)
    assert reply.status == 400
    assert reply.body["error"].startswith("body: is ")
