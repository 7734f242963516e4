"""The block size of each participant's file: the chunk's block shared by its channels, within bounds."""

from __future__ import annotations

from shared.archive.split import participant_block

MIB = 1024 * 1024


def test_a_participant_block_shares_the_chunk_block_among_its_channels() -> None:
    assert participant_block(4 * MIB, 2) == 2 * MIB


def test_a_participant_block_holds_at_most_4_mib_and_at_least_64_kib() -> None:
    assert participant_block(32 * MIB, 2) == 4 * MIB, "a 32 MiB block would hold 16 MiB per participant"
    assert participant_block(8192, 3) == 64 * 1024
