"""Recording files: the files-ready event, media that decodes, downloads by the real SDK through the proxy."""

from __future__ import annotations

import io
import json
import re
import time
import wave
from typing import Any

import av
import pytest
import requests
from azure.communication.callautomation import (
    CallAutomationClient,
    RecordingChannel,
    RecordingContent,
    RecordingFormat,
)
from azure.core.exceptions import HttpResponseError

from local.emulator import Emulator
from tests.emulator.conftest import Control
from tests.emulator.flow import AGENT, CALLER, SUPERVISOR, answered_call, of_type
from tests.emulator.receiver import Receiver

SCALE = 10.0
SEVEN_DIGITS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
LOCATION = re.compile(r"^https://us-storage\.asm\.skype\.com/v1/objects/(0-eus-d\d+-[0-9a-f]{32})(/content/(\w+))?$")


def files_ready(receiver: Receiver, recording_id: str) -> dict[str, Any]:
    def found(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in of_type(events, "RecordingFileStatusUpdated") if e["subject"].endswith(recording_id)]

    event: dict[str, Any] = receiver.wait(found, what="RecordingFileStatusUpdated")[0]
    return event


def download(sdk: CallAutomationClient, url: str, **kwargs: Any) -> bytes:
    return b"".join(sdk.download_recording(url, **kwargs).iter_bytes())


def record(
    control: Control, sdk: CallAutomationClient, receiver: Receiver, active: float = 0.3, **options: Any
) -> tuple[dict[str, Any], float]:
    """Answer a call, record ``active`` s, pause 0.2 s, record ``active`` s more, stop: (files-ready event, bound)."""
    assert control("POST", "settings", {"timeScale": SCALE}).status_code == 200
    answered = answered_call(control, sdk, receiver)
    began = time.monotonic()
    rid = sdk.start_recording(call_connection_id=answered.call_connection_id, **options).recording_id
    time.sleep(active)
    sdk.pause_recording(rid)
    time.sleep(0.2)
    sdk.resume_recording(rid)
    time.sleep(active)
    sdk.stop_recording(rid)
    return files_ready(receiver, rid), time.monotonic() - began


@pytest.mark.usefixtures("proxied")
def test_an_unmixed_wav_recording_decodes_with_one_channel_per_participant(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    unmixed = {"recording_content_type": RecordingContent.AUDIO, "recording_channel_type": RecordingChannel.UNMIXED,
               "recording_format_type": RecordingFormat.WAV}  # fmt: skip
    event, wall = record(control, sdk, subscribed, **unmixed)
    data = event["data"]
    assert SEVEN_DIGITS.match(event["eventTime"])
    assert SEVEN_DIGITS.match(data["recordingStartTime"])
    assert re.match(r"^/recording/call/[\w-]+/serverCallId/.+/recordingId/[\w-]+$", event["subject"])
    assert (data["recordingContentType"], data["recordingChannelType"], data["recordingFormatType"]) == (
        "Audio", "Unmixed", "Wav",
    )  # fmt: skip
    [chunk] = data["recordingStorageInfo"]["recordingChunks"]
    assert chunk["endReason"] == "SessionEnded"
    content, metadata_url = LOCATION.match(chunk["contentLocation"]), LOCATION.match(chunk["metadataLocation"])
    assert content
    assert metadata_url
    assert LOCATION.match(chunk["deleteLocation"])
    assert content.group(1) == chunk["documentId"]
    assert content.group(3) == "audiowav"

    metadata = json.loads(download(sdk, chunk["metadataLocation"]))
    assert metadata["chunkDocumentId"] == chunk["documentId"]
    assert metadata["recordingInfo"]["audioConfiguration"]["channels"] == 3
    assert metadata["participants"] == [
        {"participantId": CALLER, "channel": 0}, {"participantId": AGENT, "channel": 1},
        {"participantId": SUPERVISOR, "channel": 2},
    ]  # fmt: skip
    [pause] = metadata["pauseResumeIntervals"]
    assert pause["duration"] >= 0.2 * SCALE * 1000

    with wave.open(io.BytesIO(download(sdk, chunk["contentLocation"]))) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getsampwidth()) == (3, 16000, 2)
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds * 1000 == metadata["chunkDuration"] == data["recordingDurationMs"]
    assert seconds >= 2 * 0.3 * SCALE, "media covers at least the active time, scaled"
    assert seconds + pause["duration"] / 1000 <= wall * SCALE, "paused time is left out of the media"


@pytest.mark.usefixtures("proxied")
def test_downloads_honour_ranges_and_a_deleted_recording_is_404(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    wav = {"recording_content_type": RecordingContent.AUDIO, "recording_format_type": RecordingFormat.WAV}
    event, _ = record(control, sdk, subscribed, active=0.1, **wav)
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    whole = download(sdk, chunk["contentLocation"])
    assert download(sdk, chunk["contentLocation"], offset=5, length=10) == whole[5:15]
    assert download(sdk, chunk["contentLocation"], offset=100) == whole[100:]
    assert download(sdk, chunk["contentLocation"], offset=0, length=10) == whole, "offset 0: the SDK sends no Range"
    sdk.delete_recording(chunk["deleteLocation"])
    with pytest.raises(HttpResponseError) as raised:
        download(sdk, chunk["contentLocation"])
    assert raised.value.status_code == 404
    with pytest.raises(HttpResponseError):
        sdk.delete_recording(chunk["deleteLocation"])


@pytest.mark.usefixtures("proxied")
def test_a_recording_is_404_after_the_retention_period(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    event = control("POST", "recordings/synthetic", {"durationSeconds": 1, "deliver": False}).json()
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    assert download(sdk, chunk["metadataLocation"])
    control("POST", "settings", {"retentionSeconds": 0})
    time.sleep(0.05)
    with pytest.raises(HttpResponseError) as raised:
        download(sdk, chunk["metadataLocation"])
    assert raised.value.status_code == 404


@pytest.mark.usefixtures("proxied")
def test_mixed_mp3_and_audio_video_mp4_open_with_the_encoder_package(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    mp3 = {"recording_content_type": RecordingContent.AUDIO, "recording_channel_type": RecordingChannel.MIXED,
           "recording_format_type": RecordingFormat.MP3}  # fmt: skip
    event, _ = record(control, sdk, subscribed, active=0.1, **mp3)
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    assert chunk["contentLocation"].endswith("/content/audiomp3")
    with av.open(io.BytesIO(download(sdk, chunk["contentLocation"]))) as media:
        assert media.format.name == "mp3"
        assert media.streams.audio[0].channels == 1
        decoded = sum(frame.samples for frame in media.decode(audio=0))
    assert decoded >= 2 * 0.1 * SCALE * 16000 * 0.9, "decodes to about the active time (encoder padding aside)"

    event, _ = record(control, sdk, subscribed, active=0.1)  # the service default: mixed audio and video, MP4
    chunk = event["data"]["recordingStorageInfo"]["recordingChunks"][0]
    assert event["data"]["recordingFormatType"] == "Mp4"
    assert chunk["contentLocation"].endswith("/content/video")
    with av.open(io.BytesIO(download(sdk, chunk["contentLocation"]))) as media:
        assert media.streams.audio
        assert media.streams.video
        assert next(media.decode(video=0)).width > 0


def test_long_recordings_are_cut_into_chunks_at_the_maximum_duration(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    control("POST", "settings", {"maxChunkSeconds": 1})
    wav = {"recording_content_type": RecordingContent.AUDIO, "recording_format_type": RecordingFormat.WAV}
    event, _ = record(control, sdk, subscribed, active=0.15, **wav)
    chunks = event["data"]["recordingStorageInfo"]["recordingChunks"]
    assert len(chunks) >= 3
    assert [c["index"] for c in chunks] == list(range(len(chunks)))
    assert [c["endReason"] for c in chunks] == ["ChunkMaximumSizeExceeded"] * (len(chunks) - 1) + ["SessionEnded"]
    recording = next(
        r
        for r in control("GET", "recordings").json()
        if r["chunks"] and r["chunks"][0]["documentId"] == chunks[0]["documentId"]
    )
    assert all(c["durationMs"] == 1000 for c in recording["chunks"][:-1])
    assert sum(c["durationMs"] for c in recording["chunks"]) == event["data"]["recordingDurationMs"]


def test_hanging_up_stops_the_recording_and_its_files_become_ready(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    rid = sdk.start_recording(server_call_id=answered.server_call_id).recording_id
    assert control("POST", "calls/hangup", {"serverCallId": answered.server_call_id}).status_code == 200
    event = files_ready(subscribed, rid)
    assert event["data"]["sessionEndReason"] == "CallEnded"
    states = [e["data"]["state"] for e in of_type(subscribed.events(), "RecordingStateChanged", recordingId=rid)]
    assert states[-1] == "inactive"
    assert of_type(subscribed.events(), "CallDisconnected", callConnectionId=answered.call_connection_id)


def test_the_proxy_refuses_hosts_other_than_acs_storage(emu: Emulator, control: Control) -> None:
    proxies = {"https": emu.info["proxyUrl"]}
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://evil.example.com/v1/objects/x", proxies=proxies, verify=emu.info["caBundle"], timeout=10)
    refused = control("GET", "proxy").json()["refused"]
    assert any(entry["host"] == "evil.example.com" for entry in refused)


def test_a_synthetic_recording_has_the_requested_size_and_chunks(
    emu: Emulator, control: Control, subscribed: Receiver, proxied: None, sdk: CallAutomationClient
) -> None:
    body = {"format": "wav", "channel": "mixed", "durationSeconds": 3600, "chunks": 2, "deliver": True}
    response = control("POST", "recordings/synthetic", body)
    assert response.status_code == 201
    event = response.json()
    chunks = event["data"]["recordingStorageInfo"]["recordingChunks"]
    assert len(chunks) == 2
    delivered = subscribed.wait(
        lambda ev: [e for e in of_type(ev, "RecordingFileStatusUpdated") if e["id"] == event["id"]]
    )
    assert delivered[0]["data"] == event["data"]
    head = download(sdk, chunks[0]["contentLocation"], offset=1, length=43)
    size = int.from_bytes(head[3:7], "little") + 8  # RIFF chunk size, after the first byte
    assert size == 44 + 1800 * 16000 * 2, "30 min of 16 kHz 16-bit mono"
