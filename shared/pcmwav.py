"""Integer PCM WAV files: the one reader of a WAV's header (for the archive's per-participant split, the review
page's channel extraction and the recording-kind sniffing), one channel's samples, and a mono file's header.

A WAV is RIFF: ``RIFF``, a size, ``WAVE``, then chunks, each an id, a little-endian size, the body and a pad byte
after an odd-sized body. ``fmt `` comes before ``data``; other chunks (``LIST``, ``fact``, ``JUNK``, ``bext``) may
come anywhere. A streaming writer that cannot seek back leaves the ``data`` size 0 or 0xFFFFFFFF ("unsized"): the
data then runs to the end of the blob. WAVE_FORMAT_EXTENSIBLE names the real format in its sub-format GUID, whose
first two bytes are that format's tag.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

PCM = 1
EXTENSIBLE = 0xFFFE
MONO_HEADER_BYTES = 44
_UNSIZED = frozenset({0, 0xFFFFFFFF})
_SAMPLE_BITS = frozenset({8, 16, 24, 32})


class NotPcmWav(ValueError):
    """The bytes are not an integer PCM WAV whose header can be read from them (the message says why)."""


@dataclass(frozen=True, kw_only=True)
class WavFormat:
    """What the ``fmt `` chunk says; ``tag`` is an EXTENSIBLE file's sub-format tag."""

    tag: int
    channels: int
    sample_rate: int
    bits: int

    @property
    def integer_pcm(self) -> bool:
        return self.tag == PCM and self.bits in _SAMPLE_BITS and self.channels >= 1 and self.sample_rate >= 1

    @property
    def sample_bytes(self) -> int:
        return self.bits // 8

    @property
    def frame_bytes(self) -> int:
        return self.sample_bytes * self.channels


@dataclass(frozen=True, kw_only=True)
class WavLayout(WavFormat):
    """An integer PCM WAV's format and where its samples are: ``data_size`` bytes (whole frames) from
    ``data_offset``."""

    data_offset: int
    data_size: int

    @property
    def frames(self) -> int:
        return self.data_size // self.frame_bytes

    @property
    def mono_size(self) -> int:
        return MONO_HEADER_BYTES + self.frames * self.sample_bytes


def read_format(head: bytes) -> WavFormat | None:
    """The ``fmt `` chunk of a RIFF/WAVE file's first bytes; None when they hold none (or are no RIFF/WAVE)."""
    if not _is_wave(head):
        return None
    return next((_format(head, body, size) for kind, body, size in _chunks(head) if kind == b"fmt "), None)


def read_layout(head: bytes, blob_size: int) -> WavLayout:
    """The format and ``data`` chunk of an integer PCM WAV of ``blob_size`` bytes from its first bytes ``head``."""
    if not _is_wave(head):
        raise NotPcmWav("not a RIFF/WAVE file")
    fmt: WavFormat | None = None
    for kind, body, size in _chunks(head):
        if kind == b"fmt ":
            fmt = _format(head, body, size)
        elif kind == b"data":
            return _layout(fmt, body, size, blob_size)
    raise NotPcmWav(f"no data chunk in the first {len(head)} bytes")


def _is_wave(head: bytes) -> bool:
    return len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _chunks(head: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Each chunk whose header lies within ``head``: its id, where its body starts and its declared size."""
    at = 12
    while at + 8 <= len(head):
        size = struct.unpack_from("<I", head, at + 4)[0]
        yield head[at : at + 4], at + 8, size
        at += 8 + size + (size & 1)


def _format(head: bytes, body: int, size: int) -> WavFormat | None:
    if size < 16 or body + 16 > len(head):
        return None
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", head, body)
    if tag == EXTENSIBLE:
        tag = struct.unpack_from("<H", head, body + 24)[0] if size >= 40 and body + 26 <= len(head) else EXTENSIBLE
    return WavFormat(tag=tag, channels=channels, sample_rate=rate, bits=bits)


def _layout(fmt: WavFormat | None, offset: int, size: int, blob_size: int) -> WavLayout:
    if fmt is None:
        raise NotPcmWav("no readable fmt chunk before the data chunk")
    if not fmt.integer_pcm:
        raise NotPcmWav(f"format tag {fmt.tag}, {fmt.bits} bits, {fmt.channels} channels is not integer PCM")
    available = max(blob_size - offset, 0)
    data_size = available if size in _UNSIZED else min(size, available)
    whole = data_size // fmt.frame_bytes * fmt.frame_bytes
    return WavLayout(
        tag=fmt.tag, channels=fmt.channels, sample_rate=fmt.sample_rate, bits=fmt.bits, data_offset=offset,
        data_size=whole,
    )  # fmt: skip


def mono_header(source: WavLayout) -> bytes:
    """The canonical 44-byte header of a mono WAV holding one channel of ``source``."""
    data = source.frames * source.sample_bytes
    rate, width = source.sample_rate, source.sample_bytes
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", MONO_HEADER_BYTES - 8 + data, b"WAVE", b"fmt ", 16, PCM, 1, rate, rate * width, width,
        source.bits, b"data", data,
    )  # fmt: skip


def channel_samples(frames: bytes, source: WavFormat, channel: int) -> bytes:
    """The samples of ``channel`` out of whole interleaved frames (a trailing partial frame is left out)."""
    width, stride = source.sample_bytes, source.frame_bytes
    count = len(frames) // stride
    out = bytearray(count * width)
    for byte in range(width):
        out[byte::width] = frames[channel * width + byte : count * stride : stride]
    return bytes(out)
