"""How the archive engine copies: the in-memory threshold, the block size and the parallelism."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.config import Settings


@dataclass(frozen=True)
class ArchiveOptions:
    """``streaming_threshold_bytes``: chunks up to this size are returned as a payload for the blob output binding,
    larger ones are staged as blocks with the Storage SDK by ``concurrency`` lanes (``shared.archive.lanes``), each
    holding one block at a time; memory per chunk stays near ``concurrency x block_size_bytes`` whatever its size.
    ``participant_files``: split an unmixed WAV chunk into one mono WAV per participant (``shared.archive.split``).
    """

    streaming_threshold_bytes: int
    block_size_bytes: int
    concurrency: int
    participant_files: bool = True  # one mono WAV per participant beside an unmixed WAV chunk

    def __post_init__(self) -> None:
        if self.streaming_threshold_bytes < 0:
            raise ValueError("streaming_threshold_bytes must not be negative")
        if self.block_size_bytes < 1 or self.concurrency < 1:
            raise ValueError("block_size_bytes and concurrency must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveOptions:
        return cls(
            streaming_threshold_bytes=settings.streaming_threshold_bytes,
            block_size_bytes=settings.block_size_bytes,
            concurrency=settings.archive_concurrency,
            participant_files=settings.participant_files,
        )
