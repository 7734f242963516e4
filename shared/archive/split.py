"""One mono WAV per participant beside an unmixed WAV chunk, written in bounded memory.

The chunk's ACS metadata says which participant is on which channel (``participants[].channel``). The chunk's
PCM data is read in blocks of ``block_size_bytes``, each block's frames are split by channel, and every channel
with a participant goes to its own blob (``layout.participant_path``) as staged blocks, hashed as they are staged
and committed at the end. At most ``concurrency`` split blocks are in flight, each ``block_size_bytes`` / channels
but no more than 4 MiB (``participant_block``), so memory stays near one block of the chunk whatever its size. A WAV whose header cannot be read (not RIFF
PCM, or no ``data`` chunk within the first block) gets no participant files; the chunk itself is archived as is.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from shared import formats, layout, pcmwav
from shared.archive.copy_options import ArchiveOptions
from shared.archive.errors import ArchiveTransientError
from shared.archive.writer import Pieces, Stager, blob_metadata, storage_call
from shared.messages import ChunkRef

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

log = logging.getLogger(__name__)
PARTICIPANT_BLOCK_MAX_BYTES = 4 * 1024 * 1024  # a participant's bytes held before they are staged, at most
PARTICIPANT_BLOCK_MIN_BYTES = 64 * 1024


class Output:
    """One participant's mono WAV: staged in order, hashed as staged, committed at the end."""

    def __init__(self, stager: Stager, participant: dict[str, Any], path: str, permits: threading.Semaphore) -> None:
        self.stager, self.participant, self.path, self._permits = stager, participant, path, permits
        self.digest, self.size = hashlib.sha256(), 0
        self._parts: list[bytes] = []
        self._held = 0

    def add(self, data: bytes, flush_at: int) -> None:
        self._parts.append(data)
        self._held += len(data)
        if self._held >= flush_at:
            self.flush()

    def flush(self) -> None:
        """Stage what is held as one block, its parts sent one after another (never joined into a copy)."""
        if not self._parts:
            return
        parts, self._parts, self._held = self._parts, [], 0
        for part in parts:
            self.digest.update(part)
            self.size += len(part)
        self._permits.acquire()
        self.stager.stage(Pieces(parts))

    def entry(self) -> dict[str, Any]:
        return {**self.participant, "blobPath": self.path, "size": self.size, "sha256": self.digest.hexdigest()}


def participant_block(block_size: int, channels: int) -> int:
    """The block size of each participant's file: the chunk's block shared by its channels, within 64 KiB..4 MiB
    (staging larger blocks saves a few requests and holds tens of MiB more per participant)."""
    return max(PARTICIPANT_BLOCK_MIN_BYTES, min(block_size // channels, PARTICIPANT_BLOCK_MAX_BYTES))


def speakers(participants: Iterable[dict[str, Any]], channels: int) -> list[dict[str, Any]]:
    """The participants with a channel of this WAV, each rawId once (the first channel it is on)."""
    found: dict[str, dict[str, Any]] = {}
    for item in participants:
        raw_id, channel = item.get("participantId"), item.get("channel")
        if isinstance(raw_id, str) and raw_id and isinstance(channel, int) and 0 <= channel < channels:
            found.setdefault(raw_id, {"participantId": raw_id, "channel": channel})
    return list(found.values())


def split_participants(
    container: ContainerClient,
    chunk: ChunkRef,
    participants: Iterable[dict[str, Any]],
    blocks: Iterator[bytes],
    total: int,
    options: ArchiveOptions,
) -> tuple[dict[str, Any], ...]:
    """Write one mono WAV per participant from the chunk's bytes ``blocks`` (in order, ``total`` bytes); their
    ``participantId``, ``channel``, ``blobPath``, ``size`` and ``sha256``."""
    head = next(blocks, b"")
    try:
        wav = pcmwav.read_layout(head, total)
    except pcmwav.NotPcmWav as exc:
        log.warning("chunk %d: %s; no per-participant files", chunk.index, exc)
        return ()
    who = speakers(participants, wav.channels)
    if not who:
        return ()
    permits = threading.Semaphore(options.concurrency)
    with ThreadPoolExecutor(options.concurrency, thread_name_prefix="archive-split") as pool:
        outputs = [_output(container, chunk, person, pool, permits) for person in who]
        try:
            _demux(wav, head, blocks, outputs, participant_block(options.block_size_bytes, wav.channels))
            for output in outputs:
                output.flush()
                output.stager.commit(blob_metadata(chunk, output.digest.hexdigest()), formats.WAV.content_type)
        except BaseException:
            for output in outputs:
                output.stager.abandon()
            raise
    return tuple(output.entry() for output in outputs)


def _output(
    container: ContainerClient,
    chunk: ChunkRef,
    person: dict[str, Any],
    pool: ThreadPoolExecutor,
    permits: threading.Semaphore,
) -> Output:
    prefix = chunk.paths.media.rsplit("/", 1)[0]
    path = layout.participant_path(prefix, chunk.index, person["participantId"])
    return Output(Stager(container.get_blob_client(path), pool, permits), person, path, permits)


def _demux(wav: pcmwav.WavLayout, head: bytes, blocks: Iterator[bytes], outputs: list[Output], flush_at: int) -> None:
    """Deinterleave the PCM data into each output, after its mono header (a frame split over two blocks is
    carried to the next)."""
    for output in outputs:
        output.add(pcmwav.mono_header(wav), flush_at)
    frame = wav.frame_bytes
    left, carry = wav.data_size, b""
    pieces = (piece for source in ([head[wav.data_offset :]], blocks) for piece in source)
    for piece in pieces:
        if left <= 0:
            return
        data = (carry + piece if carry else piece)[:left]
        whole = len(data) // frame * frame
        if whole:
            for output in outputs:
                output.add(pcmwav.channel_samples(data[:whole], wav, output.participant["channel"]), flush_at)
        left -= whole
        carry = data[whole:]
    if left > 0:
        raise ArchiveTransientError(f"chunk media ended {left} bytes before its WAV data did")


def stored_blocks(container: ContainerClient, name: str, total: int, block: int) -> Iterator[bytes]:
    """The archived blob ``name`` in ranges of ``block`` bytes, one at a time."""
    blob = container.get_blob_client(name)

    def read(offset: int, length: int) -> bytes:
        data: bytes = blob.download_blob(offset=offset, length=length).readall()
        return data

    for offset in range(0, total, block):
        length = min(block, total - offset)
        yield storage_call(f"read {name}", lambda: read(offset, length))  # noqa: B023 (called at once)
