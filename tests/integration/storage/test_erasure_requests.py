"""What storage lists as protecting a recording's blob versions (List Blobs with ``include=versions,
immutabilitypolicy,legalhold``, answered by ``blob_service`` as Microsoft's REST reference documents it) refuses an
erasure, naming the blob version and why: Azurite implements neither retention nor legal holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from azure.storage.blob import BlobServiceClient

from shared.archive.erase import ArchiveEraser
from shared.domain import Call, replay
from shared.domain.erasure import refusal
from tests.integration.storage.blob_service import ACCOUNT, BlobService
from tests.unit.domain.builders import SID, archived, connected, files_ready, ringing, started

CONTAINER = "recordings"
PREFIX = "2026/11/23/folder/rec-1/"
V1, V2 = "2026-11-24T00:05:01.1000000Z", "2026-11-24T00:05:02.2000000Z"
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


@pytest.fixture
def service() -> Iterator[BlobService]:
    server = BlobService().start()
    server.backend.blobs[CONTAINER] = {f"{PREFIX}chunk-0000.wav": [V1], f"{PREFIX}manifest.json": [V1, V2]}
    try:
        yield server
    finally:
        server.stop()


def eraser(service: BlobService) -> ArchiveEraser:
    return ArchiveEraser(BlobServiceClient(service.account_url).get_container_client(CONTAINER), None)


def settled_call() -> Call:
    call = replay(SID, [ringing(), connected(), started(), files_ready(2), archived(0), archived(1)])
    assert call is not None
    return call


def test_the_listing_asks_for_versions_retention_and_legal_holds(service: BlobService) -> None:
    found = eraser(service).protections(PREFIX)
    pages = service.backend.requests
    assert len(pages) == 2, "three versions, two per page: the listing follows NextMarker"
    for sent in pages:
        assert (sent.method, sent.path) == ("GET", f"/{ACCOUNT}/{CONTAINER}")
        assert set(sent.query["include"].split(",")) == {"versions", "immutabilitypolicy", "legalhold"}
    assert [p.blob for p in found] == [
        f"{PREFIX}chunk-0000.wav?versionid={V1}",
        f"{PREFIX}manifest.json?versionid={V1}",
        f"{PREFIX}manifest.json?versionid={V2}",
    ]
    assert refusal(settled_call(), found, NOW) == ""


def test_a_locked_retention_on_an_earlier_version_refuses_the_erasure_until_its_date(service: BlobService) -> None:
    service.backend.retained[(f"{PREFIX}manifest.json", V1)] = ("Thu, 07 Dec 2028 00:00:00 GMT", "locked")
    reason = refusal(settled_call(), eraser(service).protections(PREFIX), NOW)
    assert reason.startswith(
        f"{PREFIX}manifest.json?versionid={V1} is under a locked retention policy until 2028-12-07"
    )


def test_a_legal_hold_storage_holds_refuses_the_erasure(service: BlobService) -> None:
    service.backend.held[(CONTAINER, f"{PREFIX}chunk-0000.wav", V1)] = True
    reason = refusal(settled_call(), eraser(service).protections(PREFIX), NOW)
    assert reason == f"{PREFIX}chunk-0000.wav?versionid={V1} is under a legal hold in storage"
