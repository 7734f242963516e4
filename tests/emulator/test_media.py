"""Recording media: real files any decoder opens, any byte range readable, each participant identifiable."""

from __future__ import annotations

import array
import io
import math
import sys
import tempfile
import tracemalloc
import wave
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.emulator.media import MediaSpec, iter_range, render, voice_frequency, wav_size

RATE = 16000
UNMIXED = MediaSpec("wav", 3, 1500, (0, 1, 4), seed="0-eus-d1-aaa")


def _strength(samples: list[int], frequency: float, rate: int = RATE) -> float:
    """Goertzel: the magnitude of one frequency in the samples."""
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    prev = prev2 = 0.0
    for sample in samples:
        prev, prev2 = sample + coeff * prev - prev2, prev
    return math.sqrt(max(0.0, prev2**2 + prev**2 - coeff * prev * prev2)) / len(samples)


def _voices_heard(samples: list[int], rate: int = RATE) -> set[int]:
    """Which of voices 0..5 stand clearly above the loudest absent one."""
    strengths = {voice: _strength(samples, voice_frequency(voice), rate) for voice in range(6)}
    loudest = max(strengths.values())
    return {voice for voice, value in strengths.items() if value > loudest / 4}


def _channels(pcm: bytes, channels: int) -> list[list[int]]:
    samples = array.array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return [list(samples[index::channels]) for index in range(channels)]


def _decode_wav(data: bytes) -> tuple[wave._wave_params, bytes]:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getparams(), reader.readframes(reader.getnframes())


def test_wav_decodes_with_exact_channels_rate_and_duration(tmp_path: Path) -> None:
    media = render(UNMIXED, tmp_path)
    params, frames = _decode_wav(media.read(0, media.size))
    assert (params.nchannels, params.framerate, params.sampwidth) == (3, RATE, 2)
    assert params.nframes == 1500 * RATE // 1000
    assert media.size == wav_size(3, 1500) == 44 + len(frames)
    assert media.content_type == "audio/wav"


def test_each_unmixed_channel_carries_its_own_participant(tmp_path: Path) -> None:
    media = render(UNMIXED, tmp_path)
    _, frames = _decode_wav(media.read(0, media.size))
    heard = [_voices_heard(channel[:4000]) for channel in _channels(frames, 3)]
    assert heard == [{0}, {1}, {4}]


def test_mixed_wav_carries_every_participant_in_one_channel(tmp_path: Path) -> None:
    media = render(MediaSpec("wav", 1, 1000, (1, 3), seed="mixed"), tmp_path)
    params, frames = _decode_wav(media.read(0, media.size))
    assert params.nchannels == 1
    assert _voices_heard(_channels(frames, 1)[0][:4000]) == {1, 3}


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(min_value=0, max_value=wav_size(3, 1500) + 10), length=st.integers(0, 70_000))
def test_any_wav_range_equals_that_slice_of_the_whole_file(offset: int, length: int) -> None:
    media = render(UNMIXED, Path(tempfile.gettempdir()))  # WAV never writes to the cache
    whole = media.read(0, media.size)
    assert media.read(offset, length) == whole[offset : offset + length]


def test_chunked_iteration_reassembles_the_whole_file(tmp_path: Path) -> None:
    media = render(UNMIXED, tmp_path)
    assert b"".join(iter_range(media, 0, media.size, chunk_size=7777)) == media.read(0, media.size)


def test_wav_content_is_deterministic_and_unique_per_seed(tmp_path: Path) -> None:
    again = render(MediaSpec("wav", 3, 1500, (0, 1, 4), seed="0-eus-d1-aaa"), tmp_path)
    other = render(MediaSpec("wav", 3, 1500, (0, 1, 4), seed="0-eus-d1-bbb"), tmp_path)
    whole = render(UNMIXED, tmp_path).read(0, UNMIXED.frames * 6 + 44)
    assert again.read(0, again.size) == whole
    assert other.read(0, other.size) != whole
    assert list(tmp_path.iterdir()) == []


def test_a_four_hour_five_channel_wav_is_served_near_its_end_without_building_it(tmp_path: Path) -> None:
    spec = MediaSpec("wav", 5, 4 * 3600 * 1000, (0, 1, 2, 3, 4), seed="long")
    tracemalloc.start()
    try:
        media = render(spec, tmp_path)
        tail = media.read(media.size - 40_000, 100_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert media.size == wav_size(5, 4 * 3600 * 1000) == 44 + 4 * 3600 * RATE * 10 > 2 * 1024**3
    assert len(tail) == 40_000
    assert peak < 20 * 1024**2
    heard = [_voices_heard(channel) for channel in _channels(tail, 5)]
    assert heard == [{0}, {1}, {2}, {3}, {4}]
    header, _ = _decode_wav(media.read(0, 44))
    assert header.nframes == 4 * 3600 * RATE


def _open(media_bytes: bytes) -> av.container.InputContainer:
    return av.open(io.BytesIO(media_bytes), "r")


def _decoded_audio(container: av.container.InputContainer) -> list[int]:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    samples = array.array("h")
    for frame in container.decode(audio=0):
        for out in resampler.resample(frame):
            samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return list(samples)


def test_mp3_is_mono_16khz_with_the_right_duration_and_voices(tmp_path: Path) -> None:
    media = render(MediaSpec("mp3", 1, 3000, (0, 2), seed="mp3"), tmp_path)
    assert media.content_type == "audio/mpeg"
    container = _open(media.read(0, media.size))
    (stream,) = container.streams
    assert isinstance(stream, av.AudioStream)
    assert (stream.type, stream.codec_context.name, stream.rate, stream.channels) == ("audio", "mp3float", RATE, 1)
    assert container.duration is not None
    assert container.duration / av.time_base == pytest.approx(3.0, abs=0.15)
    assert _voices_heard(_decoded_audio(container)[8000:16000]) == {0, 2}


def test_mp4_has_audio_and_video_with_the_right_duration(tmp_path: Path) -> None:
    media = render(MediaSpec("mp4", 1, 2000, (1, 3, 4), seed="mp4"), tmp_path)
    assert media.content_type == "video/mp4"
    container = _open(media.read(0, media.size))
    kinds = sorted((stream.type, stream.codec_context.name) for stream in container.streams)
    assert kinds == [("audio", "aac"), ("video", "h264")]
    assert container.duration is not None
    assert container.duration / av.time_base == pytest.approx(2.0, abs=0.2)
    assert len(list(container.decode(video=0))) >= 10
    container.seek(0)
    assert _voices_heard(_decoded_audio(container)[8000:16000]) == {1, 3, 4}


def test_encoded_media_is_cached_once_and_any_range_is_a_file_slice(tmp_path: Path) -> None:
    spec = MediaSpec("mp3", 1, 1000, (0,), seed="cache")
    first = render(spec, tmp_path)
    (cached,) = tmp_path.iterdir()
    stamp = cached.stat().st_mtime_ns
    second = render(spec, tmp_path)
    assert [path.stat().st_mtime_ns for path in tmp_path.iterdir()] == [stamp]
    whole = cached.read_bytes()
    assert second.size == first.size == len(whole)
    assert second.read(100, 333) == whole[100:433]
    assert second.read(first.size - 5, 100) == whole[-5:]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "ogg", "channels": 1, "voices": (0,)}, "format"),
        ({"format": "wav", "channels": 6, "voices": (0, 1, 2, 3, 4, 5)}, "channels"),
        ({"format": "wav", "channels": 2, "voices": (0,)}, "one voice each"),
    ],
)
def test_impossible_specs_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MediaSpec(duration_ms=1000, **kwargs)  # type: ignore[arg-type]
