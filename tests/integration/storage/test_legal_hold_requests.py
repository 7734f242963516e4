"""The exact requests the Storage SDK sends for a call's legal hold, recorded by a local Blob service
(``blob_service``, answering as Microsoft's REST reference documents), and what the app makes of a refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from azure.storage.blob import BlobServiceClient

from shared.handlers import legal_hold
from shared.handlers.eventgrid import handle_grid_event
from shared.layout import call_folder
from shared.legalhold import BlobLegalHolds, BlobVersion, HoldRefused, HoldUnavailable
from tests.integration.storage.blob_service import ACCOUNT, BlobService, Refusal, Request
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import world

CONTAINER = "recordings"
PREFIX = "2026/11/23/folder/rec-1/"
V1, V2, V3 = "2026-11-24T00:05:01.1000000Z", "2026-11-24T00:05:02.2000000Z", "2026-11-24T00:05:03.3000000Z"


@pytest.fixture
def service() -> Iterator[BlobService]:
    server = BlobService().start()
    server.backend.blobs[CONTAINER] = {
        f"{PREFIX}chunk-0000.wav": [V1],
        f"{PREFIX}manifest.json": [V2, V3],
        "2026/11/23/other/rec-9/chunk-0000.wav": [V1],
    }
    try:
        yield server
    finally:
        server.stop()


def holds_on(service: BlobService) -> BlobLegalHolds:
    return BlobLegalHolds(BlobServiceClient(service.account_url).get_container_client(CONTAINER))


def legal_hold_requests(service: BlobService) -> list[Request]:
    return [r for r in service.backend.requests if r.method == "PUT"]


def test_every_version_under_the_prefix_is_listed_across_pages(service: BlobService) -> None:
    found = holds_on(service).versions(PREFIX)
    assert found == [
        BlobVersion(f"{PREFIX}chunk-0000.wav", V1),
        BlobVersion(f"{PREFIX}manifest.json", V2),
        BlobVersion(f"{PREFIX}manifest.json", V3),
    ]
    pages = service.backend.requests
    assert [(r.method, r.path) for r in pages] == [("GET", f"/{ACCOUNT}/{CONTAINER}")] * 2
    first, second = (r.query for r in pages)
    assert (first["restype"], first["comp"], first["prefix"], first["include"]) == (
        "container",
        "list",
        PREFIX,
        "versions",
    )
    assert "marker" not in first
    assert second["marker"] == "2"


def test_setting_a_hold_is_one_put_comp_legalhold_per_version_with_x_ms_legal_hold_true(service: BlobService) -> None:
    holds = holds_on(service)
    for version in holds.versions(PREFIX):
        holds.set_legal_hold(version, True)
    sent = legal_hold_requests(service)
    assert [(r.path, r.query) for r in sent] == [
        (f"/{ACCOUNT}/{CONTAINER}/{PREFIX}chunk-0000.wav", {"comp": "legalhold", "versionid": V1}),
        (f"/{ACCOUNT}/{CONTAINER}/{PREFIX}manifest.json", {"comp": "legalhold", "versionid": V2}),
        (f"/{ACCOUNT}/{CONTAINER}/{PREFIX}manifest.json", {"comp": "legalhold", "versionid": V3}),
    ]
    assert {r.legal_hold for r in sent} == {"true"}
    assert all(r.api_version is not None and r.api_version >= "2020-04-08" for r in sent), "the API's first version"
    assert service.backend.held == {
        (CONTAINER, f"{PREFIX}chunk-0000.wav", V1): True,
        (CONTAINER, f"{PREFIX}manifest.json", V2): True,
        (CONTAINER, f"{PREFIX}manifest.json", V3): True,
    }


def test_clearing_a_hold_sends_x_ms_legal_hold_false(service: BlobService) -> None:
    holds_on(service).set_legal_hold(BlobVersion(f"{PREFIX}manifest.json", V2), False)
    (sent,) = legal_hold_requests(service)
    assert (sent.query, sent.legal_hold) == ({"comp": "legalhold", "versionid": V2}, "false")


def test_a_blob_without_versions_is_held_without_a_versionid(service: BlobService) -> None:
    holds_on(service).set_legal_hold(BlobVersion(f"{PREFIX}chunk-0000.wav"), True)
    (sent,) = legal_hold_requests(service)
    assert sent.query == {"comp": "legalhold"}


def test_a_refusal_names_the_status_the_error_code_and_the_message(service: BlobService) -> None:
    service.backend.refuse_legal_hold = Refusal(409, "BlobOperationNotSupported", "The operation is not supported.")
    with pytest.raises(HoldRefused) as raised:
        holds_on(service).set_legal_hold(BlobVersion(f"{PREFIX}chunk-0000.wav", V1), True)
    assert (raised.value.status, raised.value.code) == (409, "BlobOperationNotSupported")
    assert "The operation is not supported." in str(raised.value)
    assert f"{PREFIX}chunk-0000.wav (version {V1})" in str(raised.value)


def test_a_server_error_is_an_unavailability_not_a_refusal(service: BlobService) -> None:
    service.backend.refuse_legal_hold = Refusal(503, "ServerBusy", "The server is busy.")
    holds = BlobLegalHolds(
        BlobServiceClient(service.account_url, retry_total=0).get_container_client(CONTAINER),
    )
    with pytest.raises(HoldUnavailable) as raised:
        holds.set_legal_hold(BlobVersion(f"{PREFIX}chunk-0000.wav", V1), True)
    assert (raised.value.status, raised.value.code) == (503, "ServerBusy")


def test_the_api_holds_every_version_of_the_calls_recording_and_reports_a_refusal_as_a_502(
    service: BlobService,
) -> None:
    w = world()
    sid = p.server_call_id()
    handle_grid_event(p.files_ready(sid, "rec-1", chunks=1), w.deps)
    folder_prefix = f"2026/11/23/{call_folder(sid)}/rec-1/"
    service.backend.blobs[CONTAINER] |= {f"{folder_prefix}chunk-0000.wav": [V1], f"{folder_prefix}manifest.json": [V2]}
    deps = replace(w.deps, holds=holds_on(service))
    held = legal_hold.change(call_folder(sid), True, json.dumps({"tag": "matter-7"}).encode(), deps)
    assert (held.status, held.body["blobVersions"]) == (200, 2)
    assert {(r.path, r.query.get("versionid"), r.legal_hold) for r in legal_hold_requests(service)} == {
        (f"/{ACCOUNT}/{CONTAINER}/{folder_prefix}chunk-0000.wav", V1, "true"),
        (f"/{ACCOUNT}/{CONTAINER}/{folder_prefix}manifest.json", V2, "true"),
    }
    service.backend.refuse_legal_hold = Refusal(409, "BlobOperationNotSupported", "The operation is not supported.")
    refused = legal_hold.change(call_folder(sid), False, b"", deps)
    assert refused.status == 502
    assert "BlobOperationNotSupported (HTTP 409): The operation is not supported." in refused.body["error"]
    call = w.store.get(sid)
    assert call is not None
    assert call.legal_hold is not None, "the hold storage did not clear is still the call's"


def test_no_answer_at_all_is_an_unavailability_without_a_status() -> None:
    server = BlobService().start()
    url = server.account_url
    server.stop()
    holds = BlobLegalHolds(BlobServiceClient(url, retry_total=0).get_container_client(CONTAINER))
    with pytest.raises(HoldUnavailable) as raised:
        holds.versions(PREFIX)
    assert raised.value.status is None
    assert raised.value.code == "ServiceRequestError"
    assert f"list the blobs under {PREFIX}" in str(raised.value)
