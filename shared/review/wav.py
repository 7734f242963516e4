"""One channel of an interleaved PCM WAV as a mono WAV of its own, computed for any byte range of it.

The mono file is a 44-byte canonical header followed by the channel's samples. A byte range of it maps to a span of
whole frames of the source's ``data`` chunk; only that span is read, so the memory used is bounded by the range.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from shared.review.ranges import ByteRange

HEADER_READ_BYTES = 64 * 1024  # the source's chunks before ``data`` must fit in this
MONO_HEADER_BYTES = 44
_PCM, _EXTENSIBLE = 1, 0xFFFE


class NotPcmWav(ValueError):
    """The bytes are not a PCM WAV whose channels can be split."""


@dataclass(frozen=True)
class WavLayout:
    channels: int
    sample_rate: int
    bits: int
    data_offset: int
    data_size: int

    @property
    def sample_bytes(self) -> int:
        return self.bits // 8

    @property
    def frame_bytes(self) -> int:
        return self.sample_bytes * self.channels

    @property
    def frames(self) -> int:
        return self.data_size // self.frame_bytes

    @property
    def mono_size(self) -> int:
        return MONO_HEADER_BYTES + self.frames * self.sample_bytes


def layout(head: bytes, blob_size: int) -> WavLayout:
    """The format and ``data`` chunk of a WAV from its first bytes (``data`` may be left unsized by a streaming
    writer: 0 or 0xFFFFFFFF then means "to the end of the blob")."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise NotPcmWav("not a RIFF/WAVE file")
    fmt: tuple[int, int, int, int] | None = None
    at = 12
    while at + 8 <= len(head):
        kind, size = head[at : at + 4], struct.unpack_from("<I", head, at + 4)[0]
        body = at + 8
        if kind == b"fmt " and body + 16 <= len(head):
            tag, channels, rate = struct.unpack_from("<HHI", head, body)
            bits = struct.unpack_from("<H", head, body + 14)[0]
            fmt = (tag, channels, rate, bits)
        elif kind == b"data":
            return _checked(fmt, body, size, blob_size)
        at = body + size + (size & 1)
    raise NotPcmWav(f"no data chunk in the first {len(head)} bytes")


def _checked(fmt: tuple[int, int, int, int] | None, offset: int, size: int, blob_size: int) -> WavLayout:
    if fmt is None:
        raise NotPcmWav("the data chunk comes before any fmt chunk")
    tag, channels, rate, bits = fmt
    if tag not in (_PCM, _EXTENSIBLE) or bits not in (8, 16, 24, 32) or channels < 1 or rate < 1:
        raise NotPcmWav(f"format tag {tag}, {bits} bits, {channels} channels is not integer PCM")
    available = max(blob_size - offset, 0)
    data_size = available if size in (0, 0xFFFFFFFF) else min(size, available)
    return WavLayout(channels, rate, bits, offset, data_size)


def mono_header(source: WavLayout) -> bytes:
    data = source.frames * source.sample_bytes
    rate, width = source.sample_rate, source.sample_bytes
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, _PCM, 1, rate, rate * width, width, source.bits)
        + b"data"
        + struct.pack("<I", data)
    )


@dataclass(frozen=True)
class SourceSpan:
    """The source bytes (whole frames) a mono range needs, and how to cut the extracted samples to the range."""

    offset: int
    length: int
    skip: int  # bytes of the extracted samples before the range starts
    take: int  # bytes of extracted samples in the range


def source_span(source: WavLayout, wanted: ByteRange) -> SourceSpan | None:
    """None when the range lies within the mono header."""
    first = max(wanted.start, MONO_HEADER_BYTES) - MONO_HEADER_BYTES
    last = wanted.end - MONO_HEADER_BYTES
    if last < first:
        return None
    width = source.sample_bytes
    first_frame, last_frame = first // width, last // width
    return SourceSpan(
        offset=source.data_offset + first_frame * source.frame_bytes,
        length=(last_frame - first_frame + 1) * source.frame_bytes,
        skip=first - first_frame * width,
        take=last - first + 1,
    )


def channel_samples(frames: bytes, source: WavLayout, channel: int) -> bytes:
    """The samples of ``channel`` from whole interleaved frames."""
    width, stride = source.sample_bytes, source.frame_bytes
    count = len(frames) // stride
    out = bytearray(count * width)
    for byte in range(width):
        out[byte::width] = frames[channel * width + byte : count * stride : stride]
    return bytes(out)


def mono_range(source: WavLayout, wanted: ByteRange, frames: bytes, channel: int) -> bytes:
    """The bytes ``wanted`` of the mono file, given the source frames ``source_span`` named."""
    header = mono_header(source)[wanted.start : wanted.end + 1] if wanted.start < MONO_HEADER_BYTES else b""
    span = source_span(source, wanted)
    if span is None:
        return header
    samples = channel_samples(frames, source, channel)
    return header + samples[span.skip : span.skip + span.take]
