"""``GET /api/calls/{callId}/recordings/{recordingId}/files/{name}``: one archived file of a recording, to download.

A recording's files (``shared.review.files``) are named as the layout names them: ``manifest.json``, and for each archived chunk its media
(``chunk-0000.wav``), its ACS metadata document (``chunk-0000.metadata.json``) and, for an unmixed WAV, each
participant's mono WAV (``chunk-0000.{participant}.wav``). Any other name is a 404, so nothing outside the
recording's own folder can be asked for. Served by byte range as the media are (``review_media``: 206, pieces of at
most ``PIECE_BYTES``), with ``Content-Disposition: attachment``; the review page asks for the pieces and saves them
as one file.
"""

from __future__ import annotations

from azure.core.exceptions import AzureError

from shared import formats
from shared.domain.access import NO_CALLER, Caller
from shared.handlers import review_media
from shared.handlers.access import Target, logged
from shared.handlers.deps import Deps
from shared.handlers.replies import Reply, Served, error
from shared.handlers.review_archive import located
from shared.review.files import recording_files
from shared.review.ranges import ByteRange


def recording_file(
    call_id: str, recording_id: str, name: str, range_header: str | None, deps: Deps, caller: Caller = NO_CALLER
) -> Reply | Served:
    found = located(call_id, recording_id, deps)
    if isinstance(found, Reply):
        return found
    path = recording_files(*found).get(name)
    if path is None:
        return error(404, f"recording {recording_id} has no archived file {name!r}")
    if deps.archived is None:
        return error(501, "this app serves no archive reads")
    call, recording = found
    target = Target(
        route="recording_file", server_call_id=call.server_call_id, recording_id=recording.recording_id, blob=path
    )
    try:
        return logged(_piece(path, name, range_header, deps), target, caller, deps)
    except AzureError as exc:
        return error(503, f"archive storage unavailable: {exc}")


def _piece(path: str, name: str, range_header: str | None, deps: Deps) -> Reply | Served:
    assert deps.archived is not None
    head = deps.archived.read(path, 0, 1)
    if head is None:
        return error(404, f"{name} is not in the archive (yet)")
    wanted = review_media.wanted_range(range_header, head.size, review_media.PIECE_BYTES)
    if not isinstance(wanted, tuple):
        return wanted
    byte_range, status = wanted
    piece = deps.archived.read(path, byte_range.start, byte_range.length)
    if piece is None:
        return error(404, f"{name} is not in the archive (yet)")
    headers = {
        "Content-Type": formats.content_type_of_blob(name),
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    }
    if status == 206:
        end = byte_range.start + len(piece.data) - 1
        headers["Content-Range"] = ByteRange(byte_range.start, end).content_range(piece.size)
    return Served(status, piece.data, headers)
