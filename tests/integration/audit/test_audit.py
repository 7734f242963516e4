"""``python -m tools.audit`` on the session Azurite: an archive written as the app writes it passes; a flipped byte,
a missing chunk or an edited manifest each fail with a line that names the blob."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from shared import layout
from shared.archive import manifest
from shared.domain import replay
from tests.unit.domain import builders as b
from tools.audit.__main__ import main
from tools.audit.store import RANGE_BYTES

NOW = b.T0
DAY = b.T0.date().isoformat()
TIMELINE = [{"at": NOW.isoformat(), "event": "CallConnected", "source": "callback", "eventId": "connected"}]


@pytest.fixture
def container(storage_connection_string: str, unique_name: str) -> Iterator[ContainerClient]:
    client = BlobServiceClient.from_connection_string(storage_connection_string).get_container_client(unique_name)
    client.create_container()
    yield client
    client.delete_container()


def archive_recording(container: ContainerClient, sizes: tuple[int, ...]) -> dict[int, str]:
    """Chunks of random bytes at their layout paths, their ACS metadata, and the manifest the app renders for them;
    the chunks' blob names by index."""
    prefix = layout.recording_prefix(b.T0, b.SID, b.REC)
    events: list[Any] = [b.connected(), b.started(), b.files_ready(len(sizes))]
    names: dict[int, str] = {}
    for index, size in enumerate(sizes):
        media, metadata = os.urandom(size), json.dumps({"chunkDocumentId": f"doc-{index}"}).encode()
        names[index] = layout.chunk_path(prefix, index, "wav")
        container.upload_blob(names[index], media)
        container.upload_blob(layout.metadata_path(prefix, index), metadata)
        copy = dataclasses.replace(
            b.chunk_copy(index),
            size=size,
            sha256=hashlib.sha256(media).hexdigest(),
            metadata_sha256=hashlib.sha256(metadata).hexdigest(),
        )
        events.append(dataclasses.replace(b.archived(index), copy=copy))
    call = replay(b.SID, events)
    assert call is not None
    recording = call.recording(b.REC)
    assert recording is not None
    assert manifest.publish(container, call, recording, len(events), NOW, timeline=TIMELINE)
    return names


def audit(container: ContainerClient, connection: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--date", DAY, "--container", container.container_name, "--connection-string", connection])
    return code, capsys.readouterr().out


def manifest_name() -> str:
    return layout.manifest_path(layout.recording_prefix(b.T0, b.SID, b.REC))


def test_an_archive_as_the_app_wrote_it_passes_with_every_blob_read_back(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive_recording(container, (RANGE_BYTES + 1234, 300, 20))
    args = ["--date", DAY, "--container", container.container_name, "--connection-string", storage_connection_string]
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (recording,) = report["recordings"]
    assert report["ok"]
    assert recording["problems"] == []
    assert (recording["verdict"], recording["chunks"], recording["blobsChecked"]) == ("complete", 3, 6)
    assert recording["bytesChecked"] > RANGE_BYTES + 1554, "every chunk, the one larger than a range too, was read"
    assert recording["callFolder"] == layout.call_folder(b.SID)
    code, table = audit(container, storage_connection_string, capsys)
    assert code == 0
    assert table.splitlines()[1].startswith("OK"), table


def test_a_flipped_byte_in_a_chunk_fails_naming_the_chunk(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    names = archive_recording(container, (500, 400))
    data = bytearray(container.download_blob(names[1]).readall())
    data[123] ^= 0x01
    container.upload_blob(names[1], bytes(data), overwrite=True)
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"FAIL {layout.recording_prefix(b.T0, b.SID, b.REC)}: {names[1]}: SHA-256 " in out, out
    assert "the manifest says" in out
    assert names[0] not in out.split("FAIL", 1)[1]


def test_a_missing_chunk_fails_naming_it(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    names = archive_recording(container, (500, 400, 300))
    container.delete_blob(names[1])
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"{names[1]}: listed in the manifest, missing from the archive" in out, out


def test_an_edited_manifest_fails_its_seal(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    names = archive_recording(container, (500, 400))
    edited = container.download_blob(manifest_name()).readall().replace(b'"size": 400', b'"size": 401')
    container.upload_blob(manifest_name(), edited, overwrite=True)
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"{manifest_name()}: content SHA-256 " in out, out
    assert "edited after it was written" in out
    assert f"{names[1]}: holds 400 bytes, the manifest says 401" in out, out


def test_a_manifest_whose_bytes_changed_but_not_its_content_still_fails(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive_recording(container, (500,))
    reformatted = json.dumps(json.loads(container.download_blob(manifest_name()).readall())).encode()
    container.upload_blob(manifest_name(), reformatted, overwrite=True)
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"{manifest_name()}: its bytes differ from the sealed document's stored form" in out, out


def test_a_chunk_dropped_from_a_complete_manifest_and_resealed_fails_the_verdict(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.archive.seal import sealed, stored_bytes

    names = archive_recording(container, (500, 400, 300))
    document = json.loads(container.download_blob(manifest_name()).readall())
    document["chunks"] = [c for c in document["chunks"] if c["index"] != 1]
    container.upload_blob(manifest_name(), stored_bytes(sealed(document)), overwrite=True)
    container.delete_blob(names[1])
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert "verdict complete, but chunk 1 is not in the manifest" in out, out


def test_an_unlisted_blob_in_a_recording_folder_fails(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive_recording(container, (500,))
    extra = layout.chunk_path(layout.recording_prefix(b.T0, b.SID, b.REC), 7, "wav")
    container.upload_blob(extra, b"not verified")
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"{extra}: in the archive but not listed in the manifest" in out, out


def test_a_named_call_with_nothing_archived_fails(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--date", DAY, "--container", container.container_name, "--connection-string", storage_connection_string]
    assert main([*args, "--call", "nope"]) == 1
    assert "call nope: no recording in the archive" in capsys.readouterr().out


def resealed(container: ContainerClient, change: Any) -> None:
    """The manifest after ``change(document)``, sealed again as the app seals it (what a forger with write access
    to the archive could do)."""
    from shared.archive.seal import sealed, stored_bytes

    document = json.loads(container.download_blob(manifest_name()).readall())
    change(document)
    container.upload_blob(manifest_name(), stored_bytes(sealed(document)), overwrite=True)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (lambda d: d["chunks"][-1].update(index=10**9), "chunks 1 to 999999999 are not in the manifest"),
        (lambda d: d["chunks"][0].update(index=-1), "a chunk entry without a valid index (-1)"),
        (lambda d: d["chunks"][0].update(index=True), "a chunk entry without a valid index (True)"),
        (lambda d: d.update(format="ogg"), "chunk 0 has no place in the layout: unknown recording format 'ogg'"),
        (lambda d: d.update(chunks=[{"index": 0, "participantFiles": [{"participantId": 5}]}]), "off the layout"),
    ],
)
def test_a_crafted_manifest_fails_with_a_line_naming_what_is_wrong_in_bounded_time(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    change: Any,
    reported: str,
) -> None:
    archive_recording(container, (50, 40))
    resealed(container, change)
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert reported in out, out
    assert "Traceback" not in out


@pytest.mark.timeout(30)
@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"chunks": [{"index": 1e999}]}', b"\xff\xfe"])
def test_a_manifest_that_is_no_json_object_fails_naming_it(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str], body: bytes
) -> None:
    archive_recording(container, (50,))
    container.upload_blob(manifest_name(), body, overwrite=True)
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"FAIL {layout.recording_prefix(b.T0, b.SID, b.REC)}: {manifest_name()}: not a JSON object" in out, out


def test_a_stray_blob_outside_any_recording_folder_fails_in_the_json_report_too(
    container: ContainerClient, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = b.T0.strftime("%Y/%m/%d/") + "stray.bin"
    container.upload_blob(stray, b"x")
    args = ["--date", DAY, "--container", container.container_name, "--connection-string", storage_connection_string]
    assert main([*args, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (recording,) = report["recordings"]
    assert recording["problems"] == [f"{stray}: in the archive outside any recording folder"]
    assert main(args) == 1
    assert f"FAIL {stray}: {stray}: in the archive outside any recording folder" in capsys.readouterr().out
