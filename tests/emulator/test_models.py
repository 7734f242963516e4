"""The emulator's pure parts: recording state machine, chunk planning, options, channel assignment, HMAC."""

from __future__ import annotations

import json
import time

import pytest

from local.emulator import auth
from local.emulator.exceptions import BadRequest, Unauthorized
from local.emulator.files import RecordingFacts, build_chunks, files_ready_event
from local.emulator.options import RecordingOptions, assign_channels, parse_options
from local.emulator.recording import InvalidTransition, RecState, Timeline, even_chunks, plan_chunks

KEY = "ZW11bGF0b3Itc2VjcmV0LWtleS0wMTIzNDU2Nzg5YWI="


def timeline(*steps: tuple[str, float], paused: bool = False, scale: float = 1.0) -> Timeline:
    """A recording started at t=0, then ``(action, at)`` steps."""
    line = Timeline.begin(0.0, scale, paused)
    for action, at in steps:
        line.apply(action, at)
    return line


def test_pause_resume_and_stop_follow_the_transition_table() -> None:
    line = timeline(("pause", 1), ("resume", 2))
    assert line.state is RecState.ACTIVE
    with pytest.raises(InvalidTransition, match="cannot resume: recording is active"):
        line.apply("resume", 3)
    line.apply("stop", 4)
    for action in ("pause", "resume", "stop"):
        with pytest.raises(InvalidTransition, match="recording is stopped"):
            line.apply(action, 5)


def test_pause_on_start_begins_paused() -> None:
    line = timeline(paused=True)
    assert line.state is RecState.PAUSED
    with pytest.raises(InvalidTransition):
        line.apply("pause", 1)


def test_paused_spans_are_left_out_of_the_media_and_listed_as_pauses() -> None:
    [chunk] = plan_chunks(timeline(("pause", 2), ("resume", 5), ("stop", 6)), max_chunk_ms=10_000)
    assert chunk.duration_ms == 3000
    assert [(p.offset_ms, p.duration_ms) for p in chunk.pauses] == [(2000, 3000)]
    assert chunk.end_reason == "SessionEnded"


def test_the_time_scale_multiplies_every_span() -> None:
    [chunk] = plan_chunks(timeline(("pause", 1), ("resume", 2), ("stop", 3), scale=60), max_chunk_ms=10**9)
    assert chunk.duration_ms == 120_000
    assert chunk.pauses[0].duration_ms == 60_000


def test_media_is_cut_at_the_maximum_chunk_duration_and_pauses_go_to_their_chunk() -> None:
    plans = plan_chunks(timeline(("pause", 5), ("resume", 7), ("stop", 10)), max_chunk_ms=3000)
    assert [p.duration_ms for p in plans] == [3000, 3000, 2000]
    assert [p.end_reason for p in plans] == ["ChunkMaximumSizeExceeded", "ChunkMaximumSizeExceeded", "SessionEnded"]
    assert [len(p.pauses) for p in plans] == [0, 1, 0]
    assert [p.offset_ms for p in plans] == [0, 3000, 8000], "a chunk after a pause starts later by the pause"


def test_a_recording_paused_until_it_stops_keeps_the_final_pause() -> None:
    plans = plan_chunks(timeline(("pause", 2), ("stop", 4)), max_chunk_ms=1000)
    assert len(plans) == 2
    assert plans[-1].pauses
    assert plans[-1].pauses[0].duration_ms == 2000


def test_an_empty_recording_still_has_one_short_chunk() -> None:
    [chunk] = plan_chunks(timeline(("stop", 0)), max_chunk_ms=1000)
    assert chunk.duration_ms == 100


def test_even_chunks_share_the_duration() -> None:
    plans = even_chunks(10_001, 3)
    assert [p.duration_ms for p in plans] == [3333, 3333, 3335]
    assert [p.index for p in plans] == [0, 1, 2]


def test_options_default_to_mixed_audio_video_mp4_and_reject_impossible_combinations() -> None:
    default = parse_options({"channelAffinity": []})
    assert (default.content, default.channel, default.format) == ("audioVideo", "mixed", "mp4")
    assert parse_options({"recordingContentType": "audio"}).format == "mp3"
    with pytest.raises(BadRequest):
        parse_options(
            {"recordingContentType": "audio", "recordingChannelType": "unmixed", "recordingFormatType": "mp3"}
        )
    with pytest.raises(BadRequest):
        parse_options({"recordingFormatType": "ogg"})
    affinity = [{"channel": 5, "participant": {"rawId": "8:acs:a"}}]
    with pytest.raises(BadRequest, match=r"0\.\.4"):
        parse_options({"recordingContentType": "audio", "recordingChannelType": "unmixed", "channelAffinity": affinity})


def test_unmixed_channels_follow_affinity_then_ordering_then_call_order_up_to_five() -> None:
    options = RecordingOptions("audio", "unmixed", "wav", ordering=("4:+3",), affinity={1: "8:acs:b"})
    assert assign_channels(options, ["4:+1", "8:acs:b", "4:+3"]) == ["4:+3", "8:acs:b", "4:+1"]
    many = [f"4:+{n}" for n in range(7)]
    assert assign_channels(RecordingOptions("audio", "unmixed", "wav"), many) == many[:5]


def test_hmac_verification_accepts_the_sdk_signature_and_rejects_changes() -> None:
    path, host, body, now = "/calling/recordings?api-version=2026-03-12", "127.0.0.1:8443", b'{"a": 1}', time.time()
    headers = auth.sign_headers(KEY, "POST", path, host, body, now)
    auth.verify(KEY, "POST", path, headers, body, ["localhost:8443", host], now)
    with pytest.raises(Unauthorized, match="body"):
        auth.verify(KEY, "POST", path, headers, b'{"a": 2}', [host], now)
    with pytest.raises(Unauthorized, match="signature"):
        auth.verify(KEY, "POST", path + "&x=1", headers, body, [host], now)
    with pytest.raises(Unauthorized, match="minutes"):
        auth.verify(KEY, "POST", path, headers, body, [host], now + 16 * 60)


def test_the_captured_sdk_request_verifies() -> None:
    """A request the real SDK 1.6.0 sent (reference capture), checked with the emulator's verifier."""
    headers = {
        "x-ms-date": "Mon, 23 Nov 2026 19:05:51 GMT",
        "x-ms-content-sha256": auth.EMPTY_HASH,
        "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256"
        "&Signature=2sysPSBWeAT4MeQMBjbXMCfpPrCkHv2ObL+MMpY1/7I=",
    }
    sent = 1795460751.0  # the capture's x-ms-date
    path = "/v1/objects/0-eus-d1-abc/content/audio"
    auth.verify(KEY, "GET", path, headers, b"", ["127.0.0.1:41277", "127.0.0.1:44933"], sent)
    with pytest.raises(Unauthorized):
        auth.verify(KEY, "GET", path, headers, b"", ["127.0.0.1:41277"], sent)


def facts(options: RecordingOptions, channels: tuple[str, ...] = ()) -> RecordingFacts:
    participants = ("4:+1", "8:acs:a", "8:acs:b")
    return RecordingFacts("rid", "c2VydmVy/w==", "corr", "res", options, participants, channels, 1_700_000_000.0)


def test_mixed_mp4_metadata_lists_participants_without_channels_and_describes_the_video() -> None:
    options = RecordingOptions("audioVideo", "mixed", "mp4")
    [chunk] = build_chunks(facts(options), plan_chunks(timeline(("stop", 2)), 10_000), now=0)
    metadata = json.loads(chunk.metadata)
    assert metadata["participants"] == [{"participantId": p} for p in ("4:+1", "8:acs:a", "8:acs:b")]
    assert metadata["recordingInfo"]["videoConfiguration"]["framerate"] > 0
    assert (chunk.spec.channels, chunk.spec.voices, chunk.content_kind) == (1, (0, 1, 2), "video")


def test_unmixed_chunks_give_each_channel_its_participants_voice() -> None:
    options = RecordingOptions("audio", "unmixed", "wav")
    [chunk] = build_chunks(facts(options, ("8:acs:b", "4:+1")), plan_chunks(timeline(("stop", 1)), 10_000), now=0)
    assert chunk.spec.voices == (2, 0), "a participant keeps its voice whatever its channel"
    assert json.loads(chunk.metadata)["participants"] == [
        {"participantId": "8:acs:b", "channel": 0},
        {"participantId": "4:+1", "channel": 1},
    ]


def test_the_files_ready_event_uses_pascal_case_enums_and_marks_byos() -> None:
    options = RecordingOptions("audio", "mixed", "mp3")
    chunks = build_chunks(facts(options), plan_chunks(timeline(("stop", 3)), 2000), now=0)
    event = files_ready_event(facts(options), chunks, "CallEnded", byos=True)
    data = event.as_schema("EventGridSchema")["data"]
    assert (data["recordingContentType"], data["recordingChannelType"], data["recordingFormatType"]) == (
        "Audio",
        "Mixed",
        "Mp3",
    )
    assert data["storageType"] == "AzureBlob"
    assert data["recordingId"] == "rid"
    assert data["recordingDurationMs"] == 3000
    assert event.subject == "/recording/call/corr/serverCallId/c2VydmVy/w==/recordingId/rid"
