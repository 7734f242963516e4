"""Erasure on request of one participant across calls, through the app on Azurite and the emulator: their calls are
found through their index, their own files erased with a signed tombstone each, the media that still holds their
voice listed; a call under legal hold is refused with the reason while the others are erased; the audit tells each
erased file from a lost one and still checks everything else the manifest lists."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared import layout
from shared.archive.seal import SIGNATURE
from shared.domain import inputs as ev
from tests.integration.app.emulated import CALLER, Acs
from tests.integration.app.flow import stopped_recording, view
from tests.integration.app.functions import App
from tests.integration.app.test_access_log_flow import read_file
from tests.integration.app.test_erasure_flow import REQUEST
from tools.audit.__main__ import main as audit

TYPED = "+1 425 555 0123"  # CALLER as a person types it


def archived(app: App, acs: Acs) -> tuple[str, str, dict[str, Any]]:
    """Another archived call of CALLER's (unmixed WAV): its serverCallId, its recording's folder and its manifest."""
    before = {b.name for b in app.archive.list_blobs()}
    sid, _recording_id, event = stopped_recording(app, acs, media_seconds=1)
    for job in app.grid(event):
        app.run_chunk(job)
    (name,) = [b.name for b in app.archive.list_blobs() if b.name.endswith("/manifest.json") and b.name not in before]
    manifest: dict[str, Any] = json.loads(app.archive.download_blob(name).readall())
    return sid, name.removesuffix("/manifest.json"), manifest


def erase(app: App, **options: Any) -> tuple[int, Any]:
    body = json.dumps({"participant": TYPED, **REQUEST, **options}).encode()
    status, answer = app.api("erase_participant", "POST", {}, body)
    return status, answer


def own_files(manifest: dict[str, Any], raw_id: str) -> list[dict[str, Any]]:
    return [p for c in manifest["chunks"] for p in c["participantFiles"] if p["participantId"] == raw_id]


def audited(app: App, manifest: dict[str, Any], storage: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    args = ["--date", manifest["recordingStart"][:10], "--container", app.archive.container_name, "--json"]
    code = audit([*args, "--connection-string", storage, "--public-key", str(app.public_key)])
    return code, json.loads(capsys.readouterr().out)


def stored(app: App) -> dict[str, bytes]:
    return {b.name: app.archive.download_blob(b.name).readall() for b in app.archive.list_blobs()}


def test_a_participants_own_files_are_erased_in_each_of_their_calls_leaving_a_signed_tombstone_each(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = [archived(app, acs), archived(app, acs)]
    (sid, folder, manifest) = calls[0]
    theirs = own_files(manifest, CALLER)
    assert theirs, "the caller has their own file in an unmixed WAV recording"
    assert read_file(sid, folder, theirs[0]["blobPath"].rsplit("/", 1)[1]) == 200, "read before the erasure"
    before = stored(app)

    status, answer = erase(app)
    assert status == 200, answer
    assert answer["participant"] == CALLER
    assert {c["serverCallId"] for c in answer["calls"]} == {sid for sid, _, _ in calls}
    assert {c["outcome"] for c in answer["calls"]} == {"erased"}
    after = stored(app)
    for sid, folder, manifest in calls:
        erased = [p["blobPath"] for p in own_files(manifest, CALLER)]
        (found,) = [c for c in answer["calls"] if c["serverCallId"] == sid]
        assert (found["erased"], found["voiceKeptIn"]) == (erased, [manifest["recordingId"]])
        kept = {name for name in before if name.startswith(folder + "/")} - set(erased)
        assert {name for name in after if name.startswith(folder + "/")} == kept | set(found["tombstones"])
        assert all(after[name] == before[name] for name in kept), "the manifest and everyone else's files stay"
        for part in own_files(manifest, CALLER):
            tombstone = json.loads(after[layout.blob_tombstone_path(part["blobPath"])])
            assert tombstone["erased"] == [{k: part[k] for k in ("blobPath", "size", "sha256")}]
            assert (tombstone["requestedBy"], tombstone["reason"]) == (REQUEST["requestedBy"], REQUEST["reason"])
            assert (tombstone["participant"], tombstone[SIGNATURE]["kid"]) == (CALLER, manifest[SIGNATURE]["kid"])
        state = view(app, sid)
        assert state["timeline"][-1]["event"] == "ParticipantErased"
        assert (state["erasure"], state["participantErasures"][0]["blobs"]) == (None, erased)

    code, report = audited(app, calls[0][2], storage_connection_string, capsys)
    assert code == 0, report
    assert sorted(e["blobPath"] for r in report["recordings"] for e in r["erasedBlobs"]) == sorted(
        p["blobPath"] for _, _, m in calls for p in own_files(m, CALLER)
    )
    assert report["accessLog"]["reads"] == 1, "the read of a file erased since is still the log's"

    repeated = erase(app)
    assert repeated[0] == 200
    assert {c["outcome"] for c in repeated[1]["calls"]} == {"nothing to erase"}, "repeating is safe"
    assert stored(app) == after


def test_the_audit_fails_an_erased_file_left_behind_and_another_file_missing_without_a_tombstone(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _sid, _folder, manifest = archived(app, acs)
    assert erase(app)[0] == 200
    (part, *_) = own_files(manifest, CALLER)
    app.archive.upload_blob(part["blobPath"], b"not erased")
    (other, *_) = [p for c in manifest["chunks"] for p in c["participantFiles"] if p["participantId"] != CALLER]
    app.archive.delete_blob(other["blobPath"])
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 1
    problems = report["recordings"][0]["problems"]
    assert any(p.startswith(f"{part['blobPath']}: erased on request at ") for p in problems), problems
    assert f"{other['blobPath']}: listed in the manifest, missing from the archive" in problems


def test_a_call_under_legal_hold_is_refused_with_the_reason_and_the_participants_other_calls_are_erased(
    app: App, acs: Acs
) -> None:
    (held, held_folder, _), (free, _, _) = archived(app, acs), archived(app, acs)
    hold = ev.LegalHoldChanged(
        event_id="api:hold", at=app.deps.now(), source="api", held=True, blob_versions=1, tag="m-9"
    )
    app.deps.store.apply(held, hold)  # as the API records a hold storage confirmed (Azurite cannot hold blobs)
    before = {n for n in stored(app) if n.startswith(held_folder)}
    status, answer = erase(app)
    assert status == 200, answer
    outcomes = {c["serverCallId"]: c for c in answer["calls"]}
    assert outcomes[held]["outcome"] == "refused"
    assert outcomes[held]["refused"].startswith("the call is under legal hold 'm-9' since ")
    assert outcomes[free]["outcome"] == "erased"
    assert {n for n in stored(app) if n.startswith(held_folder)} == before
    assert view(app, held)["participantErasures"] == []


def test_with_whole_recordings_each_of_their_calls_is_erased_as_a_call_erasure_erases_it(app: App, acs: Acs) -> None:
    sid, folder, _manifest = archived(app, acs)
    status, answer = erase(app, wholeRecordings=True)
    assert status == 200, answer
    (found,) = answer["calls"]
    assert (found["outcome"], found["erasure"]["tombstones"], found["voiceKeptIn"]) == (
        "erased", [layout.tombstone_path(folder)], [],
    )  # fmt: skip
    assert [b.name for b in app.archive.list_blobs() if not b.name.startswith("access-log/")] == [
        layout.tombstone_path(folder)
    ]
    assert view(app, sid)["timeline"][-1]["event"] == "CallErased"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**REQUEST}, "participant: give a phone number"),
        ({**REQUEST, "participant": "425 555"}, "country code"),
        ({"participant": TYPED, "requestedBy": "dpo"}, "reason: required"),
        ({**REQUEST, "participant": TYPED, "wholeRecordings": "yes"}, "wholeRecordings: true or false"),
        ({**REQUEST, "participant": TYPED, "continuation": "x"}, "continuation: not a token"),
    ],
    ids=["no-participant", "no-country-code", "no-reason", "whole-not-boolean", "bad-continuation"],
)
def test_a_participants_erasure_must_name_them_and_say_who_asked_and_why(
    app: App, acs: Acs, body: dict[str, Any], message: str
) -> None:
    archived(app, acs)
    before = stored(app)
    status, answer = app.api("erase_participant", "POST", {}, json.dumps(body).encode())
    assert status == 400, answer
    assert message in answer["error"]
    assert stored(app) == before
