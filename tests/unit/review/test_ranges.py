"""Byte ranges as RFC 9110 section 14 defines them, cut to a bounded piece."""

from __future__ import annotations

import pytest

from shared.review.ranges import ByteRange, RangeNotSatisfiable, requested


def test_an_open_range_is_cut_to_the_piece_size() -> None:
    assert requested("bytes=0-", 10_000, 4096) == ByteRange(0, 4095)
    assert requested("bytes=8000-", 10_000, 4096) == ByteRange(8000, 9999)


def test_a_closed_range_is_served_as_asked_when_it_fits() -> None:
    assert requested("bytes=10-19", 100, 4096) == ByteRange(10, 19)
    assert requested("bytes=90-500", 100, 4096) == ByteRange(90, 99)


def test_a_suffix_range_is_the_last_bytes() -> None:
    assert requested("bytes=-30", 100, 4096) == ByteRange(70, 99)
    assert requested("bytes=-300", 100, 4096) == ByteRange(0, 99)


def test_only_the_first_of_several_ranges_is_served() -> None:
    assert requested("bytes=5-9, 20-29", 100, 4096) == ByteRange(5, 9)


def test_a_range_past_the_end_is_not_satisfiable() -> None:
    with pytest.raises(RangeNotSatisfiable):
        requested("bytes=100-", 100, 4096)
    with pytest.raises(RangeNotSatisfiable):
        requested("bytes=-0", 100, 4096)


@pytest.mark.parametrize(
    "header", [None, "", "items=0-5", "bytes=abc", "bytes=9-3", "bytes=-", "bytes", "bytes=" + "9" * 5000 + "-"]
)
def test_a_header_that_is_not_a_byte_range_is_ignored(header: str | None) -> None:
    assert requested(header, 100, 4096) is None


def test_the_content_range_names_the_bytes_and_the_whole() -> None:
    assert ByteRange(0, 1023).content_range(5000) == "bytes 0-1023/5000"
    assert ByteRange(0, 1023).length == 1024
