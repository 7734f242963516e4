"""Verified before irreversible, with the app on Azurite and the emulator: a chunk counts as archived, is named in a
manifest and is deleted at ACS only after ``verify_chunk`` read it back. A binding write that never lands leaves the
recording at ACS and out of every manifest; jobs the app cannot take leave a reason in the quarantine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.archive.seal import seal_problem, timeline_sha256
from tests.integration.app.conftest import MAX_CHUNK_SECONDS
from tests.integration.app.emulated import Acs
from tests.integration.app.flow import stopped_recording, view
from tests.integration.app.functions import App, FunctionFailed


def quarantined(app: App) -> list[dict[str, Any]]:
    return [json.loads(app.quarantine.download_blob(b.name).readall()) for b in app.quarantine.list_blobs()]


def manifests(app: App) -> list[str]:
    return [b.name for b in app.archive.list_blobs() if b.name.endswith("/manifest.json")]


def test_a_binding_write_that_never_lands_leaves_no_manifest_and_the_recording_at_acs(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs)
    (job,) = app.grid(event)
    assert app.run_chunk(job, land=False, verify=False) is not None
    (verification,) = app.verifications
    for _ in range(5):  # every delivery up to maxDequeueCount
        with pytest.raises(FunctionFailed, match=r"Absent: .*is not in the archive"):
            app.run_verify(verification)
    app.run_poison("verify_poison", verification)

    (recording,) = view(app, sid)["recordings"]
    assert (recording["state"], recording["chunks"][0]["state"]) == ("files_ready", "pending")
    assert manifests(app) == []
    assert acs.recording(sid)["chunks"][0]["deleted"] is False
    (kept,) = quarantined(app)
    assert (kept["source"], "never matched" in kept["reason"]) == ("verify_poison", True)


def test_the_manifest_and_the_delete_wait_for_the_last_chunk_to_be_read_back(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs, media_seconds=MAX_CHUNK_SECONDS + 1)
    streamed_job, small_job = app.grid(event)
    assert app.run_chunk(streamed_job) is None
    assert manifests(app) == [], "the manifest is written once no chunk waits for its copy"
    assert acs.recording(sid)["chunks"][0]["deleted"] is False, "chunk 1 is not verified yet"

    assert app.run_chunk(small_job, verify=False) is not None
    assert [c["state"] for c in view(app, sid)["recordings"][0]["chunks"]] == ["archived", "pending"]
    assert acs.recording(sid)["chunks"][1]["deleted"] is False, "copied and written, but not read back yet"
    app.run_verify(app.verifications[-1])
    app.run_verify(app.verifications[-1])  # a redelivered verification changes nothing
    (manifest_name,) = manifests(app)
    manifest = json.loads(app.archive.download_blob(manifest_name).readall())
    assert [c["index"] for c in manifest["chunks"]] == [0, 1]
    assert manifest["verdict"]["verdict"] == "complete"
    assert seal_problem(manifest) == ""
    sealed_with = app.deps.store.timeline(sid)[: manifest["stateVersion"]]  # the lines up to the manifest's state
    assert manifest["timelineSha256"] == timeline_sha256(sealed_with)
    for blob in app.archive.list_blobs(name_starts_with=manifest_name.removesuffix("manifest.json")):
        tags = app.archive.get_blob_client(blob.name).get_blob_tags()
        assert tags == {
            "recordingDate": manifest["recordingStart"][:10],
            "verdict": "complete",
            "format": "wav",
            "retentionClass": "toll-free",
        }, blob.name  # the callee is +1800...
    assert [c["deleted"] for c in acs.recording(sid)["chunks"]] == [True, True]
    assert view(app, sid)["recordings"][0]["state"] == "source_deleted"


def test_a_job_whose_blob_path_is_outside_the_layout_writes_nothing_and_is_quarantined(app: App, acs: Acs) -> None:
    sid, _recording_id, event = stopped_recording(app, acs)
    (job,) = app.grid(event)
    evil = {**json.loads(job), "blobPath": "evil.wav"}
    assert app.run_chunk(json.dumps(evil)) is None
    assert app.verifications == []
    assert [b.name for b in app.archive.list_blobs()] == []
    (kept,) = quarantined(app)
    assert (kept["source"], "not the layout's path" in kept["reason"]) == ("archive_chunk", True)
    assert view(app, sid)["recordings"][0]["chunks"][0]["state"] == "pending"


def test_a_poisoned_job_the_binding_could_not_resolve_is_quarantined_with_the_reason(app: App, acs: Acs) -> None:
    _sid, _recording_id, event = stopped_recording(app, acs)
    (job,) = app.grid(event)
    unbound = {k: v for k, v in json.loads(job).items() if k != "blobPath"}
    app.run_poison("chunk_poison", json.dumps(unbound))
    app.run_poison("chunk_poison", job)
    kept = sorted(quarantined(app), key=lambda k: str(k["reason"]))
    assert [k["source"] for k in kept] == ["chunk_poison", "chunk_poison"]
    assert "failed on every delivery of chunk 0" in kept[0]["reason"]
    assert "could not resolve {blobPath}" in kept[1]["reason"]
