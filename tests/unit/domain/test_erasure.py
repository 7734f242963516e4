"""Erasure in the domain: refused with the reason while a hold, a retention policy or unfinished archiving protects
the recordings; recorded once, never under legal hold, and kept through the state row."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.domain import Call, InvalidTransition, apply, replay
from shared.domain import inputs as ev
from shared.domain.codec import dump, load_call
from shared.domain.erasure import Protection, Voice, refusal, voices
from shared.domain.model import ChunkCopy
from shared.domain.timeline import entry
from tests.unit.domain.builders import (
    REC,
    SID,
    archived,
    at,
    chunk_copy,
    connected,
    files_ready,
    ringing,
    started,
)

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


# -- one participant's voice --------------------------------------------------------------------------------------

CALLER, AGENT = "4:+14255550100", "8:acs:agent"


def copy_with(index: int, *parties: str, files: bool = True) -> ChunkCopy:
    """A chunk's copy naming ``parties`` on its channels, with one own file each (an unmixed WAV) when ``files``."""
    on = tuple({"participantId": p, "channel": c} for c, p in enumerate(parties))
    own = tuple({**p, "blobPath": f"r/chunk-{index:04d}.{p['participantId']}.wav", "size": 1, "sha256": "0" * 64}
                for p in on) if files else ()  # fmt: skip
    return replace(chunk_copy(index), participants=on, participant_files=own)


def with_copies(*copies: ChunkCopy) -> Call:
    chunks = [replace(archived(i), copy=c) for i, c in enumerate(copies)]
    return run(ringing(), connected(), started(), files_ready(len(copies)), *chunks)


def participant_erased(*blobs: str) -> ev.ParticipantErased:
    return ev.ParticipantErased(
        event_id="erase-p", at=at(5000), source="api", participant=CALLER, requested_by="dpo", reason="art. 17",
        erased=blobs, tombstones=tuple(b + ".tombstone.json" for b in blobs), voice_kept_in=(REC,),
    )  # fmt: skip


def test_a_participants_voice_is_in_their_own_file_of_each_chunk_and_in_the_recordings_media() -> None:
    call = with_copies(copy_with(0, CALLER, AGENT), copy_with(1, AGENT, CALLER))
    (voice,) = voices(call, CALLER)
    assert voice == Voice(
        recording_id=REC, own_files=(f"r/chunk-0000.{CALLER}.wav", f"r/chunk-0001.{CALLER}.wav"), in_media=True
    )


def test_a_number_matches_however_acs_wrote_the_raw_id() -> None:
    call = with_copies(copy_with(0, "4:+1 425 555 0100", AGENT))
    assert [v.own_files for v in voices(call, CALLER)] == [("r/chunk-0000.4:+1 425 555 0100.wav",)]


def test_a_mixed_recording_holds_everyones_voice_in_its_media_and_no_own_file() -> None:
    call = with_copies(copy_with(0, files=False))
    assert voices(call, CALLER) == [Voice(recording_id=REC, own_files=(), in_media=True)]


def test_a_recording_whose_chunks_name_only_others_does_not_hold_the_participants_voice() -> None:
    assert voices(with_copies(copy_with(0, AGENT, "8:acs:other")), CALLER) == []


def test_files_erased_once_are_not_erased_again_and_the_media_still_holds_the_voice() -> None:
    call = with_copies(copy_with(0, CALLER, AGENT))
    after = apply(call, participant_erased(f"r/chunk-0000.{CALLER}.wav"))
    assert voices(after, CALLER) == [Voice(recording_id=REC, own_files=(), in_media=True)]
    assert [v.own_files for v in voices(after, AGENT)] == [(f"r/chunk-0000.{AGENT}.wav",)], "others' files stay"


def test_nothing_holds_the_voice_once_the_calls_recordings_were_erased() -> None:
    call = with_copies(copy_with(0, CALLER, AGENT))
    assert voices(apply(call, erased()), CALLER) == []


def test_a_participants_erasure_is_recorded_with_who_why_and_what_and_survives_the_state_row() -> None:
    blob = f"r/chunk-0000.{CALLER}.wav"
    call = apply(with_copies(copy_with(0, CALLER, AGENT)), participant_erased(blob))
    (erasure,) = call.participant_erasures
    assert (erasure.participant, erasure.requested_by, erasure.blobs) == (CALLER, "dpo", (blob,))
    assert erasure.tombstones == (blob + ".tombstone.json",)
    assert call.erasure is None, "the call's other recordings and files stay"
    assert load_call(dump(call)) == call
    line = entry(participant_erased(blob), call)
    assert (line["event"], line["participant"], line["erased"], line["voiceKeptIn"]) == (
        "ParticipantErased", CALLER, [blob], [REC],
    )  # fmt: skip


def test_the_machine_never_records_a_participants_erasure_under_legal_hold() -> None:
    call = apply(with_copies(copy_with(0, CALLER, AGENT)), hold())
    with pytest.raises(InvalidTransition, match="cannot erase: call is under legal hold"):
        apply(call, participant_erased(f"r/chunk-0000.{CALLER}.wav"))
