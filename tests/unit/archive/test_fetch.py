from __future__ import annotations

import os

import pytest

from shared.archive import fetch
from shared.archive.errors import ArchivePermanentError, ArchiveTransientError
from shared.archive.fetch import Reader, read_first, read_range
from shared.archive.source import SourceStream, describe, range_header
from tests.unit.archive.fakes import FakeSource

URL = "https://us-storage.asm.skype.com/v1/objects/doc/content/audiowav"


@pytest.fixture(autouse=True)
def _no_retry_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "RETRY_DELAY_SECONDS", 0.0)


def test_reader_returns_exact_sizes_across_piece_boundaries() -> None:
    reader = Reader(iter([b"abc", b"defg", b"h", b"ijklmnop"]))
    assert [reader.read(5), reader.read(5), reader.read(5), reader.read(5), reader.read(5)] == [
        b"abcde",
        b"fghij",
        b"klmno",
        b"p",
        b"",
    ]


def test_first_block_learns_the_chunk_size_from_the_range_answer() -> None:
    data = os.urandom(300_000)
    source = FakeSource({URL: data})
    first = read_first(source, URL, 100_000)
    assert (first.data, first.total, first.rest) == (data[:100_000], 300_000, None)
    assert source.calls == [(URL, 0, 100_000)]


def test_a_whole_object_answer_is_kept_open_and_read_on() -> None:
    data = os.urandom(300_000)
    first = read_first(FakeSource({URL: data}, honour_ranges=False), URL, 100_000)
    assert first.total == 300_000
    assert first.rest is not None
    assert first.data + first.rest.read(300_000) == data


def test_an_undeclared_chunk_shorter_than_a_block_is_that_long() -> None:
    first = read_first(FakeSource({URL: b"x" * 10}, declare_sizes=False), URL, 100)
    assert (first.data, first.total) == (b"x" * 10, 10)


def test_an_undeclared_chunk_of_a_full_block_has_an_unknown_size() -> None:
    assert read_first(FakeSource({URL: b"x" * 300}, declare_sizes=False), URL, 100).total is None


def test_a_first_block_cut_short_is_transient() -> None:
    with pytest.raises(ArchiveTransientError, match="cut short"):
        read_first(FakeSource({URL: os.urandom(1000)}, cut_at=500), URL, 800)


def test_a_range_cut_short_once_is_retried() -> None:
    data = os.urandom(300_000)
    source = FakeSource({URL: data}, cut_once_at=150_000)
    assert read_range(source, URL, 100_000, 100_000, 300_000) == data[100_000:200_000]
    assert len(source.calls) == 2


def test_a_range_always_cut_short_is_transient_after_retries() -> None:
    source = FakeSource({URL: os.urandom(300_000)}, cut_at=150_000)
    with pytest.raises(ArchiveTransientError, match="cut short"):
        read_range(source, URL, 100_000, 100_000, 300_000)
    assert len(source.calls) == fetch.RANGE_ATTEMPTS


def test_a_source_whose_size_changed_is_permanent_after_retries() -> None:
    source = FakeSource({URL: os.urandom(300_000)})
    with pytest.raises(ArchivePermanentError, match="declared 300000 bytes, earlier 400000"):
        read_range(source, URL, 100_000, 100_000, 400_000)


def test_a_source_ignoring_ranges_past_the_first_block_is_permanent_after_retries() -> None:
    source = FakeSource({URL: os.urandom(300_000)}, honour_ranges=False)
    with pytest.raises(ArchivePermanentError, match="did not serve the range"):
        read_range(source, URL, 100_000, 100_000, 300_000)


def test_offset_zero_still_sends_an_explicit_range() -> None:
    assert range_header(0, 10) == "bytes=0-9"
    assert range_header(5, None) == "bytes=5-"
    assert range_header(0, None) is None


def test_a_206_answer_declares_its_start_and_the_total() -> None:
    stream = describe(206, {"Content-Range": "bytes 100-199/1055", "Content-Length": "100"}, [], lambda: None)
    assert (stream.start, stream.length, stream.total, stream.partial) == (100, 100, 1055, True)


def test_a_200_answer_with_content_range_declares_the_total() -> None:
    stream = describe(200, {"Content-Range": "bytes 0-1054/1055", "Content-Length": "1055"}, [], lambda: None)
    assert (stream.total, stream.partial) == (1055, False)


def test_a_200_answer_without_content_range_declares_its_length_as_the_total() -> None:
    stream: SourceStream = describe(200, {"Content-Length": "42"}, [], lambda: None)
    assert (stream.total, stream.partial) == (42, False)
