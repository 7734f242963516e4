"""Real, decodable recording media for the emulator, generated lazily; any byte range can be read.

Each participant ("voice") is a sine tone at ``300 + 150 * voice`` Hz, so a test can tell who is on which channel;
a mixed channel carries the sum of all voices. A little noise derived from ``seed`` makes every chunk's bytes unique
and deterministic.

WAV (16-bit PCM) is computed on the fly for any ``(offset, length)``: the signal repeats every second (integer tone
frequencies, a one-second noise table), so a read costs O(length) and a multi-GiB WAV costs nothing up front.
MP3 (mono, 48 kbps) and MP4 (AAC audio + a small H.264 video track) are encoded once with PyAV into
``cache_dir/<hash>.<ext>`` and read from that file; encoding time grows with the duration, so keep them short.
"""

from __future__ import annotations

import array
import functools
import hashlib
import math
import os
import struct
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av

FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg", "mp4": "video/mp4"}
MAX_CHANNELS = 5
WAV_HEADER_SIZE = 44
TONE_AMPLITUDE = 9000
NOISE_SHIFT = 7  # noise = random int16 >> 7, i.e. within +-256
MP3_BIT_RATE = 48_000
MP4_AUDIO_BIT_RATE = 128_000
MP4_VIDEO_BIT_RATE = 200_000
VIDEO_SIZE = (320, 180)
VIDEO_FPS = 8


def voice_frequency(voice: int) -> int:
    """The tone (Hz) that identifies participant ``voice``."""
    return 300 + 150 * voice


@dataclass(frozen=True)
class MediaSpec:
    """What one recording chunk contains.

    ``voices`` has one entry per channel (unmixed), or, with ``channels == 1``, every participant mixed together.
    """

    format: str
    channels: int
    duration_ms: int
    voices: tuple[int, ...]
    seed: str = ""
    sample_rate: int = 16000

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown media format {self.format!r}")
        if not 1 <= self.channels <= MAX_CHANNELS:
            raise ValueError(f"channels must be 1..{MAX_CHANNELS}, got {self.channels}")
        if self.channels != 1 and len(self.voices) != self.channels:
            raise ValueError(f"{self.channels} channels need one voice each, got {self.voices}")
        if not self.voices or self.duration_ms < 0 or self.sample_rate <= 0:
            raise ValueError(f"invalid media spec {self}")

    @property
    def frames(self) -> int:
        return self.duration_ms * self.sample_rate // 1000

    def channel_voices(self) -> list[tuple[int, ...]]:
        """The voices heard on each channel."""
        if self.channels == 1:
            return [self.voices]
        return [(voice,) for voice in self.voices]


class MediaObject(Protocol):
    size: int
    content_type: str

    def read(self, offset: int, length: int) -> bytes: ...


def wav_size(channels: int, duration_ms: int, sample_rate: int = 16000) -> int:
    """Exact byte size of a 16-bit PCM WAV with these parameters."""
    return WAV_HEADER_SIZE + duration_ms * sample_rate // 1000 * channels * 2


def render(spec: MediaSpec, cache_dir: Path) -> MediaObject:
    """The media for ``spec``: WAV computed on demand, MP3/MP4 encoded into ``cache_dir`` on first use."""
    if spec.format == "wav":
        return WavMedia(spec)
    return FileMedia(_encoded(spec, cache_dir), FORMATS[spec.format])


def iter_range(media: MediaObject, offset: int, length: int, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Yield ``media[offset:offset + length]`` in pieces of at most ``chunk_size`` bytes (bounded memory)."""
    end = min(media.size, offset + length)
    while offset < end:
        piece = media.read(offset, min(chunk_size, end - offset))
        if not piece:
            return
        yield piece
        offset += len(piece)


# --- the signal ---------------------------------------------------------------------------------------------


def _channel_second(spec: MediaSpec, channel: int, voices: tuple[int, ...]) -> array.array[int]:
    """One second of one channel: the voices' tones (scaled to share the range) plus seeded noise."""
    rate = spec.sample_rate
    amplitude = TONE_AMPLITUDE / len(voices)
    steps = [2 * math.pi * voice_frequency(voice) / rate for voice in voices]
    noise = array.array("h", hashlib.shake_256(f"{spec.seed}|{channel}".encode()).digest(2 * rate))
    return array.array(
        "h",
        (int(amplitude * sum(math.sin(step * n) for step in steps)) + (noise[n] >> NOISE_SHIFT) for n in range(rate)),
    )


@functools.lru_cache(maxsize=32)
def _pcm_second(spec: MediaSpec) -> bytes:
    """One second of interleaved little-endian PCM; the whole signal repeats it."""
    channels = spec.channel_voices()
    frames = array.array("h", bytes(2 * spec.sample_rate * len(channels)))
    for index, voices in enumerate(channels):
        frames[index :: len(channels)] = _channel_second(spec, index, voices)
    if sys.byteorder == "big":
        frames.byteswap()
    return frames.tobytes()


def pcm(spec: MediaSpec, offset: int, length: int) -> bytes:
    """``length`` bytes of the PCM data stream starting at byte ``offset`` (both block-aligned or not)."""
    second = _pcm_second(spec)
    start = offset % len(second)
    repeats = (start + length) // len(second) + 1
    return (second * repeats)[start : start + length]


def _wav_header(spec: MediaSpec) -> bytes:
    data_size = spec.frames * spec.channels * 2
    if data_size + WAV_HEADER_SIZE - 8 > 0xFFFFFFFF:
        raise ValueError(f"a WAV cannot hold {data_size} bytes")
    block = spec.channels * 2
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        *(b"RIFF", data_size + WAV_HEADER_SIZE - 8, b"WAVE", b"fmt ", 16, 1, spec.channels),
        *(spec.sample_rate, spec.sample_rate * block, block, 16, b"data", data_size),
    )


class WavMedia:
    """A 16-bit PCM WAV computed on demand."""

    content_type = FORMATS["wav"]

    def __init__(self, spec: MediaSpec) -> None:
        self.spec = spec
        self.header = _wav_header(spec)
        self.size = wav_size(spec.channels, spec.duration_ms, spec.sample_rate)

    def read(self, offset: int, length: int) -> bytes:
        offset, end = max(0, offset), min(self.size, offset + max(0, length))
        head = self.header[offset:end]
        data_start, data_end = max(offset, WAV_HEADER_SIZE), end
        if data_end <= data_start:
            return head
        return head + pcm(self.spec, data_start - WAV_HEADER_SIZE, data_end - data_start)


class FileMedia:
    """Media already encoded into a file."""

    def __init__(self, path: Path, content_type: str) -> None:
        self.path = path
        self.content_type = content_type
        self.size = path.stat().st_size

    def read(self, offset: int, length: int) -> bytes:
        offset = max(0, offset)
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(max(0, min(length, self.size - offset)))


# --- encoding (MP3, MP4) ------------------------------------------------------------------------------------

_encode_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _encoded(spec: MediaSpec, cache_dir: Path) -> Path:
    """Encode ``spec`` into ``cache_dir`` once (per process and across processes) and return the file."""
    key = hashlib.sha256(repr(spec).encode()).hexdigest()[:32]
    path = cache_dir / f"{key}.{spec.format}"
    with _locks_guard:
        lock = _encode_locks.setdefault(path, threading.Lock())
    with lock:
        if not path.exists():
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            _encode(spec, tmp)
            os.replace(tmp, path)
    return path


def _encode(spec: MediaSpec, target: Path) -> None:
    """Encode audio (and for MP4 video) in step, one video frame's worth of samples at a time."""
    if spec.channels != 1:
        raise ValueError(f"{spec.format} recordings are mixed (1 channel), got {spec.channels}")
    with av.open(str(target), "w", format=spec.format) as container:
        video = _video_stream(container) if spec.format == "mp4" else None
        audio = _audio_stream(container, spec)
        block = spec.sample_rate // VIDEO_FPS
        for index, start in enumerate(range(0, spec.frames, block)):
            container.mux(audio.encode(_audio_frame(spec, start, min(block, spec.frames - start))))
            if video is not None:
                container.mux(video.encode(_video_frame(spec, index)))
        container.mux(audio.encode(None))
        if video is not None:
            container.mux(video.encode(None))


def _audio_stream(container: av.container.OutputContainer, spec: MediaSpec) -> av.AudioStream:
    codec = "libmp3lame" if spec.format == "mp3" else "aac"
    audio = container.add_stream(codec, rate=spec.sample_rate, layout="mono")
    if not isinstance(audio, av.AudioStream):
        raise TypeError(f"{codec} is not an audio codec")
    audio.bit_rate = MP3_BIT_RATE if spec.format == "mp3" else MP4_AUDIO_BIT_RATE
    return audio


def _video_stream(container: av.container.OutputContainer) -> av.VideoStream:
    video = container.add_stream("libx264", rate=VIDEO_FPS, options={"preset": "ultrafast"})
    video.width, video.height = VIDEO_SIZE
    video.pix_fmt = "yuv420p"
    video.bit_rate = MP4_VIDEO_BIT_RATE
    return video


def _audio_frame(spec: MediaSpec, start: int, samples: int) -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.sample_rate = spec.sample_rate
    frame.pts = start
    frame.planes[0].update(pcm(spec, start * 2, samples * 2))
    return frame


def _video_frame(spec: MediaSpec, index: int) -> av.VideoFrame:
    """A grey background (shade from the seed), one bar per voice, and a white bar sweeping across."""
    width, height = VIDEO_SIZE
    luma = bytearray([40 + hashlib.sha256(spec.seed.encode()).digest()[0] % 80]) * width
    bars = [(index * 8 % width, 235)] + [(voice * 40 % width, 90 + 30 * (voice % 5)) for voice in spec.voices]
    for left, level in bars:
        right = min(width, left + 16)
        luma[left:right] = bytes([level]) * (right - left)
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane, row in zip(frame.planes, (bytes(luma), b"\x80" * (width // 2), b"\x80" * (width // 2)), strict=True):
        padded = row.ljust(plane.line_size, b"\x00")
        plane.update(padded * plane.height)
    frame.pts = index
    return frame
