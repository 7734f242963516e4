"""Unmixed WAV through the app on Azurite and the emulator (a distinct tone per participant): beside the chunk, one
mono WAV per participant, verified and listed in the manifest; the audit reads them back and sees a changed byte."""

from __future__ import annotations

import array
import io
import json
import wave
from typing import Any

import pytest

from tests.integration.app.emulated import Acs
from tests.integration.app.flow import stopped_recording
from tests.integration.app.functions import App
from tests.integration.archive.test_split import dominant_voice
from tools.audit.__main__ import main as audit


def pcm(data: bytes) -> tuple[int, array.array[int]]:
    with wave.open(io.BytesIO(data)) as wav:
        samples = array.array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
        return wav.getnchannels(), samples


def archived_manifest(app: App, acs: Acs) -> dict[str, Any]:
    _sid, _recording_id, event = stopped_recording(app, acs, media_seconds=2)
    for job in app.grid(event):
        app.run_chunk(job)
    (name,) = [b.name for b in app.archive.list_blobs() if b.name.endswith("/manifest.json")]
    manifest: dict[str, Any] = json.loads(app.archive.download_blob(name).readall())
    return manifest


def test_each_participant_gets_a_verified_mono_file_holding_their_own_voice(
    app: App, acs: Acs, storage_connection_string: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = archived_manifest(app, acs)
    assert manifest["verdict"]["verdict"] == "complete"
    for entry in manifest["chunks"]:
        channels, mixed = pcm(app.archive.download_blob(entry["blobPath"]).readall())
        files = entry["participantFiles"]
        on_channels = {p["participantId"]: p["channel"] for p in entry["participants"]}
        assert {(f["participantId"], f["channel"]) for f in files} == set(on_channels.items())
        assert channels == len(files) >= 2
        voices = []
        for part in files:
            mono_channels, mono = pcm(app.archive.download_blob(part["blobPath"]).readall())
            assert mono_channels == 1
            assert mono == mixed[part["channel"] :: channels]
            voices.append(dominant_voice(mono, 16000))
        assert len(set(voices)) == len(voices), "every file holds a different speaker"

    day = manifest["recordingStart"][:10]
    args = ["--date", day, "--container", app.archive.container_name, "--connection-string", storage_connection_string]
    args += ["--public-key", str(app.public_key)]
    assert audit(args) == 0, capsys.readouterr().out
    assert manifest["signature"]["alg"] == "ES256", "the composition root signs with MANIFEST_SIGNING_KEY"
    part = manifest["chunks"][0]["participantFiles"][1]["blobPath"]
    data = bytearray(app.archive.download_blob(part).readall())
    data[-1] ^= 0x40
    app.archive.upload_blob(part, bytes(data), overwrite=True)
    capsys.readouterr()
    assert audit(args) == 1
    assert f"{part}: SHA-256 " in capsys.readouterr().out
