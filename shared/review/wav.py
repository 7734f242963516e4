"""One channel of an interleaved PCM WAV as a mono WAV of its own, computed for any byte range of it.

The mono file is a 44-byte canonical header followed by the channel's samples. A byte range of it maps to a span of
whole frames of the source's ``data`` chunk; only that span is read, so the memory used is bounded by the range.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.pcmwav import MONO_HEADER_BYTES, WavLayout, channel_samples, mono_header
from shared.review.ranges import ByteRange

HEADER_READ_BYTES = 64 * 1024  # the source's chunks before ``data`` must fit in this


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


def mono_range(source: WavLayout, wanted: ByteRange, frames: bytes, channel: int) -> bytes:
    """The bytes ``wanted`` of the mono file, given the source frames ``source_span`` named."""
    header = mono_header(source)[wanted.start : wanted.end + 1] if wanted.start < MONO_HEADER_BYTES else b""
    span = source_span(source, wanted)
    if span is None:
        return header
    samples = channel_samples(frames, source, channel)
    return header + samples[span.skip : span.skip + span.take]
