"""``python -m tools.audit`` on the session Azurite: an archive written as the app writes it passes, its signatures
verified and their key named; a flipped byte, a missing chunk, an edited manifest or one edited and re-sealed each
fail with a line that names the blob."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import ContainerClient

from shared import layout
from shared.archive import manifest
from shared.domain import replay
from shared.signing import KeyFileSigner, fingerprint, load_public_key, new_key_file, public_path
from tests.unit.domain import builders as b
from tools.audit.__main__ import main
from tools.audit.store import RANGE_BYTES

NOW = b.T0
DAY = b.T0.date().isoformat()
TIMELINE = [{"at": NOW.isoformat(), "event": "CallConnected", "source": "callback", "eventId": "connected"}]


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signing") / "manifest-signing.pem"
    new_key_file(path)
    return path


def archive_recording(
    container: ContainerClient, sizes: tuple[int, ...], signer: KeyFileSigner | None
) -> dict[int, str]:
    """Chunks of random bytes at their layout paths, their ACS metadata, and the manifest the app renders for them
    (signed by ``signer``); the chunks' blob names by index."""
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
    assert manifest.publish(container, call, recording, len(events), NOW, timeline=TIMELINE, signer=signer)
    return names


def audit(
    container: ContainerClient, connection: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    code = main(["--date", DAY, "--container", container.container_name, "--connection-string", connection, *extra])
    return code, capsys.readouterr().out


@pytest.fixture
def signer(key_file: Path) -> KeyFileSigner:
    return KeyFileSigner.from_file(key_file)


@pytest.fixture
def trusted(key_file: Path) -> list[str]:
    """The audit's arguments that trust the key file's public key."""
    return ["--public-key", str(public_path(key_file))]


def manifest_name() -> str:
    return layout.manifest_path(layout.recording_prefix(b.T0, b.SID, b.REC))


def test_an_archive_as_the_app_wrote_it_passes_with_every_blob_read_back(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (RANGE_BYTES + 1234, 300, 20), signer)
    args = ["--date", DAY, "--container", container.container_name, "--connection-string", storage_connection_string]
    args += trusted
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (recording,) = report["recordings"]
    assert report["ok"]
    assert recording["problems"] == []
    assert (recording["verdict"], recording["chunks"], recording["blobsChecked"]) == ("complete", 3, 6)
    assert recording["bytesChecked"] > RANGE_BYTES + 1554, "every chunk, the one larger than a range too, was read"
    assert recording["callFolder"] == layout.call_folder(b.SID)
    public = trusted[1]
    print_ = fingerprint(load_public_key(Path(public)))
    assert recording["signature"] == {"kid": signer.kid, "publicKeySha256": print_, "publicKeyFile": public}
    code, table = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 0
    assert table.splitlines()[1].startswith("OK"), table
    assert f"sha256:{print_[:12]}" in table.splitlines()[1]
    assert f"signature verified: 1 manifest(s) signed by {signer.kid} (public key {public}, sha256:{print_})" in table


def test_a_flipped_byte_in_a_chunk_fails_naming_the_chunk(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    names = archive_recording(container, (500, 400), signer)
    data = bytearray(container.download_blob(names[1]).readall())
    data[123] ^= 0x01
    container.upload_blob(names[1], bytes(data), overwrite=True)
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"FAIL {layout.recording_prefix(b.T0, b.SID, b.REC)}: {names[1]}: SHA-256 " in out, out
    assert "the manifest says" in out
    assert names[0] not in out.split("FAIL", 1)[1]


def test_a_missing_chunk_fails_naming_it(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    names = archive_recording(container, (500, 400, 300), signer)
    container.delete_blob(names[1])
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"{names[1]}: listed in the manifest, missing from the archive" in out, out


def test_an_edited_manifest_fails_its_seal(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    names = archive_recording(container, (500, 400), signer)
    edited = container.download_blob(manifest_name()).readall().replace(b'"size": 400', b'"size": 401')
    container.upload_blob(manifest_name(), edited, overwrite=True)
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"{manifest_name()}: content SHA-256 " in out, out
    assert "edited after it was written" in out
    assert f"{names[1]}: holds 400 bytes, the manifest says 401" in out, out


def test_a_manifest_whose_bytes_changed_but_not_its_content_still_fails(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (500,), signer)
    reformatted = json.dumps(json.loads(container.download_blob(manifest_name()).readall())).encode()
    container.upload_blob(manifest_name(), reformatted, overwrite=True)
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"{manifest_name()}: its bytes differ from the sealed document's stored form" in out, out


def test_a_chunk_dropped_from_a_complete_manifest_and_resealed_fails_the_verdict(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    from shared.archive.seal import sealed, stored_bytes

    names = archive_recording(container, (500, 400, 300), signer)
    document = json.loads(container.download_blob(manifest_name()).readall())
    document["chunks"] = [c for c in document["chunks"] if c["index"] != 1]
    container.upload_blob(manifest_name(), stored_bytes(sealed(document)), overwrite=True)
    container.delete_blob(names[1])
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert "verdict complete, but chunk 1 is not in the manifest" in out, out


def test_an_unlisted_blob_in_a_recording_folder_fails(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (500,), signer)
    extra = layout.chunk_path(layout.recording_prefix(b.T0, b.SID, b.REC), 7, "wav")
    container.upload_blob(extra, b"not verified")
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"{extra}: in the archive but not listed in the manifest" in out, out


def test_a_named_call_with_nothing_archived_fails(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    args = ["--date", DAY, "--container", container.container_name, "--connection-string", storage_connection_string]
    args += trusted
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
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (50, 40), signer)
    resealed(container, change)
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert reported in out, out
    assert "Traceback" not in out


@pytest.mark.timeout(30)
@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"chunks": [{"index": 1e999}]}', b"\xff\xfe"])
def test_a_manifest_that_is_no_json_object_fails_naming_it(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    body: bytes,
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (50,), signer)
    container.upload_blob(manifest_name(), body, overwrite=True)
    code, out = audit(container, storage_connection_string, capsys, *trusted)
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


def resealed_with_a_changed_chunk(container: ContainerClient, names: dict[int, str]) -> dict[str, Any]:
    """What a writer of the archive can do: replace chunk 1 and re-seal the manifest to match (sizes, SHA-256 and
    manifestSha256 all recomputed), keeping the app's signature."""
    from shared.archive.seal import SIGNATURE, sealed

    replacement = os.urandom(400)
    container.upload_blob(names[1], replacement, overwrite=True)
    document = json.loads(container.download_blob(manifest_name()).readall())
    entry = next(c for c in document["chunks"] if c["index"] == 1)
    entry["sha256"] = hashlib.sha256(replacement).hexdigest()
    return {**sealed(document), SIGNATURE: document[SIGNATURE]}


def upload_manifest(container: ContainerClient, document: dict[str, Any]) -> None:
    from shared.archive.seal import stored_bytes

    container.upload_blob(manifest_name(), stored_bytes(document), overwrite=True)


def test_a_manifest_resealed_over_a_replaced_chunk_fails_only_on_its_signature(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    names = archive_recording(container, (500, 400), signer)
    upload_manifest(container, resealed_with_a_changed_chunk(container, names))
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    prefix = layout.recording_prefix(b.T0, b.SID, b.REC)
    failures = [line for line in out.splitlines() if line.startswith(f"FAIL {prefix}")]
    assert failures == [
        f"FAIL {prefix}: {manifest_name()}: its signature by {signer.kid} does not verify with any given public key: "
        "altered and re-sealed, or another key"
    ], out


def test_a_manifest_resealed_and_signed_with_a_writers_own_key_fails(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
    tmp_path: Path,
) -> None:
    from shared.archive.seal import signed

    names = archive_recording(container, (500, 400), signer)
    new_key_file(tmp_path / "writer.pem")
    writer = KeyFileSigner.from_file(tmp_path / "writer.pem")
    upload_manifest(container, signed(resealed_with_a_changed_chunk(container, names), writer))
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"its signature by {writer.kid} does not verify with any given public key" in out, out


def test_an_unsigned_manifest_fails_unless_the_auditor_accepts_unsigned_ones(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (500,), None)
    code, out = audit(container, storage_connection_string, capsys, *trusted)
    assert code == 1
    assert f"{manifest_name()}: not signed: it cannot be told from a manifest re-sealed by a writer" in out, out
    code, out = audit(container, storage_connection_string, capsys, *trusted, "--accept-unsigned")
    assert code == 0, out
    assert out.splitlines()[1].split()[-1] == "-", "listed as not signed"


def test_a_signature_is_not_taken_as_verified_without_a_public_key_to_check_it(
    container: ContainerClient,
    storage_connection_string: str,
    capsys: pytest.CaptureFixture[str],
    signer: KeyFileSigner,
    trusted: list[str],
) -> None:
    archive_recording(container, (500,), signer)
    code, out = audit(container, storage_connection_string, capsys)
    assert code == 1
    assert f"signed by {signer.kid}, but no public key was given to check it with (--public-key)" in out, out


def test_a_public_key_file_that_is_not_one_is_refused(
    container: ContainerClient, storage_connection_string: str, tmp_path: Path
) -> None:
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello")
    with pytest.raises(SystemExit) as exited:
        main(["--date", DAY, "--connection-string", storage_connection_string, "--public-key", str(not_a_key)])
    assert exited.value.code == 2
