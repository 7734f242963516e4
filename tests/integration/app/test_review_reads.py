"""Ranged reads of the archive on a real Azurite: the piece asked for, and the size of the whole blob."""

from __future__ import annotations

import os

from azure.storage.blob import BlobServiceClient, ContainerClient

from shared.review.blobs import BlobArchiveReader


def test_a_ranged_read_returns_the_piece_and_the_whole_blobs_size(container: ContainerClient) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    container.upload_blob("a/chunk-0000.wav", data)
    piece = BlobArchiveReader(container).read("a/chunk-0000.wav", 2 * 1024 * 1024, 1024 * 1024)
    assert piece is not None
    assert piece.data == data[2 * 1024 * 1024 : 3 * 1024 * 1024]
    assert piece.size == len(data)


def test_a_read_past_a_small_blobs_end_returns_what_there_is(container: ContainerClient) -> None:
    container.upload_blob("m.json", b"{}")
    container.upload_blob("empty", b"")
    reader = BlobArchiveReader(container)
    assert reader.read("m.json", 0, 4096) == reader.read("m.json", 0, 2)
    piece = reader.read("empty", 0, 4096)
    assert piece is not None
    assert (piece.data, piece.size) == (b"", 0)
    assert reader.read("missing", 0, 10) is None


def test_names_under_a_prefix_come_in_name_order_up_to_the_limit(container: ContainerClient) -> None:
    for name in ("2026/12/01/b/2.json", "2026/12/01/a/1.json", "2026/12/02/a/3.json", "2026/12/01/c/4.json"):
        container.upload_blob(name, b"{}")
    reader = BlobArchiveReader(container)
    assert [b.name for b in reader.names("2026/12/01/", 2)] == ["2026/12/01/a/1.json", "2026/12/01/b/2.json"]
    assert [b.size for b in reader.names("2026/12/02/", 10)] == [2]


def test_a_container_that_does_not_exist_yet_names_nothing(storage_connection_string: str, unique_name: str) -> None:
    absent = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    assert BlobArchiveReader(absent).names("", 10) == []
