"""Erasure in the domain: refused with the reason while a hold, a retention policy or unfinished archiving protects
the recordings; recorded once, never under legal hold, and kept through the state row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain import Call, InvalidTransition, replay
from shared.domain import inputs as ev
from shared.domain.codec import dump, load_call
from shared.domain.erasure import Protection, refusal
from shared.domain.timeline import entry
from tests.unit.domain.builders import SID, archived, at, connected, files_ready, ringing, started

NOW = at(3600)


def run(*inputs: ev.Input) -> Call:
    call = replay(SID, inputs)
    assert call is not None
    return call


def settled() -> Call:
    return run(ringing(), connected(), started(), files_ready(2), archived(0), archived(1))


def erased(t: float = 4000) -> ev.CallErased:
    return ev.CallErased(
        event_id="erase", at=at(t), source="api", requested_by="dpo", reason="art. 17", tombstones=("t",), blobs=4
    )


def hold() -> ev.LegalHoldChanged:
    return ev.LegalHoldChanged(event_id="h", at=at(100), source="api", held=True, blob_versions=4, tag="m-7")


def test_a_settled_call_with_nothing_protecting_it_may_be_erased() -> None:
    expired = Protection(blob="a.wav", retention_until=NOW - timedelta(seconds=1), retention_locked=True)
    assert refusal(settled(), [Protection(blob="m.json"), expired], NOW) == ""


def test_a_legal_hold_on_the_call_refuses_erasure_naming_the_hold() -> None:
    call = run(ringing(), connected(), started(), files_ready(2), archived(0), archived(1), hold())
    assert (
        refusal(call, [], NOW)
        == f"the call is under legal hold 'm-7' since {at(100).isoformat()}: clear the hold first"
    )


def test_a_recording_still_being_archived_refuses_erasure() -> None:
    call = run(ringing(), connected(), started(), files_ready(2), archived(0))
    assert refusal(call, [], NOW).endswith("is files_ready: erase it once it settles")


@pytest.mark.parametrize(
    ("protection", "reason"),
    [
        (Protection(blob="b", legal_hold=True), "b is under a legal hold in storage"),
        (
            Protection(blob="b", retention_until=NOW + timedelta(days=1), retention_locked=True),
            f"b is under a locked retention policy until {(NOW + timedelta(days=1)).isoformat()}",
        ),
        (
            Protection(blob="b", retention_until=NOW + timedelta(days=1)),
            f"b is under an unlocked retention policy until {(NOW + timedelta(days=1)).isoformat()}",
        ),
    ],
    ids=["storage-hold", "locked-retention", "unlocked-retention"],
)
def test_storage_protection_refuses_erasure_naming_the_blob_and_why(protection: Protection, reason: str) -> None:
    assert refusal(settled(), [Protection(blob="a"), protection], NOW).startswith(reason)


def test_the_erasure_is_recorded_with_who_and_why_and_survives_the_state_row() -> None:
    call = run(ringing(), connected(), started(), files_ready(2), archived(0), archived(1), erased())
    assert call.erasure is not None
    assert (call.erasure.requested_by, call.erasure.reason, call.erasure.tombstones) == ("dpo", "art. 17", ("t",))
    assert load_call(dump(call)) == call
    line = entry(erased(), call)
    assert (line["event"], line["requestedBy"], line["reason"], line["tombstones"]) == (
        "CallErased",
        "dpo",
        "art. 17",
        ["t"],
    )


def test_the_machine_never_records_an_erasure_of_a_call_under_legal_hold() -> None:
    with pytest.raises(InvalidTransition, match="cannot erase: call is under legal hold"):
        run(ringing(), connected(), started(), files_ready(2), archived(0), archived(1), hold(), erased())
