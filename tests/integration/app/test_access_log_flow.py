"""The access log through the app on Azurite: a read of archived bytes lands in the call's append blob of the day
with who asked and which bytes, the call's reads are listed, and the audit counts them and fails a forged line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.storage.blob import BlobType

from local.host import triggers
from shared import layout
from shared.domain.access import key_fingerprint
from shared.layout import call_folder
from tests.integration.app.emulated import Acs
from tests.integration.app.functions import App, invoke, reply
from tests.integration.app.test_erasure_flow import archived, erase
from tools.audit.__main__ import main as audit

HEADERS = {
    "x-functions-key": "the-reviewers-key", "X-MS-CLIENT-PRINCIPAL-NAME": "auditor@contoso.example",
    "X-MS-CLIENT-PRINCIPAL-ID": "5e0d5f2c-0000-4000-8000-000000000001", "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
}  # fmt: skip


def read_file(sid: str, recording_folder: str, name: str, range_header: str = "") -> int:
    route = {"callId": call_folder(sid), "recordingId": recording_folder.rsplit("/", 1)[-1], "name": name}
    headers = {**HEADERS, **({"Range": range_header} if range_header else {})}
    request = triggers.http_request(
        method="GET", url="http://localhost/api/calls", headers=headers, query={}, route_values=route, body=b""
    )
    return reply(invoke("recording_file", request)).status_code


def audited(app: App, manifest: dict[str, Any], storage: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    args = ["--date", manifest["recordingStart"][:10], "--container", app.archive.container_name, "--json"]
    code = audit([*args, "--connection-string", storage, "--public-key", str(app.public_key)])
    return code, json.loads(capsys.readouterr().out)


def test_a_read_is_logged_with_the_caller_and_bytes_listed_for_the_call_and_counted_by_the_audit(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sid, folder, manifest = archived(app, acs)
    assert read_file(sid, folder, "chunk-0000.wav", "bytes=0-99") == 206
    assert read_file(sid, folder, "manifest.json") == 200
    logs = list(app.archive.list_blobs(name_starts_with=layout.ACCESS_LOG_PREFIX))
    assert [b.blob_type for b in logs] == [BlobType.APPENDBLOB]
    status, listed = app.api("access_log", "GET", {"callId": call_folder(sid)})
    assert status == 200
    media, manifest_read = listed["reads"]
    assert media["caller"] == {
        "key": key_fingerprint("the-reviewers-key"), "principalName": "auditor@contoso.example",
        "principalId": HEADERS["X-MS-CLIENT-PRINCIPAL-ID"], "identityProvider": "aad",
    }  # fmt: skip
    assert (media["blob"], media["bytes"]["first"], media["bytes"]["last"]) == (
        manifest["chunks"][0]["blobPath"],
        0,
        99,
    )
    assert manifest_read["blob"] == layout.manifest_path(folder)
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert (code, report["accessLog"]) == (0, {"reads": 2, "logs": 1, "problems": []})


def test_a_logged_read_of_an_erased_recording_still_passes_the_audit(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sid, folder, manifest = archived(app, acs)
    assert read_file(sid, folder, "manifest.json") == 200
    assert erase(app, sid)[0] == 200
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 0, report
    assert report["accessLog"]["reads"] == 1


def test_a_line_naming_a_blob_that_was_never_there_fails_the_audit(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sid, folder, manifest = archived(app, acs)
    assert read_file(sid, folder, "manifest.json") == 200
    (log,) = [b.name for b in app.archive.list_blobs(name_starts_with=layout.ACCESS_LOG_PREFIX)]
    line = app.archive.download_blob(log).readall().decode().replace("manifest.json", "chunk-0009.wav")
    app.archive.get_blob_client(log).append_block(line.encode())
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 1
    assert report["accessLog"]["reads"] == 2
    (problem,) = report["accessLog"]["problems"]
    assert "chunk-0009.wav, which is neither in the archive nor erased on request" in problem


def test_a_log_rewritten_as_a_block_blob_fails_the_audit(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sid, folder, manifest = archived(app, acs)
    assert read_file(sid, folder, "manifest.json") == 200
    (log,) = [b.name for b in app.archive.list_blobs(name_starts_with=layout.ACCESS_LOG_PREFIX)]
    app.archive.delete_blob(log)
    app.archive.upload_blob(log, b"")
    code, report = audited(app, manifest, storage_connection_string, capsys)
    assert code == 1
    assert report["accessLog"]["problems"] == [f"{log}: a BlockBlob, not an append blob: it could have been rewritten"]
