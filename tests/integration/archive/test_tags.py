"""Blob index tags on the session Azurite (it implements Set/Get Blob Tags and Find Blobs by Tags): what the app
sets can be searched, and a blob storage refuses is reported and logged, never raised."""

from __future__ import annotations

import logging

import pytest
from azure.storage.blob import ContainerClient

from shared.archive.tags import set_tags

TAGS = {"recordingDate": "2026-11-23", "verdict": "complete", "format": "wav", "retentionClass": "uk-7y"}


def test_tagged_blobs_are_found_by_their_tags_and_keep_their_etag(container: ContainerClient) -> None:
    names = ["2026/11/23/f/r/chunk-0000.wav", "2026/11/23/f/r/manifest.json"]
    etags = [container.upload_blob(name, b"bytes").get_blob_properties().etag for name in names]
    container.upload_blob("2026/11/23/f/other/chunk-0000.wav", b"untagged")
    assert set_tags(container, names, TAGS) == []
    assert [container.get_blob_client(n).get_blob_properties().etag for n in names] == etags
    found = container.find_blobs_by_tags("recordingDate = '2026-11-23' AND verdict = 'complete'")
    assert sorted(blob.name for blob in found) == sorted(names)
    assert container.get_blob_client(names[0]).get_blob_tags() == TAGS


def test_a_blob_storage_refuses_is_reported_and_the_others_are_still_tagged(
    container: ContainerClient, caplog: pytest.LogCaptureFixture
) -> None:
    container.upload_blob("kept.wav", b"bytes")
    with caplog.at_level(logging.WARNING, logger="shared.archive.tags"):
        refused = set_tags(container, ["gone.wav", "kept.wav"], TAGS)
    assert refused == ["gone.wav"]
    assert "index tags not set on gone.wav: storage answered BlobNotFound" in caplog.text
    assert container.get_blob_client("kept.wav").get_blob_tags() == TAGS
