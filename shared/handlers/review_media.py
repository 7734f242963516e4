"""``GET /api/calls/{callId}/recordings/{recordingId}/chunks/{index}``: an archived chunk's media by byte range.

Every answer is a ``206`` of at most ``PIECE_BYTES`` bytes read from Blob with one ranged download, so the memory
a request needs is bounded whatever the chunk's size (a media element asks again from where a piece ended). With
``?channel=N`` an unmixed WAV is served as the mono WAV of channel N, extracted from the interleaved frames the
range needs (``shared.review.wav``). A request without a (valid) Range header gets the whole media with ``200``
if it fits in one piece, else a ``400`` asking for a range.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from azure.core.exceptions import AzureError

from shared import formats, pcmwav
from shared.domain import Call, Chunk, Recording
from shared.domain.access import NO_CALLER, Caller
from shared.handlers.access import Target, logged
from shared.handlers.deps import Deps
from shared.handlers.jobs import chunk_ref
from shared.handlers.replies import Reply, Served, error
from shared.handlers.review_archive import located
from shared.review import wav
from shared.review.blobs import ArchiveReader
from shared.review.ranges import ByteRange, RangeNotSatisfiable, requested

PIECE_BYTES = 1024 * 1024
_NUMBER = re.compile(r"[0-9]{1,9}")


def chunk_media(
    call_id: str,
    recording_id: str,
    index: str,
    params: Mapping[str, str],
    range_header: str | None,
    deps: Deps,
    caller: Caller = NO_CALLER,
) -> Reply | Served:
    found = located(call_id, recording_id, deps)
    if isinstance(found, Reply):
        return found
    call, recording = found
    chunk = recording.chunk(int(index)) if _NUMBER.fullmatch(index) else None
    if chunk is None:
        return error(404, f"recording {recording_id} has no chunk {index!r}")
    if not chunk.archived or chunk.size is None:
        return error(409, f"chunk {chunk.index} is not archived yet")
    if deps.archived is None:
        return error(501, "this app serves no archive reads")
    path, channel = _media(call, recording, chunk), params.get("channel", "")
    target = Target(
        route="chunk_media", server_call_id=call.server_call_id, recording_id=recording.recording_id, blob=path,
        channel=int(channel) if _NUMBER.fullmatch(channel) else None,
    )  # fmt: skip
    try:
        if channel != "":
            return logged(_channel(recording, chunk, path, channel, range_header, deps.archived), target, caller, deps)
        return logged(_whole(recording, chunk, path, range_header, deps.archived), target, caller, deps)
    except AzureError as exc:
        return error(503, f"archive storage unavailable: {exc}")


def _media(call: Call, recording: Recording, chunk: Chunk) -> str:
    """The chunk's media blob, where the layout puts it for the call's and recording's ids."""
    return chunk_ref(call, recording, chunk.index).paths.media


def _whole(
    recording: Recording, chunk: Chunk, path: str, range_header: str | None, archived: ArchiveReader
) -> Reply | Served:
    size = chunk.size or 0
    wanted = wanted_range(range_header, size, PIECE_BYTES)
    if not isinstance(wanted, tuple):
        return wanted
    piece = archived.read(path, wanted[0].start, wanted[0].length)
    if piece is None or piece.size != size:
        return error(409, f"the archived media of chunk {chunk.index} is not the {size} bytes that were verified")
    return _partial(piece.data, wanted, size, _content_type(recording), chunk.sha256)


def _channel(
    recording: Recording, chunk: Chunk, path: str, text: str, range_header: str | None, archived: ArchiveReader
) -> Reply | Served:
    if _format(recording) != "wav":
        return error(400, "channel: only a WAV recording can be split by channel")
    size = chunk.size or 0
    head = archived.read(path, 0, min(size, wav.HEADER_READ_BYTES))
    if head is None:
        return error(409, f"the archived media of chunk {chunk.index} is missing")
    try:
        source = pcmwav.read_layout(head.data, size)
    except pcmwav.NotPcmWav as exc:
        return error(409, f"chunk {chunk.index} cannot be split by channel: {exc}")
    if not _NUMBER.fullmatch(text) or int(text) >= source.channels:
        return error(400, f"channel: must be a channel number from 0 to {source.channels - 1}, not {text!r}")
    wanted = wanted_range(range_header, source.mono_size, PIECE_BYTES // source.channels)
    if not isinstance(wanted, tuple):
        return wanted
    span = wav.source_span(source, wanted[0])
    frames = b""
    if span is not None:
        piece = archived.read(path, span.offset, span.length)
        frames = piece.data if piece is not None else b""
    body = wav.mono_range(source, wanted[0], frames, int(text))
    return _partial(body, wanted, source.mono_size, formats.WAV.content_type, f"{chunk.sha256}-{text}")


def wanted_range(range_header: str | None, size: int, cap: int) -> tuple[ByteRange, int] | Reply | Served:
    """The range to serve and its status (206; 200 for the whole media asked without a range)."""
    try:
        found = requested(range_header, size, cap)
    except RangeNotSatisfiable:
        return Served(416, b"", {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
    if found is not None:
        return found, 206
    if size > cap:
        return error(400, f"the media is {size} bytes: ask for it by Range (bytes=start-end), {cap} bytes at a time")
    return ByteRange(0, size - 1), 200


def _partial(body: bytes, wanted: tuple[ByteRange, int], size: int, content_type: str, tag: str) -> Served:
    start, status = wanted[0].start, wanted[1]
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "ETag": f'"{tag}"',
        "Cache-Control": "private, max-age=3600",
    }
    if status == 206:
        headers["Content-Range"] = ByteRange(start, start + len(body) - 1).content_range(size)
    return Served(status, body, headers)


def _format(recording: Recording) -> str:
    if recording.files is not None and recording.files.format:
        return recording.files.format.lower()
    return recording.options.format if recording.options is not None else ""


def _content_type(recording: Recording) -> str:
    return formats.content_type(_format(recording))
