"""``copy_in_lanes``: blocks downloaded in parallel are hashed in order and each staged once, whatever order they land."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from shared.archive.errors import ArchiveTransientError
from shared.archive.fetch import read_first
from shared.archive.lanes import copy_in_lanes
from shared.archive.writer import Stager
from tests.unit.archive.fakes import FakeSource

URL = "https://us-storage.asm.skype.com/v1/objects/doc/content/audiowav"
BLOCK = 100_000


@dataclass
class BlockRecorder:
    """Stands in for ``Stager``: what each ``stage_at`` was given, by block index."""

    blocks: dict[int, bytes] = field(default_factory=dict)

    def stage_at(self, index: int, pieces: list[bytes]) -> None:
        assert index not in self.blocks, f"block {index} staged twice"
        self.blocks[index] = b"".join(pieces)


@dataclass
class SecondBlockLast(FakeSource):
    """Serves the range at ``BLOCK`` only once the range after it has been served."""

    later_served: threading.Event = field(default_factory=threading.Event)

    def download(self, url: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        if offset == BLOCK:
            assert self.later_served.wait(10), "the later block was never asked for"
        pieces = super().download(url, offset, length)
        if offset == 2 * BLOCK:
            self.later_served.set()
        return pieces


def lanes(source: FakeSource, stager: BlockRecorder, workers: int = 3) -> str:
    first = read_first(source, URL, BLOCK)
    with ThreadPoolExecutor(workers) as pool:
        return copy_in_lanes(first, source, URL, BLOCK, pool, cast(Stager, cast(Any, stager)))


def test_blocks_that_land_out_of_order_are_hashed_in_order_and_staged_whole() -> None:
    data = os.urandom(4 * BLOCK + 12_345)
    source, stager = SecondBlockLast({URL: data}), BlockRecorder()
    assert lanes(source, stager) == hashlib.sha256(data).hexdigest()
    assert sorted(stager.blocks) == [0, 1, 2, 3, 4]
    assert b"".join(stager.blocks[index] for index in range(5)) == data


def test_a_block_that_cannot_be_read_stops_every_later_block_before_it_is_staged() -> None:
    data = os.urandom(6 * BLOCK)
    source, stager = FakeSource({URL: data}, cut_at=2 * BLOCK + 500), BlockRecorder()
    with pytest.raises(ArchiveTransientError, match="cut short"):
        lanes(source, stager)
    assert set(stager.blocks) <= {0, 1}
