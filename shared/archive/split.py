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
import struct
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared import layout
from shared.archive.errors import ArchiveTransientError
from shared.archive.options import ArchiveOptions
from shared.archive.writer import Stager, blob_metadata, storage_call
from shared.messages import ChunkRef

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

log = logging.getLogger(__name__)
PCM, EXTENSIBLE = 1, 0xFFFE
PARTICIPANT_BLOCK_MAX_BYTES = 4 * 1024 * 1024  # a participant's bytes held before they are staged, at most
PARTICIPANT_BLOCK_MIN_BYTES = 64 * 1024
MONO_HEADER_SIZE = 44


@dataclass(frozen=True)
class WavFormat:
    channels: int
    sample_rate: int
    sample_width: int  # bytes per sample
    data_offset: int  # where the PCM data starts
    data_size: int  # bytes of PCM data (whole frames only)

    @property
    def frame(self) -> int:
        return self.channels * self.sample_width

    def mono_header(self) -> bytes:
        size = self.data_size // self.channels
        rate, width = self.sample_rate, self.sample_width
        return struct.pack(
            "<4sI4s4sIHHIIHH4sI",
            b"RIFF", MONO_HEADER_SIZE - 8 + size, b"WAVE", b"fmt ", 16, PCM, 1, rate, rate * width, width,
            width * 8, b"data", size,
        )  # fmt: skip


def read_format(head: bytes, total: int) -> WavFormat | None:
    """The PCM layout of a WAV whose first bytes are ``head`` and whose size is ``total``; None if not readable."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    offset, fmt = 12, None
    while offset + 8 <= len(head):
        kind, size = head[offset : offset + 4], struct.unpack_from("<I", head, offset + 4)[0]
        body = offset + 8
        if kind == b"fmt " and size >= 16 and body + 16 <= len(head):
            fmt = struct.unpack_from("<HHIIHH", head, body)
        elif kind == b"data":
            return _format(fmt, body, min(size, total - body))
        offset = body + size + (size & 1)
    return None


def _format(fmt: tuple[int, ...] | None, data_offset: int, data_size: int) -> WavFormat | None:
    if fmt is None:
        return None
    tag, channels, rate, _byte_rate, _align, bits = fmt
    if tag not in (PCM, EXTENSIBLE) or channels < 1 or bits % 8 or not bits:
        return None
    frame = channels * bits // 8
    return WavFormat(channels, rate, bits // 8, data_offset, max(0, data_size) // frame * frame)


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
        if not self._parts:
            return
        data = b"".join(self._parts)
        self._parts, self._held = [], 0
        self.digest.update(data)
        self.size += len(data)
        self._permits.acquire()
        self.stager.stage(data)

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
    wav = read_format(head, total)
    who = speakers(participants, wav.channels) if wav is not None else []
    if wav is None or not who:
        if wav is None:
            log.warning("chunk %d: not a PCM WAV header; no per-participant files", chunk.index)
        return ()
    permits = threading.Semaphore(options.concurrency)
    with ThreadPoolExecutor(options.concurrency, thread_name_prefix="archive-split") as pool:
        outputs = [_output(container, chunk, person, pool, permits) for person in who]
        try:
            _demux(wav, head, blocks, outputs, participant_block(options.block_size_bytes, wav.channels))
            for output in outputs:
                output.flush()
                output.stager.commit(blob_metadata(chunk, output.digest.hexdigest()), "audio/wav")
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


def _demux(wav: WavFormat, head: bytes, blocks: Iterator[bytes], outputs: list[Output], flush_at: int) -> None:
    """Deinterleave the PCM data into each output, after its mono header (a frame split over two blocks is
    carried to the next)."""
    for output in outputs:
        output.add(wav.mono_header(), flush_at)
    frame, width = wav.frame, wav.sample_width
    left, carry = wav.data_size, b""
    pieces = (piece for source in ([head[wav.data_offset :]], blocks) for piece in source)
    for piece in pieces:
        if left <= 0:
            return
        data = (carry + piece if carry else piece)[:left]
        whole = len(data) // frame * frame
        if whole:
            for output in outputs:
                output.add(_channel(data[:whole], output.participant["channel"], frame, width), flush_at)
        left -= whole
        carry = data[whole:]
    if left > 0:
        raise ArchiveTransientError(f"chunk media ended {left} bytes before its WAV data did")


def _channel(data: bytes, channel: int, frame: int, width: int) -> bytes:
    """The samples of one channel out of whole interleaved frames."""
    out = bytearray(len(data) // frame * width)
    for byte in range(width):
        out[byte::width] = data[channel * width + byte :: frame]
    return bytes(out)


def stored_blocks(container: ContainerClient, name: str, total: int, block: int) -> Iterator[bytes]:
    """The archived blob ``name`` in ranges of ``block`` bytes, one at a time."""
    blob = container.get_blob_client(name)

    def read(offset: int, length: int) -> bytes:
        data: bytes = blob.download_blob(offset=offset, length=length).readall()
        return data

    for offset in range(0, total, block):
        length = min(block, total - offset)
        yield storage_call(f"read {name}", lambda: read(offset, length))  # noqa: B023 (called at once)
