"""One channel of an interleaved PCM WAV, extracted for any byte range, equals the same bytes of the whole mono file."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import pcmwav
from shared.review import wav
from shared.review.ranges import ByteRange


def interleaved(channels: int, frames: int, bits: int = 16, extra_chunk: bool = True) -> bytes:
    """A PCM WAV whose sample (frame f, channel c) is distinct, with a LIST chunk before ``data`` when asked."""
    width = bits // 8
    samples = bytearray()
    for frame in range(frames):
        for channel in range(channels):
            samples += ((frame * 8 + channel) % (1 << bits)).to_bytes(width, "little")
    rate = 16000
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * width, channels * width, bits)
    listing = b"LIST" + struct.pack("<I", 5) + b"INFOx\x00" if extra_chunk else b""
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + listing + b"data" + struct.pack("<I", len(samples))
    return b"RIFF" + struct.pack("<I", len(body) + len(samples)) + body + bytes(samples)


def whole_mono(source: bytes, channel: int) -> bytes:
    found = pcmwav.read_layout(source, len(source))
    frames = source[found.data_offset : found.data_offset + found.data_size]
    return pcmwav.mono_header(found) + pcmwav.channel_samples(frames, found, channel)


def test_the_layout_finds_format_and_data_past_other_chunks() -> None:
    source = interleaved(3, 100)
    found = pcmwav.read_layout(source, len(source))
    assert (found.channels, found.sample_rate, found.bits, found.frames) == (3, 16000, 16, 100)
    assert source[found.data_offset - 8 : found.data_offset - 4] == b"data"


def test_an_unsized_data_chunk_runs_to_the_end_of_the_blob() -> None:
    source = bytearray(interleaved(2, 50, extra_chunk=False))
    source[40:44] = struct.pack("<I", 0xFFFFFFFF)
    assert pcmwav.read_layout(bytes(source), len(source)).frames == 50


@pytest.mark.parametrize("head", [b"", b"RIFF\x00\x00\x00\x00AVI ", b"RIFF\x04\x00\x00\x00WAVEdata\x00\x00\x00\x00"])
def test_bytes_that_are_not_a_pcm_wav_are_refused(head: bytes) -> None:
    with pytest.raises(pcmwav.NotPcmWav):
        pcmwav.read_layout(head, len(head))


def test_the_mono_file_is_a_valid_wav_of_the_channel() -> None:
    source = interleaved(3, 10)
    mono = whole_mono(source, 2)
    found = pcmwav.read_layout(mono, len(mono))
    assert (found.channels, found.frames) == (1, 10)
    assert [struct.unpack_from("<h", mono, 44 + 2 * i)[0] for i in range(3)] == [2, 10, 18]


@given(
    channels=st.integers(1, 5),
    bits=st.sampled_from([8, 16, 24, 32]),
    start=st.integers(0, 400),
    length=st.integers(1, 400),
    channel_seed=st.integers(0, 100),
)
def test_any_range_of_a_channel_equals_those_bytes_of_the_whole_mono_file(
    channels: int, bits: int, start: int, length: int, channel_seed: int
) -> None:
    source = interleaved(channels, 60, bits)
    channel = channel_seed % channels
    found = pcmwav.read_layout(source, len(source))
    mono = whole_mono(source, channel)
    if start >= found.mono_size:
        return
    wanted = ByteRange(start, min(start + length, found.mono_size) - 1)
    span = wav.source_span(found, wanted)
    frames = b"" if span is None else source[span.offset : span.offset + span.length]
    assert wav.mono_range(found, wanted, frames, channel) == mono[wanted.start : wanted.end + 1]
