"""Media copies that stay in memory (at or below the threshold); staged copies run on Azurite (integration)."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.archive.copy_options import ArchiveOptions
from shared.archive.errors import ArchiveTransientError, SourceGoneError
from shared.archive.media import copy_media
from shared.archive.writer import Stager
from tests.unit.archive.fakes import FakeSource

URL = "https://us-storage.asm.skype.com/v1/objects/doc/content/audiowav"
OPTIONS = ArchiveOptions(streaming_threshold_bytes=1_000_000, block_size_bytes=100_000, concurrency=3)


def no_stager(pool: ThreadPoolExecutor, permits: threading.Semaphore) -> Stager:
    raise AssertionError("a chunk under the threshold must not be staged")


def copy(source: FakeSource) -> tuple[bytes | None, str, int]:
    media = copy_media(source, URL, OPTIONS, no_stager, lambda sha: {}, "audio/wav")
    assert not media.streamed
    return media.payload, media.sha256, media.size


@pytest.mark.parametrize(
    "source_kind", ["ranges", "ignores ranges", "declares nothing"], ids=["ranged", "whole", "undeclared"]
)
def test_a_small_chunk_comes_back_whole_with_its_sha256(source_kind: str) -> None:
    data = os.urandom(950_001)
    source = FakeSource(
        {URL: data}, honour_ranges=source_kind != "ignores ranges", declare_sizes=source_kind != "declares nothing"
    )
    assert copy(source) == (data, hashlib.sha256(data).hexdigest(), len(data))


def test_a_chunk_is_read_as_block_sized_ranges() -> None:
    source = FakeSource({URL: os.urandom(250_000)})
    copy(source)
    assert sorted(source.calls) == [(URL, 0, 100_000), (URL, 100_000, 100_000), (URL, 200_000, 50_000)]


def test_an_empty_chunk_is_an_empty_payload() -> None:
    assert copy(FakeSource({URL: b""})) == (b"", hashlib.sha256(b"").hexdigest(), 0)


def test_a_body_cut_short_in_a_whole_object_answer_is_transient() -> None:
    with pytest.raises(ArchiveTransientError, match="cut short"):
        copy(FakeSource({URL: os.urandom(500_000)}, honour_ranges=False, cut_at=250_000))


def test_a_missing_recording_is_gone() -> None:
    with pytest.raises(SourceGoneError):
        copy(FakeSource({}))
