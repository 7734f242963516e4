"""Erasure on request through the app on Azurite and the emulator: refused with the reason under legal hold; else
each recording's signed tombstone is left, its blobs deleted, and the audit tells "erased on request" from "lost"."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared import layout
from shared.archive.seal import SIGNATURE, sealed, stored_bytes
from shared.domain import inputs as ev
from shared.layout import call_folder
from tests.integration.app.emulated import Acs
from tests.integration.app.flow import connected_call, stopped_recording, view
from tests.integration.app.functions import App
from tools.audit.__main__ import main as audit

REQUEST = {"requestedBy": "dpo@contoso.example", "reason": "GDPR art. 17 request #2026-118"}


def archived(app: App, acs: Acs) -> tuple[str, str, dict[str, Any]]:
    """An archived call: its serverCallId, its recording's folder and its manifest."""
    sid, _recording_id, event = stopped_recording(app, acs, media_seconds=1)
    for job in app.grid(event):
        app.run_chunk(job)
    (name,) = [b.name for b in app.archive.list_blobs() if b.name.endswith("/manifest.json")]
    manifest: dict[str, Any] = json.loads(app.archive.download_blob(name).readall())
    return sid, name.removesuffix("/manifest.json"), manifest


def erase(app: App, sid: str, body: dict[str, str] | None = None) -> tuple[int, Any]:
    payload = json.dumps(REQUEST if body is None else body).encode()
    status, answer = app.api("erase_call", "POST", {"callId": call_folder(sid)}, payload)
    return status, answer


def audited(app: App, manifest: dict[str, Any], storage: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    args = ["--date", manifest["recordingStart"][:10], "--container", app.archive.container_name]
    args += ["--connection-string", storage, "--public-key", str(app.public_key), "--json"]
    code = audit(args)
    return code, json.loads(capsys.readouterr().out)


def test_an_erased_call_leaves_only_a_signed_tombstone_that_the_audit_reports_as_erased_on_request(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sid, folder, manifest = archived(app, acs)
    status, answer = erase(app, sid)
    assert status == 200, answer
    tombstone_name = layout.tombstone_path(folder)
    assert [b.name for b in app.archive.list_blobs()] == [tombstone_name]
    tombstone = json.loads(app.archive.download_blob(tombstone_name).readall())
    assert (tombstone["requestedBy"], tombstone["reason"]) == (REQUEST["requestedBy"], REQUEST["reason"])
    erased = {e["blobPath"]: e["sha256"] for e in tombstone["erased"]}
    assert erased[manifest["chunks"][0]["blobPath"]] == manifest["chunks"][0]["sha256"], "which hashes were erased"
    assert tombstone["manifest"]["manifestSha256"] == manifest["manifestSha256"]
    assert tombstone[SIGNATURE]["kid"] == manifest[SIGNATURE]["kid"]
    assert answer["blobsErased"] == len(erased) + 1, "every listed blob and the manifest"
    assert answer["erasure"]["tombstones"] == [tombstone_name]
    found = view(app, sid)
    assert found["erasure"]["requestedBy"] == REQUEST["requestedBy"]
    assert found["timeline"][-1]["event"] == "CallErased"

    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 0, report
    (recording,) = report["recordings"]
    assert (recording["verdict"], recording["erased"]["requestedBy"]) == ("erased", REQUEST["requestedBy"])
    assert recording["signature"]["kid"] == tombstone[SIGNATURE]["kid"]

    assert erase(app, sid)[0] == 200, "repeating an erasure is safe"
    assert [b.name for b in app.archive.list_blobs()] == [tombstone_name]


def test_a_blob_left_behind_or_a_resealed_tombstone_fails_the_audit(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sid, folder, manifest = archived(app, acs)
    assert erase(app, sid)[0] == 200
    left = manifest["chunks"][0]["blobPath"]
    app.archive.upload_blob(left, b"not erased")
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 1
    assert any(
        f"{left}: erased on request at " in p and "but still in the archive" in p
        for p in report["recordings"][0]["problems"]
    )
    app.archive.delete_blob(left)
    name = layout.tombstone_path(folder)
    tombstone = json.loads(app.archive.download_blob(name).readall())
    forged = {**sealed({**tombstone, "requestedBy": "someone else"}), SIGNATURE: tombstone[SIGNATURE]}
    app.archive.upload_blob(name, stored_bytes(forged), overwrite=True)
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 1
    assert any("does not verify with any given public key" in p for p in report["recordings"][0]["problems"])


def test_erasure_is_refused_with_the_reason_while_the_call_is_under_legal_hold(app: App, acs: Acs) -> None:
    sid, _folder, _manifest = archived(app, acs)
    before = sorted(b.name for b in app.archive.list_blobs())
    hold = ev.LegalHoldChanged(
        event_id="api:hold", at=app.deps.now(), source="api", held=True, blob_versions=len(before), tag="matter-7"
    )
    app.deps.store.apply(sid, hold)  # as the API records a hold storage confirmed (Azurite cannot hold blobs)
    status, answer = erase(app, sid)
    assert status == 409
    assert answer["refused"].startswith("the call is under legal hold 'matter-7' since ")
    assert "clear the hold first" in answer["error"]
    assert sorted(b.name for b in app.archive.list_blobs()) == before
    assert view(app, sid)["erasure"] is None


@pytest.mark.parametrize(
    "body",
    [{}, {"requestedBy": "dpo"}, {"requestedBy": "", "reason": "x"}, {**REQUEST, "other": "x"}],
    ids=["empty", "no-reason", "blank-requester", "unknown-field"],
)
def test_an_erasure_must_say_who_asked_and_why(app: App, acs: Acs, body: dict[str, str]) -> None:
    sid, _folder, _manifest = archived(app, acs)
    status, answer = erase(app, sid, body)
    assert status == 400, answer
    assert any(b.name.endswith("/manifest.json") for b in app.archive.list_blobs())


def test_a_call_with_nothing_archived_has_nothing_to_erase(app: App, acs: Acs) -> None:
    sid, _recording_id = connected_call(app, acs)
    status, answer = erase(app, sid)
    assert (status, answer["error"]) == (409, f"call {call_folder(sid)} has no archived recording: nothing to erase")
    assert view(app, sid)["erasure"] is None
