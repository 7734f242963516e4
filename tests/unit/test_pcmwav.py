"""One WAV reader for the archive split, the review page's channels and the kind sniffing, on WAVs written by the
standard library's ``wave``, by sox and by hand (EXTENSIBLE, odd-sized chunks, unsized ``data``)."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import pytest

from shared import pcmwav
from shared.wire import SNIFF_BYTES, kind_from_bytes

SOX = Path(__file__).parents[1] / "fixtures" / "wav"


def stdlib_wav(channels: int, width: int, frames: int, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(
            bytes(range(256)) * (channels * width * frames // 256) + bytes(channels * width * frames % 256)
        )
    return out.getvalue()


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def chunk(kind: bytes, body: bytes, size: int | None = None) -> bytes:
    return kind + struct.pack("<I", len(body) if size is None else size) + body + (b"\x00" if len(body) % 2 else b"")


def fmt(channels: int, bits: int = 16, tag: int = pcmwav.PCM, rate: int = 16000) -> bytes:
    align = channels * bits // 8
    return chunk(b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits))


def extensible(channels: int, bits: int, subformat: int) -> bytes:
    align = channels * bits // 8
    guid = struct.pack("<H", subformat) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    body = struct.pack("<HHIIHHHHI", pcmwav.EXTENSIBLE, channels, 16000, 16000 * align, align, bits, 22, bits, 0)
    return chunk(b"fmt ", body + guid)


def with_stdlib_reader(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return reader.getnchannels(), reader.getframerate(), reader.getsampwidth() * 8, reader.getnframes()


@pytest.mark.parametrize(("channels", "width"), [(1, 1), (1, 2), (2, 2), (3, 3), (4, 4)])
def test_a_wav_written_by_the_standard_library_reads_as_its_writer_made_it(channels: int, width: int) -> None:
    data = stdlib_wav(channels, width, 101)
    found = pcmwav.read_layout(data, len(data))
    assert (found.channels, found.sample_rate, found.bits, found.frames) == with_stdlib_reader(data)
    assert data[found.data_offset :] == data[-found.data_size :]


@pytest.mark.parametrize(
    ("name", "channels", "bits", "frames"),
    [("sox-3ch-16bit.wav", 3, 16, 160), ("sox-2ch-24bit.wav", 2, 24, 80), ("sox-1ch-8bit.wav", 1, 8, 160)],
)
def test_a_wav_written_by_sox_reads_as_sox_wrote_it(name: str, channels: int, bits: int, frames: int) -> None:
    data = (SOX / name).read_bytes()
    found = pcmwav.read_layout(data, len(data))
    assert (found.channels, found.bits, found.frames) == (channels, bits, frames)
    assert found.data_offset + found.data_size == len(data)


def test_a_wav_sox_wrote_to_a_pipe_runs_to_the_end_of_the_blob() -> None:
    data = (SOX / "sox-1ch-16bit-piped.wav").read_bytes()
    assert struct.unpack_from("<I", data, 40)[0] == 0x7FFFF000, "sox's placeholder size"
    assert pcmwav.read_layout(data, len(data)).frames == 160


def test_a_float_wav_is_no_integer_pcm_wav() -> None:
    data = (SOX / "sox-2ch-float.wav").read_bytes()
    with pytest.raises(pcmwav.NotPcmWav, match="format tag 3"):
        pcmwav.read_layout(data, len(data))


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_an_unsized_data_chunk_runs_to_the_end_of_the_blob(size: int) -> None:
    data = riff(fmt(2), chunk(b"data", bytes(400), size=size))
    assert pcmwav.read_layout(data, len(data)).frames == 100


def test_an_extensible_wav_reads_as_its_sub_format() -> None:
    data = riff(extensible(2, 16, pcmwav.PCM), chunk(b"data", bytes(40)))
    found = pcmwav.read_layout(data, len(data))
    assert (found.tag, found.channels, found.frames) == (pcmwav.PCM, 2, 10)


def test_an_extensible_wav_of_float_samples_is_refused() -> None:
    data = riff(extensible(2, 32, 3), chunk(b"data", bytes(40)))
    with pytest.raises(pcmwav.NotPcmWav):
        pcmwav.read_layout(data, len(data))


def test_odd_sized_chunks_are_followed_past_their_pad_byte() -> None:
    data = riff(chunk(b"LIST", b"INFOabc"), fmt(1), chunk(b"JUNK", b"x"), chunk(b"data", bytes(20)))
    found = pcmwav.read_layout(data, len(data))
    assert (found.channels, found.frames) == (1, 10)
    assert data[found.data_offset - 8 : found.data_offset - 4] == b"data"


def test_a_data_size_past_the_blob_is_cut_to_whole_frames_of_the_blob() -> None:
    data = riff(fmt(2), chunk(b"data", bytes(401), size=10_000))
    assert pcmwav.read_layout(data, len(data)).data_size == 400


@pytest.mark.parametrize("data", [b"", b"RIFF\x04\x00\x00\x00WAVE", riff(chunk(b"data", bytes(4)), fmt(1))])
def test_bytes_without_a_fmt_chunk_before_data_are_refused(data: bytes) -> None:
    with pytest.raises(pcmwav.NotPcmWav):
        pcmwav.read_layout(data, len(data))


def test_a_mono_wav_with_a_list_chunk_before_fmt_is_sniffed_as_mixed() -> None:
    data = riff(
        chunk(b"LIST", b"INFO" + b"ISFT" + struct.pack("<I", 90) + bytes(90)), fmt(1), chunk(b"data", bytes(20))
    )
    assert kind_from_bytes(data[:SNIFF_BYTES]).channel == "mixed"


def test_a_head_too_short_for_the_fmt_chunk_sniffs_a_wav_of_unknown_channels() -> None:
    kind = kind_from_bytes(riff(chunk(b"JUNK", bytes(100)), fmt(2))[:48])
    assert (kind.format, kind.channel) == ("wav", None)


@pytest.mark.parametrize("name", ["sox-3ch-16bit.wav", "sox-2ch-24bit.wav", "sox-1ch-8bit.wav"])
def test_the_sniffed_channel_type_agrees_with_the_reader(name: str) -> None:
    data = (SOX / name).read_bytes()
    unmixed = pcmwav.read_layout(data, len(data)).channels > 1
    assert kind_from_bytes(data[:SNIFF_BYTES]).channel == ("unmixed" if unmixed else "mixed")


def test_one_channel_out_of_a_stdlib_wav_is_its_samples() -> None:
    data = stdlib_wav(3, 2, 50)
    found = pcmwav.read_layout(data, len(data))
    frames = data[found.data_offset : found.data_offset + found.data_size]
    mono = pcmwav.mono_header(found) + pcmwav.channel_samples(frames, found, 1)
    assert with_stdlib_reader(mono) == (1, 16000, 16, 50)
    assert mono[44:46] == frames[2:4]
